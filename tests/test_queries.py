"""The Jobs read side: every filter narrows to the exact jobs, literal search, sorting, paging."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb
import polars as pl
import pytest

from app import queries, store
from app.queries import JobFilters
from scraper.models import Company, CompanyResult, Job

NOW = store.utcnow()


def _iso(days_ago: float | None) -> str | None:
    if days_ago is None:
        return None
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _job(company: Company, ext: str, title: str, **fields: Any) -> Job:
    posted = fields.pop("posted_days_ago", None)
    return Job(
        source=company.ats,
        board=company.board,
        external_id=ext,
        title=title,
        company=company.name,
        url=f"https://example.test/{company.board}/{ext}",
        posted_at=_iso(posted),
        **fields,
    )


def seed_known_jobs(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Three companies, two runs through the store. Run 2 (a day ago) closes a3 and finds
    a4 and c2. Returns the company ids by name."""
    acme, beta, gamma = store.save_companies(
        con,
        [
            Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme"),
            Company("Beta", "lever", "beta", "https://jobs.lever.co/beta"),
            Company("Gamma", "ashby", "gamma", "https://jobs.ashbyhq.com/gamma"),
        ],
    )
    a1 = _job(acme, "a1", "Senior Backend Engineer", location="Berlin, Germany",
              locations=("Berlin, Germany",), workplace="remote", department="Engineering",
              posted_days_ago=2, salary_min=80000, salary_max=100000, salary_currency="EUR",
              salary_period="year", salary_source="structured",
              description_text="Python and DuckDB at 100% scale")
    a2 = _job(acme, "a2", "Frontend Developer", location="Paris", workplace="hybrid",
              posted_days_ago=20, salary_min=5000, salary_max=6000, salary_currency="EUR",
              salary_period="month", salary_source="text",
              description_text="React_native and 'quotes'")
    a3 = _job(acme, "a3", "Data Analyst", location="London", workplace="onsite",
              posted_days_ago=40, salary_min=50000, salary_currency="GBP", salary_period="year")
    a4 = _job(acme, "a4", "Backend Engineer (Go)", location="Remote - US", workplace="remote",
              posted_days_ago=1, salary_min=60, salary_max=80, salary_currency="USD",
              salary_period="hour", description_text="Files live in C:\\jobs\\go")
    b1 = _job(beta, "b1", "Product Manager", location="New York", department="Product")
    b2 = _job(beta, "b2", "Site Reliability Engineer", location="Berlin", workplace="onsite",
              posted_days_ago=5, salary_min=150000, salary_max=180000, salary_currency="USD",
              salary_period="year", description_text="50% remote")
    c1 = _job(gamma, "c1", "Designer", workplace="hybrid", posted_days_ago=3,
              salary_max=90000, salary_currency="USD", salary_period="year")
    c2 = _job(gamma, "c2", "Backend Intern", location="Berlin", posted_days_ago=0.5,
              salary_min=3000, salary_currency="EUR", salary_period="month",
              description_text="Serve 100_000 users")
    runs = [
        (NOW - timedelta(days=10), {acme: (a1, a2, a3), beta: (b1, b2), gamma: (c1,)}),
        (NOW - timedelta(days=1), {acme: (a1, a2, a4), beta: (b1, b2), gamma: (c1, c2)}),
    ]
    for at, by_company in runs:
        run_id = store.start_run(con, "test", len(by_company), at=at)
        results = [CompanyResult(c, "ok", jobs=jobs) for c, jobs in by_company.items()]
        store.save_company_results(con, run_id, results, seen_at=at)
        store.finish_run(con, run_id, "finished", at=at)
    for ext, status in (("a2", "applied"), ("b1", "applied"), ("c1", "saved")):
        store.update_job(con, _id(ext), status=status)
    store.update_job(con, _id("a4"), starred=True, notes="ask about visa")
    return {c.name: c.company_id for c in (acme, beta, gamma) if c.company_id is not None}


_IDS = {
    "a1": "greenhouse:acme:a1", "a2": "greenhouse:acme:a2", "a3": "greenhouse:acme:a3",
    "a4": "greenhouse:acme:a4", "b1": "lever:beta:b1", "b2": "lever:beta:b2",
    "c1": "ashby:gamma:c1", "c2": "ashby:gamma:c2",
}


