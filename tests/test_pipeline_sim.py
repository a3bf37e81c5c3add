"""run_scrape() from simulated boards into a DuckDB file: saves, per-company outcomes, the
job lifecycle over simulated days, cancel, and the `jobscraper scrape` command.

Tests taking ``mode`` run in-process and on real Celery worker processes (1 and 2) over a
real redis-server (tests/remote_services.py): both modes must give the same outcomes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from app import queries, store
from app.db import connect
from app.pipeline import CompanyProgress, cli_scrape, run_scrape
from scraper.fetch import FetchSettings
from scraper.models import Company
from scraper.simulator import Simulator
from tests.remote_services import Mode

# Generous: the simulator shares this process (and its GIL) with the scrape.
FAST = FetchSettings(timeout_s=3.0, backoff_s=0.05)
IN_PROCESS = Mode("in-process")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(boards=18, failures=True, slow_s=5.0).start()
    yield s
    s.stop()


@pytest.fixture
def con(tmp_path: Path, sim: Simulator) -> Iterator[duckdb.DuckDBPyConnection]:
    sim.set_day(0)
    c = connect(tmp_path / "jobs.duckdb")
    yield c
    c.close()


def saved_companies(
    con: duckdb.DuckDBPyConnection, sim: Simulator, *, failing: bool | None = None
) -> list[Company]:
    picked = [
        Company(d["name"], d["ats"], d["board"], d["url"])
        for d in sim.companies()
        if failing is None or (d["failure"] is not None) == failing
    ]
    return store.save_companies(con, picked)


def run(
    con: duckdb.DuckDBPyConnection,
    companies: list[Company],
    cancel: threading.Event | None = None,
    on_progress: list[CompanyProgress] | None = None,
    mode: Mode = IN_PROCESS,
) -> int:
    run_id = store.start_run(con, "test", len(companies))
    sink = on_progress.append if on_progress is not None else None
    run_scrape(con, run_id, companies, settings=FAST, on_progress=sink, cancel=cancel,
               runner=mode.runner())
    return run_id


def open_ids(con: duckdb.DuckDBPyConnection, company: Company) -> set[str]:
    rows = con.execute(
        "SELECT external_id FROM jobs WHERE company_id = ? AND closed_at IS NULL",
        [company.company_id],
    ).fetchall()
    return {r[0] for r in rows}


def closed_ids(con: duckdb.DuckDBPyConnection, company: Company) -> set[str]:
    rows = con.execute(
        "SELECT external_id FROM jobs WHERE company_id = ? AND closed_at IS NOT NULL",
        [company.company_id],
    ).fetchall()
    return {r[0] for r in rows}


def test_run_saves_every_board_and_reports_each_outcome(
    con: duckdb.DuckDBPyConnection, sim: Simulator, mode: Mode
) -> None:
    companies = saved_companies(con, sim)
    progress: list[CompanyProgress] = []
    run_id = run(con, companies, on_progress=progress, mode=mode)

    failures = {d["board"]: d["failure"] for d in sim.companies()}
    for c in companies:
        ok = failures[c.board] in (None, "500-then-ok", "429")
        expected = sim.expected_job_ids(c.board) if ok else set()
        mine = [p for p in progress if p.company.company_id == c.company_id]
        assert open_ids(con, c) == expected, mine
        assert [p.state for p in mine] == ["running", "ok" if ok else "failed"], c.board
        final = mine[-1]
        assert (final.jobs_seen, final.jobs_new, final.jobs_closed) == (len(expected),) * 2 + (0,)
        assert (final.error is None) == ok, c.board
        # In-process no worker is named; on workers, every company says which ran it.
        assert {p.worker is None for p in mine} == {mode.broker is None}, mine

    results = con.execute(
        "SELECT company_id, state, error FROM run_results WHERE run_id = ?", [run_id]
    ).fetchall()
    assert {r[0]: (r[1], r[2]) for r in results} == {
        p.company.company_id: (p.state, p.error) for p in progress if p.state != "running"
    }
    row = con.execute(
        "SELECT state, companies_ok, companies_failed, jobs_new FROM runs WHERE run_id = ?",
        [run_id],
    ).fetchone()
    ok = [p for p in progress if p.state == "ok"]
    failed = [p for p in progress if p.state == "failed"]
    assert row == ("finished", len(ok), len(failed), sum(p.jobs_new for p in ok))
    assert {p.company.board for p in failed} == {
        "broken-404", "connection-reset", "malformed-json", "oversized-body",
        "redirect-loop", "slow-timeout", "GemBroken404", "bamboohr-html-200", "breezy-malformed-json",
        "join-placeholder-233", "jazzhr-broken-404",
    }  # fmt: skip


def test_simulated_days_open_close_and_reopen_jobs(
    con: duckdb.DuckDBPyConnection, sim: Simulator, mode: Mode
) -> None:
    companies = saved_companies(con, sim, failing=False)
    reopened_total = 0
    for day in (0, 1, 2):
        sim.set_day(day)
        run_id = run(con, companies, mode=mode)
        for c in companies:
            today = sim.expected_job_ids(c.board, day)
            ever = set().union(*(sim.expected_job_ids(c.board, d) for d in range(day + 1)))
            assert open_ids(con, c) == today, (day, c.board)
            assert closed_ids(con, c) == ever - today, (day, c.board)
            before = sim.expected_job_ids(c.board, day - 1) if day else set()
            earlier = set().union(*(sim.expected_job_ids(c.board, d) for d in range(day)))
            counts = con.execute(
                "SELECT jobs_seen, jobs_new, jobs_closed FROM run_results "
                "WHERE run_id = ? AND company_id = ?",
                [run_id, c.company_id],
            ).fetchone()
            assert counts == (len(today), len(today - earlier), len(before - today))
            reopened_total += len((today & earlier) - before)
    assert reopened_total > 0  # the simulated days did bring a closed job back


def test_failed_board_closes_none_of_its_jobs(
    con: duckdb.DuckDBPyConnection, sim: Simulator, mode2: Mode
) -> None:
    [flaky] = [c for c in saved_companies(con, sim, failing=True) if c.board == "flaky-500"]
    run(con, [flaky], mode=mode2)
    seen = open_ids(con, flaky)
    broken = Company(flaky.name, flaky.ats, flaky.board, flaky.url.replace("flaky-500", "gone-404"), flaky.company_id)
    run_id = run(con, [broken], mode=mode2)
    assert open_ids(con, flaky) == seen and seen
    state = con.execute(
        "SELECT state, jobs_closed FROM run_results WHERE run_id = ?", [run_id]
    ).fetchone()
    assert state == ("failed", 0)


def test_cancel_ends_the_run_and_keeps_what_finished(
    con: duckdb.DuckDBPyConnection, sim: Simulator, mode: Mode
) -> None:
    quick = saved_companies(con, sim, failing=False)[:3]
    slow = [c for c in saved_companies(con, sim, failing=True) if c.board == "slow-timeout"]
    cancel = threading.Event()
    progress: list[CompanyProgress] = []

    def on_progress(p: CompanyProgress) -> None:
        progress.append(p)
        if sum(1 for q in progress if q.state == "ok") == len(quick):
            cancel.set()

    run_id = store.start_run(con, "test", 4)
    summary = run_scrape(con, run_id, quick + slow, settings=FetchSettings(timeout_s=30.0),
                         on_progress=on_progress, cancel=cancel, runner=mode.runner())
    assert (summary.state, summary.companies_ok, summary.companies_cancelled) == ("cancelled", 3, 1)
    assert con.execute("SELECT state FROM runs WHERE run_id = ?", [run_id]).fetchone() == (
        "cancelled",
    )
    for c in quick:
        assert open_ids(con, c) == sim.expected_job_ids(c.board)
    assert progress[-1].company.board == "slow-timeout"
    assert (progress[-1].state, progress[-1].error) == ("cancelled", "cancelled")


def test_a_company_past_its_deadline_fails_in_either_mode(
    con: duckdb.DuckDBPyConnection, sim: Simulator, mode2: Mode
) -> None:
    # JOBSCRAPER_COMPANY_TIMEOUT_S travels with the fetch settings: workers apply it too.
    quick = saved_companies(con, sim, failing=False)[:2]
    slow = [c for c in saved_companies(con, sim, failing=True) if c.board == "slow-timeout"]
    progress: list[CompanyProgress] = []
    run_id = store.start_run(con, "test", 3)
    settings = FetchSettings(timeout_s=30.0, company_deadline_s=1.0)
    summary = run_scrape(con, run_id, quick + slow, settings=settings,
                         on_progress=progress.append, runner=mode2.runner())
    assert (summary.companies_ok, summary.companies_failed) == (2, 1)
    [late] = [p for p in progress if p.state == "failed"]
    assert late.company.board == "slow-timeout" and late.error is not None
    assert late.error.startswith("gave up after 1 s, the deadline of one company "
                                 "(JOBSCRAPER_COMPANY_TIMEOUT_S): 1 request sent, 1 waiting for "
                                 f"an answer (e.g. GET {slow[0].url}"), late.error


def test_cli_scrape_prints_a_line_per_company_and_a_summary(
    tmp_path: Path, sim: Simulator, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, mode2: Mode,
) -> None:
    if mode2.broker:
        monkeypatch.setenv("JOBSCRAPER_BROKER", mode2.broker)
    else:
        monkeypatch.delenv("JOBSCRAPER_BROKER", raising=False)
    monkeypatch.setenv("JOBSCRAPER_TIMEOUT_S", "3")
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(tmp_path / "none.toml"))
    toml = tmp_path / "companies.toml"
    sim.write_companies(toml)
    db = tmp_path / "cli.duckdb"
    assert cli_scrape(db=str(db), companies_file=str(toml)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sim.companies()) + 1
    broken = [ln for ln in lines if "broken-404" in ln or ln.startswith("FAIL Broken")]
    assert any(ln.startswith("FAIL ") and ln.endswith(": 404 board not found") for ln in lines)
    # every failure board fails but the two that recover on a retry (the slow one times out)
    bad = sum(1 for c in sim.companies() if c["failure"] not in (None, "500-then-ok", "429"))
    assert sum(ln.startswith("ok   ") for ln in lines) == len(sim.companies()) - bad, broken
    total = len(sim.companies())
    assert lines[-1].startswith(f"run 1 finished: {total - bad} ok, {bad} failed, 0 cancelled of {total} ")


def test_cli_scrape_says_so_when_the_database_is_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.db

    def held(path: object) -> duckdb.DuckDBPyConnection:
        raise app.db.DatabaseLockedError(f"The database {path} is open in another process")

    monkeypatch.setattr(app.db, "connect", held)
    assert cli_scrape(db=str(tmp_path / "x.duckdb"), companies_file=None) == 1
    assert "is open in another process" in capsys.readouterr().err


def test_failing_progress_handler_loses_no_saves(
    con: duckdb.DuckDBPyConnection, sim: Simulator, mode2: Mode
) -> None:
    companies = saved_companies(con, sim, failing=False)[:4]
    calls: list[str] = []

    def on_progress(p: CompanyProgress) -> None:
        calls.append(p.state)
        raise RuntimeError("display broke")

    run_id = store.start_run(con, "test", len(companies))
    summary = run_scrape(con, run_id, companies, settings=FAST, on_progress=on_progress,
                         runner=mode2.runner())
    assert (summary.state, summary.companies_ok, summary.error) == ("finished", 4, None)
    assert sorted(calls) == ["ok"] * 4 + ["running"] * 4
    for c in companies:
        assert open_ids(con, c) == sim.expected_job_ids(c.board), c.board


def test_company_whose_save_raises_fails_alone_and_the_run_says_why(
    con: duckdb.DuckDBPyConnection, sim: Simulator, monkeypatch: pytest.MonkeyPatch,
    mode2: Mode,
) -> None:
    companies = saved_companies(con, sim, failing=False)[:4]
    doomed = companies[1]
    real_save = store.save_company_results

    def save(c: duckdb.DuckDBPyConnection, run_id: int, batch: list[Any], seen_at: Any) -> Any:
        if any(r.company == doomed and r.jobs for r in batch):  # its jobs cannot be written
            raise duckdb.IOException("disk full")
        return real_save(c, run_id, batch, seen_at)

    monkeypatch.setattr(store, "save_company_results", save)
    progress: list[CompanyProgress] = []
    run_id = run(con, companies, on_progress=progress, mode=mode2)
    finals = {p.company.board: (p.state, p.error) for p in progress if p.state != "running"}
    assert finals == {
        c.board: ("failed", "not saved: disk full") if c == doomed else ("ok", None)
        for c in companies
    }
    for c in companies:
        assert open_ids(con, c) == (set() if c == doomed else sim.expected_job_ids(c.board))
    # The unsaved company still has its failed run_results row, so the run's counts add up.
    row = con.execute("SELECT state, companies_ok, companies_failed, error FROM runs "
                      "WHERE run_id = ?", [run_id]).fetchone()
    assert row == ("failed", 3, 1, "saving results failed: disk full")
    assert con.execute("SELECT state, jobs_seen, error FROM run_results WHERE run_id = ? "
                       "AND company_id = ?", [run_id, doomed.company_id]).fetchall() == [
        ("failed", 0, "not saved: disk full"),
    ]


def test_posted_within_filters_find_simulated_jobs_on_any_day(
    con: duckdb.DuckDBPyConnection, sim: Simulator
) -> None:
    """Issue 15, item 15: the demo's posting dates follow the simulated day."""
    companies = saved_companies(con, sim, failing=False)
    for day in (0, 2):
        sim.set_day(day)
        run(con, companies)
        open_jobs = queries.jobs_count(con, queries.JobFilters())
        week = queries.jobs_count(con, queries.JobFilters(posted_within_days=7))
        month = queries.jobs_count(con, queries.JobFilters(posted_within_days=30))
        assert 0 < week < month < open_jobs, day
        future = con.execute("SELECT count(*) FROM jobs WHERE posted_at > now() + INTERVAL 1 HOUR").fetchone()
        assert future == (0,), day
