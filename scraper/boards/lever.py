"""Lever postings API: a bare JSON array from ``api.lever.co/v0/postings/{site}?mode=json``.

Lever has no company name (``company`` is None: the pipeline uses the configured name) and
no update time. A posting without an id or a title makes the payload a ParseError.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    Salary,
    as_list,
    description_fields,
    http_url,
    identity,
    load_json,
    records,
    salary_fields,
    structured_salary,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_text,
)

SOURCE = "lever"
_WORKPLACES = {"remote": "remote", "hybrid": "hybrid", "onsite": "onsite", "on-site": "onsite"}


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every posting of a Lever site payload, in order."""
    data = load_json(payload, SOURCE)
    if isinstance(data, dict) and data.get("ok") is False:
        raise ParseError(SOURCE, f"the API answered an error: {text_of(data.get('error'))}")
    postings = records(data, SOURCE, "postings")
    return [_job(raw, i, board, now) for i, raw in enumerate(postings)]


def _html(raw: dict[str, Any]) -> str | None:
    """The posting as shown: description (or opening), then each list, then additional."""
    parts = [raw.get("description") or raw.get("opening")]
    for item in as_list(raw.get("lists")):
        if isinstance(item, dict) and isinstance(item.get("content"), str):
            heading = text_of(item.get("text"))
            parts.append(f"<h3>{escape(heading)}</h3>" if heading else None)
            parts.append(f"<ul>{item['content']}</ul>")
    parts.append(raw.get("additional"))
    html = "".join(p for p in parts if isinstance(p, str))
    return html or None


def _plain(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _salary(raw: dict[str, Any]) -> Salary | None:
    pay = raw.get("salaryRange")
    if not isinstance(pay, dict):
        return None
    return structured_salary(pay.get("min"), pay.get("max"), pay.get("currency"), pay.get("interval"))


def _workplace(raw: dict[str, Any], texts: list[str | None]) -> str | None:
    declared = raw.get("workplaceType")
    if isinstance(declared, str) and declared.lower() in _WORKPLACES:
        return _WORKPLACES[declared.lower()]
    return workplace_from_text(*texts)  # "unspecified" or absent: the location may tell


def _job(raw: dict[str, Any], index: int, board: str, now: datetime | None) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "text")
    categories = raw.get("categories")
    if not isinstance(categories, dict):
        categories = {}
    location = text_of(categories.get("location"))
    all_locations = categories.get("allLocations")
    others = [text_of(x) for x in all_locations] if isinstance(all_locations, list) else []
    description = description_fields(_html(raw), _plain(raw, "descriptionPlain"))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=None,
        url=http_url(raw.get("hostedUrl")) or f"https://jobs.lever.co/{board}/{external_id}",
        location=location,
        locations=unique([location, *others]),
        workplace=_workplace(raw, [location, *others]),
        department=text_of(categories.get("department")) or text_of(categories.get("team")),
        employment_type=text_of(categories.get("commitment")),
        posted_at=to_utc_iso(raw.get("createdAt"), now=now),
        updated_at=None,
        **salary_fields(_salary(raw), _plain(raw, "additionalPlain"), description["description_text"]),
        **description,
    )
