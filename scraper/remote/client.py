"""The app's side: ``RemoteRunner.scrape`` hands companies to Celery workers, a batch per
task, and reports the same events and results as ``scraper.runner.scrape`` as the workers push
them on the run's event list; ``online_workers`` lists workers.

Every wait is bounded: a worker whose heartbeat stops has its companies sent again (once) or
ended ``failed: worker lost``; a broker that stops answering ends the run within
``broker_lost_s`` (BrokerLost); one unreachable at the start raises BrokerUnavailable before
anything is sent."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from celery import Celery
from kombu.exceptions import KombuError

from scraper.errors import ScraperError
from scraper.fetch import FetchSettings, human_bytes
from scraper.models import Company, CompanyResult, ScrapeEvent
from scraper.remote import common
from scraper.remote.wire import WireError, decode_result, encode_company, encode_settings

log = logging.getLogger(__name__)

EventHandler = Callable[[ScrapeEvent], None]
_KIND = {"ok": "finished", "failed": "failed", "cancelled": "cancelled"}
SEND_BATCH = 20  # tasks handed to Celery between two reads of events (a cancel waits for them)
MAX_BATCH = 16  # companies per task at most
CHECK_S = 0.5  # how often a run looks for lost workers
_BROKER_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, KombuError, OSError)


class BrokerError(ScraperError):
    """The broker (Redis) cannot be used; the message says what to do."""


class BrokerUnavailable(BrokerError):
    """The broker did not answer when the run started: nothing was sent."""


class BrokerLost(BrokerError):
    """The broker stopped answering during the run."""


class NoWorkers(BrokerError):
    """No worker came online within the wait."""


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """Bounds of a remote run. A worker is lost once its heartbeat key has expired."""

    max_result_bytes: int = common.DEFAULT_MAX_RESULT_BYTES
    redeliveries: int = 1  # times a lost worker's company is sent again before 'worker lost'
    no_worker_s: float = 15.0  # a run without any worker online for this long ends
    broker_lost_s: float = 10.0  # a broker not answering for this long ends the run
    limbo_s: float = 3.0  # an unclaimed company while the queue is empty this long: resent
    cancel_grace_s: float = 1.0  # running companies get this long to report 'cancelled'
    poll_s: float = 0.1  # the longest wait for an event (a cancel is seen within it)
    batch: int = 0  # companies per task; 0: chosen by the run's size (batch_size)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    name: str
    concurrency: int
    last_seen: datetime
    host: str = ""


def online_workers(client: redis.Redis) -> list[WorkerInfo]:
    """Workers whose heartbeat key is alive, by name."""
    keys = sorted(client.scan_iter(match=common.worker_key("*"), count=500))
    found: list[WorkerInfo] = []
    for raw in client.mget(keys) if keys else []:
        if raw is None:
            continue
        try:
            d = json.loads(raw)
            found.append(WorkerInfo(str(d["name"]), int(d["concurrency"]),
                                    datetime.fromtimestamp(float(d["last_seen"]), UTC),
                                    str(d.get("host", ""))))
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable worker heartbeat %r", raw[:200])
    return found


def list_workers(broker: str) -> list[WorkerInfo]:
    """``online_workers`` of ``broker``; BrokerUnavailable (password hidden) when it fails."""
    client = common.redis_client(broker, timeout_s=2.0)
    try:
        return online_workers(client)
    except _BROKER_ERRORS as exc:
        raise BrokerUnavailable(_unreachable(broker, exc)) from None
    finally:
        client.close()


def _unreachable(broker: str, exc: BaseException) -> str:
    why = common.hide_password(str(exc) or type(exc).__name__, broker)
    return (f"broker unreachable at {common.safe_url(broker)}: {why} (start Redis there, "
            "or unset JOBSCRAPER_BROKER to scrape in-process)")


class RemoteRunner:
    """``await RemoteRunner(url).scrape(companies, on_event=...)``: see the module docstring."""

    def __init__(self, broker: str, settings: RemoteSettings | None = None) -> None:
        self.broker = common.check_broker_url(broker)
        self.settings = settings or RemoteSettings()

    async def scrape(
        self,
        companies: Sequence[Company],
        *,
        on_event: EventHandler,
        cancel: threading.Event | None = None,
        settings: FetchSettings | None = None,
        now: datetime | None = None,
    ) -> list[CompanyResult]:
        """Like ``scraper.runner.scrape``; events carry the worker's name."""
        run = _Run(self, list(companies), on_event, cancel or threading.Event(),
                   settings or FetchSettings(), now or datetime.now(UTC))
        try:
            return await asyncio.to_thread(run.run)
        except asyncio.CancelledError:
            # Ctrl-C or a cancelled caller: the polling thread must end too (within the
            # cancel grace), or the interpreter would wait for the whole run at exit.
            run.cancel.set()
            raise


