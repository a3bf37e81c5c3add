"""The team's changes, checked and recorded: field-level saves of a job's team fields and of
a company's name and flag against the version the person started from, bulk triage, the
admin-only company operations, and each person's visits. No Streamlit.

A save writes only the fields the person changed. When someone else changed one of those
fields since the person's version, the save writes nothing and returns the conflicts (who,
when, what); the page then lets the person keep theirs, apply mine or (notes) keep both, by
saving again from the current version. Every write records its activity rows in the same
transaction, and every refusal (``PermissionDenied``, ``StoreError``) leaves nothing done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from app import activity, store
from app import companies as co
from app.activity import Entry
from app.people import Person, require_admin, require_person
from app.store import JOB_STATUSES, StoreError, utcnow

MAX_NOTES = 20_000
_RETRIES = 5


@dataclass(frozen=True, slots=True)
class _Spec:
    """A versioned record: identifiers here are fixed, never user text."""

    noun: str
    table: str
    key: str
    version: str
    fields: tuple[str, ...]
    label: str
    kind: Callable[[str, Any], str]
    field_of: dict[str, str]


JOB = _Spec(
    "job", "jobs", "job_id", "team_version", ("status", "starred", "notes"), "title",
    lambda f, _v: f"job.{f}",
    {"job.status": "status", "job.starred": "starred", "job.notes": "notes"},
)
COMPANY = _Spec(
    "company", "companies", "company_id", "version", ("name", "enabled"), "name",
    lambda f, v: "company.rename" if f == "name" else ("company.enable" if v else "company.disable"),
    {"company.rename": "name", "company.enable": "enabled", "company.disable": "enabled"},
)


@dataclass(frozen=True, slots=True)
class Change:
    """Someone's recorded change of one field."""

    field: str
    who: str
    verified: bool
    at: datetime | None
    old: str | None
    new: str | None

    @property
    def by(self) -> str:
        return self.who if self.verified else f"{self.who} (unverified)"


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field the person changed that someone else changed first: the value both started
    from, theirs (now stored), mine, and their latest change (None when unrecorded)."""

    field: str
    base: Any
    theirs: Any
    mine: Any
    change: Change | None

    @property
    def by(self) -> str:
        """Who made their change, as said to the person ("someone" when unrecorded)."""
        return self.change.by if self.change else "someone"

    @property
    def when(self) -> str:
        """" at 2026-12-01 10:02 UTC" when their change has a time, else ""."""
        at = self.change.at if self.change else None
        return f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did. With conflicts nothing was written. ``others`` are changes made by
    others since the person's version to fields they left alone (kept). ``version`` and
    ``current`` are the record's version and team fields now."""

    saved: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    others: tuple[Change, ...]
    version: int
    current: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.conflicts


def _norm(spec: _Spec, name: str, value: Any) -> Any:
    if name in ("starred", "enabled"):
        return bool(value)
    if name == "notes":
        text = "" if value is None else str(value)
        if len(text) > MAX_NOTES:
            raise StoreError(f"notes are limited to {MAX_NOTES:,} characters ({len(text):,} given)")
        return text
    if name == "status":
        if value not in JOB_STATUSES:
            raise StoreError(f"unknown status {value!r}: use one of {', '.join(JOB_STATUSES)}")
        return value
    text = str(value or "").strip()
    if not text:
        raise StoreError(f"a {spec.noun} needs a {name}")
    return text


def _stored(name: str, value: Any) -> Any:
    return (value or None) if name == "notes" else value


def _loaded(name: str, value: Any) -> Any:
    if name in ("starred", "enabled"):
        return bool(value)
    return (value or "") if name == "notes" else value


