"""The write side: companies, runs, bulk upsert and the job lifecycle."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from app import store
from scraper.models import Company, CompanyResult, Job

DAY1 = datetime(2026, 11, 1, 9, 0)
DAY2 = datetime(2026, 11, 2, 9, 0)
DAY3 = datetime(2026, 11, 3, 9, 0)


def make_job(n: int, board: str = "acme", **fields: object) -> Job:
    base: dict[str, object] = {
        "source": "greenhouse",
        "board": board,
        "external_id": str(n),
        "title": f"Engineer {n}",
        "company": "Acme",
        "url": f"https://example.com/jobs/{n}",
    }
    base.update(fields)
    return Job(**base)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, params=["set-based", "one-by-one"])
def save_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every lifecycle test runs through the set-based save and through the per-company one."""
    if request.param == "one-by-one":
        monkeypatch.setattr(store, "save_company_results", store.save_company_results_one_by_one)
    return str(request.param)


@pytest.fixture
def acme(fresh_db: duckdb.DuckDBPyConnection) -> Company:
    [company] = store.save_companies(
        fresh_db, [Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme")]
    )
    return company


def scrape(con: duckdb.DuckDBPyConnection, company: Company, jobs: list[Job], at: datetime,
           state: str = "ok") -> store.ResultCounts:
    run_id = store.start_run(con, "test", 1, at=at)
    result = CompanyResult(company, state, tuple(jobs), error=None if state == "ok" else "boom")  # type: ignore[arg-type]
    [counts] = store.save_company_results(con, run_id, [result], at)
    store.finish_run(con, run_id, "finished", at=at)
    return counts


def lifecycle(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, ...]]:
    rows = con.execute(
        "SELECT external_id, first_seen_at, last_seen_at, closed_at FROM jobs ORDER BY job_id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_companies_upsert_on_ats_and_board(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    [again] = store.save_companies(
        fresh_db, [Company("Acme Inc", "greenhouse", "acme", "https://boards.greenhouse.io/acme")]
    )
    assert again.company_id == acme.company_id
    assert [(c.name, c.company_id) for c in store.companies(fresh_db)] == [("Acme Inc", acme.company_id)]


