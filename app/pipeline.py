"""Run one scrape into the store: the runner's events become per-company writes, each saved
as soon as its company ends (no Streamlit here; the registry and the CLI both call this)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import duckdb

from app import store
from scraper.fetch import FetchSettings
from scraper.models import Company, CompanyResult, ScrapeEvent
from scraper.runner import EventHandler, scrape

if TYPE_CHECKING:
    from app.search import SearchIndex
    from app.settings import Settings

log = logging.getLogger(__name__)

ProgressState = Literal["queued", "running", "ok", "failed", "cancelled"]
# The error of a company the run was cancelled before it reached (no request sent): saved
# as cancelled, shown apart from those stopped midway.
NOT_REACHED = "not reached"


class Runner(Protocol):
    """What fetches and parses: ``scraper.runner.scrape`` in-process, or
    ``scraper.remote.client.RemoteRunner.scrape`` on Celery workers (same events, results)."""

    def __call__(
        self,
        companies: Sequence[Company],
        *,
        on_event: EventHandler,
        cancel: threading.Event | None = ...,
        settings: FetchSettings | None = ...,
        now: datetime | None = ...,
    ) -> Coroutine[Any, Any, list[CompanyResult]]: ...


def runner_for(conf: Settings) -> Runner:
    """The runner of the configured mode: in-process unless JOBSCRAPER_BROKER is set."""
    if not conf.broker_url:
        return scrape
    from scraper.remote.client import RemoteRunner, RemoteSettings

    remote = RemoteSettings(max_result_bytes=conf.max_result_mb * 2**20)
    return RemoteRunner(conf.broker_url, remote).scrape


@dataclass(frozen=True, slots=True)
class CompanyProgress:
    """A company's state in a run; final states are sent after its results are saved, with
    the counts the store returned. ``worker``: the Celery worker running it (None in-process)."""

    company: Company
    state: ProgressState
    jobs_seen: int = 0
    jobs_new: int = 0
    jobs_closed: int = 0
    duration_ms: int = 0
    error: str | None = None
    worker: str | None = None


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a run ended: its state (finished, cancelled, failed) and its totals."""

    run_id: int
    state: str
    companies_total: int
    companies_ok: int = 0
    companies_failed: int = 0
    companies_cancelled: int = 0
    jobs_seen: int = 0
    jobs_new: int = 0
    jobs_closed: int = 0
    duration_s: float = 0.0
    error: str | None = None


ProgressHandler = Callable[[CompanyProgress], None]
# Called by the writer right after a batch of results commits, with the counts it saved
# (the search index follows the database this way); its errors are logged, never raised.
CommitHook = Callable[[duckdb.DuckDBPyConnection, int, Sequence[store.ResultCounts]], None]


@dataclass(frozen=True, slots=True)
class Saved:
    """A company as a committed batch saved it: its final progress, the ids of the jobs it
    listed (all upserted) and of the jobs it closed."""

    progress: CompanyProgress
    job_ids: tuple[str, ...] = ()
    closed_ids: tuple[str, ...] = ()


SavedHook = Callable[[Sequence[Saved]], None]

# A batch is whatever has queued while the last one was saved, up to these bounds (a very
# large board is a batch of its own; many small ones share one).
MAX_BATCH_COMPANIES = 1000
MAX_BATCH_JOBS = 20_000
# A batch costs about the same whatever its size (tens of ms of a core: the statements, the
# commit), so while companies keep finishing the writer starts at most one save every
# BATCH_INTERVAL_S and fills it with what arrives meanwhile; a company finishing after a
# quiet spell is saved at once. Without it, small boards finishing a few at a time made one
# batch each and the writer's CPU slowed the scrape it shares the cores with (issue 19).
BATCH_INTERVAL_S = 0.25


