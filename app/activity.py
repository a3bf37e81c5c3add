"""The team's history: an append-only ``activity`` table of who did what, when, and the old
and new value. Rows are only ever inserted (nothing here updates or deletes one).

Kinds: ``job.status``, ``job.starred``, ``job.notes``; ``company.add``, ``company.rename``,
``company.enable``, ``company.disable``, ``company.delete``, ``company.import``;
``scrape.start``, ``scrape.cancel``; ``schedule.set``; ``search.save``, ``search.edit``,
``search.delete`` (saved searches).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from app.people import Person
from app.store import utcnow

KINDS: dict[str, str] = {
    "job.status": "Job status",
    "job.starred": "Job star",
    "job.notes": "Job notes",
    "company.add": "Company added",
    "company.rename": "Company renamed",
    "company.enable": "Company enabled",
    "company.disable": "Company disabled",
    "company.delete": "Company deleted",
    "company.import": "Companies imported",
    "scrape.start": "Scrape started",
    "scrape.cancel": "Scrape cancelled",
    "schedule.set": "Schedule changed",
    "search.save": "Saved search added",
    "search.edit": "Saved search changed",
    "search.delete": "Saved search deleted",
}
MAX_VALUE = 20_000
# "at" is a keyword in DuckDB's grammar: quoted wherever it is named.
FEED_COLUMNS = ('"at"', "who", "verified", "kind", "label", "old", "new", "target", "company_id")


@dataclass(frozen=True, slots=True)
class Entry:
    """One change to record: ``target`` is what changed (a job id, a company id, a run id),
    ``label`` its name at the time (a job title, a company name)."""

    kind: str
    target: str | None = None
    label: str | None = None
    company_id: int | None = None
    old: Any = None
    new: Any = None
    version: int | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:MAX_VALUE]


def record_many(
    con: duckdb.DuckDBPyConnection, person: Person, entries: Iterable[Entry],
    *, at: datetime | None = None,
) -> int:
    """Append one row per entry, all by ``person`` at ``at`` (now); returns how many."""
    at = at or utcnow()
    rows = []
    for e in entries:
        if e.kind not in KINDS:
            raise ValueError(f"unknown activity kind {e.kind!r}: use one of {', '.join(KINDS)}")
        rows.append({"at": at, "who": person.name, "who_key": person.key,
                     "verified": person.verified, "kind": e.kind, "target": e.target,
                     "label": e.label, "company_id": e.company_id, "version": e.version,
                     "old": _text(e.old), "new": _text(e.new)})
    if not rows:
        return 0
    frame = pl.DataFrame(rows, schema={
        "at": pl.Datetime("us"), "who": pl.String, "who_key": pl.String,
        "verified": pl.Boolean, "kind": pl.String, "target": pl.String, "label": pl.String,
        "company_id": pl.Int32, "version": pl.Int32, "old": pl.String, "new": pl.String,
    })
    con.register("activity_incoming", frame.to_arrow())
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO activity ({columns}) SELECT {columns} FROM activity_incoming")
    finally:
        con.unregister("activity_incoming")
    return len(rows)


def record(
    con: duckdb.DuckDBPyConnection, person: Person, entry: Entry, *, at: datetime | None = None
) -> None:
    record_many(con, person, [entry], at=at)


@dataclass(frozen=True, slots=True)
class FeedFilters:
    """Narrow the feed: people by their key (``""`` for anonymous), kinds, companies."""

    people: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    company_ids: tuple[int, ...] = ()
    since: datetime | None = None


def _feed_where(f: FeedFilters) -> tuple[str, list[Any]]:
    parts: list[str] = ["true"]
    params: list[Any] = []
    if f.people:
        parts.append("list_contains(?, coalesce(who_key, ''))")
        params.append(list(f.people))
    if f.kinds:
        parts.append("list_contains(?, kind)")
        params.append(list(f.kinds))
    if f.company_ids:
        parts.append("list_contains(?, company_id)")
        params.append(list(f.company_ids))
    if f.since is not None:
        parts.append('"at" >= ?')
        params.append(f.since)
    return " AND ".join(parts), params


def feed(
    con: duckdb.DuckDBPyConnection, filters: FeedFilters = FeedFilters(), *, limit: int = 500
) -> pl.DataFrame:
    """The latest activity matching ``filters``, newest first."""
    where, params = _feed_where(filters)
    return con.sql(
        f"SELECT {', '.join(FEED_COLUMNS)} FROM activity WHERE {where} "
        'ORDER BY "at" DESC, activity_id DESC LIMIT ?',
        params=[*params, max(limit, 0)],
    ).pl()


def job_history(con: duckdb.DuckDBPyConnection, job_id: str) -> pl.DataFrame:
    """Every recorded change to one job's team fields, newest first."""
    return con.sql(
        'SELECT "at", who, verified, kind, old, new FROM activity '
        "WHERE target = ? AND kind LIKE 'job.%' ORDER BY \"at\" DESC, activity_id DESC",
        params=[job_id],
    ).pl()


def people(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Everyone in the activity: key (``""`` for anonymous) -> their latest display name."""
    rows = con.execute(
        "SELECT coalesce(who_key, ''), arg_max(who, activity_id) FROM activity "
        "GROUP BY ALL ORDER BY 2"
    ).fetchall()
    return {key: name for key, name in rows}


def changes_since(
    con: duckdb.DuckDBPyConnection, target: str, kinds: Sequence[str], version: int
) -> pl.DataFrame:
    """Changes of ``kinds`` to ``target`` that made a version after ``version``, oldest first."""
    return con.sql(
        'SELECT "at", who, who_key, verified, kind, old, new, version FROM activity '
        "WHERE target = ? AND list_contains(?, kind) AND version > ? "
        "ORDER BY version, activity_id",
        params=[target, list(kinds), version],
    ).pl()


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)


def feed_csv(frame: pl.DataFrame) -> bytes:
    """The feed as CSV (UTC times, kinds spelled out)."""
    out = frame.with_columns(
        pl.col("at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("kind").replace_strict(KINDS, default=pl.col("kind")),
    )
    buf = io.BytesIO()
    out.write_csv(buf)
    return buf.getvalue()
