"""The Celery worker: fetch and parse batches of companies, nothing else (no database).

    jobscraper worker [--concurrency N] [--broker URL]
    celery -A scraper.remote.worker worker        # the same, configured from the environment

A task is a batch of companies of one run. Its companies run on the worker process's one
event loop, with one Fetcher per run: N requests in flight per worker (``--concurrency``, else
``JOBSCRAPER_CONCURRENCY``, default 16), ``JOBSCRAPER_PER_HOST`` per host across all workers
(``slots``). At most ``ADMIT_PER_SLOT`` x N companies are under way at once: a task returns
once all its companies are admitted, so a busy worker takes no more tasks and the queue goes
to the workers with room. Each company's 'started' and its result (JSON, refused when over the
run's size cap) are pushed on the run's event list as they happen, a few per Redis round
trip; the app pops them. The worker announces itself with a heartbeat key and says 'claimed'
when it receives a task.
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
from scraper.remote.wire import WireError, decode_company, decode_settings, encode_result
from scraper.runner import scrape_one

log = logging.getLogger(__name__)

BROKER_ENV = "JOBSCRAPER_BROKER"
HEARTBEAT_ENV = "JOBSCRAPER_HEARTBEAT_S"
RUN_IDLE_S = 60.0  # a run's Fetcher is closed this long after its last company
WATCH_S = 0.2  # how often a worker checks a run's state (cancel)
ADMIT_PER_SLOT = 4  # companies under way per request slot: enough to keep every slot busy
FLUSH_S = 0.005  # events wait this long to share a round trip with the next ones
RETRY_PUSH_S = 0.5  # events that could not be pushed are tried again this often
DRAIN_S = 60.0  # a warm shutdown waits this long for the companies under way


def _broker_from_env() -> str:
    return os.environ.get(BROKER_ENV, "").strip() or "redis://localhost:6379/0"


app = common.make_celery(_broker_from_env())


@dataclass
class _Run:
    """A run as one worker process sees it: its Fetcher, its cancel signal, its companies."""

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
        self._tasks: set[asyncio.Task[Any]] = set()
        self._outbox: dict[str, list[str]] = {}  # run events key -> events not yet pushed
        self._flushing = False
        self._ready = threading.Event()
        threading.Thread(target=self._serve, name="jobscraper-worker-loop", daemon=True).start()
        self._ready.wait()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.redis = aioredis.from_url(self.broker, socket_connect_timeout=3,
                                       socket_timeout=common.REDIS_TIMEOUT_S)
        self._lock = asyncio.Lock()
        self._admit = asyncio.Semaphore(ADMIT_PER_SLOT * self.concurrency)
        self._ready.set()
        self.loop.run_forever()

    def scrape_batch(self, tid: str, run_key: str, items: list[Any], settings: FetchSettings,
                     now: datetime, max_bytes: int) -> int:
        """Admit a batch's companies on the loop (from a pool thread); return their number once
        every one is under way or done. Their results are pushed as they come."""
        coro = self._batch(tid, run_key, items, settings, now, max_bytes)
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def _batch(self, tid: str, run_key: str, items: list[Any], settings: FetchSettings,
                     now: datetime, max_bytes: int) -> int:
        companies = [_item(x) for x in items]
        try:
            wanted = await self._wanted(run_key)
            run = await self._run(run_key, settings) if wanted else None
        except (aioredis.RedisError, OSError) as exc:
            why = common.hide_password(f"{type(exc).__name__}: {exc}", self.broker)
            for index, _ in companies:
                self._send(run_key, {"kind": "result", "task": tid, "index": index,
                                     "worker": self.name, "error": f"Redis: {why}"})
            return 0
        if run is None:
            # Cancelled, ended, or a stale redelivery of a run long over: do no work.
            for index, company in companies:
                if company is not None:
                    cancelled = CompanyResult(company, "cancelled", error="cancelled")
                    self._send_result(run_key, tid, index, cancelled, max_bytes)
            return 0
        for index, company in companies:
            if company is None:
                self._send(run_key, {"kind": "result", "task": tid, "index": index,
                                     "worker": self.name, "error": "unreadable company"})
                continue
            await self._admit.acquire()
            if self._runs.get(run_key) is not run and not run.cancel.is_set():
                run = await self._run(run_key, settings)  # closed while idle (another run's turn)
            run.active += 1
            task = asyncio.create_task(self._company(run, run_key, tid, index, company, now,
                                                     max_bytes))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(companies)

    async def _company(self, run: _Run, run_key: str, tid: str, index: int, company: Company,
                       now: datetime, max_bytes: int) -> None:
        def on_event(event: ScrapeEvent) -> None:
            if event.kind == "started":
                self._send(run_key, {"kind": "started", "task": tid, "index": index,
                                     "worker": self.name})

        try:
            if run.cancel.is_set():
                result = CompanyResult(company, "cancelled", error="cancelled")
            else:
                result = await scrape_one(run.fetcher, company, on_event=on_event, now=now)
            self._send_result(run_key, tid, index, result, max_bytes)
        finally:
            run.active -= 1
            run.idle_since = time.monotonic()
            self._admit.release()

    def _send_result(self, run_key: str, tid: str, index: int, result: CompanyResult,
                     max_bytes: int) -> None:
        body = result_json(result, max_bytes)
        head = json.dumps({"kind": "result", "task": tid, "index": index, "worker": self.name})
        self._queue(run_key, f'{head[:-1]}, "result": {body}}}')

    def _send(self, run_key: str, event: dict[str, Any]) -> None:
        self._queue(run_key, json.dumps(event))

    def _queue(self, run_key: str, event: str) -> None:
        self._outbox.setdefault(common.run_events_key(run_key), []).append(event)
        if not self._flushing:
            self._flushing = True
            task = self.loop.create_task(self._flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _flush(self) -> None:
        """Push what the outbox holds, a pipeline per round; on a Redis error keep it and try
        again (the app gives the run up when Redis stays away: BrokerLost)."""
        try:
            await asyncio.sleep(FLUSH_S)
            while self._outbox:
                batch, self._outbox = self._outbox, {}
                try:
                    pipe = self.redis.pipeline(transaction=False)
                    for key, events in batch.items():
                        pipe.rpush(key, *events)
                        pipe.expire(key, common.RUN_TTL_S)
                    await pipe.execute()
                except (aioredis.RedisError, OSError) as exc:
                    log.warning("cannot push %d events: %s (trying again)",
                                sum(map(len, batch.values())),
                                common.hide_password(str(exc), self.broker))
                    for key, events in batch.items():
                        self._outbox[key] = events + self._outbox.get(key, [])
                    await asyncio.sleep(RETRY_PUSH_S)
        finally:
            self._flushing = False

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

    def drain(self, timeout_s: float) -> None:
        """Wait (from another thread) until every admitted company has ended and its events
        are pushed, or ``timeout_s``."""
        async def idle() -> None:
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(TimeoutError):
            asyncio.run_coroutine_threadsafe(idle(), self.loop).result(timeout_s)

    def claim(self, tid: str) -> None:
        """Tell the app this worker holds task ``tid`` (from the consumer thread)."""
        run_key = common.run_of_task(tid)
        if run_key is None:
            return
        event = json.dumps({"kind": "claimed", "task": tid, "worker": self.name})
        key = common.run_events_key(run_key)
        try:
            pipe = self.sync.pipeline(transaction=False)
            pipe.rpush(key, event)
            pipe.expire(key, common.RUN_TTL_S)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("cannot report task %s claimed: %s", tid, exc)


def _item(x: Any) -> tuple[int, Company | None]:
    """(index, company) of one ``[index, company]`` of a batch; None for an unreadable one."""
    if not (isinstance(x, list) and len(x) == 2 and isinstance(x[0], int)):
        raise WireError("a batch item must be [index, company]")
    try:
        return x[0], decode_company(x[1])
    except WireError:
        return x[0], None


def result_json(result: CompanyResult, max_bytes: int) -> str:
    """The result's JSON, or a failed result saying why when that is over ``max_bytes``."""
    body = json.dumps(encode_result(result), ensure_ascii=False)
    size = len(body.encode())
    if size <= max_bytes:
        return body
    error = (f"result too large: {len(result.jobs)} jobs are {human_bytes(size)} of JSON, "
             f"over the {human_bytes(max_bytes)} a worker may send (refused)")
    return json.dumps(encode_result(CompanyResult(result.company, "failed", (), error,
                                                  result.duration_ms, result.requests)))


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


