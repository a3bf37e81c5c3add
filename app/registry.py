"""The process's one live scrape: a holder cached with ``st.cache_resource`` that owns a single
daemon thread running ``app.pipeline.run_scrape`` (the same function as ``jobscraper scrape``),
folds its progress into immutable snapshots every tab can render, and starts scheduled runs.

The scraping thread never calls ``st.*``: it publishes a new ``RunSnapshot`` under a lock.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import streamlit as st

from app import activity, notify, runs, store, team, ui
from app import pipeline as pipeline_module
from app.activity import Entry
from app.notify import Notifier
from app.people import ANONYMOUS, SCHEDULER, Person, require_admin
from app.pipeline import NOT_REACHED, CompanyProgress
from app.search import SearchIndex
from app.settings import Settings
from scraper.fetch import FetchSettings
from scraper.models import Company

if TYPE_CHECKING:
    from scraper.remote.client import WorkerInfo

log = logging.getLogger(__name__)

THREAD_NAME = "jobscraper-scrape"
SCHEDULER_NAME = "jobscraper-schedule"
# How long an exiting app waits for a cancelled scrape to save what finished and end its run.
CLOSE_TIMEOUT_S = 15.0
SCHEDULE_KEY = "schedule_minutes"
TERMINAL = ("ok", "failed", "cancelled", "not reached")


class Pipeline(Protocol):
    def __call__(
        self,
        con: duckdb.DuckDBPyConnection,
        run_id: int,
        companies: Sequence[Company],
        *,
        settings: FetchSettings | None = ...,
        on_progress: Callable[[CompanyProgress], None] | None = ...,
        cancel: threading.Event | None = ...,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """One company's line in a run: state is queued, running, ok, failed, cancelled or
    not reached (the run was cancelled before the company's first request); ``worker`` is
    the Celery worker running it (None in-process). ``started_at`` is when it began running
    (naive UTC), for "running for …"."""

    company_id: int | None
    name: str
    ats: str
    state: str = "queued"
    jobs: int = 0
    new: int = 0
    closed: int = 0
    duration_ms: int = 0
    error: str | None = None
    worker: str | None = None
    started_at: datetime | None = field(default=None, compare=False)


RECENT = 10  # recently finished companies a snapshot lists


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """What every tab renders: the current (or last) run. ``state`` is idle (no run yet),
    running, finished, cancelled, failed or interrupted. ``companies_done`` counts the
    companies scraped (ok or failed); cancelled and not-reached ones are counted apart.
    ``running_now`` is longest-running first, ``recent`` newest first."""

    run_id: int | None = None
    state: str = "idle"
    trigger: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    companies_total: int = 0
    companies_done: int = 0
    companies_failed: int = 0
    companies_cancelled: int = 0
    companies_not_reached: int = 0
    jobs_seen: int = 0
    jobs_new: int = 0
    jobs_closed: int = 0
    companies: tuple[CompanyRow, ...] = ()
    running_now: tuple[CompanyRow, ...] = ()
    recent: tuple[CompanyRow, ...] = ()
    failed: tuple[CompanyRow, ...] = ()
    error: str | None = None
    cancel_requested: bool = False

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def ended(self) -> bool:
        return self.run_id is not None and self.state not in ("idle", "running")

    @property
    def fraction(self) -> float:
        """Share of companies scraped (ok or failed), 0.0 to 1.0."""
        return self.companies_done / self.companies_total if self.companies_total else 0.0

    @property
    def companies_ok(self) -> int:
        return self.companies_done - self.companies_failed


def _key(company_id: int | None, name: str) -> tuple[int | None, str]:
    return (company_id, name)


class LiveRun:
    """The mutable state of one run's companies, folded one event at a time at a cost that
    does not grow with the number of companies (a dict of rows, counters moved by each
    change, small ordered sets for running, failed and recent); ``snapshot`` copies it out
    only when asked and something changed. Not thread-safe: the registry holds its lock."""

    def __init__(self, head: RunSnapshot, rows: Sequence[CompanyRow]) -> None:
        self.head = head
        self.rows: dict[tuple[int | None, str], CompanyRow] = {
            _key(r.company_id, r.name): r for r in rows}
        self.counts: Counter[str] = Counter(r.state for r in self.rows.values())
        self.jobs = [0, 0, 0]
        self.running: dict[tuple[int | None, str], None] = {}
        self.failed: dict[tuple[int | None, str], None] = {}
        self.recent: deque[tuple[int | None, str]] = deque(maxlen=RECENT)
        self._snap: RunSnapshot | None = None

    def fold(self, row: CompanyRow) -> None:
        key = _key(row.company_id, row.name)
        old = self.rows.get(key)
        if old is not None:
            if row.state == "cancelled" and old.state == "queued":
                row = replace(row, state=NOT_REACHED)
            if row.state != "running" and old.started_at is not None:
                row = replace(row, started_at=old.started_at)
            self.counts[old.state] -= 1
            self._move_jobs(old, -1)
        self.rows[key] = row
        self.counts[row.state] += 1
        self._move_jobs(row, 1)
        self.running.pop(key, None)
        self.failed.pop(key, None)
        if row.state == "running":
            self.running[key] = None
        elif row.state in TERMINAL:
            if row.state == "failed":
                self.failed[key] = None
            if key in self.recent:
                self.recent.remove(key)  # at most RECENT long
            self.recent.append(key)
        self._snap = None

    def _move_jobs(self, row: CompanyRow, sign: int) -> None:
        self.jobs[0] += sign * row.jobs
        self.jobs[1] += sign * row.new
        self.jobs[2] += sign * row.closed

    def update(self, **head: Any) -> None:
        self.head = replace(self.head, **head)
        self._snap = None

    def end(self) -> None:
        """Companies that never ended were not scraped in this run: those running were
        cancelled, those still queued were not reached."""
        for key in [k for k, r in self.rows.items() if r.state not in TERMINAL]:
            row = self.rows[key]
            self.fold(replace(row, state="cancelled" if row.state == "running" else NOT_REACHED))

    def snapshot(self) -> RunSnapshot:
        if self._snap is None and not self.rows:
            self._snap = self.head  # the last run, read from its row
        if self._snap is None:
            rows = self.rows
            running = sorted((rows[k] for k in self.running),
                             key=lambda r: r.started_at or datetime.max)
            self._snap = replace(
                self.head,
                companies=tuple(rows.values()),
                companies_done=self.counts["ok"] + self.counts["failed"],
                companies_failed=self.counts["failed"],
                companies_cancelled=self.counts["cancelled"],
                companies_not_reached=self.counts[NOT_REACHED],
                jobs_seen=self.jobs[0], jobs_new=self.jobs[1], jobs_closed=self.jobs[2],
                running_now=tuple(running),
                recent=tuple(rows[k] for k in reversed(self.recent)),
                failed=tuple(rows[k] for k in self.failed),
            )
        return self._snap


def _row_of(progress: CompanyProgress, at: datetime | None = None) -> CompanyRow:
    c = progress.company
    state: str = progress.state
    if state == "cancelled" and progress.error == NOT_REACHED:
        state = NOT_REACHED
    return CompanyRow(c.company_id, c.name, c.ats, state, progress.jobs_seen,
                      progress.jobs_new, progress.jobs_closed, progress.duration_ms,
                      progress.error, progress.worker, at if state == "running" else None)


def last_run_snapshot(con: duckdb.DuckDBPyConnection) -> RunSnapshot:
    """The latest run row as a snapshot (no per-company rows), or an idle one."""
    history = runs.recent_runs(con, 1)
    if history.is_empty():
        return RunSnapshot()
    r = history.row(0, named=True)
    return RunSnapshot(
        run_id=r["run_id"], state=r["state"], trigger=r["trigger"], started_at=r["started_at"],
        finished_at=r["finished_at"], companies_total=r["companies_total"],
        companies_done=r["companies_ok"] + r["companies_failed"],
        companies_failed=r["companies_failed"], companies_cancelled=r["companies_cancelled"],
        companies_not_reached=r["companies_not_reached"] or 0,
        jobs_seen=r["jobs_seen"], jobs_new=r["jobs_new"], jobs_closed=r["jobs_closed"],
        error=r["error"],
    )


class ScrapeRegistry:
    """Keeps at most one live scraping thread for the process; see the module docstring."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        settings: Settings | None = None,
        pipeline: Pipeline | None = None,
        clock: Callable[[], datetime] = store.utcnow,
        poll_s: float = 5.0,
        on_commit: pipeline_module.CommitHook | None = None,
        notifier: Notifier | None = None,
        search_index: SearchIndex | None = None,
    ) -> None:
        self._con = con
        self._on_commit = on_commit
        self._notifier = notifier
        self._index = search_index
        self._settings = settings or Settings()
        # None: look app.pipeline.run_scrape up at each run (the CLI's function, patchable).
        self._pipeline = pipeline
        self._clock = clock
        self._poll_s = poll_s
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._created = clock()
        cur = con.cursor()
        try:
            self._live = LiveRun(last_run_snapshot(cur), ())
            saved = store.get_setting(cur, SCHEDULE_KEY)
        finally:
            cur.close()
        # Once set on the page, the stored interval wins over JOBSCRAPER_SCHEDULE.
        self._schedule = (int(saved) or None) if saved is not None else self._settings.schedule_minutes
        self._scheduler = threading.Thread(target=self._schedule_loop, name=SCHEDULER_NAME,
                                           daemon=True)
        self._scheduler.start()
        atexit.register(self.close)

    # -- the run -------------------------------------------------------------------------

    def is_running(self) -> bool:
        """A scraping thread is alive in this process (this holder's or an older holder's)."""
        if self._thread is not None and self._thread.is_alive():
            return True
        return any(t.name == THREAD_NAME and t.is_alive() for t in threading.enumerate())

    def start(self, trigger: str = "manual", person: Person = ANONYMOUS) -> bool:
        """Start a run of every enabled company, recorded as ``person``'s (anyone may);
        False (and no run row) when one is alive."""
        with self._lock:
            if self.is_running():
                return False
            cur = self._con.cursor()
            try:
                with store.transaction(cur):
                    companies = store.enabled_companies(cur)
                    started = self._clock()
                    run_id = store.start_run(cur, trigger, len(companies), at=started)
                    team.record_scrape(cur, person, "scrape.start", run_id, at=started)
            finally:
                cur.close()
            cancel = threading.Event()
            rows = [CompanyRow(c.company_id, c.name, c.ats) for c in companies]
            self._cancel = cancel
            self._live = LiveRun(
                RunSnapshot(run_id, "running", trigger, started, companies_total=len(companies)),
                rows,
            )
            self._thread = threading.Thread(target=self._work, args=(run_id, companies, cancel),
                                            name=THREAD_NAME, daemon=True)
            self._thread.start()
            return True

    def cancel(self, person: Person = ANONYMOUS) -> bool:
        """Ask the running scrape to stop, recorded as ``person``'s; False when none is running."""
        with self._lock:
            if not self._live.head.running:
                return False
            cur = self._con.cursor()
            try:
                team.record_scrape(cur, person, "scrape.cancel", self._live.head.run_id)
            finally:
                cur.close()
            self._cancel.set()
            self._live.update(cancel_requested=True)
            return True

    def snapshot(self) -> RunSnapshot:
        """The current run's (or the last run's) immutable state."""
        with self._lock:
            return self._live.snapshot()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the scraping thread to end; True when none is alive afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not (thread is not None and thread.is_alive())

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Stop the scheduler and cancel a running scrape (at exit: Streamlit turns SIGTERM
        into a normal exit), then wait for it to end ``cancelled``: a daemon thread killed by
        the interpreter's exit in the middle of a DuckDB write aborts the process."""
        self.stop_scheduler()
        self._cancel.set()
        if not self.join(timeout):
            log.error("the scrape did not stop within %g s of exit; its run stays 'running' "
                      "until the next start marks it interrupted", timeout)

    def stop_scheduler(self) -> None:
        self._stop.set()

    def _fold(self, progress: CompanyProgress) -> None:
        row = _row_of(progress, self._clock())
        with self._lock:
            self._live.fold(row)

    def _work(self, run_id: int, companies: list[Company], cancel: threading.Event) -> None:
        cur = self._con.cursor()
        try:
            self._run_pipeline(cur, run_id, companies, cancel)
            # The saved searches' matches are part of the run's outcome (under a second at a
            # million jobs); their notifications are sent on the notifier's own threads.
            notify.after_run(cur, self._notifier, run_id, index=self._index)
            self._publish_end(cur, run_id)
        finally:
            cur.close()

    def _run_pipeline(self, cur: duckdb.DuckDBPyConnection, run_id: int,
                      companies: list[Company], cancel: threading.Event) -> None:
        fetch = self._settings.fetch_settings()
        run = self._pipeline or self._default_pipeline()
        try:
            # Pipelines that take the post-commit hook get it (test doubles need not).
            takes_hook = "on_commit" in inspect.signature(run).parameters
            hook = {"on_commit": self._on_commit} if self._on_commit and takes_hook else {}
            run(cur, run_id, companies, settings=fetch, on_progress=self._fold, cancel=cancel,
                **hook)
        except Exception as exc:  # noqa: BLE001 - any crash must end the run row, with its text
            log.exception("scrape run %s crashed", run_id)
            store.finish_run(cur, run_id, "failed", f"{type(exc).__name__}: {exc}")
            return
        if _run_state(cur, run_id) == "running":
            # A pipeline that returned without ending its row (run_scrape always ends it).
            store.finish_run(cur, run_id, "cancelled" if cancel.is_set() else "finished")

    def _default_pipeline(self) -> Pipeline:
        """app.pipeline.run_scrape, with Celery workers as its runner when a broker is set."""
        if not self._settings.broker_url:
            return pipeline_module.run_scrape
        return functools.partial(pipeline_module.run_scrape,
                                 runner=pipeline_module.runner_for(self._settings))

    @property
    def mode(self) -> str:
        """Where scrapes run: 'in-process' or 'Celery workers via <broker, password hidden>'."""
        return self._settings.mode

    def workers(self) -> tuple[list[WorkerInfo], str | None]:
        """The Celery workers online (none in-process), and why they cannot be listed when
        the broker does not answer."""
        if not self._settings.broker_url:
            return [], None
        from scraper.remote.client import BrokerError, list_workers

        try:
            return list_workers(self._settings.broker_url), None
        except BrokerError as exc:
            return [], str(exc)

    def _publish_end(self, cur: duckdb.DuckDBPyConnection, run_id: int) -> None:
        row = cur.execute("SELECT state, finished_at, error FROM runs WHERE run_id = ?",
                          [run_id]).fetchone()
        state, finished_at, error = row if row else ("failed", self._clock(), "run row missing")
        with self._lock:
            self._live.end()
            self._live.update(state=state, finished_at=finished_at, error=error)

    # -- the schedule --------------------------------------------------------------------

    def schedule_minutes(self) -> int | None:
        """The scheduled refresh interval in minutes, or None when off."""
        return self._schedule

    def set_schedule(self, minutes: int | None, person: Person) -> None:
        """Set (None or 0: turn off) the scheduled refresh, kept in app_settings (admins only:
        PermissionDenied otherwise, and nothing changes)."""
        require_admin(person, "change the schedule")
        if minutes is not None and minutes < 0:
            raise ValueError("the schedule interval is a number of minutes, 0 or more")
        cur = self._con.cursor()
        try:
            with store.transaction(cur):
                store.set_setting(cur, SCHEDULE_KEY, str(minutes or 0))
                activity.record(cur, person, Entry(
                    "schedule.set", SCHEDULE_KEY, "scheduled refresh",
                    old=team.schedule_text(self._schedule), new=team.schedule_text(minutes)))
        finally:
            cur.close()
        self._schedule = minutes or None

    def next_due(self) -> datetime | None:
        """When the next scheduled run is due (naive UTC), or None when the schedule is off."""
        if not self._schedule:
            return None
        base = self.snapshot().started_at or self._created
        return base + timedelta(minutes=self._schedule)

    def tick(self) -> bool:
        """Start a scheduled run if one is due and none is running; True when it started."""
        due = self.next_due()
        if due is None or self._clock() < due or self.is_running():
            return False
        return self.start("schedule", SCHEDULER)

    def _schedule_loop(self) -> None:
        while not self._stop.wait(self._poll_s):
            try:
                self.tick()
            except (duckdb.Error, store.StoreError):
                log.exception("scheduled scrape could not start")


def _run_state(cur: duckdb.DuckDBPyConnection, run_id: int) -> str | None:
    row = cur.execute("SELECT state FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return None if row is None else str(row[0])


def _release(holder: ScrapeRegistry) -> None:
    # A cleared cache stops this holder's scheduler; a running scrape is left to finish
    # (the thread-name guard keeps a new holder from starting a second one meanwhile).
    holder.stop_scheduler()


@st.cache_resource(show_spinner=False, on_release=_release)
def _holder(_con: duckdb.DuckDBPyConnection) -> ScrapeRegistry:
    index = ui.search_index()
    return ScrapeRegistry(_con, settings=ui.settings(),
                          on_commit=index.after_commit if index is not None else None,
                          notifier=ui.notifier(), search_index=index)


def holder() -> ScrapeRegistry:
    """The process's registry (call from a script thread: it opens the shared connection)."""
    return _holder(ui.connection())