@dataclass
class Writer:
    """Saves finished companies on its own thread, through its own cursor, in batches: each
    batch is what queued while the previous one was being saved (and until ``interval_s``
    after it began), so batches grow when the database is slower than the network and the
    runner never waits on it. A batch that fails
    falls back to company by company; a result is dropped once saved.

    After each commit, ``on_commit`` gets (cursor, run id, the batch's ResultCounts) (the
    search index hangs here), ``on_progress`` every saved company's final state and
    ``on_committed`` the whole batch as ``Saved`` (with the job ids listed and closed).
    Feed it with ``submit`` from any thread; ``close`` waits until all is saved."""

    con: duckdb.DuckDBPyConnection
    run_id: int
    seen_at: datetime
    on_progress: ProgressHandler | None = None
    on_committed: SavedHook | None = None
    on_commit: CommitHook | None = None
    max_companies: int = MAX_BATCH_COMPANIES
    max_jobs: int = MAX_BATCH_JOBS
    interval_s: float = BATCH_INTERVAL_S
    inbox: queue.SimpleQueue[CompanyResult | None] = field(default_factory=queue.SimpleQueue)
    totals: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    batches: list[int] = field(default_factory=list)  # sizes saved (a fallback's ones too)
    _thread: threading.Thread | None = None
    _carry: CompanyResult | None = None
    _last_save: float = float("-inf")  # time.monotonic() when the last batch began saving

    def start(self) -> Writer:
        self._thread = threading.Thread(target=self.run, name=f"jobscraper-writer-{self.run_id}",
                                        daemon=True)
        self._thread.start()
        return self

    def submit(self, result: CompanyResult) -> None:
        """Queue ``result`` for saving; never blocks."""
        self.inbox.put(result)

    def close(self) -> None:
        """Save what is queued, then stop the thread (started or not: ``run`` ends too)."""
        self.inbox.put(None)
        if self._thread is not None:
            self._thread.join()

    def run(self) -> None:
        """Save batches until ``None`` arrives."""
        done = False
        while not done:
            batch, done = self._next_batch()
            if batch:
                self._save(batch)

    def _next_batch(self) -> tuple[list[CompanyResult], bool]:
        """What queued, plus what arrives until ``interval_s`` after the last save began,
        within the bounds; True once ``None`` (close) was taken."""
        item = self._carry if self._carry is not None else self.inbox.get()
        self._carry = None
        batch: list[CompanyResult] = []
        jobs = 0
        until = self._last_save + self.interval_s
        while item is not None:
            if batch and (len(batch) >= self.max_companies or jobs + len(item.jobs) > self.max_jobs):
                self._carry = item
                return batch, False
            batch.append(item)
            jobs += len(item.jobs)
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                wait = until - time.monotonic()
                if wait <= 0:
                    return batch, False
                try:
                    item = self.inbox.get(timeout=wait)
                except queue.Empty:
                    return batch, False
        return batch, True

    def _save(self, batch: list[CompanyResult]) -> None:
        self._last_save = time.monotonic()
        self.batches.append(len(batch))
        try:
            counts = store.save_company_results(self.con, self.run_id, batch, self.seen_at)
        except Exception as exc:  # noqa: BLE001 - whatever breaks a save, the writer lives on
            if len(batch) > 1:
                # One company's bad data must not lose the others sharing its transaction.
                for result in batch:
                    self._save([result])
                return
            # The run goes on (other companies may still save); the run row says what broke.
            self.error = self.error or f"saving results failed: {exc}"
            [r] = batch
            self._record_failure(r, f"not saved: {exc}")
            self._committed([Saved(CompanyProgress(r.company, "failed", len(r.jobs), 0, 0,
                                                   r.duration_ms, f"not saved: {exc}"))])
            return
        self._after_commit(counts)
        # The store may turn an empty "ok" board into a failure: report what it saved.
        self._committed([
            Saved(CompanyProgress(r.company, c.state, c.jobs_seen, c.jobs_new, c.jobs_closed,
                                  r.duration_ms, c.error), c.job_ids, c.closed_ids)
            for r, c in zip(batch, counts, strict=True)
        ])

    def _after_commit(self, counts: Sequence[store.ResultCounts]) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit(self.con, self.run_id, counts)
        except Exception:  # noqa: BLE001 - the data is saved; derived data catches up later
            log.exception("post-commit hook failed for run %s", self.run_id)

    def _record_failure(self, result: CompanyResult, error: str) -> None:
        """Save ``result`` as failed without its jobs (closing nothing), so the run's counts
        include it; when even that cannot be saved, the run row's error still tells."""
        failed = CompanyResult(result.company, "failed", (), error, result.duration_ms,
                               result.requests)
        try:
            store.save_company_results(self.con, self.run_id, [failed], self.seen_at)
        except Exception as exc:  # noqa: BLE001 - already reported; the save error is the news
            log.warning("could not record %s as failed: %s", result.company.name, exc)

    def _committed(self, saved: list[Saved]) -> None:
        for s in saved:
            p = s.progress
            self.totals.update({p.state: 1, "jobs_seen": p.jobs_seen, "jobs_new": p.jobs_new,
                                "jobs_closed": p.jobs_closed})
            if self.on_progress is not None:
                self._call(self.on_progress, p, p.company.name)
        if self.on_committed is not None:
            self._call(self.on_committed, saved, f"a batch of {len(saved)}")

    @staticmethod
    def _call(handler: Callable[[Any], None], arg: Any, what: str) -> None:
        try:
            handler(arg)
        except Exception:  # noqa: BLE001 - a display or index problem must not stop later saves
            log.exception("progress handler failed on %s", what)


