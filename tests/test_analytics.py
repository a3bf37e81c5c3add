"""Analytics read functions on a hand-seeded database whose answers are known exactly.

The story (three runs; the filter range is 2026-02-25..2026-03-10, so "this week" is
2026-03-04..03-10 and "last week" 2026-02-25..03-03):

- run 1, 02-26 10:00: Acme a1 a2 a3, Beta b1 b2; Gamma fails (HTTP 404).
- run 2, 03-05 10:00: Acme a1 a3 a4 (a2 closes), Beta b1 b2 b3, Gamma g1.
- run 3, 03-09 12:00: Acme a1 a4 (a3 closes), Beta fails (closes nothing), Gamma g1 g2.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from app import analytics, store
from app.analytics import Filters, Headline
from scraper.models import Company, CompanyResult, Job

FILTERS = Filters(start=date(2026, 2, 25), end=date(2026, 3, 10))
RUN_TIMES = (datetime(2026, 2, 26, 10), datetime(2026, 3, 5, 10), datetime(2026, 3, 9, 12))


def _job(company: Company, ext: str, **fields: object) -> Job:
    return Job(
        source=company.ats,
        board=company.board,
        external_id=ext,
        title=f"Job {ext}",
        company=company.name,
        url=f"https://example.test/{company.board}/{ext}",
        **fields,  # type: ignore[arg-type]
    )


def seed_jobs(acme: Company, beta: Company, gamma: Company) -> dict[str, Job]:
    """The seeded postings by external id."""
    return {
        "a1": _job(acme, "a1", workplace="remote", department="Engineering", location="Berlin",
                   locations=("Berlin", "Remote"), salary_min=100000.0, salary_max=140000.0,
                   salary_currency="USD", salary_period="year"),
        "a2": _job(acme, "a2", workplace="onsite", department="Engineering", location="Paris",
                   salary_min=10000.0, salary_max=12000.0, salary_currency="USD",
                   salary_period="month"),
        "a3": _job(acme, "a3", workplace="hybrid", department="Sales", location="Madrid",
                   salary_min=60000.0, salary_max=80000.0, salary_currency="EUR",
                   salary_period="year"),
        "a4": _job(acme, "a4", workplace="remote", department="Sales", location="New York",
                   locations=("New York",), salary_min=90000.0, salary_max=110000.0,
                   salary_currency="USD", salary_period="year"),
        "b1": _job(beta, "b1", workplace="remote", department="Engineering", location="Remote",
                   salary_min=50.0, salary_currency="USD", salary_period="hour"),
        "b2": _job(beta, "b2"),
        "b3": _job(beta, "b3", workplace="onsite", department="Engineering", location="Berlin",
                   salary_min=70000.0, salary_currency="EUR", salary_period="year"),
        "g1": _job(gamma, "g1", workplace="remote", department="Design", location="London"),
        "g2": _job(gamma, "g2", workplace="hybrid", department="Design", location="London",
                   salary_min=50000.0, salary_max=60000.0, salary_currency="GBP",
                   salary_period="year"),
    }


def seed(con: duckdb.DuckDBPyConnection) -> None:
    """Write the module docstring's three runs through the real store."""
    acme, beta, gamma = store.save_companies(
        con,
        [
            Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme"),
            Company("Beta", "lever", "beta", "https://jobs.lever.co/beta"),
            Company("Gamma", "ashby", "gamma", "https://jobs.ashbyhq.com/gamma"),
        ],
    )
    j = seed_jobs(acme, beta, gamma)

    def ok(company: Company, *ids: str) -> CompanyResult:
        return CompanyResult(company, "ok", tuple(j[i] for i in ids))

    def failed(company: Company, error: str) -> CompanyResult:
        return CompanyResult(company, "failed", error=error)

    plan = [
        [ok(acme, "a1", "a2", "a3"), ok(beta, "b1", "b2"), failed(gamma, "HTTP 404")],
        [ok(acme, "a1", "a3", "a4"), ok(beta, "b1", "b2", "b3"), ok(gamma, "g1")],
        [ok(acme, "a1", "a4"), failed(beta, "timeout"), ok(gamma, "g1", "g2")],
    ]
    for at, results in zip(RUN_TIMES, plan, strict=True):
        run_id = store.start_run(con, "test", len(results), at=at)
        store.save_company_results(con, run_id, results, at)
        store.finish_run(con, run_id, "finished", at=at)


