"""Rippling ATS: the board list ``api.rippling.com/platform/api/ats/v1/board/{slug}/jobs`` (a
bare array) and one posting's detail ``.../jobs/{uuid}`` (an object).

The list has one row per job and location: rows are merged by ``uuid``, their locations
kept distinct and sorted. It has no date and no description; the detail adds them
(``description.role`` is the job, ``description.company`` the employer's boilerplate),
``createdOn``, ``employmentType`` (whose ``id`` holds the human label and ``label`` the
code: either is accepted) and ``payRangeDetails``. Also read: the v2 list
``{"items": [{id, name, url, department: {name}, locations: [{name, workplaceType}]}]}``.
Uncertain (adapter code only): the spelling of ``payRangeDetails[].frequency``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    as_list,
    description_fields,
    http_url,
    load_json,
    merge_salaries,
    salary_fields,
    structured_salary,
    text_of,
    to_utc_iso,
    workplace_from_flags,
    workplace_from_text,
)

SOURCE = "rippling"
_WORKPLACES = {"REMOTE": "remote", "HYBRID": "hybrid", "ON_SITE": "onsite", "ONSITE": "onsite"}


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The jobs of a board list (merged by uuid, in first-seen order) or the one of a detail."""
    data = load_json(payload, SOURCE)
    if isinstance(data, dict) and ("uuid" in data or "description" in data):
        return [_detail(data, board)]
    if isinstance(data, dict) and "error_code" in data:
        raise ParseError(SOURCE, f"the API answered an error: {text_of(data.get('error_code'))}")
    rows = data.get("items") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ParseError(SOURCE, 'expected a JSON array of jobs (or an object with "items")')
    merged: dict[str, list[dict[str, Any]]] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ParseError(SOURCE, f"job #{index} is not an object")
        uid = text_of(row.get("uuid")) or text_of(row.get("id"))
        if uid is None:
            raise ParseError(SOURCE, f"job #{index} has no 'uuid'")
        merged.setdefault(uid, []).append(row)
    return [_listed(uid, group, board) for uid, group in merged.items()]


def _label(value: object, *keys: str) -> str | None:
    if isinstance(value, dict):
        return next((t for k in keys if (t := text_of(value.get(k)))), None)
    return text_of(value)


def _row_places(row: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(location, workplace code) pairs of a v1 row (``workLocation``) or a v2 item (``locations``)."""
    places: list[tuple[str | None, str | None]] = [(_label(row.get("workLocation"), "label", "id"), None)]
    for loc in as_list(row.get("locations")):
        places.append((_label(loc, "name"), text_of(loc.get("workplaceType")) if isinstance(loc, dict) else None))
    return [(name, kind) for name, kind in places if name is not None]


def _listed(uid: str, rows: list[dict[str, Any]], board: str) -> Job:
    first = rows[0]
    title = next((t for r in rows if (t := text_of(r.get("name")))), None)
    if title is None:
        raise ParseError(SOURCE, f"job {uid} has no 'name'")
    places = [p for r in rows for p in _row_places(r)]
    locations = tuple(sorted({name for name, _ in places}))
    kinds = {_WORKPLACES.get((kind or "").upper()) for _, kind in places} - {None}
    return Job(
        source=SOURCE,
        board=board,
        external_id=uid,
        title=title,
        company=None,
        url=http_url(first.get("url")) or f"https://ats.rippling.com/{board}/jobs/{uid}",
        location=locations[0] if len(locations) == 1 else ("; ".join(locations) or None),
        locations=locations,
        workplace=kinds.pop() if len(kinds) == 1 else workplace_from_text(*locations),
        department=_label(first.get("department"), "label", "name", "id"),
    )


def _employment(value: object) -> str | None:
    """The human label of ``{label: "SALARIED_FT", id: "Salaried, full-time"}`` (or the reverse)."""
    if not isinstance(value, dict):
        return text_of(value)
    texts = [t for t in (text_of(value.get("id")), text_of(value.get("label"))) if t]
    human = [t for t in texts if not t.isupper()]
    return next(iter(human or texts), None)


def _detail(data: dict[str, Any], board: str) -> Job:
    uid, title = text_of(data.get("uuid")) or text_of(data.get("id")), text_of(data.get("name"))
    if uid is None or title is None:
        raise ParseError(SOURCE, "the job detail has no 'uuid' or no 'name'")
    text = data.get("description")
    parts = [text_of(text.get(k)) for k in ("role", "company")] if isinstance(text, dict) else [text_of(text)]
    description = description_fields("".join(p for p in parts if p) or None)
    locations = tuple(sorted({t for loc in as_list(data.get("workLocations")) if (t := _label(loc, "label", "name"))}))
    ranges = [r for r in as_list(data.get("payRangeDetails")) if isinstance(r, dict)]
    pay = merge_salaries(structured_salary(r.get("rangeStart"), r.get("rangeEnd"), r.get("currency"),
                                           r.get("frequency")) for r in ranges)  # fmt: skip
    remote = workplace_from_flags(remote=all(r.get("isRemote") is True for r in ranges) if ranges else None)
    return Job(
        source=SOURCE,
        board=board,
        external_id=uid,
        title=title,
        company=text_of(data.get("companyName")),
        url=http_url(data.get("url")) or f"https://ats.rippling.com/{board}/jobs/{uid}",
        location=locations[0] if len(locations) == 1 else ("; ".join(locations) or None),
        locations=locations,
        workplace=workplace_from_text(*locations) or remote,
        department=_label(data.get("department"), "name", "label", "base_department"),
        employment_type=_employment(data.get("employmentType")),
        posted_at=to_utc_iso(data.get("createdOn")),
        **salary_fields(pay, description["description_text"]),
        **description,
    )