def run_scrape(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    companies: Sequence[Company],
    *,
    settings: FetchSettings | None = None,
    on_progress: ProgressHandler | None = None,
    cancel: threading.Event | None = None,
    runner: Runner | None = None,
    on_commit: CommitHook | None = None,
    on_committed: SavedHook | None = None,
) -> RunSummary:
    """Scrape ``companies`` into run ``run_id`` (already started), saving each company as it
    ends, then finish the run row: finished, cancelled (``cancel`` was set) or failed.
    ``runner`` fetches and parses (default: in-process, ``scraper.runner.scrape``).

    ``on_progress`` is called from two threads: 'running' from the runner's thread, final
    states from the writer (after the save); it must be quick and thread-safe.
    ``on_commit`` runs on the writer thread after each batch commits (see CommitHook), as
    does ``on_committed`` with each saved company and its job ids (see ``Writer``)."""
    started = time.monotonic()
    now = datetime.now(UTC)
    workers: dict[Company, str] = {}
    report = _with_worker(on_progress, workers) if on_progress is not None else None
    writer = Writer(con.cursor(), run_id, now.replace(tzinfo=None), report,
                    on_committed=on_committed, on_commit=on_commit).start()

    def on_event(event: ScrapeEvent) -> None:
        # 'started' comes when the company's first request has a connection slot: until
        # then the company shows as queued.
        if event.kind == "queued":
            workers.pop(event.company, None)  # sent again: no worker has it yet
        elif event.worker is not None:
            workers[event.company] = event.worker
        if event.kind in ("started", "queued"):
            if report is not None:
                state: ProgressState = "running" if event.kind == "started" else "queued"
                report(CompanyProgress(event.company, state))
        elif event.result is not None:
            result = event.result
            if result.state == "cancelled" and result.requests == 0:
                result = replace(result, error=NOT_REACHED)
            writer.submit(result)

    error: str | None = None
    try:
        asyncio.run(_in_process(runner)(companies, on_event=on_event, cancel=cancel,
                                        settings=settings, now=now))
    except Exception as exc:  # noqa: BLE001 - the run row must say why the pipeline broke
        error = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        writer.close()
        store.finish_run(con, run_id, "cancelled", "interrupted (Ctrl-C)")
        raise
    finally:
        writer.close()
    error = error or writer.error
    state = "failed" if error else "cancelled" if cancel is not None and cancel.is_set() else "finished"
    store.finish_run(con, run_id, state, error)
    return _summary(run_id, state, len(companies), writer.totals, time.monotonic() - started,
                    error)


def _in_process(runner: Runner | None) -> Runner:
    """``runner``, except that the in-process one keeps no results: the writer has them, and
    drops each once saved."""
    if runner is not None and runner is not scrape:
        return runner

    def run(companies: Sequence[Company], **kwargs: Any) -> Coroutine[Any, Any, list[CompanyResult]]:
        return scrape(companies, keep_results=False, **kwargs)

    return run


def _with_worker(on_progress: ProgressHandler, workers: dict[Company, str]) -> ProgressHandler:
    """``on_progress`` with each company's worker (as last reported by the runner) filled in."""

    def report(p: CompanyProgress) -> None:
        on_progress(replace(p, worker=workers.get(p.company)) if p.worker is None else p)

    return report


def _summary(
    run_id: int,
    state: str,
    total: int,
    totals: Counter[str],
    duration_s: float,
    error: str | None,
) -> RunSummary:
    return RunSummary(
        run_id=run_id,
        state=state,
        companies_total=total,
        companies_ok=totals["ok"],
        companies_failed=totals["failed"],
        companies_cancelled=totals["cancelled"],
        jobs_seen=totals["jobs_seen"],
        jobs_new=totals["jobs_new"],
        jobs_closed=totals["jobs_closed"],
        duration_s=duration_s,
        error=error,
    )


def progress_line(p: CompanyProgress) -> str:
    """'ok   Stripe (greenhouse) 42 jobs, 3 new, 1 closed, 0.8 s' or 'FAIL Foo (lever): why';
    a company run by a Celery worker says which: 'Stripe (greenhouse, on w1@host)'."""
    where = f", on {p.worker}" if p.worker else ""
    who = f"{p.company.name} ({p.company.ats}{where})"
    if p.state == "ok":
        return (f"ok   {who} {p.jobs_seen} jobs, {p.jobs_new} new, {p.jobs_closed} closed, "
                f"{p.duration_ms / 1000:.1f} s")
    tag = "FAIL" if p.state == "failed" else "STOP"
    return f"{tag} {who}: {p.error}"


