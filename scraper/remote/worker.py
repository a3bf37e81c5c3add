"""The Celery worker: fetch and parse one company per task, nothing else (no database).

    jobscraper worker [--concurrency N] [--broker URL]
    celery -A scraper.remote.worker worker        # the same, configured from the environment

Tasks run in a thread pool (2 x N threads) and share one event loop per worker process, with
one Fetcher per run: N requests in flight per worker (``--concurrency``, else
``JOBSCRAPER_CONCURRENCY``, default 16), ``JOBSCRAPER_PER_HOST`` per host across all workers
(``slots``). The worker announces itself with a heartbeat key; a task reports 'claimed' when
the worker receives it and 'started' when its first request is sent; its return value (JSON)
is the company's result, or a failure when over the run's size cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import redis
import redis.asyncio as aioredis
from celery import signals

from scraper.fetch import Fetcher, FetchSettings, human_bytes
from scraper.models import Company, CompanyResult, ScrapeEvent
from scraper.remote import common
from scraper.remote.slots import RedisHostGate
from scraper.remote.wire import decode_company, decode_settings, encode_result
from scraper.runner import scrape_one

log = logging.getLogger(__name__)

BROKER_ENV = "JOBSCRAPER_BROKER"
HEARTBEAT_ENV = "JOBSCRAPER_HEARTBEAT_S"
RUN_IDLE_S = 60.0  # a run's Fetcher is closed this long after its last task
WATCH_S = 0.2  # how often a worker checks a run's state (cancel)


def _broker_from_env() -> str:
    return os.environ.get(BROKER_ENV, "").strip() or "redis://localhost:6379/0"


app = common.make_celery(_broker_from_env())


@dataclass
class _Run:
    """A run as one worker process sees it: its Fetcher, its cancel signal, its tasks."""

    fetcher: Fetcher
    cancel: threading.Event
    active: int = 0
    idle_since: float = field(default_factory=time.monotonic)
    watcher: asyncio.Task[None] | None = None


class Engine:
    """The worker process's event loop (in a thread) and what lives on it."""

    def __init__(self, broker: str, name: str, concurrency: int) -> None:
        self.broker = broker
        self.name = name
        self.concurrency = concurrency
        self.sync = common.redis_client(broker)
        self.loop = asyncio.new_event_loop()
        self._runs: dict[str, _Run] = {}
        self._ready = threading.Event()
        threading.Thread(target=self._serve, name="jobscraper-worker-loop", daemon=True).start()
        self._ready.wait()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.redis = aioredis.from_url(self.broker, socket_connect_timeout=3,
                                       socket_timeout=common.REDIS_TIMEOUT_S)
        self._lock = asyncio.Lock()
        self._ready.set()
        self.loop.run_forever()

    def scrape(self, tid: str, run_key: str, company: Company, settings: FetchSettings,
               now: datetime, max_bytes: int) -> dict[str, Any]:
        """Run one company on the loop and wait for its encoded result (from a pool thread)."""
        coro = self._scrape(tid, run_key, company, settings, now, max_bytes)
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def _scrape(self, tid: str, run_key: str, company: Company, settings: FetchSettings,
                      now: datetime, max_bytes: int) -> dict[str, Any]:
        if not await self._wanted(run_key):
            # Cancelled, ended, or a stale redelivery of a run long over: do no work.
            return encode_result(CompanyResult(company, "cancelled", error="cancelled"))
        run = await self._run(run_key, settings)
        run.active += 1
        pushes: list[asyncio.Future[Any]] = []

        def on_event(event: ScrapeEvent) -> None:
            if event.kind == "started":
                pushes.append(asyncio.ensure_future(self._push(run_key, "started", tid)))

        try:
            result = await scrape_one(run.fetcher, company, on_event=on_event, now=now)
            await asyncio.gather(*pushes, return_exceptions=True)
        finally:
            run.active -= 1
            run.idle_since = time.monotonic()
        return refuse_oversized(encode_result(result), result, max_bytes)

    async def _wanted(self, run_key: str) -> bool:
        """The run is on: known here and not cancelled (its watcher reads the state), or
        said so by Redis."""
        known = self._runs.get(run_key)
        if known is not None:
            return not known.cancel.is_set()
        return await self.redis.get(common.run_state_key(run_key)) == b"running"

    async def _run(self, run_key: str, settings: FetchSettings) -> _Run:
        async with self._lock:
            run = self._runs.get(run_key)
            if run is None:
                cancel = threading.Event()
                gate = RedisHostGate(self.redis, settings.per_host, settings.timeout_s)
                # This worker's limits and its own JOBSCRAPER_ALLOW_PRIVATE, not the app's: the
                # app cannot steer a worker into the worker's private network.
                mine = replace(settings, concurrency=self.concurrency, allow_private=None)
                fetcher = Fetcher(mine, cancel, gate=gate)
                await fetcher.__aenter__()
                run = _Run(fetcher, cancel)
                run.watcher = asyncio.create_task(self._watch(run_key, run))
                self._runs[run_key] = run
            return run

    async def _watch(self, run_key: str, run: _Run) -> None:
        """Cancel the run's requests once the app says so; close its Fetcher when idle."""
        key = common.run_state_key(run_key)
        while True:
            await asyncio.sleep(WATCH_S)
            try:
                if await self.redis.get(key) != b"running":
                    run.cancel.set()
            except (aioredis.RedisError, OSError) as exc:
                log.warning("cannot read the state of run %s: %s", run_key, exc)
            idle = time.monotonic() - run.idle_since
            if run.active == 0 and (run.cancel.is_set() or idle > RUN_IDLE_S):
                async with self._lock:
                    self._runs.pop(run_key, None)
                await run.fetcher.__aexit__(None, None, None)
                return

    async def _push(self, run_key: str, kind: str, tid: str) -> None:
        await push_event(self.redis, run_key, kind, tid, self.name)

    def claim(self, tid: str) -> None:
        """Tell the app this worker holds task ``tid`` (from the consumer thread)."""
        parsed = common.parse_task_id(tid)
        if parsed is None:
            return
        event = json.dumps({"kind": "claimed", "task": tid, "worker": self.name})
        key = common.run_events_key(parsed[0])
        try:
            pipe = self.sync.pipeline(transaction=False)
            pipe.rpush(key, event)
            pipe.expire(key, common.RUN_TTL_S)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("cannot report task %s claimed: %s", tid, exc)