@app.task(name=common.TASK_NAME, bind=True, ignore_result=True)
def scrape_batch(self: Any, run_key: str, items: list[Any], settings: dict[str, Any],
                 now: str, max_bytes: int) -> int:
    """A batch of ``[index, company]`` of one run; results go on the run's event list."""
    if not isinstance(items, list):
        raise WireError("a batch must be a list")
    return engine(self.request.hostname).scrape_batch(
        self.request.id, run_key, items, decode_settings(settings),
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
    # A warm shutdown (SIGTERM) finishes the companies under way, heartbeat still alive, so
    # the app gets their results rather than sending them again; a cold one (SIGQUIT) does not.
    if _engine is not None:
        log.info("finishing the companies under way (at most %g s)", DRAIN_S)
        _engine.drain(DRAIN_S)
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
    if concurrency:
        os.environ["JOBSCRAPER_CONCURRENCY"] = str(concurrency)
    broker_url = app.conf.broker_url
    try:
        common.check_broker_url(broker_url)
    except common.BrokerUrlError as exc:
        print(f"jobscraper worker: {exc}", file=sys.stderr)
        return 1
    argv = ["worker", "--pool=threads", f"--concurrency={common.FEEDERS}", "--loglevel=INFO",
            "-Q", common.QUEUE, "-n", default_name(), "--without-gossip", "--without-mingle",
            *extra]
    app.worker_main(argv)
    return 0
