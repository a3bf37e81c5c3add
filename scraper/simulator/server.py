"""The simulator's server: a thread with an event loop serving every format's routes on a few
ports, the board list at ``/`` and the control endpoint ``POST /_control/day``."""

from __future__ import annotations

import asyncio
import html
import json
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from scraper.simulator import faults, formats
from scraper.simulator.generate import Generator
from scraper.simulator.world import Board, SimJob, page_html

CACHE_MAX_BYTES = 64 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Simulator:
    """Serves generated boards on 127.0.0.1 from a background thread; see the package docstring."""

    def __init__(
        self,
        boards: int = 27,
        *,
        latency_ms: int = 0,
        seed: int = 1,
        ports: int = 3,
        port: int = 0,
        failures: bool = False,
        day: int = 0,
        slow_s: float = 30.0,
        now: datetime | None = None,
    ) -> None:
        """``now``: the moment every simulated day stands for (default: this hour, UTC), so
        posting dates are relative to the simulated day and date filters find jobs."""
        self.latency_ms = latency_ms
        self.seed = seed
        self.slow_s = slow_s
        self.request_count = 0
        self._day = day
        self._port = port
        self._nports = max(1, ports)
        self._now = (now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)).astimezone(UTC)
        self._gen = Generator(seed, self._now, day)
        self._boards = self._gen.make_boards(boards, failures)
        self._by_slug = {b.slug: b for b in self._boards}
        self._ports: list[int] = [port + i for i in range(self._nports)] if port else []
        self._hits: dict[tuple[str, int], int] = {}
        # What a format module keeps between requests (Breezy's request times), by format.
        self.scratch: dict[str, dict[str, Any]] = {}
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._cache_bytes = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closing: asyncio.Event | None = None
        self._runners: list[web.AppRunner] = []
        self._error: BaseException | None = None

    # Python API

    def start(self) -> Simulator:
        """Start serving in a daemon thread; returns once every port listens."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="board-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving; pending slow responses end at once."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def day(self) -> int:
        return self._day

    def set_day(self, day: int) -> None:
        """Make every board list its jobs of ``day`` from now on, dated as if ``day`` were today."""
        if int(day) != self._day:
            self._day = int(day)
            self._gen.set_calendar(self._now, self._day)
            self._cache, self._cache_bytes = {}, 0  # payloads of other days carry other dates

    @property
    def ports(self) -> list[int]:
        """The ports served (known before start only when a fixed ``port`` was given)."""
        return list(self._ports)

    def companies(self) -> list[dict[str, Any]]:
        """One dict per board: name, ats, board, url (API endpoint; careers page for jsonld), failure."""
        return [
            {"name": b.name, "ats": b.ats, "board": b.slug, "url": self.url_of(b.slug), "failure": b.failure}
            for b in self._boards
        ]

    def url_of(self, board: str) -> str:
        """The URL a scraper should fetch for ``board``."""
        b = self._board(board)
        return self._base(b) + formats.endpoint_path(b)

    def expected_job_ids(self, board: str, day: int | None = None) -> set[str]:
        """External ids ``board`` lists on ``day`` (default: today) to a patient, retrying client."""
        b = self._board(board)
        if b.failure is not None and b.failure not in faults.RECOVERING:
            return set()
        jobs = self._gen.jobs_on(b, self._day if day is None else day)
        return {formats.external_id(b, j) for j in jobs if formats.listed(b, j)}

    def write_companies(self, path: str | Path) -> None:
        """Write the companies TOML of DESIGN.md (name, url, ats, board)."""
        lines = ["# Boards served by `jobscraper simulate` (scraper/simulator/).", ""]
        for c in self.companies():
            lines += ["[[company]]"] + [f"{key} = {json.dumps(c[key])}" for key in ("name", "url", "ats", "board")]
            if c["failure"]:
                lines[-4] += f"  # fails on purpose: {c['failure']}"
            lines.append("")
        Path(path).write_text("\n".join(lines), encoding="utf-8")

    # What the format modules' handlers use

    def lookup(self, ats: str, slug: str) -> Board | None:
        """The board ``slug`` when it is served as ``ats`` (an embedding jsonld board is also Greenhouse)."""
        board = self._by_slug.get(slug)
        if board is None:
            return None
        if board.ats == ats or (ats == "greenhouse" and board.variant == "embed"):
            return board
        return None

    def boards_of(self, ats: str) -> list[Board]:
        """Every board served as ``ats`` (formats that look boards up by something else than
        the slug: an Oracle site number, a JOIN company id)."""
        return [b for b in self._boards if b.ats == ats]

    def jobs(self, board: Board) -> list[SimJob]:
        """The jobs ``board`` lists today."""
        return self._gen.jobs_on(board, self._day)

    def today(self) -> datetime:
        """The simulated day's "now": whatever the day, the moment the simulator stands for."""
        return self._now

    async def fault(self, request: web.Request, board: Board) -> web.StreamResponse | None:
        """The misbehaviour of a failure board, or None when it serves normally this time."""
        return await faults.respond(self, request, board)

    def count_hit(self, board: Board) -> int:
        """Count a request to ``board`` today; returns today's count so far."""
        key = (board.slug, self._day)
        self._hits[key] = self._hits.get(key, 0) + 1
        return self._hits[key]

    @property
    def closing(self) -> asyncio.Event:
        """Set when the server shuts down (slow responses end early)."""
        assert self._closing is not None
        return self._closing

    def json_body(self, key: tuple[Any, ...], build: Callable[[], Any]) -> web.Response:
        """A JSON response of ``build()``, cached per ``key`` and day."""
        return web.Response(body=self.cached(key, lambda: json.dumps(build(), ensure_ascii=False).encode()),
                            content_type="application/json", charset="utf-8")  # fmt: skip

    def cached(self, key: tuple[Any, ...], build: Callable[[], bytes]) -> bytes:
        """``build()``'s bytes, cached per ``key`` and day."""
        full = (*key, self._day)
        body = self._cache.get(full)
        if body is None:
            body = build()
            if self._cache_bytes + len(body) > CACHE_MAX_BYTES:
                self._cache.clear()  # a crude bound: rebuilding a payload takes milliseconds
                self._cache_bytes = 0
            self._cache[full] = body
            self._cache_bytes += len(body)
        return body

    # Internals

    def _board(self, slug: str) -> Board:
        try:
            return self._by_slug[slug]
        except KeyError:
            raise KeyError(f"no simulated board {slug!r}; see Simulator.companies()") from None

    def _base(self, board: Board) -> str:
        if not self._ports:
            raise RuntimeError("ports are chosen at start(): call start() first or pass port=")
        return f"http://127.0.0.1:{self._ports[board.index % len(self._ports)]}"

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except OSError as exc:
            self._error = exc
            loop.run_until_complete(self._shutdown())
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _serve(self) -> None:
        self._closing = asyncio.Event()
        ports: list[int] = []
        for i in range(self._nports):
            app = web.Application(middlewares=[self._middleware], client_max_size=1024**2)
            app.add_routes(self._routes())
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
            await runner.setup()
            self._runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", self._port + i if self._port else 0)
            await site.start()
            ports.append(runner.addresses[0][1])
        self._ports = ports

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()
        for runner in self._runners:
            await runner.cleanup()
        self._runners = []

    def _routes(self) -> list[web.RouteDef]:
        control = [web.get("/", self._index), web.post("/_control/day", self._control_day)]
        return control + formats.routes(self)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.request_count += 1
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        return await handler(request)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        rows = "".join(
            f'<li>{html.escape(b.name)} [{b.ats}{", fails: " + b.failure if b.failure else ""}] '
            f'<a href="{self.url_of(b.slug)}">{html.escape(self.url_of(b.slug))}</a></li>'
            for b in self._boards
        )
        body = f"<h1>Board simulator, day {self._day}</h1><ul>{rows}</ul>"
        return web.Response(text=page_html("Board simulator", body), content_type="text/html")

    async def _control_day(self, request: web.Request) -> web.StreamResponse:
        try:
            payload = await request.json()
            self.set_day(int(payload["day"]))
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"error": f'expected {{"day": <int>}}: {exc}'}, status=400)
        return web.json_response({"day": self._day})


def cli_simulate(*, port: int, boards: int, latency_ms: int, seed: int, write_companies: str | None) -> int:
    """`jobscraper simulate`: serve in the foreground until Ctrl-C."""
    sim = Simulator(boards, latency_ms=latency_ms, seed=seed, port=port, failures=True)
    try:
        sim.start()
    except OSError as exc:
        print(f"jobscraper simulate: cannot listen on ports {port}-{port + 2}: {exc.strerror}")
        return 1
    first = f"http://127.0.0.1:{sim.ports[0]}"
    print(f"Simulating {boards} boards (+{len(faults.FAILURE_BOARDS)} failing ones), seed {seed}, "
          f"latency {latency_ms} ms, on {', '.join(f'127.0.0.1:{p}' for p in sim.ports)}")  # fmt: skip
    print(f"  board list:   {first}/")
    if write_companies:
        sim.write_companies(write_companies)
        print(f"  companies:    {write_companies}  ->  jobscraper scrape --companies {write_companies}")
    else:
        print("  companies:    --write-companies FILE, or data/demo_companies.toml for the defaults")
    print(f"  next day:     curl -X POST -d '{{\"day\": 1}}' {first}/_control/day")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping")
    finally:
        sim.stop()
    return 0