def _id(ext: str) -> str:
    return _IDS[ext]


def short(job_ids: Any) -> list[str]:
    """External ids (a1, b2, ...) of full job ids, in their order."""
    return [j.rsplit(":", 1)[-1] for j in job_ids]


@pytest.fixture
def con(fresh_db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    seed_known_jobs(fresh_db)
    return fresh_db


def _matching(con: duckdb.DuckDBPyConnection, filters: JobFilters) -> set[str]:
    page = queries.jobs_page(con, filters, limit=1000)
    assert queries.jobs_count(con, filters) == page.height
    return set(short(page["job_id"]))


OPEN = {"a1", "a2", "a4", "b1", "b2", "c1", "c2"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (JobFilters(), OPEN),
        (JobFilters(include_closed=True), OPEN | {"a3"}),
        (JobFilters(workplaces=("remote",)), {"a1", "a4"}),
        (JobFilters(workplaces=("unknown",)), {"b1", "c2"}),
        (JobFilters(workplaces=("remote", "unknown")), {"a1", "a4", "b1", "c2"}),
        (JobFilters(workplaces=("onsite",), include_closed=True), {"a3", "b2"}),
        (JobFilters(location="BERLIN"), {"a1", "b2", "c2"}),
        (JobFilters(posted_within_days=7), {"a1", "a4", "b2", "c1", "c2"}),
        (JobFilters(min_salary=100000, currency="USD"), {"a4", "b2"}),
        (JobFilters(min_salary=70000, currency="EUR"), {"a1", "a2"}),
        (JobFilters(min_salary=40000, currency="GBP", include_closed=True), {"a3"}),
        (JobFilters(statuses=("applied",)), {"a2", "b1"}),
        (JobFilters(statuses=("applied", "saved")), {"a2", "b1", "c1"}),
        (JobFilters(statuses=("new",)), {"a1", "a4", "b2", "c2"}),
        (JobFilters(starred_only=True), {"a4"}),
        (JobFilters(departments=("Engineering", "Product")), {"a1", "b1"}),
        (JobFilters(employment_kinds=("unknown",)), OPEN),
        (JobFilters(employment_kinds=("full-time",)), set()),
        (JobFilters(new_in_latest_run=True), {"a4", "c2"}),
        (JobFilters(closed_in_latest_run=True), {"a3"}),
        (JobFilters(new_within_days=3), {"a4", "c2"}),
        (JobFilters(new_within_days=30), OPEN),
        (JobFilters(search="backend"), {"a1", "a4", "c2"}),
        (JobFilters(search="BACKEND berlin"), {"a1", "c2"}),
        (JobFilters(search="beta"), {"b1", "b2"}),
        (JobFilters(search="engineering"), {"a1"}),
        (JobFilters(search="duckdb"), {"a1"}),
        (JobFilters(search="backend", workplaces=("remote",), posted_within_days=2), {"a4"}),
    ],
)
def test_filter_narrows_to_exact_jobs(
    con: duckdb.DuckDBPyConnection, filters: JobFilters, expected: set[str]
) -> None:
    assert _matching(con, filters) == expected


