"""Fetcher against a local aiohttp server: retries, caps, redirects, timeouts, cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import random
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import pytest
from aiohttp import web

from scraper.errors import FetchError
from scraper.fetch import (
    USER_AGENT,
    Cancelled,
    Fetcher,
    FetchSettings,
    parse_retry_after,
)

FAST = FetchSettings(timeout_s=5.0, backoff_s=0.01, max_bytes=1000)


class Server:
    """A local server whose handlers record how often each path was hit."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.agents: list[str] = []
        self.base = ""

    def count(self, request: web.Request) -> int:
        self.agents.append(request.headers.get("User-Agent", ""))
        n = self.hits.get(request.path, 0) + 1
        self.hits[request.path] = n
        return n


SERVER = web.AppKey("server", Server)


async def _flaky(request: web.Request) -> web.Response:
    n = request.app[SERVER].count(request)
    if n < 3:
        return web.Response(status=500, text="oops")
    return web.json_response({"ok": True, "attempt": n})


async def _always_500(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.Response(status=503)


async def _rate_limited(request: web.Request) -> web.Response:
    n = request.app[SERVER].count(request)
    if n == 1:
        return web.Response(status=429, headers={"Retry-After": "1"})
    return web.Response(text="finally")


async def _rate_limited_long(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.Response(status=429, headers={"Retry-After": "3600"})


async def _missing(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.json_response({"ok": False, "error": "Document not found"}, status=404)


async def _huge(request: web.Request) -> web.StreamResponse:
    request.app[SERVER].count(request)
    resp = web.StreamResponse()  # chunked: no Content-Length to check up front
    await resp.prepare(request)
    for _ in range(10):
        await resp.write(b"x" * 500)
    return resp


async def _huge_declared(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.Response(body=b"y" * 5000)


async def _loop(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    raise web.HTTPFound("/loop")


async def _to_ftp(request: web.Request) -> web.Response:
    raise web.HTTPFound("ftp://example.org/file")


async def _hop(request: web.Request) -> web.Response:
    raise web.HTTPFound("/json")


async def _json(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.json_response({"jobs": [1, 2]})


async def _bad_json(request: web.Request) -> web.Response:
    return web.Response(text='{"jobs": [1, 2,', content_type="application/json")


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"method": request.method, "body": await request.json()})


async def _to_file(request: web.Request) -> web.Response:
    raise web.HTTPFound("file:///etc/passwd")


async def _to_javascript(request: web.Request) -> web.Response:
    raise web.HTTPFound("javascript:alert(1)")


async def _to_bad_ipv6(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "http://[::1/x"})


# 30 MB of zeros gzip to ~30 KB: the cap must count what aiohttp decompresses, not the wire.
GZIP_BOMB = gzip.compress(b"\0" * (30 * 2**20), 9)


async def _gzip_bomb(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.Response(body=GZIP_BOMB, headers={"Content-Encoding": "gzip"},
                        content_type="application/json")


async def _gzip_small(request: web.Request) -> web.Response:
    return web.Response(body=gzip.compress(b'{"jobs": []}'), headers={"Content-Encoding": "gzip"},
                        content_type="application/json")


async def _status(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    return web.Response(status=int(request.match_info["code"]), text="no")


async def _slow(request: web.Request) -> web.Response:
    request.app[SERVER].count(request)
    await asyncio.sleep(30)
    return web.Response(text="late")


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    app = web.Application()
    app[SERVER] = srv
    for path, handler in {
        "/flaky": _flaky,
        "/500": _always_500,
        "/429": _rate_limited,
        "/429-long": _rate_limited_long,
        "/missing": _missing,
        "/huge": _huge,
        "/huge-declared": _huge_declared,
        "/loop": _loop,
        "/to-ftp": _to_ftp,
        "/hop": _hop,
        "/json": _json,
        "/bad-json": _bad_json,
        "/slow": _slow,
        "/to-file": _to_file,
        "/to-javascript": _to_javascript,
        "/to-bad-ipv6": _to_bad_ipv6,
        "/gzip-bomb": _gzip_bomb,
        "/gzip-small": _gzip_small,
        "/status/{code}": _status,
    }.items():
        app.router.add_get(path, handler)
    app.router.add_post("/echo", _echo)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    srv.base = f"http://127.0.0.1:{port}"
    yield srv
    await runner.cleanup()


async def _fetch_error(url: str, settings: FetchSettings = FAST) -> FetchError:
    async with Fetcher(settings) as f:
        with pytest.raises(FetchError) as info:
            await f.get_text(url)
    return info.value


async def test_server_errors_are_retried_until_ok(server: Server) -> None:
    async with Fetcher(FAST) as f:
        data = await f.get_json(f"{server.base}/flaky")
    assert data == {"ok": True, "attempt": 3}
    assert f.requests == 3


async def test_persistent_server_error_names_status_and_attempts(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/500")
    assert (err.reason, err.status) == ("HTTP 503 after 3 attempts", 503)
    assert server.hits["/500"] == 3


async def test_429_waits_for_retry_after(server: Server) -> None:
    async with Fetcher(FAST) as f:
        started = time.monotonic()
        text = await f.get_text(f"{server.base}/429")
        waited = time.monotonic() - started
    assert text == "finally"
    assert server.hits["/429"] == 2
    assert waited >= 0.9  # a lower bound only: Retry-After: 1 beat the 10 ms backoff


def test_retry_after_is_capped_and_replaces_the_backoff() -> None:
    f = Fetcher(FAST)
    assert (f._backoff(1, 7.0), f._backoff(1, 3600.0)) == (7.0, 30.0)


async def test_429_asking_longer_than_the_budget_fails_at_once(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/429-long")  # budget: 3 x 5 s < 30 s cap
    assert (err.reason, err.status) == ("HTTP 429 too many requests", 429)
    assert server.hits["/429-long"] == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    when = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
    now = (when - timedelta(seconds=30)).timestamp()
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(when, usegmt=True), now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_404_is_not_retried(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/missing")
    assert (err.reason, err.status) == ("404 not found", 404)
    assert server.hits["/missing"] == 1


@pytest.mark.parametrize(("code", "reason"), [
    (400, "400 bad request"), (401, "401 unauthorized"), (403, "403 forbidden"),
    (410, "410 gone"), (451, "451 unavailable for legal reasons"),
])  # fmt: skip
async def test_other_4xx_are_not_retried(server: Server, code: int, reason: str) -> None:
    err = await _fetch_error(f"{server.base}/status/{code}")
    assert (err.reason, err.status) == (reason, code)
    assert server.hits[f"/status/{code}"] == 1


async def test_errors_name_the_url_and_what_happened(server: Server) -> None:
    url = f"{server.base}/500"
    err = await _fetch_error(url)
    assert (err.url, str(err)) == (url, f"HTTP 503 after 3 attempts ({url})")


def test_backoff_doubles_with_up_to_half_again_of_jitter() -> None:
    f = Fetcher(FetchSettings(backoff_s=1.0))
    random.seed(7)
    waits = [[f._backoff(attempt, None) for _ in range(200)] for attempt in (1, 2, 3)]
    for attempt, ws in zip((1, 2, 3), waits, strict=True):
        base = 2.0 ** (attempt - 1)
        assert all(base <= w <= base * 1.5 for w in ws), attempt
        assert len(set(ws)) == 200, attempt  # jittered: no two clients retry in lockstep


async def test_streamed_body_over_cap_is_refused(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/huge")
    assert err.reason == "response over 1000 bytes"


async def test_declared_length_over_cap_is_refused(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/huge-declared")
    assert err.reason == "response over 1000 bytes"


async def test_gzip_bomb_is_capped_on_decompressed_bytes(server: Server) -> None:
    assert len(GZIP_BOMB) < 100_000  # on the wire it is far under the 20 MB cap
    err = await _fetch_error(f"{server.base}/gzip-bomb", FetchSettings(timeout_s=10.0))
    assert (err.reason, err.status) == ("response over 20 MB", 200)
    assert server.hits["/gzip-bomb"] == 1  # a cap is not retried


async def test_gzip_body_is_decompressed(server: Server) -> None:
    async with Fetcher(FAST) as f:
        assert await f.get_json(f"{server.base}/gzip-small") == {"jobs": []}


async def test_default_cap_reads_in_megabytes() -> None:
    assert FetchSettings().max_bytes == 20 * 2**20
    from scraper.fetch import human_bytes

    assert human_bytes(FetchSettings().max_bytes) == "20 MB"


async def test_redirect_loop_ends_with_readable_error(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/loop")
    assert err.reason == "too many redirects (over 5)"
    assert server.hits["/loop"] == 6


async def test_redirect_is_followed(server: Server) -> None:
    async with Fetcher(FAST) as f:
        assert await f.get_json(f"{server.base}/hop") == {"jobs": [1, 2]}
    assert f.requests == 2


async def test_non_http_schemes_are_refused(server: Server) -> None:
    for url in ("file:///etc/passwd", "ftp://example.org/x"):
        err = await _fetch_error(url)
        assert err.reason.startswith("unsupported URL scheme"), url
    err = await _fetch_error("http://[::1/x")
    assert (err.url, err.reason) == ("http://[::1/x", "invalid URL")


@pytest.mark.parametrize(("path", "reason"), [
    ("/to-ftp", "redirect to 'ftp://example.org/file' refused: "
                "unsupported URL scheme 'ftp' (only http and https)"),
    ("/to-file", "redirect to 'file:///etc/passwd' refused: "
                 "unsupported URL scheme 'file' (only http and https)"),
    ("/to-javascript", "redirect to 'javascript:alert(1)' refused: "
                       "unsupported URL scheme 'javascript' (only http and https)"),
    ("/to-bad-ipv6", "redirect to 'http://[::1/x' refused: invalid URL"),
])  # fmt: skip
async def test_redirect_off_http_fails_naming_the_asked_url(
    server: Server, path: str, reason: str
) -> None:
    err = await _fetch_error(f"{server.base}{path}")
    assert (err.url, err.reason) == (f"{server.base}{path}", reason)


async def test_invalid_json_names_line_and_column(server: Server) -> None:
    async with Fetcher(FAST) as f:
        with pytest.raises(FetchError) as info:
            await f.get_json(f"{server.base}/bad-json")
    assert info.value.reason == "invalid JSON at line 1 column 16"


async def test_post_json_sends_body_and_user_agent(server: Server) -> None:
    async with Fetcher(FAST) as f:
        data = await f.post_json(f"{server.base}/echo", {"offset": 20})
        await f.get_text(f"{server.base}/json")
    assert data == {"method": "POST", "body": {"offset": 20}}
    assert server.agents == [USER_AGENT]


async def test_slow_response_times_out_with_readable_error(server: Server) -> None:
    err = await _fetch_error(f"{server.base}/slow", FetchSettings(timeout_s=0.3))
    assert err.reason == "timed out after 0.3 s"
    assert server.hits["/slow"] == 1


async def test_connection_refused_is_retried_then_reported() -> None:
    err = await _fetch_error("http://127.0.0.1:9/nothing")
    assert err.reason.startswith("cannot connect to 127.0.0.1:9")
    assert err.reason.endswith("after 3 attempts")


async def test_cancel_stops_request_in_flight(server: Server) -> None:
    cancel = threading.Event()
    async with Fetcher(FAST, cancel) as f:
        task = asyncio.create_task(f.get_text(f"{server.base}/slow"))
        await asyncio.sleep(0.2)
        assert server.hits["/slow"] == 1
        started = time.monotonic()
        cancel.set()
        with pytest.raises(Cancelled):
            await task
        assert time.monotonic() - started < 1.0


async def test_cancelled_fetcher_sends_nothing_more(server: Server) -> None:
    cancel = threading.Event()
    cancel.set()
    async with Fetcher(FAST, cancel) as f:
        with pytest.raises(Cancelled):
            await f.get_text(f"{server.base}/json")
    assert server.hits == {}


async def test_scopes_count_their_own_requests(server: Server) -> None:
    async with Fetcher(FAST) as f:
        a, b = f.scope(), f.scope()
        await a.get_text(f"{server.base}/json")
        await b.get_text(f"{server.base}/hop")
    assert (a.requests, b.requests, f.total_requests) == (1, 2, 3)


class Gate:
    """Local servers (one per port) whose requests wait, up to 5 s, until ``target`` are in
    flight at once over all ports or the gate opens; records the most seen in flight, in
    all and per port."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.in_flight: dict[int, int] = {}
        self.most: dict[int | None, int] = {}  # None: over all ports
        self.full = asyncio.Event()
        self.bases: list[str] = []

    @property
    def base(self) -> str:
        return self.bases[0]

    async def handle(self, request: web.Request) -> web.Response:
        port = int(request.host.rsplit(":", 1)[1])
        self.in_flight[port] = self.in_flight.get(port, 0) + 1
        total = sum(self.in_flight.values())
        self.most[port] = max(self.most.get(port, 0), self.in_flight[port])
        self.most[None] = max(self.most.get(None, 0), total)
        if total >= self.target:
            self.full.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.full.wait(), 5.0)
        await asyncio.sleep(0.01)
        self.in_flight[port] -= 1
        return web.Response(text="ok")


@contextlib.asynccontextmanager
async def gated(target: int, ports: int = 1) -> AsyncIterator[Gate]:
    gate = Gate(target)
    runners = []
    try:
        for _ in range(ports):
            app = web.Application()
            app.router.add_get("/{tail:.*}", gate.handle)
            runner = web.AppRunner(app, shutdown_timeout=0.1)
            runners.append(runner)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            gate.bases.append(f"http://127.0.0.1:{port}")
        yield gate
    finally:
        for runner in runners:
            await runner.cleanup()


async def test_global_limit_bounds_requests_in_flight() -> None:
    async with gated(3) as gate, Fetcher(FetchSettings(concurrency=3, per_host=10)) as f:
        await asyncio.gather(*(f.get_text(f"{gate.base}/{i}") for i in range(10)))
    assert gate.most[None] == 3


async def test_per_host_limit_counts_host_and_port_apart() -> None:
    settings = FetchSettings(concurrency=10, per_host=2)
    async with gated(4, ports=2) as gate, Fetcher(settings) as f:
        urls = [f"{base}/{i}" for i in range(6) for base in gate.bases]
        await asyncio.gather(*(f.get_text(u) for u in urls))
    # Two per port, and both ports at once: the same host on another port is another host.
    a, b = (int(base.rsplit(":", 1)[1]) for base in gate.bases)
    assert gate.most == {a: 2, b: 2, None: 4}


async def test_one_session_serves_every_scope(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[aiohttp.ClientSession] = []
    real = aiohttp.ClientSession

    def counting(*args: object, **kwargs: object) -> aiohttp.ClientSession:
        session = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(session)
        return session

    monkeypatch.setattr(aiohttp, "ClientSession", counting)
    async with Fetcher(FAST) as f:
        scopes = [f.scope() for _ in range(5)]
        await asyncio.gather(*(s.get_text(f"{server.base}/json") for s in scopes))
    assert (len(made), server.hits["/json"]) == (1, 5)


async def test_first_request_hook_fires_once_when_the_slot_is_taken() -> None:
    async with gated(99) as gate, Fetcher(FetchSettings(concurrency=1)) as f:
        calls: list[str] = []
        a = f.scope(lambda: calls.append("a"))
        b = f.scope(lambda: calls.append("b"))
        first = asyncio.create_task(a.get_text(f"{gate.base}/a"))
        while not gate.in_flight:
            await asyncio.sleep(0.01)
        second = asyncio.create_task(b.get_text(f"{gate.base}/b"))
        third = asyncio.create_task(a.get_text(f"{gate.base}/a2"))
        await asyncio.sleep(0.05)
        queued = list(calls)  # b waits for the only slot: not started yet
        gate.full.set()
        await asyncio.gather(first, second, third)
    assert (queued, sorted(calls), (a.requests, b.requests)) == (["a"], ["a", "b"], (2, 1))
