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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import streamlit as st

from app import activity, store, team, ui
from app import pipeline as pipeline_module
from app.activity import Entry
from app.people import ANONYMOUS, SCHEDULER, Person, require_admin
from app.pipeline import CompanyProgress
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
TERMINAL = ("ok", "failed", "cancelled")


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
    """One company's line in a run: state is queued, running, ok, failed or cancelled;
    ``worker`` is the Celery worker running it (None in-process)."""

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


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """What every tab renders: the current (or last) run. ``state`` is idle (no run yet),
    running, finished, cancelled, failed or interrupted."""

    run_id: int | None = None
    state: str = "idle"
    trigger: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    companies_total: int = 0
    companies_done: int = 0
    companies_failed: int = 0
    jobs_seen: int = 0
    jobs_new: int = 0
    jobs_closed: int = 0
    companies: tuple[CompanyRow, ...] = ()
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
        """Share of companies done, 0.0 to 1.0."""
        return self.companies_done / self.companies_total if self.companies_total else 0.0


def _with_totals(snap: RunSnapshot, rows: tuple[CompanyRow, ...]) -> RunSnapshot:
    """``snap`` with ``rows`` and the counters summed from them."""
    return replace(
        snap,
        companies=rows,
        companies_done=sum(r.state in TERMINAL for r in rows),
        companies_failed=sum(r.state == "failed" for r in rows),
        jobs_seen=sum(r.jobs for r in rows),
        jobs_new=sum(r.new for r in rows),
        jobs_closed=sum(r.closed for r in rows),
    )


def _row_of(progress: CompanyProgress) -> CompanyRow:
    c = progress.company
    return CompanyRow(c.company_id, c.name, c.ats, progress.state, progress.jobs_seen,
                      progress.jobs_new, progress.jobs_closed, progress.duration_ms,
                      progress.error, progress.worker)


def last_run_snapshot(con: duckdb.DuckDBPyConnection) -> RunSnapshot:
    """The latest run row as a snapshot (no per-company rows), or an idle one."""
    row = con.execute(
        "SELECT run_id, state, trigger, started_at, finished_at, companies_total, "
        "companies_ok, companies_failed, jobs_new, jobs_closed, error "
        "FROM runs ORDER BY run_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return RunSnapshot()
    return RunSnapshot(
        run_id=row[0], state=row[1], trigger=row[2], started_at=row[3], finished_at=row[4],
        companies_total=row[5], companies_done=row[6] + row[7], companies_failed=row[7],
        jobs_new=row[8], jobs_closed=row[9], error=row[10],
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
    ) -> None:
        self._con = con
        self._on_commit = on_commit
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
            self._snap = last_run_snapshot(cur)
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
            rows = tuple(CompanyRow(c.company_id, c.name, c.ats) for c in companies)
            self._cancel = cancel
            self._snap = _with_totals(
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
            if not self._snap.running:
                return False
            cur = self._con.cursor()
            try:
                team.record_scrape(cur, person, "scrape.cancel", self._snap.run_id)
            finally:
                cur.close()
            self._cancel.set()
            self._snap = replace(self._snap, cancel_requested=True)
            return True

    def snapshot(self) -> RunSnapshot:
        """The current run's (or the last run's) immutable state."""
        with self._lock:
            return self._snap

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
        row = _row_of(progress)
        with self._lock:
            rows = list(self._snap.companies)
            for i, old in enumerate(rows):
                if (old.company_id, old.name) == (row.company_id, row.name):
                    rows[i] = row
                    break
            else:
                rows.append(row)
            self._snap = _with_totals(self._snap, tuple(rows))

    def _work(self, run_id: int, companies: list[Company], cancel: threading.Event) -> None:
        cur = self._con.cursor()
        try:
            self._run_pipeline(cur, run_id, companies, cancel)
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
            # Companies that never ended were not scraped in this run.
            rows = tuple(r if r.state in TERMINAL else replace(r, state="cancelled")
                         for r in self._snap.companies)
            self._snap = _with_totals(
                replace(self._snap, state=state, finished_at=finished_at, error=error), rows
            )

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
                          on_commit=index.after_commit if index is not None else None)


def holder() -> ScrapeRegistry:
    """The process's registry (call from a script thread: it opens the shared connection)."""
    return _holder(ui.connection())
