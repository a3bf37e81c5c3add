"""Read side of the database: nouns returning polars DataFrames. Every value is bound;
identifiers (sort columns) come only from the fixed whitelists below."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from app.plain import FORMULA_PATTERN

WORKPLACES = ("remote", "hybrid", "onsite", "unknown")

# Sort keys offered to users -> SQL expression. Never build ORDER BY from user text.
SORTS: dict[str, str] = {
    "posted": "posted_at",
    "first_seen": "first_seen_at",
    "salary": "coalesce(salary_year_max, salary_year_min)",
    "company": "lower(company)",
    "title": "lower(title)",
    "closed": "closed_at",
}

# What the table shows: enough to read and triage, no descriptions (those are heavy).
PAGE_COLUMNS = (
    "job_id, title, company, location, workplace, employment_kind, department, "
    "salary_min, salary_max, salary_currency, "
    "salary_period, coalesce(salary_year_max, salary_year_min) AS salary_year, posted_at, "
    "first_seen_at, closed_at, status, starred, url"
)

EXPORT_COLUMNS = (
    "job_id, company_id, source, board, external_id, title, company, url, location, locations, "
    "workplace, department, employment_type, employment_kind, posted_at, updated_at, salary_min, salary_max, "
    "salary_currency, salary_period, salary_source, salary_year_min, salary_year_max, "
    "first_seen_at, last_seen_at, closed_at, closed_reason, status, starred, notes, description_text"
)

RELEVANCE = "relevance"  # with a search: the index's score (app.search)

_SEARCHED = ("title", "company", "location", "department", "description_text")


@dataclass(frozen=True, slots=True)
class SearchHits:
    """What a full-text search matched (see ``app.search``), for the queries to join: every
    match with its score (``frame``: doc_key, score), or, for a query matching most jobs,
    every indexed job it does not match (``negated``; ``frame``: doc_key) with ``best(k)``
    giving the k best matches for relevance order. Jobs with a key above ``max_key`` are not
    indexed yet, so match nothing."""

    frame: pl.DataFrame
    negated: bool = False
    best: Callable[[int], pl.DataFrame] | None = None
    max_key: int = 0
    total: int = 0  # how many indexed jobs match


@dataclass(frozen=True, slots=True)
class JobFilters:
    """What the Jobs page narrows by; the defaults show every open job.

    ``workplaces`` may hold ``unknown`` (no workplace known). ``min_salary`` is annual and
    applies within ``currency`` only (salaries in other currencies are not comparable).
    ``new_in_latest_run`` keeps jobs first seen by the latest run that saved results;
    ``new_within_days`` those first seen in the last N days. ``closed_in_latest_run`` keeps
    the jobs that run closed (closed jobs are shown for it whatever ``include_closed``).
    ``first_seen_after`` keeps jobs first seen after a time (a person's previous visit).
    """

    search: str = ""
    company_ids: tuple[int, ...] = ()
    workplaces: tuple[str, ...] = ()
    location: str = ""
    posted_within_days: int | None = None
    min_salary: float | None = None
    currency: str | None = None
    statuses: tuple[str, ...] = ()
    starred_only: bool = False
    include_closed: bool = False
    new_in_latest_run: bool = False
    new_within_days: int | None = None
    closed_in_latest_run: bool = False
    employment_kinds: tuple[str, ...] = ()  # EMPLOYMENT_KINDS, or "unknown" (no type given)
    departments: tuple[str, ...] = ()
    first_seen_after: datetime | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _where(filters: JobFilters, *, scan: bool = True) -> tuple[str, list[Any]]:
    """The WHERE clause (always present) and its parameters for ``filters``; ``scan``: the
    search text as a substring scan (the search index's hits replace it when given)."""
    parts: list[str] = []
    params: list[Any] = []
    for word in filters.search.split() if scan else ():
        # contains() matches literally: %, _, quotes and backslashes are plain characters.
        anywhere = " OR ".join(f"contains(lower(coalesce({c}, '')), lower(?))" for c in _SEARCHED)
        parts.append(f"({anywhere})")
        params.extend([word] * len(_SEARCHED))
    if filters.company_ids:
        parts.append("list_contains(?, company_id)")
        params.append(list(filters.company_ids))
    if filters.workplaces:
        known = [w for w in filters.workplaces if w != "unknown"]
        parts.append("(list_contains(?, workplace) OR (? AND workplace IS NULL))")
        params.extend([known, "unknown" in filters.workplaces])
    if filters.employment_kinds:
        kinds = [k for k in filters.employment_kinds if k != "unknown"]
        parts.append("(list_contains(?, employment_kind) OR (? AND employment_kind IS NULL))")
        params.extend([kinds, "unknown" in filters.employment_kinds])
    if filters.departments:
        parts.append("list_contains(?, department)")
        params.append(list(filters.departments))
    if filters.location.strip():
        parts.append("contains(lower(coalesce(location, '')), lower(?))")
        params.append(filters.location.strip())
    if filters.posted_within_days is not None:
        parts.append("posted_at >= ?")
        params.append(_utcnow() - timedelta(days=filters.posted_within_days))
    if filters.min_salary is not None:
        parts.append("coalesce(salary_year_max, salary_year_min) >= ? AND salary_currency = ?")
        params.extend([filters.min_salary, filters.currency])
    if filters.statuses:
        parts.append("list_contains(?, status)")
        params.append(list(filters.statuses))
    if filters.starred_only:
        parts.append("starred")
    if filters.closed_in_latest_run:
        parts.append("closed_run = (SELECT max(run_id) FROM run_results)")
    elif not filters.include_closed:
        parts.append("closed_at IS NULL")
    if filters.new_in_latest_run:
        parts.append("first_seen_run = (SELECT max(run_id) FROM run_results)")
    if filters.first_seen_after is not None:
        parts.append("first_seen_at > ?")
        params.append(filters.first_seen_after)
    if filters.new_within_days is not None:
        parts.append("first_seen_at >= ?")
        params.append(_utcnow() - timedelta(days=filters.new_within_days))
    return "WHERE " + (" AND ".join(parts) or "true"), params


def latest_results_run(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest run that saved results (what "new in the latest run" means)."""
    [(run_id,)] = con.execute("SELECT max(run_id) FROM run_results").fetchall()
    return None if run_id is None else int(run_id)


def filter_clause(filters: JobFilters) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of ``filters`` without the search text (the search
    index answers that part), over any relation with the jobs table's columns."""
    return _where(filters, scan=False)


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pl.DataFrame:
    return con.sql(sql, params=params).pl()


@contextmanager
def _jobs_source(
    con: duckdb.DuckDBPyConnection, filters: JobFilters, hits: SearchHits | None,
    ranked: pl.DataFrame | None = None,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, str, str, list[Any]]]:
    """(cursor, FROM clause, WHERE clause, params): the jobs narrowed to the search index's
    ``hits`` when there are hits for a search (joined to ``ranked`` (doc_key, score) when
    given, for the best matches' order), else the jobs table with the search as a
    substring scan."""
    cur = con.cursor()
    try:
        if hits is None or not filters.search:
            where, params = _where(filters)
            yield cur, "jobs", where, params
            return
        where, params = _where(filters, scan=False)
        if ranked is not None:
            cur.register("search_hits", ranked.to_arrow())
            yield cur, "jobs JOIN search_hits USING (doc_key)", where, params
        elif not hits.negated:
            cur.register("search_hits", hits.frame.to_arrow())
            yield cur, "jobs JOIN search_hits USING (doc_key)", where, params
        else:
            cur.register("search_misses", hits.frame.select("doc_key").to_arrow())
            yield (cur, "jobs ANTI JOIN search_misses USING (doc_key)",
                   f"{where} AND doc_key <= ?", [*params, hits.max_key])
    finally:
        cur.close()


def jobs_page(
    con: duckdb.DuckDBPyConnection,
    filters: JobFilters,
    *,
    sort: str = "posted",
    descending: bool = True,
    offset: int = 0,
    limit: int = 100,
    hits: SearchHits | None = None,
) -> pl.DataFrame:
    """One page of the filtered jobs (display columns only), sorted; ties broken by job_id.
    ``hits``: the search index's matches for ``filters.search`` (see ``app.search``);
    ``relevance`` sorts by their score (by posting date when there are none)."""
    if sort not in SORTS and sort != RELEVANCE:
        raise ValueError(f"unknown sort {sort!r}: use one of {RELEVANCE}, {', '.join(SORTS)}")
    direction = "DESC" if descending else "ASC"
    searched = hits is not None and bool(filters.search)
    if sort == RELEVANCE and searched and hits is not None and hits.negated:
        return best_matches(con, filters, hits, PAGE_COLUMNS, direction, offset, limit)
    if sort == RELEVANCE:
        order_sql = f"ORDER BY {'score' if searched else SORTS['posted']} {direction} NULLS LAST, job_id"
        order_params: list[Any] = []
    else:
        order_sql, order_params = _order_by(sort, descending, filters)
    with _jobs_source(con, filters, hits) as (cur, source, where, params):
        sql = f"SELECT {PAGE_COLUMNS} FROM {source} {where} {order_sql} LIMIT ? OFFSET ?"
        return _frame(cur, sql, [*params, *order_params, max(limit, 0), max(offset, 0)])


def _order_by(sort: str, descending: bool, filters: JobFilters) -> tuple[str, list[Any]]:
    """ORDER BY for a sort key (ties broken by job_id). Salaries are compared only within one
    currency: ``filters.currency`` first, then each other currency as its own block (by code),
    then jobs without a salary; the direction applies within each block."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    direction = "DESC" if descending else "ASC"
    key = f"{SORTS[sort]} {direction} NULLS LAST, job_id"
    if sort != "salary":
        return f"ORDER BY {key}", []
    blocks = ("CASE WHEN salary_currency = ? THEN 0 WHEN salary_currency IS NOT NULL THEN 1 "
              "ELSE 2 END, salary_currency")
    return f"ORDER BY {blocks}, {key}", [filters.currency]


def best_matches(con: duckdb.DuckDBPyConnection, filters: JobFilters, hits: SearchHits,
                 columns: str, direction: str = "DESC", offset: int = 0, limit: int = 100,
                 ) -> pl.DataFrame:
    """``columns`` (``score`` among them if wanted) of the filtered best matches, ranked.
    For a query matching most jobs the filters run over its best matches, four times more
    of them each round until the page is full or all were taken."""
    want = max(offset, 0) + max(limit, 0)
    k = max(1_000, 4 * want)
    while True:
        ranked = hits.best(k) if hits.negated and hits.best is not None else None
        with _jobs_source(con, filters, hits, ranked) as (cur, source, where, params):
            sql = (f"SELECT {columns} FROM {source} {where} "
                   f"ORDER BY score {direction} NULLS LAST, job_id LIMIT ? OFFSET ?")
            page = _frame(cur, sql, [*params, max(limit, 0), max(offset, 0)])
        if ranked is None or page.height >= limit or ranked.height < k:
            return page
        k *= 4


def jobs_count(
    con: duckdb.DuckDBPyConnection, filters: JobFilters, *, hits: SearchHits | None = None
) -> int:
    """How many jobs match ``filters`` (``hits`` as for ``jobs_page``)."""
    # ``where`` is built only from fixed fragments in _where; every value is in ``params``.
    with _jobs_source(con, filters, hits) as (cur, source, where, params):
        # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
        rows = cur.execute(f"SELECT count(*) FROM {source} {where}", params).fetchall()
    return int(rows[0][0])


def export_jobs(
    con: duckdb.DuckDBPyConnection,
    filters: JobFilters,
    *,
    hits: SearchHits | None = None,
    sort: str = RELEVANCE,
    descending: bool = True,
) -> pl.DataFrame:
    """Every job matching ``filters`` with its fields and the team's, in the page's order
    (``sort``; with a search and the relevance sort, best match first)."""
    ranked = None
    if hits is not None and hits.negated and hits.best is not None and filters.search:
        ranked = hits.best(max(hits.total, 1))  # every match, with its score
    with _jobs_source(con, filters, hits, ranked) as (cur, source, where, params):
        if sort != RELEVANCE:
            order, order_params = _order_by(sort, descending, filters)
        else:
            by = "score DESC" if "search_hits" in source else "posted_at DESC NULLS LAST"
            order, order_params = f"ORDER BY {by}, job_id", []
        sql = f"SELECT {EXPORT_COLUMNS} FROM {source} {where} {order}"
        return _frame(cur, sql, [*params, *order_params])


def descriptions(con: duckdb.DuckDBPyConnection, job_ids: list[str]) -> dict[str, str | None]:
    """job_id -> description text, for the snippets of a page of jobs."""
    rows = con.execute("SELECT job_id, description_text FROM jobs WHERE list_contains(?, job_id)",
                       [job_ids]).fetchall()
    return {r[0]: r[1] for r in rows}


def job_detail(con: duckdb.DuckDBPyConnection, job_id: str) -> dict[str, Any] | None:
    """Every column of one job (with its description), or None when there is no such job."""
    frame = _frame(con, "SELECT * FROM jobs WHERE job_id = ?", [job_id])
    return frame.row(0, named=True) if frame.height else None


def company_options(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Companies to filter by (company_id, name), by name; a name two companies share (an
    import may bring one) is told apart by its board: ``Acme (lever: acme)``."""
    return _frame(
        con,
        "SELECT company_id, CASE WHEN count(*) OVER (PARTITION BY lower(name)) > 1 "
        "THEN name || ' (' || ats || ': ' || board || ')' ELSE name END AS name "
        "FROM companies ORDER BY lower(companies.name), company_id",
        [],
    )


def department_options(con: duckdb.DuckDBPyConnection, limit: int = 300) -> list[str]:
    """Departments of open jobs, most jobs first (then by name), at most ``limit``."""
    rows = con.execute(
        "SELECT department FROM jobs WHERE department IS NOT NULL AND closed_at IS NULL "
        "GROUP BY department ORDER BY count(*) DESC, department LIMIT ?", [limit]
    ).fetchall()
    return [r[0] for r in rows]


def currency_options(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Salary currencies present in the jobs, most common first."""
    rows = con.execute(
        "SELECT salary_currency FROM jobs WHERE salary_currency IS NOT NULL "
        "GROUP BY salary_currency ORDER BY count(*) DESC, salary_currency"
    ).fetchall()
    return [r[0] for r in rows]


def job_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many jobs are stored, open or closed."""
    return int(con.execute("SELECT count(*) FROM jobs").fetchall()[0][0])


def has_jobs(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any job was ever saved."""
    return con.execute("SELECT EXISTS (SELECT 1 FROM jobs)").fetchall() == [(True,)]


def _amount(value: float) -> str:
    """``120,000``; cents kept only when there are any (``22.50`` an hour)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def salary_text(
    low: float | None, high: float | None, currency: str | None, period: str | None
) -> str | None:
    """A salary for people: ``120,000–150,000 USD / year``; None when there is none."""
    amounts = [_amount(v) for v in (low, high) if v is not None]
    if not amounts:
        return None
    span = "–".join(dict.fromkeys(amounts))
    return " ".join(p for p in (span, currency, f"/ {period}" if period else None) if p)


PERIOD_SHORT = {"year": "/yr", "month": "/mo", "week": "/wk", "day": "/day", "hour": "/hr"}


def _short_amount(value: float) -> str:
    """``64k``, ``5.5k``, ``1.79M``, ``22.5``: amounts that fit a table cell."""
    size, suffix = next((s, x) for s, x in ((1e6, "M"), (1e3, "k"), (1, "")) if value >= s or s == 1)
    scaled = value / size
    digits = 0 if scaled >= 100 else 2 if suffix == "M" or scaled < 10 else 1
    text = f"{scaled:.{digits}f}"
    return (text.rstrip("0").rstrip(".") if digits else text) + suffix


def salary_short(
    low: float | None,
    high: float | None,
    currency: str | None,
    period: str | None,
    per_year: float | None = None,
) -> str | None:
    """A salary for a table cell: ``64k–73k GBP/yr``, or ``60–80 USD/hr ≈166k/yr`` when
    the period is not a year (the table sorts by the annual amount, so show it)."""
    amounts = [_short_amount(v) for v in (low, high) if v is not None]
    if not amounts:
        return None
    text = "–".join(dict.fromkeys(amounts))
    text += (f" {currency}" if currency else "") + PERIOD_SHORT.get(period or "", "")
    if per_year is not None and period not in (None, "year"):
        text += f" ≈{_short_amount(per_year)}/yr"
    return text


def with_salary_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (a page) with a ``salary`` text column from its salary fields."""
    texts = [
        salary_text(r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"])
        for r in frame.iter_rows(named=True)
    ]
    return frame.with_columns(pl.Series("salary", texts, dtype=pl.String))


BLANK = "—"  # what a table cell shows for a missing value (Streamlit would print "None")
_TABLE_DATES = ("posted_at", "first_seen_at", "closed_at")


def page_for_table(frame: pl.DataFrame) -> pl.DataFrame:
    """A page (from ``jobs_page``) as the table shows it: a short ``salary`` text, dates as
    ``YYYY-MM-DD`` and ``—`` wherever a value is missing; ids, link and team fields kept."""
    salaries = [
        salary_short(r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"],
                     r["salary_year"])
        for r in frame.iter_rows(named=True)
    ]
    return frame.with_columns(
        pl.Series("salary", salaries, dtype=pl.String).fill_null(BLANK),
        *(pl.col(c).dt.strftime("%Y-%m-%d").fill_null(BLANK) for c in _TABLE_DATES),
        *(pl.col(c).fill_null(BLANK) for c in ("location", "workplace", "employment_kind",
                                                "department")),
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV; list columns joined with ``; `` (CSV has no lists); text that a
    spreadsheet would run as a formula (a scraped ``=HYPERLINK(…)`` title) starts with ``'``."""
    flat = frame.with_columns(
        pl.col(c).list.join("; ") for c, t in frame.schema.items() if isinstance(t, pl.List)
    )
    text = [c for c, t in flat.schema.items() if t == pl.String]
    flat = flat.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_PATTERN)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c)
        for c in text
    )
    return flat.write_csv().encode("utf-8")


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as a Parquet file."""
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()