@dataclass
class _Pending:
    company: Company
    tids: list[str] = field(default_factory=list)  # the tasks it was sent in, last = current
    sent_at: float = 0.0
    worker: str | None = None
    started: bool = False


def batch_size(companies: int, workers: int, largest: int) -> int:
    """Companies per task: a few tasks per worker slot at least, so the queue spreads over
    every worker, and at most ``largest`` (each task has a fixed cost: message, ack)."""
    return max(1, min(largest, companies // (8 * max(1, workers))))


@dataclass
class _Run:
    runner: RemoteRunner
    companies: list[Company]
    on_event: EventHandler
    cancel: threading.Event
    fetch: FetchSettings
    now: datetime
    key: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    pending: dict[int, _Pending] = field(default_factory=dict)
    results: dict[int, CompanyResult] = field(default_factory=dict)
    tasks: dict[str, list[int]] = field(default_factory=dict)  # task id -> company indices
    unsent: deque[int] = field(default_factory=deque)
    batch: int = 1

    def __post_init__(self) -> None:
        self.conf = self.runner.settings
        self.broker = self.runner.broker
        self.redis = common.redis_client(self.broker)
        self.celery: Celery = common.make_celery(self.broker)
        self.events_key = common.run_events_key(self.key)
        self._fetch_json = encode_settings(self.fetch)

    # -- the run -------------------------------------------------------------------------

    def run(self) -> list[CompanyResult]:
        try:
            self.redis.ping()
        except _BROKER_ERRORS as exc:
            raise BrokerUnavailable(_unreachable(self.broker, exc)) from None
        try:
            if self.companies:
                workers = self._wait_for_workers()
                if workers:
                    self.redis.set(common.run_state_key(self.key), "running", ex=common.RUN_TTL_S)
                    self.batch = self.conf.batch or batch_size(len(self.companies), workers,
                                                               MAX_BATCH)
                    self._send_all()
                    self._follow()
            for i, c in enumerate(self.companies):  # cancelled before any worker was there
                if i not in self.results:
                    self._finish(i, c, CompanyResult(c, "cancelled", error="cancelled"))
            return [self.results[i] for i in range(len(self.companies))]
        finally:
            self._end()

    def _wait_for_workers(self) -> int:
        """The number of workers once one is online; 0 when cancelled first; NoWorkers after
        the wait."""
        deadline = time.monotonic() + self.conf.no_worker_s
        while not (workers := self._workers()):
            if self.cancel.wait(0.2):
                return 0
            if time.monotonic() > deadline:
                raise NoWorkers(
                    f"no Celery worker is online at {common.safe_url(self.broker)} (waited "
                    f"{self.conf.no_worker_s:g} s): start one with `jobscraper worker --broker URL`"
                )
        return len(workers)

    def _send_all(self) -> None:
        """Queue every company here; ``_send_some`` hands them to Celery a few tasks per tick,
        so a long send is followed, and cancelled, as it goes."""
        for i, c in enumerate(self.companies):
            self.pending[i] = _Pending(c)
        self.unsent = deque(range(len(self.companies)))

    def _send_some(self) -> None:
        with self.celery.producer_or_acquire() as producer:
            for _ in range(SEND_BATCH):
                batch: list[int] = []
                while self.unsent and len(batch) < self.batch:
                    i = self.unsent.popleft()
                    if i in self.pending:
                        batch.append(i)
                if not batch:
                    return
                try:
                    self._send(batch, producer)
                except BaseException:
                    self.unsent.extendleft(reversed(batch))  # a broker error: still to send
                    raise

    def _send(self, batch: list[int], producer: Any = None) -> None:
        tid = common.task_id(self.key, len(self.tasks))
        items = [[i, encode_company(self.pending[i].company)] for i in batch]
        args = [self.key, items, self._fetch_json, self.now.isoformat(),
                self.conf.max_result_bytes]
        self.celery.send_task(common.TASK_NAME, args=args, task_id=tid, queue=common.QUEUE,
                              producer=producer)
        self.tasks[tid] = batch
        now = time.monotonic()
        for i in batch:
            p = self.pending[i]
            p.tids.append(tid)
            p.worker, p.sent_at = None, now

    def _follow(self) -> None:
        """Follow the run's events (blocking for the next one) until every company has ended;
        every ``CHECK_S`` look for lost workers."""
        last_ok = time.monotonic()
        next_check = last_ok + CHECK_S
        cancel_by: float | None = None
        queue_empty_since: float | None = None
        no_worker_since: float | None = None
        while self.pending:
            if self.cancel.is_set() and cancel_by is None:
                cancel_by = time.monotonic() + self.conf.cancel_grace_s
                self.unsent.clear()
                self._cancel_queued()
            try:
                if self.unsent:
                    self._send_some()
                self._read_events(wait_s=0 if self.unsent else self.conf.poll_s)
                now = time.monotonic()
                if now >= next_check and self.pending and cancel_by is None:
                    next_check = now + CHECK_S
                    workers = self._workers()
                    no_worker_since = None if workers else (no_worker_since or now)
                    self._check_lost(workers)
                    queue_empty_since = self._check_limbo(queue_empty_since, now)
                last_ok = time.monotonic()
            except _BROKER_ERRORS as exc:
                if time.monotonic() - last_ok > self.conf.broker_lost_s:
                    why = common.hide_password(str(exc) or type(exc).__name__, self.broker)
                    self._fail_all(f"broker lost: {why}")
                    raise BrokerLost(f"broker lost at {common.safe_url(self.broker)} during "
                                     f"the run: {why}") from None
                time.sleep(self.conf.poll_s)
            if no_worker_since is not None and time.monotonic() - no_worker_since > self.conf.no_worker_s:
                self._fail_all("worker lost (no worker online)")
            if cancel_by is not None and time.monotonic() > cancel_by:
                self._fail_all("cancelled", state="cancelled")

    def _end(self) -> None:
        try:
            self.redis.set(common.run_state_key(self.key), "ended", ex=600)
            self.redis.delete(self.events_key)
        except _BROKER_ERRORS:
            pass  # both keys expire by themselves
        self.redis.close()

    # -- what workers report -------------------------------------------------------------

    def _read_events(self, wait_s: float) -> None:
        """Handle the events workers pushed; wait up to ``wait_s`` for the first one."""
        if wait_s > 0:
            first = self.redis.blpop([self.events_key], timeout=wait_s)
            if not first:
                return
            self._on_event(first[1])
        while self.pending:
            batch = self.redis.lpop(self.events_key, 500)
            if not batch:
                return
            for raw in batch if isinstance(batch, list) else [batch]:
                self._on_event(raw)

    def _on_event(self, raw: Any) -> None:
        limit = self.conf.max_result_bytes
        if len(raw) > limit + 4096:  # a result event: the result and a few short fields
            self._too_large(raw)
            return
        try:
            d = json.loads(raw)
            tid, kind, worker = d["task"], d["kind"], str(d.get("worker") or "")
            indices = self.tasks[tid] if kind == "claimed" else [int(d["index"])]
        except (ValueError, KeyError, TypeError):
            return  # not one of ours (or of a task already given up)
        for i in indices:
            p = self.pending.get(i)
            if p is None or tid not in p.tids:
                continue
            if kind == "result":
                self._finish(i, p.company, self._result(d, p.company), worker=worker)
            elif tid == p.tids[-1]:
                p.worker = worker
                if kind == "started" and not p.started:
                    p.started = True
                    self._emit(ScrapeEvent("started", p.company, worker=worker))

    def _result(self, d: dict[str, Any], company: Company) -> CompanyResult:
        if "result" not in d:
            return CompanyResult(company, "failed", error=f"worker error: {d.get('error')}")
        try:
            return decode_result(d["result"], company)
        except WireError as exc:
            return CompanyResult(company, "failed", error=f"unreadable result: {exc}")

    def _too_large(self, raw: bytes) -> None:
        """A result event over the cap (a worker that does not refuse it): failed, unread."""
        head = raw[:300].decode("utf-8", errors="replace")
        task = head.partition('"task": "')[2].partition('"')[0]
        index = head.partition('"index": ')[2].partition(",")[0]
        p = self.pending.get(int(index)) if index.isdigit() else None
        if p is not None and task in p.tids:
            limit = self.conf.max_result_bytes
            self._finish(int(index), p.company, CompanyResult(
                p.company, "failed", error=f"result too large: {human_bytes(len(raw))} of JSON, "
                f"over the {human_bytes(limit)} a worker may send (refused)"))

    # -- faults ------------------------------------------------------------------------

    def _workers(self) -> set[str]:
        return {w.name for w in online_workers(self.redis)}

    def _check_lost(self, online: set[str]) -> None:
        again: list[int] = []
        for i, p in list(self.pending.items()):
            if p.worker is None or p.worker in online:
                continue
            lost = p.worker
            if len(p.tids) <= self.conf.redeliveries:
                log.warning("worker %s lost: sending %s again", lost, p.company.name)
                p.worker, p.started = None, False
                again.append(i)
                self._emit(ScrapeEvent("queued", p.company, worker=None))
            else:
                self._finish(i, p.company, CompanyResult(
                    p.company, "failed", error=f"worker lost ({lost} stopped during the scrape)"))
        self._send_again(again)

    def _send_again(self, indices: list[int]) -> None:
        for start in range(0, len(indices), self.batch):
            self._send(indices[start:start + self.batch])

    def _check_limbo(self, empty_since: float | None, now: float) -> float | None:
        """Companies no worker claimed although the queue is empty: taken by a worker that
        died before it could say so. Sent again after ``limbo_s``."""
        if self.unsent or not any(p.worker is None and p.tids for p in self.pending.values()):
            return None
        if self.redis.llen(common.QUEUE):
            return None
        if empty_since is None:
            return now
        if now - empty_since > self.conf.limbo_s:
            again: list[int] = []
            for i, p in list(self.pending.items()):
                if p.worker is None and p.tids and now - p.sent_at > self.conf.limbo_s:
                    if len(p.tids) <= self.conf.redeliveries:
                        again.append(i)
                    else:
                        self._finish(i, p.company, CompanyResult(
                            p.company, "failed", error="worker lost (its task vanished)"))
            self._send_again(again)
            return None
        return empty_since

    def _cancel_queued(self) -> None:
        """Cancel: workers see the run state at once; queued tasks are revoked and end now."""
        try:
            self.redis.set(common.run_state_key(self.key), "cancelled", ex=common.RUN_TTL_S)
        except _BROKER_ERRORS as exc:
            log.warning("cannot tell workers to cancel: %s",
                        common.hide_password(str(exc), self.broker))
        queued = [i for i, p in self.pending.items() if p.worker is None and p.tids]
        tids = sorted({self.pending[i].tids[-1] for i in queued})
        if tids:
            # A broadcast; in a thread so a slow broker cannot delay the cancel.
            threading.Thread(target=self._revoke, args=(tids,), daemon=True).start()
        for i in queued:
            c = self.pending[i].company
            self._finish(i, c, CompanyResult(c, "cancelled", error="cancelled"))

    def _revoke(self, tids: list[str]) -> None:
        try:
            self.celery.control.revoke(tids)
        except _BROKER_ERRORS as exc:
            log.warning("revoke failed: %s", common.hide_password(str(exc), self.broker))

    def _fail_all(self, error: str, state: str = "failed") -> None:
        for i, p in list(self.pending.items()):
            self._finish(i, p.company, CompanyResult(p.company, state, error=error))  # type: ignore[arg-type]

    # -- reporting -----------------------------------------------------------------------

    def _finish(self, i: int, company: Company, result: CompanyResult,
                worker: str | None = None) -> None:
        p = self.pending.pop(i, None)
        worker = worker or (p.worker if p is not None else None)
        if p is not None and not p.started and result.state != "cancelled":
            self._emit(ScrapeEvent("started", company, worker=worker))
        self.results[i] = result
        self._emit(ScrapeEvent(_KIND[result.state], company, result, worker=worker))  # type: ignore[arg-type]

    def _emit(self, event: ScrapeEvent) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001 - a display problem must not lose the scrape
            log.exception("event handler failed on %s of %s", event.kind, event.company.name)