def summary_line(s: RunSummary) -> str:
    """One line: the run's state, company counts, job counts and wall time."""
    line = (f"run {s.run_id} {s.state}: {s.companies_ok} ok, {s.companies_failed} failed, "
            f"{s.companies_cancelled} cancelled of {s.companies_total} companies; "
            f"{s.jobs_seen} jobs seen, {s.jobs_new} new, {s.jobs_closed} closed "
            f"in {s.duration_s:.1f} s")
    return f"{line} ({s.error})" if s.error else line


def cli_scrape(*, db: str | None, companies_file: str | None) -> int:
    """`jobscraper scrape`: 0 when the run finished (some companies may have failed), 1 when
    it could not run or ended otherwise."""
    from app.db import DatabaseLockedError, connect
    from app.settings import SettingsError, load_settings

    try:
        conf = load_settings()
        con = connect(db or conf.db_path)
    except (SettingsError, DatabaseLockedError) as exc:
        print(f"jobscraper scrape: {exc}", file=sys.stderr)
        return 1
    index = None
    try:
        from app.search.cli import open_current_index

        index = open_current_index(con, Path(db or conf.db_path), conf, "jobscraper scrape")
        companies = _companies_to_scrape(con, companies_file, conf.companies_path)
        if not companies:
            print("jobscraper scrape: no enabled companies: give --companies FILE "
                  "(a TOML of [[company]] tables)", file=sys.stderr)
            return 1
        store.interrupt_stale_runs(con)
        run_id = store.start_run(con, "cli", len(companies))
        cancel = threading.Event()
        with _cancel_on_sigterm(cancel):
            summary = run_scrape(con, run_id, companies, settings=conf.fetch_settings(),
                                 on_progress=_print_progress, runner=runner_for(conf),
                                 on_commit=index.after_commit if index else None,
                                 cancel=cancel)
        print(summary_line(summary), flush=True)
        _saved_searches(con, run_id, conf.public_url, index)
        if cancel.is_set():
            print(f"jobscraper scrape: stopped by SIGTERM; run {run_id} cancelled, the companies "
                  "that finished are saved", file=sys.stderr)
        if summary.error and not summary.companies_ok:
            print(f"jobscraper scrape: {summary.error}", file=sys.stderr)
        return 0 if summary.state == "finished" else 1
    except store.StoreError as exc:
        print(f"jobscraper scrape: {exc}", file=sys.stderr)
        return 1
    finally:
        if index is not None:
            index.flush()  # the index follows the last batch before the database closes
        con.close()


NOTIFY_WAIT_S = 30.0


def _saved_searches(con: duckdb.DuckDBPyConnection, run_id: int, public_url: str | None,
                    index: SearchIndex | None) -> None:
    """Match the saved searches against the run, print those with matches and send their
    notifications (waiting for them: the process ends next, but never longer than
    NOTIFY_WAIT_S); notification failures are printed, the exit status is the run's."""
    from app import notify

    notifier = notify.Notifier(con, public_url)
    try:
        matches = notify.after_run(con, notifier, run_id, index=index)
        for m in matches:
            if m.new or m.closed:
                print(f"saved search {m.search.name!r}: {len(m.new)} new, {len(m.closed)} "
                      "closed", flush=True)
        if not notifier.wait(NOTIFY_WAIT_S):
            print(f"jobscraper scrape: notifications still sending after {NOTIFY_WAIT_S:g} s "
                  "were abandoned", file=sys.stderr)
    finally:
        notifier.close()


@contextlib.contextmanager
def _cancel_on_sigterm(cancel: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM cancels the run (it ends ``cancelled``, what finished is saved)
    instead of killing the process mid-write; a second SIGTERM kills as usual."""

    def on_sigterm(signum: int, frame: object) -> None:
        cancel.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _companies_to_scrape(
    con: duckdb.DuckDBPyConnection, companies_file: str | None, seed_path: Path
) -> list[Company]:
    """Upsert the given TOML (or seed an empty table from the default file), then the
    enabled companies."""
    if companies_file:
        store.save_companies(con, store.load_companies_toml(companies_file))
    elif seed_path.exists() and not store.companies(con):
        store.save_companies(con, store.load_companies_toml(seed_path))
    return store.enabled_companies(con)


def _print_progress(p: CompanyProgress) -> None:
    if p.state != "running":
        print(progress_line(p), flush=True)