def test_company_filter_keeps_only_those_companies(con: duckdb.DuckDBPyConnection) -> None:
    ids = {n: i for i, n in queries.company_options(con).iter_rows()}
    assert _matching(con, JobFilters(company_ids=(ids["Beta"],))) == {"b1", "b2"}
    assert _matching(con, JobFilters(company_ids=(ids["Beta"], ids["Gamma"]))) == {
        "b1", "b2", "c1", "c2"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", {"a1", "b2"}),
        ("100%", {"a1"}),
        ("_", {"a2", "c2"}),
        ("'", {"a2"}),
        ("'quotes'", {"a2"}),
        ("\\", {"a4"}),
        ("c:\\jobs", {"a4"}),
        ("%'_\\", set()),
    ],
)
def test_search_treats_special_characters_literally(
    con: duckdb.DuckDBPyConnection, text: str, expected: set[str]
) -> None:
    assert _matching(con, JobFilters(search=text)) == expected


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("posted", True, ["c2", "a4", "a1", "c1", "b2", "a2", "b1"]),
        ("posted", False, ["a2", "b2", "c1", "a1", "a4", "c2", "b1"]),
        ("salary", True, ["a1", "a2", "c2", "b2", "a4", "c1", "b1"]),
        ("salary", False, ["c2", "a2", "a1", "c1", "a4", "b2", "b1"]),
        ("title", False, ["a4", "c2", "c1", "a2", "b1", "a1", "b2"]),
        ("company", False, ["a1", "a2", "a4", "b1", "b2", "c1", "c2"]),
        ("first_seen", True, ["c2", "a4", "c1", "a1", "a2", "b1", "b2"]),
    ],
)
def test_sort_orders_with_nulls_last(
    con: duckdb.DuckDBPyConnection, sort: str, descending: bool, expected: list[str]
) -> None:
    page = queries.jobs_page(con, JobFilters(), sort=sort, descending=descending)
    assert short(page["job_id"]) == expected


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("USD", ["b2", "a4", "c1", "a1", "a2", "c2", "b1"]),
     ("EUR", ["a1", "a2", "c2", "b2", "a4", "c1", "b1"])],
)
def test_salary_sort_compares_amounts_only_within_a_currency(
    con: duckdb.DuckDBPyConnection, currency: str, expected: list[str]
) -> None:
    """Issue 15 item 1: 2.83M INR sorted above 208k USD."""
    page = queries.jobs_page(con, JobFilters(currency=currency), sort="salary")
    assert short(page["job_id"]) == expected
    exported = queries.export_jobs(con, JobFilters(currency=currency), sort="salary")
    assert short(exported["job_id"]) == expected


def test_paging_returns_the_window_and_count_the_total(con: duckdb.DuckDBPyConnection) -> None:
    page = queries.jobs_page(con, JobFilters(), sort="title", descending=False, offset=2, limit=3)
    assert short(page["job_id"]) == ["c1", "a2", "b1"]
    assert queries.jobs_count(con, JobFilters()) == 7
    assert queries.jobs_page(con, JobFilters(), offset=7).height == 0


def test_page_has_display_columns_and_no_description(con: duckdb.DuckDBPyConnection) -> None:
    page = queries.jobs_page(con, JobFilters(search="go"), limit=5)
    assert page.columns == [
        "job_id", "title", "company", "location", "workplace", "employment_kind", "department",
        "salary_min", "salary_max", "salary_currency", "salary_period", "salary_year",
        "posted_at", "first_seen_at",
        "closed_at", "status", "starred", "url",
    ]
    assert page.row(0, named=True)["salary_year"] == 80 * 2080


def test_unknown_sort_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        queries.jobs_page(con, JobFilters(), sort="title; DROP TABLE jobs")


def test_job_detail_has_description_dates_and_team_fields(con: duckdb.DuckDBPyConnection) -> None:
    job = queries.job_detail(con, _id("a4"))
    assert job is not None
    assert (job["title"], job["description_text"], job["starred"], job["notes"]) == (
        "Backend Engineer (Go)", "Files live in C:\\jobs\\go", True, "ask about visa"
    )
    assert isinstance(job["first_seen_at"], datetime)
    assert job["closed_at"] is None
    assert queries.job_detail(con, "nope:nope:1") is None


def test_closed_job_detail_has_its_closing_time(con: duckdb.DuckDBPyConnection) -> None:
    job = queries.job_detail(con, _id("a3"))
    assert job is not None
    assert job["closed_at"] == job["last_seen_at"] + timedelta(days=9)


