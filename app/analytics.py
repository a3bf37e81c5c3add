"""Read side of the Analytics page: the hiring picture of the tracked companies.

Every function takes a connection (or cursor) and a ``Filters`` and returns a polars
DataFrame or plain values. "Open" means open at the end of the filtered range: first seen
before it and not closed by then. Weeks are the 7 days ending with the range's last day.
SQL values are always bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import polars as pl

WORKPLACES = ("remote", "hybrid", "onsite", "unknown")
# Longer ranges are bucketed by week so the flow chart stays readable.
DAILY_MAX_DAYS = 92


# A date range from a URL is clamped to these: 9999-12-31 overflowed the day after the range,
# and 0001-01-01 cost 20 s a request in per-bucket series (issue 11).
EARLIEST = date(2000, 1, 1)
MAX_RANGE_DAYS = 3660
MAX_AHEAD_DAYS = 366


def clamp_range(start: date, end: date, today: date) -> tuple[date, date]:
    """``(start, end)`` within EARLIEST .. a year after ``today``, start <= end, at most
    MAX_RANGE_DAYS long (keeping the end)."""
    end = min(max(end, EARLIEST), today + timedelta(days=MAX_AHEAD_DAYS))
    start = min(max(start, EARLIEST, end - timedelta(days=MAX_RANGE_DAYS - 1)), end)
    return start, end


@dataclass(frozen=True, slots=True)
class Filters:
    """The page's filter bar: an inclusive date range, company ids and workplaces (empty = all)."""

    start: date
    end: date
    company_ids: tuple[int, ...] = ()
    workplaces: tuple[str, ...] = ()

    @property
    def as_of(self) -> datetime:
        """The exclusive end of the range: midnight after its last day."""
        return datetime.combine(self.end + timedelta(days=1), time())

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time())

    def params(self) -> dict[str, Any]:
        return {
            "companies": list(self.company_ids),
            "workplaces": list(self.workplaces),
            "asof": self.as_of,
        }


@dataclass(frozen=True, slots=True)
class Headline:
    """The headline numbers, each with the value a week earlier (for the deltas)."""

    open_jobs: int
    open_jobs_week_ago: int
    new_this_week: int
    new_last_week: int
    closed_this_week: int
    closed_last_week: int
    companies_hiring: int
    companies_hiring_week_ago: int
    remote_share: float | None
    remote_share_week_ago: float | None
    # When the filtered jobs were first seen at the earliest (None: no job): a week-ago value
    # means something only when scrapes had seen jobs by then.
    history_start: datetime | None = None
    week_start: datetime = datetime.min  # the start of the last 7 days of the range

    def has_week_ago(self) -> bool:
        """Whether jobs were seen before the last 7 days (so "a week earlier" has a value)."""
        return self.history_start is not None and self.history_start < self.week_start

    def has_week_before(self) -> bool:
        """Whether jobs were seen before the 7 days before the last 7 (a full previous week)."""
        return (self.history_start is not None
                and self.history_start < self.week_start - timedelta(days=7))


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the Analytics page draws, computed in one go (cached as one value)."""

    headline: Headline
    salary_medians: pl.DataFrame
    flow: pl.DataFrame
    open_by_company: pl.DataFrame
    workplace_mix: pl.DataFrame
    top_locations: pl.DataFrame
    top_departments: pl.DataFrame
    main_currency: str | None
    salary_by_department: pl.DataFrame
    days_open: pl.DataFrame
    scrape_health: pl.DataFrame
    bucket: str = field(default="day")
    flow_dating: tuple[int, int] = (0, 0)


# The filtered jobs; every job query starts from this CTE. `$asof` is bound by each query.
_FILTERED = """
WITH f AS (
    SELECT j.*, coalesce(c.name, j.company, '(unknown)') AS company_name
    FROM jobs j LEFT JOIN companies c USING (company_id)
    WHERE (len($companies::INTEGER[]) = 0 OR list_contains($companies::INTEGER[], j.company_id))
      AND (len($workplaces::VARCHAR[]) = 0
           OR list_contains($workplaces::VARCHAR[], coalesce(j.workplace, 'unknown')))
),
open_now AS (
    SELECT * FROM f
    WHERE first_seen_at < $asof::TIMESTAMP
      AND (closed_at IS NULL OR closed_at >= $asof::TIMESTAMP)
)
"""


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pl.DataFrame:
    return con.sql(sql, params=params).pl()


def has_data(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(companies configured, jobs stored): what the page needs to pick its empty state."""
    # fetchall, not fetchone: DuckDB 2 refuses new work while a result is unfinished.
    (row,) = con.execute(
        "SELECT (SELECT count(*) FROM companies), (SELECT count(*) FROM jobs)"
    ).fetchall()
    return int(row[0]), int(row[1])