def _read(con: duckdb.DuckDBPyConnection, spec: _Spec, key: Any) -> tuple[int, dict[str, Any], str, int | None] | None:
    cols = ", ".join(spec.fields)
    rows = con.execute(
        f"SELECT coalesce({spec.version}, 0), {cols}, {spec.label}, company_id "
        f"FROM {spec.table} WHERE {spec.key} = ?",
        [key],
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    current = {f: _loaded(f, v) for f, v in zip(spec.fields, row[1:-2], strict=True)}
    return int(row[0]), current, row[-2], row[-1]


def _changes(con: duckdb.DuckDBPyConnection, spec: _Spec, key: Any, version: int) -> list[Change]:
    frame = activity.changes_since(con, str(key), list(spec.field_of), version)
    return [Change(spec.field_of[r["kind"]], r["who"], r["verified"], r["at"], r["old"], r["new"])
            for r in frame.iter_rows(named=True)]


def _attempt(
    con: duckdb.DuckDBPyConnection, spec: _Spec, person: Person, key: Any, base_version: int,
    base: Mapping[str, Any], wanted: Mapping[str, Any], at: datetime,
) -> SaveResult:
    with store.transaction(con):
        found = _read(con, spec, key)
        if found is None:
            raise StoreError(f"no {spec.noun} {key!r} (it may have been deleted meanwhile)")
        version, current, label, company_id = found
        since = _changes(con, spec, key, base_version) if version != base_version else []
        conflicts, writes = [], {}
        for name, value in wanted.items():
            if current[name] == value:
                continue
            if version != base_version and current[name] != base[name]:
                last = next((c for c in reversed(since) if c.field == name), None)
                conflicts.append(Conflict(name, base[name], current[name], value, last))
            else:
                writes[name] = value
        others = tuple(c for c in since if c.field not in wanted)
        if conflicts or not writes:
            return SaveResult((), tuple(conflicts), others, version, current)
        new_version = version + 1
        sets = ", ".join(f"{name} = ?" for name in writes)
        con.execute(
            f"UPDATE {spec.table} SET {sets}, {spec.version} = ? WHERE {spec.key} = ?",
            [*(_stored(n, v) for n, v in writes.items()), new_version, key],
        )
        activity.record_many(con, person, [
            Entry(spec.kind(name, value), str(key), label, company_id,
                  _stored(name, current[name]), _stored(name, value), new_version)
            for name, value in writes.items()
        ], at=at)
        return SaveResult(tuple(writes), (), others, new_version, {**current, **writes})


def _save(
    con: duckdb.DuckDBPyConnection, spec: _Spec, person: Person, key: Any, base_version: int,
    base: Mapping[str, Any], mine: Mapping[str, Any], at: datetime | None,
) -> SaveResult:
    unknown = set(mine) - set(spec.fields)
    if unknown:
        raise StoreError(f"a {spec.noun} has no team field {sorted(unknown)[0]!r}")
    missing = set(mine) - set(base)
    if missing:
        raise StoreError(f"the value you started from is needed for {sorted(missing)[0]!r}")
    mine_n = {n: _norm(spec, n, v) for n, v in mine.items()}
    base_n = {n: _norm(spec, n, base[n]) if n != "name" else str(base[n] or "").strip()
              for n in mine}
    wanted = {n: v for n, v in mine_n.items() if v != base_n[n]}
    for attempt in range(_RETRIES):
        try:
            return _attempt(con, spec, person, key, base_version, base_n, wanted, at or utcnow())
        except duckdb.TransactionException:
            # Another session wrote the same row at the same moment: read again and retry.
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def save_job(
    con: duckdb.DuckDBPyConnection, person: Person, job_id: str, *, base_version: int,
    base: Mapping[str, Any], mine: Mapping[str, Any], at: datetime | None = None,
) -> SaveResult:
    """Save the team fields (status, starred, notes) that ``mine`` changes from ``base``,
    the values the person started from at ``base_version``. See the module docstring."""
    require_person(person, "change a job")
    return _save(con, JOB, person, job_id, base_version, base, mine, at)


def edit_company(
    con: duckdb.DuckDBPyConnection, person: Person, company_id: int, *, base_version: int,
    base: Mapping[str, Any], mine: Mapping[str, Any], at: datetime | None = None,
) -> SaveResult:
    """Rename and / or enable or disable a company, like ``save_job`` (admins only)."""
    require_admin(person, "rename, enable or disable companies")
    if "name" in mine:
        store.check_company_name(con, company_id, str(mine["name"] or ""))
    return _save(con, COMPANY, person, company_id, base_version, base, mine, at)


def merged_notes(theirs: str, mine: str) -> str:
    """Keep both: their notes, then mine (once, if mine already holds theirs)."""
    theirs, mine = theirs.strip(), mine.strip()
    if not theirs or theirs in mine:
        return mine
    if not mine or mine in theirs:
        return theirs
    return f"{theirs}\n\n{mine}"


def team_state(con: duckdb.DuckDBPyConnection, job_id: str) -> tuple[int, dict[str, Any]] | None:
    """A job's team version and fields, or None when there is no such job."""
    found = _read(con, JOB, job_id)
    return None if found is None else (found[0], found[1])


def company_state(con: duckdb.DuckDBPyConnection, company_id: int) -> tuple[int, dict[str, Any]] | None:
    found = _read(con, COMPANY, company_id)
    return None if found is None else (found[0], found[1])


def triage_jobs(
    con: duckdb.DuckDBPyConnection, person: Person, job_ids: Sequence[str], *,
    status: str | None = None, starred: bool | None = None, at: datetime | None = None,
) -> int:
    """Set the status and / or star of many jobs at once, one activity row per field that
    changes; jobs already so (or gone) are left alone. Returns how many jobs changed."""
    require_person(person, "change jobs")
    if status is not None and status not in JOB_STATUSES:
        raise StoreError(f"unknown status {status!r}: use one of {', '.join(JOB_STATUSES)}")
    if status is None and starred is None:
        raise StoreError("choose a status or a star to set")
    with store.transaction(con):
        rows = con.execute(
            "SELECT job_id, coalesce(team_version, 0), status, starred, title, company_id "
            "FROM jobs WHERE list_contains(?, job_id)", [list(dict.fromkeys(job_ids))],
        ).fetchall()
        entries, changed = [], []
        for job_id, version, old_status, old_star, title, company_id in rows:
            moves = [("status", old_status, status), ("starred", old_star, starred)]
            moves = [(f, old, new) for f, old, new in moves if new is not None and new != old]
            if moves:
                changed.append(job_id)
                entries += [Entry(f"job.{f}", job_id, title, company_id, old, new, version + 1)
                            for f, old, new in moves]
        if changed:
            con.execute(
                "UPDATE jobs SET status = coalesce(?, status), starred = coalesce(?, starred), "
                "team_version = coalesce(team_version, 0) + 1 WHERE list_contains(?, job_id)",
                [status, starred, changed],
            )
            activity.record_many(con, person, entries, at=at)
    return len(changed)


# -- companies (admins) ------------------------------------------------------------------------


def _names(companies: Sequence[Any], shown: int = 8) -> str:
    names = ", ".join(c.name for c in companies[:shown])
    rest = len(companies) - shown
    return f"{names} and {rest} more" if rest > 0 else names


def add_companies(
    con: duckdb.DuckDBPyConnection, person: Person, entries: Sequence[co.Entry], *,
    imported_from: str | None = None, at: datetime | None = None,
) -> co.SaveReport:
    """Save the valid entries (admins only): one ``company.add`` row per company added, or
    for a file (``imported_from``: its name) one ``company.import`` row."""
    require_admin(person, "import companies" if imported_from else "add companies")
    with store.transaction(con):
        report = co.save_entries(con, entries)
        if report.updated:
            # An import may rename tracked companies: a rename begun before it is then stale.
            con.execute("UPDATE companies SET version = coalesce(version, 0) + 1 "
                        "WHERE list_contains(?, company_id)",
                        [[c.company_id for c in report.updated]])
        if imported_from is None:
            rows = [Entry("company.add", str(c.company_id), c.name, c.company_id, None, c.url)
                    for c in report.added]
        elif report.added or report.updated:
            summary = f"{len(report.added)} added, {len(report.updated)} updated"
            rows = [Entry("company.import", imported_from, imported_from, None, None,
                          f"{summary}: {_names([*report.added, *report.updated])}")]
        else:
            rows = []
        activity.record_many(con, person, rows, at=at)
    return report


def delete_company(
    con: duckdb.DuckDBPyConnection, person: Person, company_id: int, *, keep_jobs: bool,
    at: datetime | None = None,
) -> str:
    """Delete a company (admins only), keeping its jobs detached or dropping them; returns
    the name it had."""
    require_admin(person, "delete companies")
    with store.transaction(con):
        rows = con.execute("SELECT name FROM companies WHERE company_id = ?", [company_id]).fetchall()
        if not rows:
            raise StoreError(f"no company {company_id} (it may have been deleted meanwhile)")
        name = rows[0][0]
        store.delete_company(con, company_id, keep_jobs=keep_jobs)
        activity.record(con, person, Entry(
            "company.delete", str(company_id), name, company_id, name,
            "its jobs kept" if keep_jobs else "its jobs deleted"), at=at)
    return str(name)


# -- scrapes, the schedule, visits -------------------------------------------------------------


def record_scrape(
    con: duckdb.DuckDBPyConnection, person: Person, kind: str, run_id: int | None,
    at: datetime | None = None,
) -> None:
    """``scrape.start`` or ``scrape.cancel`` of a run; anyone may (anonymous included)."""
    if kind not in ("scrape.start", "scrape.cancel"):
        raise ValueError(f"not a scrape kind: {kind!r}")
    activity.record(con, person, Entry(kind, None if run_id is None else str(run_id),
                                       None if run_id is None else f"run #{run_id}"), at=at)


def schedule_text(minutes: int | None) -> str:
    return f"every {minutes} min" if minutes else "off"


def begin_visit(
    con: duckdb.DuckDBPyConnection, person: Person, at: datetime | None = None
) -> datetime | None:
    """Note that ``person`` visits now; returns their previous visit (None the first time,
    and always for an anonymous person, whose visits are not kept)."""
    if person.anonymous:
        return None
    with store.transaction(con):
        rows = con.execute("SELECT last_visit_at FROM visits WHERE who_key = ?",
                           [person.key]).fetchall()
        con.execute(
            "INSERT INTO visits VALUES (?, ?) ON CONFLICT (who_key) DO UPDATE "
            "SET last_visit_at = excluded.last_visit_at",
            [person.key, at or utcnow()],
        )
    return rows[0][0] if rows else None