def test_export_holds_the_whole_filtered_set(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.export_jobs(con, JobFilters(location="berlin"))
    assert set(short(frame["job_id"])) == {"a1", "b2", "c2"}
    assert "description_text" in frame.columns
    csv = pl.read_csv(queries.csv_bytes(frame))
    assert set(short(csv["job_id"])) == {"a1", "b2", "c2"}
    assert csv.filter(pl.col("job_id") == _id("a1"))["locations"].to_list() == ["Berlin, Germany"]
    parquet = pl.read_parquet(queries.parquet_bytes(frame))
    assert parquet["job_id"].to_list() == frame["job_id"].to_list()


def test_options_list_companies_and_currencies(con: duckdb.DuckDBPyConnection) -> None:
    assert queries.company_options(con)["name"].to_list() == ["Acme", "Beta", "Gamma"]
    assert queries.currency_options(con) == ["EUR", "USD", "GBP"]
    assert queries.has_jobs(con)


def test_empty_database_has_no_jobs(fresh_db: duckdb.DuckDBPyConnection) -> None:
    assert not queries.has_jobs(fresh_db)
    assert queries.jobs_count(fresh_db, JobFilters(new_in_latest_run=True)) == 0
    assert queries.jobs_page(fresh_db, JobFilters()).height == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((120000.0, 150000.0, "USD", "year"), "120,000–150,000 USD / year"),
        ((None, 90000.0, "USD", "year"), "90,000 USD / year"),
        ((50.0, 50.0, "EUR", "hour"), "50 EUR / hour"),
        ((None, None, "EUR", "year"), None),
    ],
)
def test_salary_text(args: tuple[Any, ...], expected: str | None) -> None:
    assert queries.salary_text(*args) == expected


def test_salary_text_keeps_cents_only_when_there_are_any() -> None:
    assert queries.salary_text(22.5, 30.0, "USD", "hour") == "22.50–30 USD / hour"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((64000.0, 73000.0, "GBP", "year", 73000.0), "64k–73k GBP/yr"),
        ((60.0, 80.0, "USD", "hour", 166400.0), "60–80 USD/hr ≈166k/yr"),
        ((5500.0, None, "EUR", "month", 66000.0), "5.5k EUR/mo ≈66k/yr"),
        ((1790000.0, 2360000.0, "INR", "year", 2360000.0), "1.79M–2.36M INR/yr"),
        ((None, 90000.0, "USD", "year", 90000.0), "90k USD/yr"),
        ((12345.0, None, None, None, None), "12.3k"),
        ((None, None, "EUR", "year", None), None),
    ],
)
def test_salary_short_fits_a_table_cell(args: tuple[Any, ...], expected: str | None) -> None:
    assert queries.salary_short(*args) == expected


def test_page_for_table_shows_a_dash_for_missing_values(con: duckdb.DuckDBPyConnection) -> None:
    page = queries.page_for_table(queries.jobs_page(con, JobFilters(include_closed=True)))
    rows = {short([r["job_id"]])[0]: r for r in page.iter_rows(named=True)}
    shown = ("location", "workplace", "salary", "posted_at", "closed_at")
    assert [rows["b1"][c] for c in shown] == ["New York", "—", "—", "—", "—"]
    assert [rows["a4"][c] for c in shown] == [
        "Remote - US", "remote", "60–80 USD/hr ≈166k/yr", _iso(1)[:10], "—"  # type: ignore[index]
    ]
    closed = queries.job_detail(con, _id("a3"))
    assert closed is not None
    assert rows["a3"]["closed_at"] == f"{closed['closed_at']:%Y-%m-%d}"
    assert rows["a3"]["salary"] == "50k GBP/yr"


def test_sort_by_closed_puts_the_recently_closed_first(con: duckdb.DuckDBPyConnection) -> None:
    page = queries.jobs_page(con, JobFilters(include_closed=True), sort="closed")
    assert short(page["job_id"])[0] == "a3"
    assert page["closed_at"].null_count() == 7


def test_closed_in_latest_run_is_only_what_that_run_closed(con: duckdb.DuckDBPyConnection) -> None:
    beta = store.companies(con)[1]
    b2 = _job(beta, "b2", "Site Reliability Engineer")
    run_id = store.start_run(con, "test", 1, at=NOW)
    store.save_company_results(con, run_id, [CompanyResult(beta, "ok", jobs=(b2,))], seen_at=NOW)
    assert _matching(con, JobFilters(closed_in_latest_run=True)) == {"b1"}


def test_company_options_tell_apart_companies_that_share_a_name(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    """Issue 15 item 7: two "Acme" choices in the Jobs filter could not be told apart."""
    store.save_companies(fresh_db, [
        Company("Acme", "lever", "acme", "https://jobs.lever.co/acme"),
        Company("acme", "greenhouse", "acme2", "https://boards.greenhouse.io/acme2"),
        Company("Beta", "lever", "beta", "https://jobs.lever.co/beta"),
    ])
    assert queries.company_options(fresh_db)["name"].to_list() == [
        "Acme (lever: acme)", "acme (greenhouse: acme2)", "Beta"]
