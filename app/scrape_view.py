"""The Scraping page's plumbing, testable without Streamlit: the words of a run's status, its
live sections (failed, running now, recently finished) and the filtered, paged table of all
its companies, so the page stays light at 10,000 companies."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import polars as pl

from app.pipeline import NOT_REACHED
from app.registry import CompanyRow, RunSnapshot

PAGE_SIZE = 100
FAILED_SHOWN = 50  # failed companies listed with their whole error; the table has them all
RUNNING_SHOWN = 50
STATES = ("running", "queued", "ok", "failed", "cancelled", NOT_REACHED)
StatusState = Literal["running", "complete", "error"]


def status_label(snap: RunSnapshot) -> str:
    """'Run #3 (manual) running: 41/48 companies', and what a cancel left undone."""
    head = f"Run #{snap.run_id} ({snap.trigger})"
    verb = ("cancelling" if snap.cancel_requested else "running") if snap.running else snap.state
    label = f"{head} {verb}: {snap.companies_done}/{snap.companies_total} companies"
    undone = _undone(snap)
    return f"{label} ({undone})" if undone and not snap.running else label


def _undone(snap: RunSnapshot) -> str:
    parts = []
    if snap.companies_cancelled:
        parts.append(f"{snap.companies_cancelled} cancelled")
    if snap.companies_not_reached:
        parts.append(f"{snap.companies_not_reached} not reached")
    return ", ".join(parts)


def status_state(snap: RunSnapshot) -> StatusState:
    """Only a run that finished gets the check mark; a cancelled or interrupted one does not."""
    if snap.running:
        return "running"
    return "complete" if snap.state == "finished" else "error"


def progress_text(snap: RunSnapshot) -> str:
    """'9 of 48 companies done, 2 failed, 3 cancelled, 36 not reached'."""
    text = (f"{snap.companies_done} of {snap.companies_total} companies done, "
            f"{snap.companies_failed} failed")
    undone = _undone(snap)
    return f"{text}, {undone}" if undone else text


def counters(snap: RunSnapshot) -> str:
    """The headline counters as one Markdown line."""
    queued = (snap.companies_total - snap.companies_done - snap.companies_cancelled
              - snap.companies_not_reached - len(snap.running_now))
    parts = [f"ok **{snap.companies_ok}**", f"failed **{snap.companies_failed}**"]
    if snap.running:
        parts += [f"running **{len(snap.running_now)}**", f"queued **{max(0, queued)}**"]
    if snap.companies_cancelled:
        parts.append(f"cancelled **{snap.companies_cancelled}**")
    if snap.companies_not_reached:
        parts.append(f"not reached **{snap.companies_not_reached}**")
    jobs = (f"Jobs seen **{snap.jobs_seen}** · new **{snap.jobs_new}** · "
            f"closed **{snap.jobs_closed}**")
    return f"Companies: {' · '.join(parts)}  \n{jobs}"


def outcome(snap: RunSnapshot) -> tuple[Literal["success", "warning", "error"], str]:
    """The box under an ended run: green only when it finished."""
    text = f"Run #{snap.run_id} {snap.state}: {snap.jobs_new} new and {snap.jobs_closed} closed jobs."
    if snap.state == "finished":
        return "success", text
    undone = _undone(snap)
    if undone:
        text += (f" {undone.capitalize()} of {snap.companies_total} companies: "
                 f"their jobs were left as they were.")
    return ("error" if snap.state == "failed" else "warning"), text


def running_frame(rows: Sequence[CompanyRow], now: datetime) -> pl.DataFrame:
    """Companies running now, longest first, with how long each has been running."""
    return pl.DataFrame(
        [(r.name, r.ats, _running_s(r, now)) for r in rows[:RUNNING_SHOWN]],
        schema={"Company": pl.String, "ATS": pl.String, "Running for (s)": pl.Float64},
        orient="row",
    )


def _running_s(row: CompanyRow, now: datetime) -> float | None:
    if row.started_at is None:
        return None
    return max(0.0, (now - row.started_at).total_seconds())


def company_frame(rows: Iterable[CompanyRow], now: datetime | None = None) -> pl.DataFrame:
    """Per-company rows; State and Error come early so errors are not cut off. A running
    company's duration is how long it has been running so far. On Celery workers, a last
    column names the worker running each company."""
    def seconds(r: CompanyRow) -> float | None:
        if r.state == "running":
            return _running_s(r, now) if now is not None else None
        return r.duration_ms / 1000 if r.state in ("ok", "failed", "cancelled") else None

    rows = list(rows)
    frame = pl.DataFrame(
        [(r.name, r.state, r.error or "", r.ats, r.jobs, r.new, r.closed, seconds(r))
         for r in rows],
        schema={"Company": pl.String, "State": pl.String, "Error": pl.String,
                "ATS": pl.String, "Jobs": pl.Int64, "New": pl.Int64, "Closed": pl.Int64,
                "Duration (s)": pl.Float64},
        orient="row",
    )
    if any(r.worker for r in rows):
        frame = frame.with_columns(pl.Series("Worker", [r.worker or "" for r in rows], pl.String))
    return frame


@dataclass(frozen=True, slots=True)
class TableFilter:
    """The all-companies table's filter: states and ATS (empty: any) and a name fragment."""

    states: tuple[str, ...] = ()
    ats: tuple[str, ...] = ()
    name: str = ""


def filter_rows(rows: Sequence[CompanyRow], f: TableFilter) -> list[CompanyRow]:
    """The rows matching ``f``: running ones first, longest-running first, then the others in
    the run's order."""
    needle = f.name.strip().casefold()
    states, ats = set(f.states), set(f.ats)
    picked = [r for r in rows
              if (not states or r.state in states) and (not ats or r.ats in ats)
              and (not needle or needle in r.name.casefold())]
    running = sorted((r for r in picked if r.state == "running"),
                     key=lambda r: r.started_at or datetime.max)
    return running + [r for r in picked if r.state != "running"]


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


def page_of(rows: Sequence[CompanyRow], page: int, size: int = PAGE_SIZE) -> Sequence[CompanyRow]:
    """Rows of 1-based ``page``, clamped to the pages there are."""
    page = min(max(1, page), page_count(len(rows), size))
    return rows[(page - 1) * size: page * size]


def ats_choices(rows: Iterable[CompanyRow]) -> list[str]:
    return sorted({r.ats for r in rows})
