"""Read side of the run history: recent runs and one run's per-company results, as Polars
frames (bound parameters only)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb
import polars as pl

from app.pipeline import NOT_REACHED

# How scraper.fetch words a board that could not be reached at all (no answer, no name).
_UNREACHED = re.compile(r"^(cannot connect to |timed out after |connection error )")

OFFLINE_HINT = (
    "None of the {n} boards could be reached: this machine may have no internet access (or "
    "a firewall blocks it). To try the app offline, run the demo against the built-in "
    "simulator: `jobscraper simulate --write-companies demo.toml` in one terminal, then start "
    "the app with `JOBSCRAPER_COMPANIES=demo.toml JOBSCRAPER_ALLOW_PRIVATE=1` and a fresh "
    "`JOBSCRAPER_DB`."
)


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pl.DataFrame:
    """The latest ``limit`` runs, newest first, with their duration in seconds and the
    companies a cancel stopped midway (cancelled) or before they began (not reached: what
    the run did not save once it ended), so ok + failed + those add up to the total."""
    return con.sql(
        """
        WITH latest AS (SELECT * FROM runs ORDER BY run_id DESC LIMIT $limit),
        stopped AS (
            SELECT run_id,
                   count(*) FILTER (WHERE state = 'cancelled' AND error IS DISTINCT FROM $nr) AS cancelled,
                   count(*) FILTER (WHERE state = 'cancelled' AND error = $nr) AS not_reached,
                   sum(jobs_seen) AS jobs_seen
            FROM run_results WHERE run_id IN (SELECT run_id FROM latest) GROUP BY run_id
        )
        SELECT run_id, trigger, state, started_at, finished_at,
               round(epoch(finished_at - started_at), 1) AS duration_s,
               companies_total, companies_ok, companies_failed,
               coalesce(s.cancelled, 0) AS companies_cancelled,
               CASE WHEN state = 'running' THEN NULL ELSE greatest(
                   companies_total - companies_ok - companies_failed - coalesce(s.cancelled, 0),
                   coalesce(s.not_reached, 0)) END AS companies_not_reached,
               coalesce(s.jobs_seen, 0)::INTEGER AS jobs_seen, jobs_new, jobs_closed, error
        FROM latest LEFT JOIN stopped s USING (run_id)
        ORDER BY run_id DESC
        """,
        params={"limit": limit, "nr": NOT_REACHED},
    ).pl()


def run_results(
    con: duckdb.DuckDBPyConnection, run_id: int, limit: int | None = None
) -> pl.DataFrame:
    """One run's per-company results (company name and ATS joined), failures first, then
    cancelled, then ok; at most ``limit`` rows when given."""
    return con.sql(
        """
        SELECT c.name AS company, c.ats, r.state, r.jobs_seen, r.jobs_new, r.jobs_closed,
               round(r.duration_ms / 1000, 2) AS duration_s, r.error
        FROM run_results r LEFT JOIN companies c USING (company_id)
        WHERE r.run_id = $run_id
        ORDER BY r.state = 'ok', r.state = 'cancelled', lower(c.name)
        LIMIT $limit
        """,
        params={"run_id": run_id, "limit": limit},
    ).pl()


def offline_hint(results: Iterable[tuple[str, str | None]]) -> str | None:
    """For a run's (state, error) per company: a plain explanation when no board was reached
    at all (every company failed to connect), else None."""
    rows = [(state, error or "") for state, error in results if state != "cancelled"]
    if not rows or any(state != "failed" or not _UNREACHED.match(error) for state, error in rows):
        return None
    return OFFLINE_HINT.format(n=len(rows))


def run_result_count(con: duckdb.DuckDBPyConnection, run_id: int) -> int:
    [(n,)] = con.execute("SELECT count(*) FROM run_results WHERE run_id = ?", [run_id]).fetchall()
    return int(n)