async def push_event(client: aioredis.Redis, run_key: str, kind: str, tid: str,
                     worker: str) -> None:
    key = common.run_events_key(run_key)
    event = json.dumps({"kind": kind, "task": tid, "worker": worker})
    try:
        pipe = client.pipeline(transaction=False)
        pipe.rpush(key, event)
        pipe.expire(key, common.RUN_TTL_S)
        await pipe.execute()
    except (aioredis.RedisError, OSError) as exc:
        log.warning("cannot report %s of task %s: %s", kind, tid, exc)


def refuse_oversized(payload: dict[str, Any], result: CompanyResult,
                     max_bytes: int) -> dict[str, Any]:
    """``payload``, or a failed result saying why when its JSON is over ``max_bytes``."""
    size = len(json.dumps(payload, ensure_ascii=False).encode())
    if size <= max_bytes:
        return payload
    error = (f"result too large: {len(result.jobs)} jobs are {human_bytes(size)} of JSON, "
             f"over the {human_bytes(max_bytes)} a worker may send (refused)")
    return encode_result(CompanyResult(result.company, "failed", (), error,
                                       result.duration_ms, result.requests))


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine(name: str | None = None) -> Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            broker = app.conf.broker_url or _broker_from_env()
            _engine = Engine(broker, name or default_name(), common.worker_concurrency())
        return _engine