def company_options(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Companies for the filter: company_id, name (by name)."""
    return _frame(
        con, "SELECT company_id, name FROM companies ORDER BY lower(name), company_id", {}
    )


def headline(con: duckdb.DuckDBPyConnection, filters: Filters) -> Headline:
    """Open jobs, new and closed this week vs last week, companies hiring, remote share."""
    sql = """
    WITH f AS (
        SELECT company_id, workplace, first_seen_at, closed_at FROM jobs
        WHERE (len($companies::INTEGER[]) = 0 OR list_contains($companies::INTEGER[], company_id))
          AND (len($workplaces::VARCHAR[]) = 0
               OR list_contains($workplaces::VARCHAR[], coalesce(workplace, 'unknown')))
    ),
    marks AS (
        SELECT *,
            first_seen_at < $asof AND (closed_at IS NULL OR closed_at >= $asof) AS open_now,
            first_seen_at < $ago AND (closed_at IS NULL OR closed_at >= $ago) AS open_ago
        FROM f
    )
    SELECT
        count(*) FILTER (open_now),
        count(*) FILTER (open_ago),
        count(*) FILTER (first_seen_at >= $ago AND first_seen_at < $asof),
        count(*) FILTER (first_seen_at >= $ago2 AND first_seen_at < $ago),
        count(*) FILTER (closed_at >= $ago AND closed_at < $asof),
        count(*) FILTER (closed_at >= $ago2 AND closed_at < $ago),
        count(DISTINCT company_id) FILTER (open_now),
        count(DISTINCT company_id) FILTER (open_ago),
        avg(coalesce(workplace = 'remote', false)::INTEGER) FILTER (open_now),
        avg(coalesce(workplace = 'remote', false)::INTEGER) FILTER (open_ago),
        min(first_seen_at)
    FROM marks
    """
    params = filters.params()
    params["ago"] = filters.as_of - timedelta(days=7)
    params["ago2"] = filters.as_of - timedelta(days=14)
    params["asof"] = filters.as_of
    (row,) = con.execute(sql, params).fetchall()
    c = [int(v or 0) for v in row[:8]]
    return Headline(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], _share(row[8]), _share(row[9]),
                    history_start=row[10], week_start=params["ago"])


def _share(value: float | None) -> float | None:
    return None if value is None else float(value)


def salary_medians(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Median annual salary of open jobs per currency: salary_currency, jobs, median (by jobs)."""
    sql = _FILTERED + """
    SELECT salary_currency, count(*) AS jobs,
        median(CASE WHEN salary_year_min IS NOT NULL AND salary_year_max IS NOT NULL
                    THEN (salary_year_min + salary_year_max) / 2
                    ELSE coalesce(salary_year_min, salary_year_max) END) AS median
    FROM open_now
    WHERE salary_currency IS NOT NULL
      AND (salary_year_min IS NOT NULL OR salary_year_max IS NOT NULL)
    GROUP BY salary_currency
    ORDER BY jobs DESC, salary_currency
    """
    return _frame(con, sql, filters.params())


def flow_bucket(filters: Filters) -> str:
    """``day`` for ranges up to DAILY_MAX_DAYS, else ``week``."""
    return "day" if (filters.end - filters.start).days < DAILY_MAX_DAYS else "week"


def flow(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """New and closed postings per day (or week) of the range: period, kind, jobs (zeros kept).
    New counts by posted date where the board gives one, by first seen otherwise."""
    sql = _FILTERED + """
    , periods AS (
        SELECT DISTINCT date_trunc($bucket, d)::DATE AS period
        FROM generate_series($since::TIMESTAMP, $asof::TIMESTAMP - INTERVAL 1 DAY,
                             INTERVAL 1 DAY) AS t(d)
    ),
    events AS (
        -- A posting is new on the day the board says it was posted, else when first seen: a
        -- first scrape then spreads its postings over their real days, not one spike.
        SELECT date_trunc($bucket, coalesce(posted_at, first_seen_at))::DATE AS period,
               'new' AS kind FROM f
        WHERE coalesce(posted_at, first_seen_at) >= $since
          AND coalesce(posted_at, first_seen_at) < $asof
        UNION ALL
        SELECT date_trunc($bucket, closed_at)::DATE, 'closed' FROM f
        WHERE closed_at >= $since AND closed_at < $asof
    ),
    counted AS (SELECT period, kind, count(*) AS jobs FROM events GROUP BY ALL)
    SELECT p.period, k.kind, coalesce(c.jobs, 0) AS jobs
    FROM periods p CROSS JOIN (VALUES ('new'), ('closed')) AS k(kind)
    LEFT JOIN counted c ON c.period = p.period AND c.kind = k.kind
    ORDER BY p.period, k.kind DESC
    """
    params = filters.params()
    params["since"] = filters.since
    params["bucket"] = flow_bucket(filters)
    return _frame(con, sql, params)


def flow_dating(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[int, int]:
    """(postings new in the range dated by the board's posted date, all new in the range)."""
    sql = _FILTERED + """
    SELECT count(*) FILTER (posted_at IS NOT NULL), count(*) FROM f
    WHERE coalesce(posted_at, first_seen_at) >= $since AND coalesce(posted_at, first_seen_at) < $asof
    """
    (row,) = con.execute(sql, {**filters.params(), "since": filters.since}).fetchall()
    return int(row[0]), int(row[1])


def open_by_company(
    con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 20
) -> pl.DataFrame:
    """The companies with the most open jobs: company, open_jobs (most first)."""
    sql = _FILTERED + """
    SELECT company_name AS company, count(*) AS open_jobs FROM open_now
    GROUP BY company_name ORDER BY open_jobs DESC, company LIMIT $limit
    """
    return _frame(con, sql, {**filters.params(), "limit": limit})


def workplace_mix(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Open jobs per workplace (null shown as ``unknown``): workplace, jobs."""
    sql = _FILTERED + """
    SELECT coalesce(workplace, 'unknown') AS workplace, count(*) AS jobs FROM open_now
    GROUP BY ALL ORDER BY jobs DESC, workplace
    """
    return _frame(con, sql, filters.params())


def top_locations(
    con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 15
) -> pl.DataFrame:
    """Open jobs per location (a job counts once in each of its locations): location, jobs."""
    sql = _FILTERED + """
    , each AS (
        SELECT unnest(CASE WHEN len(locations) > 0 THEN locations ELSE [location] END) AS location
        FROM open_now
    )
    SELECT location, count(*) AS jobs FROM each WHERE location IS NOT NULL
    GROUP BY location ORDER BY jobs DESC, location LIMIT $limit
    """
    return _frame(con, sql, {**filters.params(), "limit": limit})


def top_departments(
    con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 15
) -> pl.DataFrame:
    """Open jobs per department (jobs without one left out): department, jobs."""
    sql = _FILTERED + """
    SELECT department, count(*) AS jobs FROM open_now WHERE department IS NOT NULL
    GROUP BY department ORDER BY jobs DESC, department LIMIT $limit
    """
    return _frame(con, sql, {**filters.params(), "limit": limit})


def main_currency(salaries: pl.DataFrame) -> str | None:
    """The currency most open jobs with a salary are paid in (``salary_medians`` order)."""
    return None if salaries.is_empty() else str(salaries["salary_currency"][0])


def salary_by_department(
    con: duckdb.DuckDBPyConnection, filters: Filters, currency: str | None, limit: int = 15
) -> pl.DataFrame:
    """Annual salary ranges of open jobs in ``currency`` per department: department, jobs,
    low (median of the minimums), median (of midpoints), high (median of the maximums)."""
    sql = _FILTERED + """
    , paid AS (
        SELECT department,
            coalesce(salary_year_min, salary_year_max) AS lo,
            coalesce(salary_year_max, salary_year_min) AS hi
        FROM open_now
        WHERE salary_currency = $currency AND department IS NOT NULL
          AND (salary_year_min IS NOT NULL OR salary_year_max IS NOT NULL)
    )
    SELECT department, count(*) AS jobs, median(lo) AS low, median((lo + hi) / 2) AS median,
           median(hi) AS high
    FROM paid GROUP BY department ORDER BY jobs DESC, department LIMIT $limit
    """
    return _frame(con, sql, {**filters.params(), "currency": currency, "limit": limit})


def days_open(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 20) -> pl.DataFrame:
    """Median days a posting stayed open, over postings closed in the range, per company:
    company, closed_jobs, median_days (longest first)."""
    sql = _FILTERED + """
    SELECT company_name AS company, count(*) AS closed_jobs,
        round(median(epoch(closed_at - first_seen_at) / 86400), 1) AS median_days
    FROM f WHERE closed_at >= $since AND closed_at < $asof
    GROUP BY company_name ORDER BY median_days DESC, company LIMIT $limit
    """
    return _frame(con, sql, {**filters.params(), "since": filters.since, "limit": limit})


def scrape_health(
    con: duckdb.DuckDBPyConnection, filters: Filters, runs: int = 10
) -> pl.DataFrame:
    """Per company over the last ``runs`` runs that reached it (a run cancelled before the
    company ended neither succeeded nor failed there): company, runs, ok, failed,
    success_rate, last_state, last_run_at (its run's start), last_error (the latest real
    failure's message), worst success rate first."""
    sql = """
    WITH recent AS (SELECT run_id FROM runs ORDER BY run_id DESC LIMIT $runs),
    results AS (
        SELECT r.*, c.name AS company, u.started_at FROM run_results r
        JOIN recent USING (run_id) JOIN runs u USING (run_id) JOIN companies c USING (company_id)
        WHERE r.state <> 'cancelled' AND (len($companies::INTEGER[]) = 0
              OR list_contains($companies::INTEGER[], r.company_id))
    )
    SELECT company, count(*) AS runs, count(*) FILTER (state = 'ok') AS ok,
        count(*) FILTER (state = 'failed') AS failed,
        count(*) FILTER (state = 'ok') / count(*) AS success_rate,
        arg_max(state, run_id) AS last_state,
        max(started_at) AS last_run_at,
        arg_max(error, run_id) FILTER (state = 'failed') AS last_error
    FROM results GROUP BY company
    ORDER BY success_rate, company
    """
    return _frame(con, sql, {"runs": runs, "companies": list(filters.company_ids)})


def dashboard(con: duckdb.DuckDBPyConnection, filters: Filters) -> Dashboard:
    """All of the page's numbers and chart frames for ``filters``."""
    salaries = salary_medians(con, filters)
    currency = main_currency(salaries)
    return Dashboard(
        headline=headline(con, filters),
        salary_medians=salaries,
        flow=flow(con, filters),
        open_by_company=open_by_company(con, filters),
        workplace_mix=workplace_mix(con, filters),
        top_locations=top_locations(con, filters),
        top_departments=top_departments(con, filters),
        main_currency=currency,
        salary_by_department=salary_by_department(con, filters, currency),
        days_open=days_open(con, filters),
        scrape_health=scrape_health(con, filters),
        bucket=flow_bucket(filters),
        flow_dating=flow_dating(con, filters),
    )