def _company_id(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = con.execute("SELECT company_id FROM companies WHERE name = ?", [name]).fetchone()
    assert row is not None
    return int(row[0])


def test_headline_counts_open_new_closed_hiring_and_remote_share(fresh_db):
    seed(fresh_db)
    assert analytics.headline(fresh_db, FILTERS) == Headline(
        open_jobs=7,
        open_jobs_week_ago=5,
        new_this_week=4,
        new_last_week=5,
        closed_this_week=2,
        closed_last_week=0,
        companies_hiring=3,
        companies_hiring_week_ago=2,
        remote_share=4 / 7,
        remote_share_week_ago=2 / 5,
        history_start=RUN_TIMES[0],
        week_start=datetime(2026, 3, 4),
    )


def test_headline_follows_company_and_workplace_filters(fresh_db):
    seed(fresh_db)
    acme = Filters(FILTERS.start, FILTERS.end, company_ids=(_company_id(fresh_db, "Acme"),))
    assert analytics.headline(fresh_db, acme) == Headline(
        2, 3, 1, 3, 2, 0, 1, 1, 1.0, 1 / 3, RUN_TIMES[0], datetime(2026, 3, 4))
    unknown = Filters(FILTERS.start, FILTERS.end, workplaces=("unknown",))
    assert analytics.headline(fresh_db, unknown) == Headline(
        1, 1, 0, 1, 0, 0, 1, 1, 0.0, 0.0, RUN_TIMES[0], datetime(2026, 3, 4))


def test_headline_knows_which_previous_periods_scrapes_covered(fresh_db):
    """Issue 15 item 6: deltas against a week with no scrape repeated the value (↑1096)."""
    seed(fresh_db)
    h = analytics.headline(fresh_db, FILTERS)
    assert (h.has_week_ago(), h.has_week_before()) == (True, False)
    first_week = analytics.headline(fresh_db, Filters(date(2026, 2, 20), date(2026, 2, 28)))
    assert (first_week.has_week_ago(), first_week.has_week_before()) == (False, False)
    later = analytics.headline(fresh_db, Filters(date(2026, 3, 1), date(2026, 3, 20)))
    assert (later.has_week_ago(), later.has_week_before()) == (True, True)


def test_flow_counts_new_postings_on_their_posted_day(fresh_db):
    """Issue 15 item 6: a first scrape drew one spike and 29 days of zeros."""
    [acme] = store.save_companies(fresh_db, [Company("Acme", "greenhouse", "acme", "https://x")])
    jobs = (_job(acme, "p1", posted_at="2026-03-01T09:00:00Z"),
            _job(acme, "p2", posted_at="2026-03-03T09:00:00Z"), _job(acme, "p3"))
    run_id = store.start_run(fresh_db, "test", 1, at=RUN_TIMES[2])
    store.save_company_results(fresh_db, run_id, [CompanyResult(acme, "ok", jobs)], RUN_TIMES[2])
    new = analytics.flow(fresh_db, FILTERS).filter((pl.col("kind") == "new") & (pl.col("jobs") > 0))
    assert new.select("period", "jobs").rows() == [
        (date(2026, 3, 1), 1), (date(2026, 3, 3), 1), (date(2026, 3, 9), 1)]
    assert analytics.flow_dating(fresh_db, FILTERS) == (2, 3)


def test_headline_is_all_zero_on_an_empty_database(fresh_db):
    assert analytics.headline(fresh_db, FILTERS) == Headline(
        0, 0, 0, 0, 0, 0, 0, 0, None, None, None, datetime(2026, 3, 4))


def test_salary_medians_use_annualized_midpoints_per_currency(fresh_db):
    seed(fresh_db)
    expected = pl.DataFrame(
        {"salary_currency": ["USD", "EUR", "GBP"], "jobs": [3, 1, 1],
         "median": [104000.0, 70000.0, 55000.0]}
    )
    assert_frame_equal(analytics.salary_medians(fresh_db, FILTERS), expected, check_dtypes=False)


def test_flow_counts_new_and_closed_per_day_with_zero_days(fresh_db):
    seed(fresh_db)
    frame = analytics.flow(fresh_db, FILTERS)
    assert frame.height == 14 * 2
    nonzero = frame.filter(pl.col("jobs") > 0)
    expected = pl.DataFrame(
        {
            "period": [date(2026, 2, 26), date(2026, 3, 5), date(2026, 3, 5),
                       date(2026, 3, 9), date(2026, 3, 9)],
            "kind": ["new", "new", "closed", "new", "closed"],
            "jobs": [5, 3, 1, 1, 1],
        }
    )
    assert_frame_equal(nonzero, expected, check_dtypes=False)


def test_flow_buckets_long_ranges_by_week(fresh_db):
    seed(fresh_db)
    # weeks start on Monday: 2026-03-09 is one
    year = Filters(date(2025, 12, 1), date(2026, 3, 10))
    frame = analytics.flow(fresh_db, year).filter(pl.col("jobs") > 0)
    expected = pl.DataFrame(
        {
            "period": [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 2),
                       date(2026, 3, 9), date(2026, 3, 9)],
            "kind": ["new", "new", "closed", "new", "closed"],
            "jobs": [5, 3, 1, 1, 1],
        }
    )
    assert_frame_equal(frame, expected, check_dtypes=False)


