"""Greenhouse job board API: ``{"jobs": [...], "meta": {...}}`` from
``boards-api.greenhouse.io/v1/boards/{token}/jobs?content=true&pay_transparency=true``.

A posting without an id or a title makes the whole payload a ParseError rather than being
skipped: a skipped posting would be closed by the lifecycle although it is still open.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    Salary,
    as_list,
    description_fields,
    http_url,
    identity,
    json_type,
    load_json,
    merge_salaries,
    records,
    salary_fields,
    split_locations,
    structured_salary,
    text_of,
    to_utc_iso,
    unescape_html,
    unique,
    workplace_from_text,
)

SOURCE = "greenhouse"
_WORKPLACE_KEYS = re.compile(r"remote|workplace|work (?:type|model|location)|location type", re.I)
_EMPLOYMENT_KEYS = re.compile(r"employment|job type|commitment|time type", re.I)


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every posting of a Greenhouse board payload, in order."""
    data = load_json(payload, SOURCE)
    if not isinstance(data, dict) or "jobs" not in data:
        raise ParseError(SOURCE, f'expected an object with a "jobs" array, got {json_type(data)}')
    jobs = records(data["jobs"], SOURCE, "postings")
    return [_job(raw, i, board, now) for i, raw in enumerate(jobs)]


def _names(items: object) -> list[str | None]:
    if not isinstance(items, list):
        return []
    return [text_of(item.get("name")) for item in items if isinstance(item, dict)]


# Location text that names no place: the offices tell where the job is.
_NO_PLACE = re.compile(
    r"^(?:(?:multiple|various|several|many|all|\d+)\s+(?:locations?|offices?|cities|sites)"
    r"|see (?:job )?description|(?:flexible|multiple) location)$",
    re.I,
)
# Office names that group offices rather than name a place: "Ireland Locations", "All offices".
_OFFICE_GROUP = re.compile(r"\b(?:locations|offices?|sites|regions?|hubs?)\b|^(?:all|other)\b", re.I)


def _office_places(items: object) -> list[str]:
    """Each office as a place: its ``location`` text, else its name unless that is a group."""
    places = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        place = text_of(item.get("location"))
        name = text_of(item.get("name"))
        if place is None and name is not None and not _OFFICE_GROUP.search(name):
            place = name
        if place is not None:
            places.append(place)
    return places


def _locations(location: str | None, offices: list[str]) -> tuple[str, ...]:
    """The places of the job's own location text; its offices only when that text names no
    place (missing, "Multiple Locations"). Offices are where a company sits, not always
    where this job is: a remote job lists "US", a Dublin job "Ireland Locations"."""
    places = split_locations(location) if location and not _NO_PLACE.match(location) else ()
    return places or unique(offices)


def _metadata(raw: dict[str, Any], key: re.Pattern[str]) -> str | None:
    """The first metadata value whose name matches ``key`` (lists joined)."""
    for item in as_list(raw.get("metadata")):
        if isinstance(item, dict) and key.search(str(item.get("name") or "")):
            value = item.get("value")
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value if isinstance(v, str | int | float))
            if (text := text_of(value)) is not None:
                return text
    return None


def _content(raw: dict[str, Any]) -> str | None:
    """The description HTML: escaped once by Greenhouse, sometimes twice over."""
    html = unescape_html(raw.get("content")) if isinstance(raw.get("content"), str) else None
    if html is not None and "<" not in html and "&lt;" in html:
        html = unescape_html(html)
    return html


def _pay(raw: dict[str, Any]) -> Salary | None:
    """``pay_input_ranges`` (amounts in cents) as one Salary spanning every zone."""
    ranges = raw.get("pay_input_ranges")
    if not isinstance(ranges, list):
        return None
    salaries = []
    for pay in ranges:
        if not isinstance(pay, dict):
            continue
        low, high = (_cents(pay.get(k)) for k in ("min_cents", "max_cents"))
        salaries.append(structured_salary(low, high, pay.get("currency_type"), pay.get("title")))
    return merge_salaries(salaries)


def _cents(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 100
    return None


def _job(raw: dict[str, Any], index: int, board: str, now: datetime | None) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "title")
    location_field = raw.get("location")
    location = text_of(location_field.get("name")) if isinstance(location_field, dict) else None
    offices = _office_places(raw.get("offices"))
    description = description_fields(_content(raw))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=text_of(raw.get("company_name")),
        url=http_url(raw.get("absolute_url"))
        or f"https://boards.greenhouse.io/{board}/jobs/{external_id}",
        location=location,
        locations=(places := _locations(location, offices)),
        workplace=workplace_from_text(_metadata(raw, _WORKPLACE_KEYS), location, *places),
        department=next((d for d in _names(raw.get("departments")) if d), None),
        employment_type=_metadata(raw, _EMPLOYMENT_KEYS),
        posted_at=to_utc_iso(raw.get("first_published"), now=now),
        updated_at=to_utc_iso(raw.get("updated_at"), now=now),
        **salary_fields(_pay(raw), description["description_text"]),
        **description,
    )
