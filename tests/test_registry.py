"""The task registry: one live scrape per process, cancel, crashes, snapshots, the schedule."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from app import runs, store, ui
from app.db import connect
from app.people import Person
from app.pipeline import CompanyProgress
from app.registry import THREAD_NAME, CompanyRow, ScrapeRegistry, last_run_snapshot
from app.settings import Settings
from scraper.models import Company
from scraper.simulator import Simulator

Progress = Callable[[CompanyProgress], None]


ADMIN = Person("admin@example.com", "Admin", verified=True, source="oidc", admin=True)


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def blocking_pipeline(release: threading.Event) -> Any:
    """A pipeline that marks every company running, then waits for ``release`` or cancel."""

    def run(con: duckdb.DuckDBPyConnection, run_id: int, companies: Sequence[Company], *,
            settings: object = None, on_progress: Progress | None = None,
            cancel: threading.Event | None = None) -> None:
        assert on_progress is not None and cancel is not None
        for c in companies:
            on_progress(CompanyProgress(c, "running"))
        while not (release.is_set() or cancel.is_set()):
            time.sleep(0.01)
        store.finish_run(con, run_id, "cancelled" if cancel.is_set() else "finished")

    return run


@pytest.fixture
def con(fresh_db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    store.save_companies(fresh_db, [
        Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme"),
        Company("Globex", "lever", "globex", "https://jobs.lever.co/globex"),
        Company("Initech", "ashby", "initech", "https://jobs.ashbyhq.com/initech"),
    ])
    return fresh_db


@pytest.fixture
def make_registry(con: duckdb.DuckDBPyConnection) -> Iterator[Callable[..., ScrapeRegistry]]:
    made: list[ScrapeRegistry] = []

    def make(**kwargs: Any) -> ScrapeRegistry:
        reg = ScrapeRegistry(con, **kwargs)
        made.append(reg)
        return reg

    yield make
    for reg in made:
        reg.close()
        assert reg.join(10)


def run_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("SELECT run_id, trigger, state, error FROM runs ORDER BY run_id").fetchall()


def live_scrape_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def test_twenty_simultaneous_starts_make_one_run_and_one_thread(con, make_registry) -> None:
    release = threading.Event()
    reg = make_registry(pipeline=blocking_pipeline(release))
    barrier = threading.Barrier(20)
    started: list[bool] = []

    def click() -> None:
        barrier.wait()
        started.append(reg.start("manual"))

    clickers = [threading.Thread(target=click) for _ in range(20)]
    for t in clickers:
        t.start()
    for t in clickers:
        t.join()

    assert sorted(started) == [False] * 19 + [True]
    assert run_rows(con) == [(1, "manual", "running", None)]
    assert len(live_scrape_threads()) == 1
    release.set()
    assert reg.join(10)
    assert run_rows(con) == [(1, "manual", "finished", None)]


def test_second_holder_does_not_start_while_a_scrape_thread_lives(con, make_registry) -> None:
    release = threading.Event()
    first = make_registry(pipeline=blocking_pipeline(release))
    second = make_registry(pipeline=blocking_pipeline(release))
    assert first.start("manual")
    assert second.start("manual") is False
    release.set()
    assert first.join(10)
    assert [r[2] for r in run_rows(con)] == ["finished"]


def test_cancel_ends_the_run_cancelled(con, make_registry) -> None:
    reg = make_registry(pipeline=blocking_pipeline(threading.Event()))
    assert reg.cancel() is False
    assert reg.start("manual")
    wait_for(lambda: reg.snapshot().companies[0].state == "running")
    assert reg.cancel() is True
    assert reg.join(10)

    snap = reg.snapshot()
    # Cancelled companies are not "done" (issue 15, item 3): counted apart.
    assert (snap.state, snap.cancel_requested, snap.companies_done) == ("cancelled", True, 0)
    assert (snap.companies_cancelled, snap.companies_not_reached) == (3, 0)
    assert {r.state for r in snap.companies} == {"cancelled"}
    assert run_rows(con) == [(1, "manual", "cancelled", None)]


def test_crashing_pipeline_ends_the_run_failed_with_its_message(con, make_registry) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    reg = make_registry(pipeline=crash)
    assert reg.start("manual")
    assert reg.join(10)

    assert run_rows(con) == [(1, "manual", "failed", "RuntimeError: disk on fire")]
    snap = reg.snapshot()
    assert (snap.state, snap.error) == ("failed", "RuntimeError: disk on fire")
    assert reg.start("manual"), "a crashed run must not block the next one"


def test_snapshot_follows_each_company(con, make_registry) -> None:
    step = threading.Event()
    finish = threading.Event()

    def pipeline(con: duckdb.DuckDBPyConnection, run_id: int, companies: Sequence[Company], *,
                 settings: object = None, on_progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> None:
        assert on_progress is not None
        acme, globex, initech = companies
        on_progress(CompanyProgress(acme, "running"))
        on_progress(CompanyProgress(acme, "ok", 5, 4, 1, 120))
        on_progress(CompanyProgress(globex, "failed", duration_ms=30, error="HTTP 404"))
        on_progress(CompanyProgress(initech, "running"))
        step.set()
        finish.wait(10)
        on_progress(CompanyProgress(initech, "ok", 2, 2, 0, 80))
        store.finish_run(con, run_id, "finished")

    reg = make_registry(pipeline=pipeline)
    assert reg.start("manual")
    assert step.wait(10)

    mid = reg.snapshot()
    ids = [c.company_id for c in store.companies(con)]
    assert mid.companies == (
        CompanyRow(ids[0], "Acme", "greenhouse", "ok", 5, 4, 1, 120),
        CompanyRow(ids[1], "Globex", "lever", "failed", 0, 0, 0, 30, "HTTP 404"),
        CompanyRow(ids[2], "Initech", "ashby", "running"),
    )
    assert (mid.state, mid.companies_total, mid.companies_done, mid.companies_failed) == (
        "running", 3, 2, 1)
    assert (mid.jobs_seen, mid.jobs_new, mid.jobs_closed) == (5, 4, 1)

    finish.set()
    assert reg.join(10)
    end = reg.snapshot()
    assert (end.state, end.companies_done, end.jobs_seen, end.jobs_new) == ("finished", 3, 7, 6)
    assert end.finished_at is not None


def test_stale_running_row_becomes_interrupted_when_the_app_starts(db_path: Path) -> None:
    old = connect(db_path)
    run_id = store.start_run(old, "manual", 3)
    old.close()

    reg = ScrapeRegistry(ui.connection())
    try:
        snap = reg.snapshot()
        assert (snap.run_id, snap.state) == (run_id, "interrupted")
        row = ui.connection().execute("SELECT state, error FROM runs").fetchall()
        assert row == [("interrupted", "the app stopped while this run was in progress")]
    finally:
        reg.close()


def test_schedule_starts_a_run_when_due(con, make_registry) -> None:
    now = [datetime(2026, 11, 28, 9, 0)]
    release = threading.Event()
    reg = make_registry(pipeline=blocking_pipeline(release), clock=lambda: now[0], poll_s=0.02)
    assert (reg.schedule_minutes(), reg.next_due()) == (None, None)

    reg.set_schedule(30, ADMIN)
    assert reg.next_due() == datetime(2026, 11, 28, 9, 30)
    time.sleep(0.1)
    assert run_rows(con) == []

    now[0] += timedelta(minutes=31)
    wait_for(lambda: reg.snapshot().running)
    assert [r[1:3] for r in run_rows(con)] == [("schedule", "running")]
    assert reg.next_due() == datetime(2026, 11, 28, 10, 1)
    assert reg.tick() is False, "never a second run while one is alive"
    release.set()


def test_stored_schedule_wins_over_the_environment(con, make_registry) -> None:
    assert make_registry(settings=Settings(schedule_minutes=15)).schedule_minutes() == 15
    store.set_setting(con, "schedule_minutes", "0")
    assert make_registry(settings=Settings(schedule_minutes=15)).schedule_minutes() is None
    store.set_setting(con, "schedule_minutes", "45")
    assert make_registry(settings=Settings(schedule_minutes=15)).schedule_minutes() == 45


def test_real_pipeline_scrapes_the_simulator_and_history_reads_it(fresh_db) -> None:
    with Simulator(boards=4) as sim:
        store.save_companies(fresh_db, [
            Company(c["name"], c["ats"], c["board"], c["url"]) for c in sim.companies()
        ])
        reg = ScrapeRegistry(fresh_db)
        try:
            assert reg.start("manual")
            assert reg.join(60)
        finally:
            reg.close()
    snap = reg.snapshot()
    assert (snap.state, snap.companies_done, snap.companies_failed) == ("finished", 4, 0)
    assert snap.jobs_new == snap.jobs_seen > 0

    history = runs.recent_runs(fresh_db)
    assert history.select("run_id", "trigger", "state", "companies_ok", "jobs_new").rows() == [
        (1, "manual", "finished", 4, snap.jobs_new)]
    results = runs.run_results(fresh_db, 1)
    assert sorted(results["company"].to_list()) == sorted(r.name for r in snap.companies)
    assert results["jobs_new"].sum() == snap.jobs_new
    # After a restart (or a run by the CLI) the panel is drawn from the database: the jobs
    # seen are recounted from run_results, not shown as 0.
    stored = last_run_snapshot(fresh_db)
    assert (stored.jobs_seen, stored.jobs_new) == (snap.jobs_seen, snap.jobs_new)


def test_offline_hint_only_when_no_board_was_reached() -> None:
    from app.runs import offline_hint

    unreachable = ("failed", "cannot connect to api.lever.co:443 (name or service not known)")
    assert offline_hint([unreachable, ("failed", "timed out after 20 s")]) is not None
    assert offline_hint([unreachable, ("ok", None)]) is None
    assert offline_hint([unreachable, ("failed", "HTTP 404 not found")]) is None
    assert offline_hint([unreachable, ("cancelled", "cancelled")]) is not None
    assert offline_hint([]) is None


def test_snapshot_lists_running_longest_first_recent_newest_first_and_not_reached(
    con, make_registry
) -> None:
    times = iter(datetime(2026, 11, 1, 9, 0, s) for s in range(60))
    step = threading.Event()

    def pipeline(con: duckdb.DuckDBPyConnection, run_id: int, companies: Sequence[Company], *,
                 settings: object = None, on_progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> None:
        assert on_progress is not None
        acme, globex, initech = companies
        on_progress(CompanyProgress(initech, "running"))
        on_progress(CompanyProgress(acme, "running"))
        on_progress(CompanyProgress(acme, "ok", 2, 2, 0, 50))
        on_progress(CompanyProgress(globex, "running"))
        step.set()
        assert cancel is not None and cancel.wait(10)
        on_progress(CompanyProgress(initech, "cancelled", error="cancelled"))
        store.finish_run(con, run_id, "cancelled")  # Globex never heard of again

    reg = make_registry(pipeline=pipeline, clock=lambda: next(times))
    assert reg.start("manual")
    assert step.wait(10)
    mid = reg.snapshot()
    assert [r.name for r in mid.running_now] == ["Initech", "Globex"]
    assert [r.started_at.second for r in mid.running_now if r.started_at] == [2, 5]
    assert [r.name for r in mid.recent] == ["Acme"]
    assert reg.snapshot() is mid, "no event, no new copy"
    assert reg.cancel()
    assert reg.join(10)
    end = reg.snapshot()
    assert {r.name: r.state for r in end.companies} == {
        "Acme": "ok", "Globex": "cancelled", "Initech": "cancelled"}
    assert (end.companies_done, end.companies_cancelled, end.running_now) == (1, 2, ())
    assert [r.name for r in end.recent] == ["Globex", "Initech", "Acme"]