def test_open_by_company_workplace_locations_departments(fresh_db):
    seed(fresh_db)
    assert analytics.open_by_company(fresh_db, FILTERS).rows() == [
        ("Beta", 3), ("Acme", 2), ("Gamma", 2)
    ]
    assert analytics.workplace_mix(fresh_db, FILTERS).rows() == [
        ("remote", 4), ("hybrid", 1), ("onsite", 1), ("unknown", 1)
    ]
    assert analytics.top_locations(fresh_db, FILTERS).rows() == [
        ("Berlin", 2), ("London", 2), ("Remote", 2), ("New York", 1)
    ]
    assert analytics.top_departments(fresh_db, FILTERS).rows() == [
        ("Engineering", 3), ("Design", 2), ("Sales", 1)
    ]


def test_salary_by_department_in_the_main_currency(fresh_db):
    seed(fresh_db)
    salaries = analytics.salary_medians(fresh_db, FILTERS)
    assert analytics.main_currency(salaries) == "USD"
    assert analytics.salary_by_department(fresh_db, FILTERS, "USD").rows() == [
        ("Engineering", 2, 102000.0, 112000.0, 122000.0),
        ("Sales", 1, 90000.0, 100000.0, 110000.0),
    ]


def test_days_open_is_the_median_over_postings_closed_in_range(fresh_db):
    seed(fresh_db)
    # a2 stayed 7 days, a3 11 days and 2 hours: median 9.04 -> 9.0
    assert analytics.days_open(fresh_db, FILTERS).rows() == [("Acme", 2, 9.0)]


def test_scrape_health_rates_and_last_errors(fresh_db):
    seed(fresh_db)
    expected = pl.DataFrame(
        {
            "company": ["Beta", "Gamma", "Acme"],
            "runs": [3, 3, 3],
            "ok": [2, 2, 3],
            "failed": [1, 1, 0],
            "success_rate": [2 / 3, 2 / 3, 1.0],
            "last_state": ["failed", "ok", "ok"],
            "last_run_at": [RUN_TIMES[2]] * 3,
            "last_error": ["timeout", "HTTP 404", None],
        }
    )
    assert_frame_equal(analytics.scrape_health(fresh_db, FILTERS), expected, check_dtypes=False)


def test_dashboard_on_an_empty_database_has_empty_frames(fresh_db):
    board = analytics.dashboard(fresh_db, FILTERS)
    assert board.main_currency is None
    assert board.open_by_company.is_empty()
    assert board.salary_by_department.is_empty()
    assert board.scrape_health.is_empty()
    assert board.flow["jobs"].sum() == 0


def test_scrape_health_counts_only_runs_that_reached_the_company(fresh_db):
    """Issue 15 item 4: a cancelled run showed healthy boards at 50 % and hid the real error."""
    seed(fresh_db)
    acme, beta, gamma = store.companies(fresh_db)
    run_id = store.start_run(fresh_db, "test", 3, at=datetime(2026, 3, 10, 9))
    a1 = seed_jobs(acme, beta, gamma)["a1"]
    store.save_company_results(fresh_db, run_id, [
        CompanyResult(acme, "ok", (a1,)),
        CompanyResult(beta, "cancelled", error="cancelled"),
        CompanyResult(gamma, "cancelled", error="cancelled"),
    ], datetime(2026, 3, 10, 9))
    store.finish_run(fresh_db, run_id, "cancelled", at=datetime(2026, 3, 10, 9))
    health = analytics.scrape_health(fresh_db, FILTERS)
    assert health.select("company", "runs", "ok", "failed", "last_error").rows() == [
        ("Beta", 3, 2, 1, "timeout"), ("Gamma", 3, 2, 1, "HTTP 404"), ("Acme", 4, 4, 0, None)]
