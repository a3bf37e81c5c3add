"""Write side of the database: companies, runs, bulk upsert of jobs with their lifecycle,
and the team's annotations. Every SQL value is bound."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from app.db import COMPANY_DELETED
from scraper.detect import resolve
from scraper.errors import ScraperError
from scraper.models import JOB_FIELDS, Company, CompanyResult, Job

log = logging.getLogger(__name__)

JOB_STATUSES = ("new", "saved", "applied", "interviewing", "rejected", "archived")
RUN_STATES = ("running", "finished", "cancelled", "failed", "interrupted")

# Annualising factors shared with the read side (DESIGN: compare within a currency).
PERIOD_FACTORS = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}

_JOB_SCHEMA: dict[str, Any] = {
    "job_id": pl.String,
    "company_id": pl.Int32,
    "source": pl.String,
    "board": pl.String,
    "external_id": pl.String,
    "title": pl.String,
    "company": pl.String,
    "url": pl.String,
    "location": pl.String,
    "locations": pl.List(pl.String),
    "workplace": pl.String,
    "department": pl.String,
    "employment_type": pl.String,
    "employment_kind": pl.String,
    "posted_at": pl.String,
    "updated_at": pl.String,
    "salary_min": pl.Float64,
    "salary_max": pl.Float64,
    "salary_currency": pl.String,
    "salary_period": pl.String,
    "salary_source": pl.String,
    "description_text": pl.String,
    "description_html": pl.String,
}
_SCRAPED = [c for c in _JOB_SCHEMA if c != "job_id"]


class StoreError(ValueError):
    """A write the store refuses (unknown status, bad company config); the message says why."""


@dataclass(frozen=True, slots=True)
class ResultCounts:
    company_id: int
    state: Literal["ok", "failed", "cancelled"]
    jobs_seen: int
    jobs_new: int
    jobs_closed: int
    error: str | None = None
    # What the batch wrote, for what follows a commit (a search index): the ids of the
    # jobs this company listed (in its board's order) and of those it closed (sorted).
    job_ids: tuple[str, ...] = field(default=(), compare=False, repr=False)
    closed_ids: tuple[str, ...] = field(default=(), compare=False, repr=False)


def utcnow() -> datetime:
    """Now in UTC as a naive datetime (the database stores UTC TIMESTAMPs)."""
    return datetime.now(UTC).replace(tzinfo=None)


# Cursors inside transaction(): a cursor serves one thread, so a plain set is enough.
_open_transactions: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT, or ROLLBACK when the block raises. Nested on the same cursor, the
    inner block joins the outer transaction (a change and its activity row commit together)."""
    key = id(con)
    if key in _open_transactions:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    _open_transactions.add(key)
    try:
        yield
    except BaseException:
        _open_transactions.discard(key)
        con.execute("ROLLBACK")
        raise
    _open_transactions.discard(key)
    con.execute("COMMIT")