def test_new_seen_disappeared_and_reappeared_jobs(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    day1 = scrape(fresh_db, acme, [make_job(1), make_job(2)], DAY1)
    assert (day1.jobs_seen, day1.jobs_new, day1.jobs_closed) == (2, 2, 0)

    day2 = scrape(fresh_db, acme, [make_job(1), make_job(3)], DAY2)
    assert (day2.jobs_seen, day2.jobs_new, day2.jobs_closed) == (2, 1, 1)
    assert lifecycle(fresh_db) == {
        "1": (DAY1, DAY2, None),
        "2": (DAY1, DAY1, DAY2),
        "3": (DAY2, DAY2, None),
    }

    assert fresh_db.execute("SELECT external_id, closed_run FROM jobs WHERE closed_run IS NOT NULL").fetchall() == [
        ("2", 2)
    ]

    day3 = scrape(fresh_db, acme, [make_job(1), make_job(2), make_job(3)], DAY3)
    assert (day3.jobs_seen, day3.jobs_new, day3.jobs_closed) == (3, 0, 0)
    assert lifecycle(fresh_db)["2"] == (DAY1, DAY3, None)
    assert fresh_db.execute("SELECT count(*) FROM jobs WHERE closed_run IS NOT NULL").fetchall() == [(0,)]


def test_failed_company_closes_none_of_its_jobs(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    scrape(fresh_db, acme, [make_job(1), make_job(2)], DAY1)
    counts = scrape(fresh_db, acme, [], DAY2, state="failed")
    assert (counts.state, counts.jobs_seen, counts.jobs_new, counts.jobs_closed) == ("failed", 0, 0, 0)
    assert lifecycle(fresh_db) == {"1": (DAY1, DAY1, None), "2": (DAY1, DAY1, None)}
    assert fresh_db.execute("SELECT state, error FROM run_results ORDER BY run_id").fetchall() == [
        ("ok", None),
        ("failed", "boom"),
    ]


def test_cancelled_company_closes_none_of_its_jobs(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    scrape(fresh_db, acme, [make_job(1)], DAY1)
    scrape(fresh_db, acme, [], DAY2, state="cancelled")
    assert lifecycle(fresh_db) == {"1": (DAY1, DAY1, None)}


def test_rescrape_never_overwrites_status_star_or_notes(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    scrape(fresh_db, acme, [make_job(1)], DAY1)
    store.update_job(fresh_db, "greenhouse:acme:1", status="applied", starred=True, notes="Call Ana")
    scrape(fresh_db, acme, [make_job(1, title="Senior Engineer 1")], DAY2)
    assert fresh_db.execute("SELECT title, status, starred, notes FROM jobs").fetchall() == [
        ("Senior Engineer 1", "applied", True, "Call Ana")
    ]


def test_scraped_fields_are_refreshed_and_salary_annualised(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    job = make_job(1, salary_min=50.0, salary_max=60.0, salary_currency="USD", salary_period="hour",
                   posted_at="2026-10-01T08:30:00Z", locations=("Berlin", "Remote"))
    scrape(fresh_db, acme, [job], DAY1)
    assert fresh_db.execute(
        "SELECT salary_year_min, salary_year_max, posted_at, locations FROM jobs"
    ).fetchall() == [(104000.0, 124800.0, datetime(2026, 10, 1, 8, 30), ["Berlin", "Remote"])]


def test_update_job_rejects_unknown_status_and_job(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    scrape(fresh_db, acme, [make_job(1)], DAY1)
    with pytest.raises(store.StoreError, match="unknown status 'hired'"):
        store.update_job(fresh_db, "greenhouse:acme:1", status="hired")
    with pytest.raises(store.StoreError, match="no job 'nope'"):
        store.update_job(fresh_db, "nope", starred=True)


def test_update_job_changes_only_the_given_fields(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    scrape(fresh_db, acme, [make_job(1)], DAY1)
    store.update_job(fresh_db, "greenhouse:acme:1", notes="first")
    store.update_job(fresh_db, "greenhouse:acme:1", starred=True)
    assert fresh_db.execute("SELECT status, starred, notes FROM jobs").fetchall() == [("new", True, "first")]
    store.update_job(fresh_db, "greenhouse:acme:1", notes="")
    assert fresh_db.execute("SELECT notes FROM jobs").fetchall() == [(None,)]


def test_run_counts_are_summed_from_results(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    [beta] = store.save_companies(fresh_db, [Company("Beta", "lever", "beta", "https://jobs.lever.co/beta")])
    run_id = store.start_run(fresh_db, "manual", 2, at=DAY1)
    store.save_company_results(fresh_db, run_id, [
        CompanyResult(acme, "ok", (make_job(1), make_job(2))),
        CompanyResult(beta, "failed", error="404 board not found"),
    ], DAY1)
    store.finish_run(fresh_db, run_id, "finished", at=DAY1)
    assert fresh_db.execute(
        "SELECT state, companies_total, companies_ok, companies_failed, jobs_new, jobs_closed FROM runs"
    ).fetchall() == [("finished", 2, 1, 1, 2, 0)]


def test_running_runs_become_interrupted(fresh_db: duckdb.DuckDBPyConnection) -> None:
    stale = store.start_run(fresh_db, "manual", 3)
    assert store.interrupt_stale_runs(fresh_db) == 1
    assert fresh_db.execute("SELECT run_id, state FROM runs").fetchall() == [(stale, "interrupted")]


def test_duplicate_postings_in_one_result_are_saved_once(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    counts = scrape(fresh_db, acme, [make_job(1), make_job(1, title="Again")], DAY1)
    assert counts.jobs_seen == 1
    assert fresh_db.execute("SELECT title FROM jobs").fetchall() == [("Again",)]


@pytest.mark.slow
def test_100k_jobs_upsert_through_the_bulk_path(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    jobs = [make_job(n, description_text="x" * 200) for n in range(100_000)]
    first = scrape(fresh_db, acme, jobs, DAY1)
    assert (first.jobs_seen, first.jobs_new) == (100_000, 100_000)
    second = scrape(fresh_db, acme, jobs[:60_000], DAY2)
    assert (second.jobs_seen, second.jobs_new, second.jobs_closed) == (60_000, 0, 40_000)
    assert fresh_db.execute("SELECT count(*) FROM jobs WHERE closed_at IS NULL").fetchone() == (60_000,)


def test_save_companies_sets_given_enabled_flags(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    beta = Company("Beta", "lever", "beta", "https://jobs.lever.co/beta")
    store.save_companies(fresh_db, [acme, beta], enabled=[False, None])
    assert fresh_db.execute("SELECT name, enabled FROM companies ORDER BY name").fetchall() == [
        ("Acme", False),
        ("Beta", True),
    ]


def test_empty_board_keeps_its_open_jobs_and_says_why(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    scrape(fresh_db, acme, [make_job(1), make_job(2)], DAY1)
    counts = scrape(fresh_db, acme, [], DAY2)
    assert counts == store.ResultCounts(
        acme.company_id or 0, "failed", 0, 0, 0,
        "the board listed no jobs (it may have moved or been removed); its 2 open jobs were kept open",
    )
    assert lifecycle(fresh_db) == {"1": (DAY1, DAY1, None), "2": (DAY1, DAY1, None)}


def test_empty_board_with_nothing_open_is_ok(fresh_db: duckdb.DuckDBPyConnection, acme: Company) -> None:
    assert scrape(fresh_db, acme, [], DAY1) == store.ResultCounts(acme.company_id or 0, "ok", 0, 0, 0)


def test_deleting_a_company_keeping_its_jobs_closes_them_and_says_why(
    fresh_db: duckdb.DuckDBPyConnection, acme: Company
) -> None:
    """Issue 15 item 5: kept jobs stayed open (and counted as open) forever."""
    scrape(fresh_db, acme, [make_job(1), make_job(2)], datetime(2026, 1, 1))
    scrape(fresh_db, acme, [make_job(1)], datetime(2026, 1, 2))
    assert acme.company_id is not None
    store.delete_company(fresh_db, acme.company_id, keep_jobs=True)
    rows = fresh_db.execute(
        "SELECT external_id, company_id, closed_at, closed_reason FROM jobs ORDER BY external_id"
    ).fetchall()
    assert rows[1] == ("2", None, datetime(2026, 1, 2), None)  # closed by the scrape, kept so
    assert rows[0][:2] == ("1", None) and rows[0][2] is not None
    assert rows[0][3] == "its company was deleted"

    [back] = store.save_companies(fresh_db, [Company("Acme", "greenhouse", "acme",
                                                     "https://boards.greenhouse.io/acme")])
    scrape(fresh_db, back, [make_job(1)], datetime(2026, 1, 3))
    assert fresh_db.execute("SELECT company_id, closed_at, closed_reason FROM jobs "
                            "WHERE external_id = '1'").fetchall() == [(back.company_id, None, None)]
