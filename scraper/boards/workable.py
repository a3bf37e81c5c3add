"""Workable widget API: ``{name, description, jobs: [...]}`` from
``apply.workable.com/api/v1/widget/accounts/{slug}?details=true``.

Empty strings are null; dates are date-only (midnight UTC); ``telecommuting`` means remote.
A posting without a shortcode or a title makes the payload a ParseError.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    http_url,
    identity,
    json_type,
    load_json,
    records,
    salary_fields,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_flags,
    workplace_from_text,
)

SOURCE = "workable"


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every posting of a Workable account payload, in order."""
    data = load_json(payload, SOURCE)
    if not isinstance(data, dict) or "jobs" not in data:
        raise ParseError(SOURCE, f'expected an object with a "jobs" array, got {json_type(data)}')
    jobs = records(data["jobs"], SOURCE, "postings")
    company = text_of(data.get("name"))
    return [_job(raw, i, board, company, now) for i, raw in enumerate(jobs)]


def _place(*parts: object) -> str | None:
    """'City, Region, Country' from the non-empty, distinct parts ('Lisbon, Lisbon' once)."""
    return clean(", ".join(unique([text_of(x) for x in parts])))


def _locations(raw: dict[str, Any]) -> list[str | None]:
    items = raw.get("locations")
    if not isinstance(items, list):
        return []
    return [
        _place(item.get("city"), item.get("region"), item.get("country"))
        for item in items
        if isinstance(item, dict) and item.get("hidden") is not True
    ]


def _html(raw: dict[str, Any]) -> str | None:
    parts = [raw.get(key) for key in ("description", "requirements", "benefits")]
    return "".join(p for p in parts if isinstance(p, str)) or None


def _job(raw: dict[str, Any], index: int, board: str, company: str | None,
         now: datetime | None) -> Job:
    external_id, title = identity(raw, index, SOURCE, "shortcode", "title")
    others = _locations(raw)
    location = _place(raw.get("city"), raw.get("state"), raw.get("country")) or next(
        (place for place in others if place), None
    )
    description = description_fields(_html(raw))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=company,
        url=http_url(raw.get("url")) or f"https://apply.workable.com/{board}/j/{external_id}/",
        location=location,
        locations=unique([location, *others]),
        workplace=workplace_from_flags(remote=raw.get("telecommuting"))
        or workplace_from_text(text_of(raw.get("workplace")), location, *others),
        department=text_of(raw.get("department")),
        employment_type=text_of(raw.get("employment_type")),
        posted_at=to_utc_iso(raw.get("published_on") or raw.get("created_at"), now=now),
        updated_at=None,
        **salary_fields(None, description["description_text"]),
        **description,
    )