_transaction = transaction


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` readable as the view ``name`` inside the block."""
    con.register(name, frame.to_arrow())
    try:
        yield
    finally:
        try:
            con.unregister(name)
        except duckdb.TransactionException:
            # A failed statement aborted the transaction, which then refuses this too; the
            # statement's own error is the one to report, and the next register replaces it.
            log.debug("%s stays registered until the next batch", name)


# -- companies ---------------------------------------------------------------------------


def company_from_config(entry: Mapping[str, Any]) -> Company:
    """A Company from a TOML/CSV entry (name, url, optional ats and board); StoreError on bad input."""
    name = str(entry.get("name") or "").strip()
    url = str(entry.get("url") or "").strip()
    if not url:
        raise StoreError(f"company {name or '?'}: no url given")
    ats = str(entry.get("ats") or "").strip().lower()
    board = str(entry.get("board") or "").strip()
    try:
        target = resolve(Company(name=name, ats=ats, board=board, url=url))
    except ScraperError as exc:
        raise StoreError(f"company {name or url}: {exc}") from exc
    return Company(
        name=name or target.board,
        ats=target.ats,
        board=board or target.board,
        url=url,
    )


def load_companies_toml(path: str | Path) -> list[Company]:
    """Companies of a TOML file of ``[[company]]`` tables; StoreError names the bad entry."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"cannot read companies file {path}: {exc}") from exc
    entries = data.get("company", [])
    if not isinstance(entries, list):
        raise StoreError(f"{path}: expected [[company]] tables")
    return [company_from_config(e) for e in entries]


def save_companies(
    con: duckdb.DuckDBPyConnection,
    companies: Iterable[Company],
    *,
    enabled: Sequence[bool | None] | None = None,
) -> list[Company]:
    """Insert or update (by ats + board) the companies in one transaction of a few
    set-based statements, whatever their number; ``enabled[i]``, when given and not None,
    sets company i's flag. Returns them with their ids, in the given order (a board given
    twice: its last name, URL and flag are saved, as if saved one after the other)."""
    given = list(companies)
    if not given:
        return []
    flags = list(enabled) if enabled is not None else [None] * len(given)
    last: dict[tuple[str, str], int] = {(c.ats, c.board): i for i, c in enumerate(given)}
    flag_of: dict[tuple[str, str], bool] = {}
    for c, flag in zip(given, flags, strict=True):
        if flag is not None:
            flag_of[(c.ats, c.board)] = flag
    rows = [given[i] for i in last.values()]
    frame = pl.DataFrame(
        {"name": [c.name for c in rows], "ats": [c.ats for c in rows],
         "board": [c.board for c in rows], "url": [c.url for c in rows],
         "flag": [flag_of.get((c.ats, c.board)) for c in rows]},
        schema={"name": pl.String, "ats": pl.String, "board": pl.String, "url": pl.String,
                "flag": pl.Boolean},
    )
    with _transaction(con), _registered(con, "incoming_companies", frame):
        ids = con.execute(
            """
            INSERT INTO companies (name, ats, board, url)
            SELECT name, ats, board, url FROM incoming_companies
            ON CONFLICT (ats, board) DO UPDATE SET name = excluded.name, url = excluded.url
            RETURNING company_id, ats, board
            """
        ).fetchall()
        if flag_of:
            con.execute(
                "UPDATE companies SET enabled = i.flag FROM incoming_companies i "
                "WHERE companies.ats = i.ats AND companies.board = i.board AND i.flag IS NOT NULL"
            )
    id_of = {(ats, board): int(company_id) for company_id, ats, board in ids}
    return [Company(c.name, c.ats, c.board, c.url, company_id=id_of[(c.ats, c.board)])
            for c in given]


def companies(con: duckdb.DuckDBPyConnection, *, enabled_only: bool = False) -> list[Company]:
    """Configured companies, by name."""
    rows = con.execute(
        "SELECT company_id, name, ats, board, url FROM companies "
        "WHERE enabled OR NOT ? ORDER BY lower(name), company_id",
        [enabled_only],
    ).fetchall()
    return [Company(r[1], r[2], r[3], r[4], company_id=r[0]) for r in rows]


def enabled_companies(con: duckdb.DuckDBPyConnection) -> list[Company]:
    return companies(con, enabled_only=True)


def set_company_enabled(con: duckdb.DuckDBPyConnection, company_id: int, enabled: bool) -> None:
    con.execute("UPDATE companies SET enabled = ? WHERE company_id = ?", [enabled, company_id])


def rename_company(con: duckdb.DuckDBPyConnection, company_id: int, name: str) -> None:
    name = name.strip()
    if not name:
        raise StoreError("a company needs a name")
    check_company_name(con, company_id, name)
    con.execute("UPDATE companies SET name = ? WHERE company_id = ?", [name, company_id])


def check_company_name(con: duckdb.DuckDBPyConnection, company_id: int, name: str) -> None:
    """Refuse a name another company has (any case): two identical names can't be told apart
    in the Jobs and Analytics filters."""
    taken = con.execute(
        "SELECT name FROM companies WHERE lower(name) = lower(?) AND company_id <> ?",
        [name.strip(), company_id],
    ).fetchall()
    if taken:
        raise StoreError(f"another company is already named {taken[0][0]}: pick a name that "
                         "tells them apart (two identical names can't be told apart in filters)")


def delete_company(con: duckdb.DuckDBPyConnection, company_id: int, *, keep_jobs: bool) -> None:
    """Delete a company and its run results; its jobs are dropped, or kept detached and
    closed (``closed_reason`` says why: no scrape will see them again)."""
    with _transaction(con):
        if keep_jobs:
            con.execute(
                "UPDATE jobs SET company_id = NULL, closed_at = coalesce(closed_at, ?), "
                "closed_reason = CASE WHEN closed_at IS NULL THEN ? ELSE closed_reason END "
                "WHERE company_id = ?",
                [utcnow(), COMPANY_DELETED, company_id],
            )
        else:
            con.execute("DELETE FROM jobs WHERE company_id = ?", [company_id])
        con.execute("DELETE FROM run_results WHERE company_id = ?", [company_id])
        con.execute("DELETE FROM companies WHERE company_id = ?", [company_id])


# -- runs --------------------------------------------------------------------------------


def start_run(
    con: duckdb.DuckDBPyConnection, trigger: str, companies_total: int, *, at: datetime | None = None
) -> int:
    """Insert a ``running`` run row and return its id."""
    [(run_id,)] = con.execute(
        "INSERT INTO runs (trigger, state, started_at, companies_total) "
        "VALUES (?, 'running', ?, ?) RETURNING run_id",
        [trigger, at or utcnow(), companies_total],
    ).fetchall()
    return int(run_id)


# A run's counts, summed from its run_results rows (what was saved is what counts).
_COUNTS_FROM_RESULTS = """
    companies_ok = (SELECT count(*) FROM run_results r WHERE r.run_id = runs.run_id AND r.state = 'ok'),
    companies_failed = (SELECT count(*) FROM run_results r WHERE r.run_id = runs.run_id AND r.state = 'failed'),
    jobs_new = (SELECT coalesce(sum(jobs_new), 0) FROM run_results r WHERE r.run_id = runs.run_id),
    jobs_closed = (SELECT coalesce(sum(jobs_closed), 0) FROM run_results r WHERE r.run_id = runs.run_id)
"""


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    state: str,
    error: str | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """End a run with ``state``; its counts are summed from its run_results."""
    if state not in RUN_STATES:
        raise StoreError(f"unknown run state {state!r}")
    con.execute(
        f"UPDATE runs SET state = ?, finished_at = ?, error = ?, {_COUNTS_FROM_RESULTS} "
        "WHERE run_id = ?",
        [state, at or utcnow(), error, run_id],
    )


def interrupt_stale_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Mark runs left ``running`` by a dead process as ``interrupted``, with the counts of the
    companies it saved before it died (issue 11); returns how many."""
    rows = con.execute(
        "UPDATE runs SET state = 'interrupted', finished_at = ?, "
        "error = coalesce(error, 'the app stopped while this run was in progress'), "
        f"{_COUNTS_FROM_RESULTS} WHERE state = 'running' RETURNING run_id",
        [utcnow()],
    ).fetchall()
    return len(rows)


# -- jobs --------------------------------------------------------------------------------


def jobs_frame(jobs: Sequence[Job], company_id: int) -> pl.DataFrame:
    """The jobs of one company as a frame in the table's column order, one row per job_id."""
    company = Company("", "", "", "", company_id=company_id)
    return batch_jobs_frame([CompanyResult(company, "ok", tuple(jobs))])


_ANNUAL = " ".join(f"WHEN '{p}' THEN {f}" for p, f in PERIOD_FACTORS.items())
_UPSERT = f"""
INSERT INTO jobs ({", ".join(_JOB_SCHEMA)}, salary_year_min, salary_year_max,
                  first_seen_at, last_seen_at, closed_at, first_seen_run, last_seen_run)
SELECT {", ".join(_JOB_SCHEMA)},
       salary_min * CASE salary_period {_ANNUAL} ELSE NULL END,
       salary_max * CASE salary_period {_ANNUAL} ELSE NULL END,
       $seen, $seen, NULL, $run, $run
FROM incoming
ON CONFLICT (job_id) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in _SCRAPED)},
    salary_year_min = excluded.salary_year_min,
    salary_year_max = excluded.salary_year_max,
    last_seen_at = excluded.last_seen_at,
    last_seen_run = excluded.last_seen_run,
    closed_at = NULL,
    closed_run = NULL,
    closed_reason = NULL
"""


_INSERT_RESULTS = """
INSERT INTO run_results (run_id, company_id, state, jobs_seen, jobs_new, jobs_closed,
                         duration_ms, error, finished_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, company_id) DO UPDATE SET state = excluded.state,
    jobs_seen = excluded.jobs_seen, jobs_new = excluded.jobs_new,
    jobs_closed = excluded.jobs_closed, duration_ms = excluded.duration_ms,
    error = excluded.error, finished_at = excluded.finished_at
"""
_INSERT_RESULTS_FROM_BATCH = _INSERT_RESULTS.replace(
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT $run, company_id, state, jobs_seen, jobs_new, jobs_closed, duration_ms, error, $at "
    "FROM batch_results",
)


def _open_jobs(con: duckdb.DuckDBPyConnection, company_id: int) -> int:
    [(count,)] = con.execute(
        "SELECT count(*) FROM jobs WHERE company_id = ? AND closed_at IS NULL", [company_id]
    ).fetchall()
    return int(count)


def _upsert_and_close(
    con: duckdb.DuckDBPyConnection, run_id: int, frame: pl.DataFrame, company_id: int,
    seen_at: datetime,
) -> tuple[int, list[str]]:
    """Upsert ``frame`` and close the company's open jobs not in it; the new count and the
    closed ids."""
    with _registered(con, "incoming", frame):
        # Probe the jobs table only for the incoming ids: an anti-join against the
        # whole table costs ~10x more at a million jobs.
        [(new,)] = con.execute(
            "SELECT count(*) FROM incoming WHERE job_id NOT IN (SELECT job_id FROM jobs "
            "WHERE job_id IN (SELECT job_id FROM incoming))"
        ).fetchall()
        if frame.height:
            con.execute(_UPSERT, {"seen": seen_at, "run": run_id})
        closed = con.execute(
            "UPDATE jobs SET closed_at = ?, closed_run = ? WHERE company_id = ? "
            "AND closed_at IS NULL AND job_id NOT IN (SELECT job_id FROM incoming) "
            "RETURNING job_id",
            [seen_at, run_id, company_id],
        ).fetchall()
    return int(new), sorted(str(r[0]) for r in closed)


def _save_one(
    con: duckdb.DuckDBPyConnection, run_id: int, result: CompanyResult, seen_at: datetime
) -> ResultCounts:
    company_id = result.company.company_id
    if company_id is None:
        raise StoreError(f"company {result.company.name} has no id: save it first")
    state: Literal["ok", "failed", "cancelled"] = result.state
    error = result.error
    seen = new = 0
    listed: tuple[str, ...] = ()
    closed: list[str] = []
    if result.ok and not result.jobs and (still_open := _open_jobs(con, company_id)):
        # A board that answers with nothing is how boards disappear (FORMATS.md): report it
        # and keep the jobs rather than close every one on an empty page.
        state = "failed"
        error = (f"the board listed no jobs (it may have moved or been removed); "
                 f"its {still_open} open jobs were kept open")
    elif result.ok:
        frame = jobs_frame(result.jobs, company_id)
        seen = frame.height
        listed = tuple(frame["job_id"])
        new, closed = _upsert_and_close(con, run_id, frame, company_id, seen_at)
    con.execute(_INSERT_RESULTS, [run_id, company_id, state, seen, new, len(closed),
                                  result.duration_ms, error, utcnow()])
    return ResultCounts(company_id, state, seen, new, len(closed), error, job_ids=listed,
                        closed_ids=tuple(closed))


def save_company_results(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    results: Sequence[CompanyResult],
    seen_at: datetime | None = None,
) -> list[ResultCounts]:
    """In one transaction and a constant number of statements, whatever the batch's size:
    bulk upsert every ok company's jobs, apply the lifecycle (new, seen, reopened, closed; a
    failed or cancelled company closes nothing; an ok board listing nothing while jobs are
    open is failed and closes nothing), write the run_results rows and the run's counts.
    ``seen_at`` is the run's time (naive UTC). Counts come back in the order of ``results``."""
    seen_at = seen_at or utcnow()
    with _transaction(con):
        return _save_batch(con, run_id, list(results), seen_at)


def save_company_results_one_by_one(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    results: Sequence[CompanyResult],
    seen_at: datetime | None = None,
) -> list[ResultCounts]:
    """The same writes as ``save_company_results``, a handful of statements per company (the
    reference the set-based path is tested against, and its baseline in benchmarks)."""
    seen_at = seen_at or utcnow()
    with _transaction(con):
        counts = [_save_one(con, run_id, r, seen_at) for r in results]
        _recount_run(con, run_id)
        return counts


def save_company_result(
    con: duckdb.DuckDBPyConnection, run_id: int, result: CompanyResult, seen_at: datetime | None = None
) -> ResultCounts:
    return save_company_results(con, run_id, [result], seen_at)[0]


def _save_batch(
    con: duckdb.DuckDBPyConnection, run_id: int, results: list[CompanyResult], seen_at: datetime
) -> list[ResultCounts]:
    for r in results:
        if r.company.company_id is None:
            raise StoreError(f"company {r.company.name} has no id: save it first")
    if not results:
        return []
    ids = [int(r.company.company_id or 0) for r in results]
    frame = batch_jobs_frame([r for r in results if r.ok])
    if len(set(ids)) < len(ids) or frame["job_id"].is_duplicated().any():
        # The same company twice, or two companies listing the same posting (a careers page
        # embedding another's board): the order of their writes decides the outcome, so
        # keep that order.
        counts = [_save_one(con, run_id, r, seen_at) for r in results]
        _recount_run(con, run_id)
        return counts
    empty_open = _open_jobs_of(con, [i for r, i in zip(results, ids, strict=True)
                                     if r.ok and not r.jobs])
    outcomes = _outcomes(results, ids, empty_open)
    with _registered(con, "incoming", frame):
        new = _new_per_company(con)
        if frame.height:
            con.execute(_UPSERT, {"seen": seen_at, "run": run_id})
        closing = [i for i, (state, _) in zip(ids, outcomes, strict=True) if state == "ok"]
        closed = _close_unseen(con, run_id, closing, seen_at)
    listed = _ids_per_company(frame)
    counts = [
        ResultCounts(i, state, len(listed.get(i, ())), new.get(i, 0), len(closed.get(i, ())),
                     error, job_ids=listed.get(i, ()), closed_ids=tuple(closed.get(i, ())))
        if state == "ok" else ResultCounts(i, state, 0, 0, 0, error)
        for i, (state, error) in zip(ids, outcomes, strict=True)
    ]
    _insert_results(con, run_id, results, counts)
    _recount_run(con, run_id)
    return counts


def batch_jobs_frame(results: Sequence[CompanyResult]) -> pl.DataFrame:
    """The jobs of all ``results`` as one frame in the table's column order, one row per
    (company, job_id): a posting listed twice by a board is saved once, its last listing."""
    # Deduplicated in Python: a dict is cheaper than a frame-wide unique for small batches.
    latest: dict[tuple[int | None, str], Job] = {}
    for r in results:
        for j in r.jobs:
            latest[(r.company.company_id, j.job_id)] = j
    columns: dict[str, list[Any]] = {name: [] for name in JOB_FIELDS}
    for job in latest.values():
        for name, values in columns.items():
            values.append(getattr(job, name))
    columns["locations"] = [list(v) for v in columns["locations"]]
    frame = pl.DataFrame(
        {"job_id": [k[1] for k in latest], "company_id": [k[0] for k in latest], **columns},
        schema=_JOB_SCHEMA,
    )
    iso = "%Y-%m-%dT%H:%M:%SZ"
    return frame.with_columns(
        pl.col("posted_at").str.to_datetime(iso, strict=False),
        pl.col("updated_at").str.to_datetime(iso, strict=False),
    )


def _open_jobs_of(con: duckdb.DuckDBPyConnection, company_ids: list[int]) -> dict[int, int]:
    """Open jobs per company of ``company_ids`` (only those with any)."""
    if not company_ids:
        return {}
    rows = con.execute(
        "SELECT company_id, count(*) FROM jobs WHERE company_id IN (SELECT unnest(?::INTEGER[])) "
        "AND closed_at IS NULL GROUP BY company_id",
        [company_ids],
    ).fetchall()
    return {int(c): int(n) for c, n in rows}


def _outcomes(
    results: list[CompanyResult], ids: list[int], empty_open: dict[int, int]
) -> list[tuple[Literal["ok", "failed", "cancelled"], str | None]]:
    """Each company's saved state and error: an ok board that lists nothing while jobs are
    open is how boards disappear (FORMATS.md), so it fails and keeps them open."""
    out: list[tuple[Literal["ok", "failed", "cancelled"], str | None]] = []
    for r, i in zip(results, ids, strict=True):
        if r.ok and not r.jobs and empty_open.get(i):
            out.append(("failed", f"the board listed no jobs (it may have moved or been "
                                  f"removed); its {empty_open[i]} open jobs were kept open"))
        else:
            out.append((r.state, r.error))
    return out


def _new_per_company(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    # Probe the jobs table only for the incoming ids: an anti-join against the whole
    # table costs ~10x more at a million jobs.
    rows = con.execute(
        "SELECT company_id, count(*) FROM incoming WHERE job_id NOT IN (SELECT job_id FROM jobs "
        "WHERE job_id IN (SELECT job_id FROM incoming)) GROUP BY company_id"
    ).fetchall()
    return {int(c): int(n) for c, n in rows}


def _close_unseen(
    con: duckdb.DuckDBPyConnection, run_id: int, company_ids: list[int], seen_at: datetime
) -> dict[int, list[str]]:
    """Close the open jobs of ``company_ids`` not in ``incoming``; closed ids per company."""
    if not company_ids:
        return {}
    rows = con.execute(
        "UPDATE jobs SET closed_at = ?, closed_run = ? "
        "WHERE company_id IN (SELECT unnest(?::INTEGER[])) AND closed_at IS NULL "
        "AND job_id NOT IN (SELECT job_id FROM incoming) RETURNING company_id, job_id",
        [seen_at, run_id, company_ids],
    ).fetchall()
    closed: dict[int, list[str]] = {}
    for company_id, job_id in sorted(rows):
        closed.setdefault(int(company_id), []).append(str(job_id))
    return closed


def _ids_per_company(frame: pl.DataFrame) -> dict[int, tuple[str, ...]]:
    grouped: dict[int, list[str]] = {}
    for company_id, job_id in zip(frame["company_id"].to_list(), frame["job_id"].to_list(),
                                  strict=True):
        grouped.setdefault(int(company_id), []).append(job_id)
    return {c: tuple(ids) for c, ids in grouped.items()}


def _insert_results(
    con: duckdb.DuckDBPyConnection, run_id: int, results: list[CompanyResult],
    counts: list[ResultCounts],
) -> None:
    rows = pl.DataFrame(
        {
            "company_id": [c.company_id for c in counts],
            "state": [c.state for c in counts],
            "jobs_seen": [c.jobs_seen for c in counts],
            "jobs_new": [c.jobs_new for c in counts],
            "jobs_closed": [c.jobs_closed for c in counts],
            "duration_ms": [r.duration_ms for r in results],
            "error": [c.error for c in counts],
        },
        schema={"company_id": pl.Int32, "state": pl.String, "jobs_seen": pl.Int32,
                "jobs_new": pl.Int32, "jobs_closed": pl.Int32, "duration_ms": pl.Int32,
                "error": pl.String},
    )
    with _registered(con, "batch_results", rows):
        con.execute(_INSERT_RESULTS_FROM_BATCH, {"run": run_id, "at": utcnow()})


def _recount_run(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """The run row's counts summed from its run_results so far (a live run's row is current)."""
    con.execute(
        """
        UPDATE runs SET
            companies_ok = (SELECT count(*) FROM run_results r WHERE r.run_id = runs.run_id AND r.state = 'ok'),
            companies_failed = (SELECT count(*) FROM run_results r WHERE r.run_id = runs.run_id AND r.state = 'failed'),
            jobs_new = (SELECT coalesce(sum(jobs_new), 0) FROM run_results r WHERE r.run_id = runs.run_id),
            jobs_closed = (SELECT coalesce(sum(jobs_closed), 0) FROM run_results r WHERE r.run_id = runs.run_id)
        WHERE run_id = ?
        """,
        [run_id],
    )


def update_job(
    con: duckdb.DuckDBPyConnection,
    job_id: str,
    *,
    status: str | None = None,
    starred: bool | None = None,
    notes: str | None = None,
) -> None:
    """Set the team's fields of a job (those given); StoreError for an unknown status or job."""
    if status is not None and status not in JOB_STATUSES:
        raise StoreError(f"unknown status {status!r}: use one of {', '.join(JOB_STATUSES)}")
    rows = con.execute(
        """
        UPDATE jobs SET status = coalesce(?, status), starred = coalesce(?, starred),
            notes = CASE WHEN ? THEN ? ELSE notes END
        WHERE job_id = ? RETURNING job_id
        """,
        [status, starred, notes is not None, (notes or None) if notes is not None else None, job_id],
    ).fetchall()
    if not rows:
        raise StoreError(f"no job {job_id!r}")


def get_setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM app_settings WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str | None) -> None:
    con.execute(
        "INSERT INTO app_settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
