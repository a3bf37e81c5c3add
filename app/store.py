"""Write side of the database: companies, runs, bulk upsert of jobs with their lifecycle,
and the team's annotations. Every SQL value is bound."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from scraper.detect import resolve
from scraper.errors import ScraperError
from scraper.models import JOB_FIELDS, Company, CompanyResult, Job

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
    """Insert or update (by ats + board) each company in one transaction; ``enabled[i]``,
    when given and not None, sets company i's flag. Returns them with their ids."""
    saved = []
    with _transaction(con):
        for i, c in enumerate(companies):
            [(company_id,)] = con.execute(
                """
                INSERT INTO companies (name, ats, board, url) VALUES (?, ?, ?, ?)
                ON CONFLICT (ats, board) DO UPDATE SET name = excluded.name, url = excluded.url
                RETURNING company_id
                """,
                [c.name, c.ats, c.board, c.url],
            ).fetchall()
            flag = enabled[i] if enabled is not None else None
            if flag is not None:
                set_company_enabled(con, company_id, flag)
            saved.append(Company(c.name, c.ats, c.board, c.url, company_id=int(company_id)))
    return saved


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
    con.execute("UPDATE companies SET name = ? WHERE company_id = ?", [name, company_id])


def delete_company(con: duckdb.DuckDBPyConnection, company_id: int, *, keep_jobs: bool) -> None:
    """Delete a company and its run results; its jobs are dropped, or kept detached."""
    with _transaction(con):
        if keep_jobs:
            con.execute("UPDATE jobs SET company_id = NULL WHERE company_id = ?", [company_id])
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
    columns: dict[str, list[Any]] = {name: [] for name in JOB_FIELDS}
    for job in jobs:
        for name, values in columns.items():
            values.append(getattr(job, name))
    columns["locations"] = [list(v) for v in columns["locations"]]
    frame = pl.DataFrame(
        {"job_id": [job.job_id for job in jobs], "company_id": [company_id] * len(jobs), **columns},
        schema=_JOB_SCHEMA,
    )
    iso = "%Y-%m-%dT%H:%M:%SZ"
    return frame.unique(subset="job_id", keep="last", maintain_order=True).with_columns(
        pl.col("posted_at").str.to_datetime(iso, strict=False),
        pl.col("updated_at").str.to_datetime(iso, strict=False),
    )


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
    closed_run = NULL
"""


def _open_jobs(con: duckdb.DuckDBPyConnection, company_id: int) -> int:
    [(count,)] = con.execute(
        "SELECT count(*) FROM jobs WHERE company_id = ? AND closed_at IS NULL", [company_id]
    ).fetchall()
    return int(count)


def _upsert_and_close(
    con: duckdb.DuckDBPyConnection, run_id: int, frame: pl.DataFrame, company_id: int,
    seen_at: datetime,
) -> tuple[int, int]:
    """Upsert ``frame`` and close the company's open jobs not in it; (new, closed) counts."""
    con.register("incoming", frame.to_arrow())
    try:
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
    finally:
        con.unregister("incoming")
    return int(new), len(closed)


def _save_one(
    con: duckdb.DuckDBPyConnection, run_id: int, result: CompanyResult, seen_at: datetime
) -> ResultCounts:
    company_id = result.company.company_id
    if company_id is None:
        raise StoreError(f"company {result.company.name} has no id: save it first")
    state: Literal["ok", "failed", "cancelled"] = result.state
    error = result.error
    seen = new = closed = 0
    if result.ok and not result.jobs and (still_open := _open_jobs(con, company_id)):
        # A board that answers with nothing is how boards disappear (FORMATS.md): report it
        # and keep the jobs rather than close every one on an empty page.
        state = "failed"
        error = (f"the board listed no jobs (it may have moved or been removed); "
                 f"its {still_open} open jobs were kept open")
    elif result.ok:
        frame = jobs_frame(result.jobs, company_id)
        seen = frame.height
        new, closed = _upsert_and_close(con, run_id, frame, company_id, seen_at)
    con.execute(
        """
        INSERT INTO run_results (run_id, company_id, state, jobs_seen, jobs_new, jobs_closed,
                                 duration_ms, error, finished_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_id, company_id) DO UPDATE SET state = excluded.state,
            jobs_seen = excluded.jobs_seen, jobs_new = excluded.jobs_new,
            jobs_closed = excluded.jobs_closed, duration_ms = excluded.duration_ms,
            error = excluded.error, finished_at = excluded.finished_at
        """,
        [run_id, company_id, state, seen, new, closed, result.duration_ms, error, utcnow()],
    )
    return ResultCounts(company_id, state, seen, new, closed, error)


def save_company_results(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    results: Sequence[CompanyResult],
    seen_at: datetime | None = None,
) -> list[ResultCounts]:
    """In one transaction, for each result: bulk upsert its jobs, apply the lifecycle (new,
    seen, reopened, closed; a failed or cancelled company closes nothing), write its
    run_results row. ``seen_at`` is the run's time (naive UTC)."""
    seen_at = seen_at or utcnow()
    with _transaction(con):
        return [_save_one(con, run_id, r, seen_at) for r in results]


def save_company_result(
    con: duckdb.DuckDBPyConnection, run_id: int, result: CompanyResult, seen_at: datetime | None = None
) -> ResultCounts:
    return save_company_results(con, run_id, [result], seen_at)[0]


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