def default_name() -> str:
    return f"jobscraper-{os.getpid()}@{socket.gethostname()}"


@app.task(name=common.TASK_NAME, bind=True)
def scrape_company(self: Any, run_key: str, company: dict[str, Any], settings: dict[str, Any],
                   now: str, max_bytes: int) -> dict[str, Any]:
    """One company's fetch and parse; the result's JSON (see ``scraper.remote.wire``)."""
    return engine(self.request.hostname).scrape(
        self.request.id, run_key, decode_company(company), decode_settings(settings),
        datetime.fromisoformat(now), int(max_bytes))


class Heartbeat:
    """Keeps this worker's key in Redis alive: name, concurrency, last seen (unix time)."""

    def __init__(self, broker: str, name: str, concurrency: int, every_s: float) -> None:
        self.key = common.worker_key(name)
        self.info = {"name": name, "concurrency": concurrency, "pid": os.getpid(),
                     "host": socket.gethostname(), "started": time.time()}
        self.every_s = every_s
        self.ttl_ms = int(max(3 * every_s, every_s + 2) * 1000)
        self.client = common.redis_client(broker)
        self.stop = threading.Event()

    def beat(self) -> None:
        info = dict(self.info, last_seen=time.time())
        self.client.set(self.key, json.dumps(info), px=self.ttl_ms)

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            try:
                self.beat()
            except redis.RedisError as exc:
                log.warning("heartbeat failed: %s", exc)

    def end(self) -> None:
        self.stop.set()
        with contextlib.suppress(redis.RedisError):
            self.client.delete(self.key)


_heartbeat: Heartbeat | None = None


def _heartbeat_s() -> float:
    try:
        return max(0.1, float(os.environ.get(HEARTBEAT_ENV, "") or 2.0))
    except ValueError:
        return 2.0


@signals.worker_ready.connect
def _on_ready(sender: Any = None, **_: Any) -> None:
    global _heartbeat
    name = getattr(sender, "hostname", None) or default_name()
    eng = engine(name)
    _heartbeat = Heartbeat(eng.broker, name, eng.concurrency, _heartbeat_s())
    _heartbeat.beat()
    # Celery logs each task received (with its arguments) and each return value (whole job
    # lists): a cost per company, and noise. Outcomes are the app's to show.
    for noisy in ("celery.app.trace", "celery.worker.strategy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    threading.Thread(target=_heartbeat.run, name="jobscraper-heartbeat", daemon=True).start()
    log.info("jobscraper worker %s ready: %d requests in flight, broker %s", name,
             eng.concurrency, common.safe_url(eng.broker))


@signals.worker_shutdown.connect
def _on_shutdown(**_: Any) -> None:
    if _heartbeat is not None:
        _heartbeat.end()


@signals.task_received.connect
def _on_received(request: Any = None, **_: Any) -> None:
    if request is not None and request.name == common.TASK_NAME:
        engine(request.hostname).claim(request.id)


def main(concurrency: int | None = None, broker: str | None = None,
         extra: Sequence[str] = ()) -> int:
    """`jobscraper worker`: a Celery worker consuming the project's queue."""
    if broker:
        os.environ[BROKER_ENV] = broker
        app.conf.broker_url = broker
        app.conf.result_backend = broker
    if concurrency:
        os.environ["JOBSCRAPER_CONCURRENCY"] = str(concurrency)
    n = common.worker_concurrency()
    broker_url = app.conf.broker_url
    try:
        common.check_broker_url(broker_url)
    except common.BrokerUrlError as exc:
        print(f"jobscraper worker: {exc}", file=sys.stderr)
        return 1
    argv = ["worker", "--pool=threads", f"--concurrency={2 * n}", "--loglevel=INFO",
            "-Q", common.QUEUE, "-n", default_name(), "--without-gossip", "--without-mingle",
            *extra]
    app.worker_main(argv)
    return 0
