"""Gem job board API: a bare JSON array from ``api.gem.com/job_board/v0/{vanity}/job_posts/``.

Greenhouse-like posts, but ``content`` is raw HTML (not entity-escaped). The vanity is
case-sensitive. ``location_type`` is ``in_office``/``hybrid``/``remote``; there is no pay
field (pay is read from the prose). Uncertain: the recorded payloads show string ids,
numeric or opaque; numbers are accepted too.
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
    identity,
    load_json,
    records,
    salary_fields,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_text,
)

SOURCE = "gem"
_WORKPLACES = {"remote": "remote", "hybrid": "hybrid", "in_office": "onsite", "onsite": "onsite"}


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every post of a Gem board, in order."""
    data = load_json(payload, SOURCE)
    if isinstance(data, dict):
        raise ParseError(SOURCE, f"the API answered an object, not posts: {text_of(data.get('error')) or sorted(data)[:3]}")
    return [_job(raw, i, board) for i, raw in enumerate(records(data, SOURCE, "job posts"))]


def _name(value: object) -> str | None:
    return text_of(value.get("name")) if isinstance(value, dict) else None


def _job(raw: dict[str, Any], index: int, board: str) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "title")
    location = _name(raw.get("location"))
    offices = [_name(o.get("location")) or _name(o) for o in as_list(raw.get("offices")) if isinstance(o, dict)]
    locations = unique([location, *offices])
    departments = [_name(d) for d in as_list(raw.get("departments"))]
    kind = text_of(raw.get("location_type"))
    description = description_fields(text_of(raw.get("content")), text_of(raw.get("content_plain")))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=None,
        url=http_url(raw.get("absolute_url")) or f"https://jobs.gem.com/{board}/{external_id}",
        location=locations[0] if locations else None,
        locations=locations,
        workplace=_WORKPLACES.get((kind or "").lower()) or workplace_from_text(*locations),
        department=next((d for d in departments if d), None),
        employment_type=text_of(raw.get("employment_type")),
        posted_at=to_utc_iso(raw.get("first_published_at")) or to_utc_iso(raw.get("created_at")),
        updated_at=to_utc_iso(raw.get("updated_at")),
        **salary_fields(None, description["description_text"]),
        **description,
    )
