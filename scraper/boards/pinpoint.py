"""Pinpoint: ``{slug}.pinpointhq.com/postings.json`` -> ``{"data": [...]}``, one response.

Pay is published only when ``compensation_visible`` is true (then the structured bounds,
else the ``compensation`` text). The description is four HTML sections with their own
headers. There is no posting date and no country field (``location.name`` is a site or
country label).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    description_fields,
    html_to_text,
    http_url,
    identity,
    load_json,
    records,
    salary_fields,
    structured_salary,
    text_of,
    unique,
    workplace_from_text,
)

SOURCE = "pinpoint"
_SECTIONS = ("description", "key_responsibilities", "skills_knowledge_expertise", "benefits")
_WORKPLACES = {"remote": "remote", "hybrid": "hybrid", "onsite": "onsite", "on_site": "onsite"}


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every posting of a Pinpoint board, in order."""
    data = load_json(payload, SOURCE)
    if not isinstance(data, dict) or "data" not in data:
        raise ParseError(SOURCE, 'expected an object with "data"')
    return [_job(raw, i, board) for i, raw in enumerate(records(data["data"], SOURCE, "postings"))]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _html(raw: dict[str, Any]) -> str | None:
    parts = []
    for key in _SECTIONS:
        body = text_of(raw.get(key))
        if body is None or html_to_text(body) is None:
            continue  # a header over an empty section is no content
        header = text_of(raw.get(f"{key}_header"))
        parts.append((f"<h3>{escape(header)}</h3>" if header else "") + body.replace("<!--block-->", ""))
    return "".join(parts) or None


def _location(raw: dict[str, Any]) -> str | None:
    place = _dict(raw.get("location"))
    city, province, name = (text_of(place.get(k)) for k in ("city", "province", "name"))
    local = ", ".join(p for p in (city, province) if p)
    return local or name


def _job(raw: dict[str, Any], index: int, board: str) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "title")
    location = _location(raw)
    site = text_of(_dict(raw.get("location")).get("name"))
    job = _dict(raw.get("job"))
    kind = (text_of(raw.get("workplace_type")) or "").lower()
    visible = raw.get("compensation_visible") is True
    pay = structured_salary(raw.get("compensation_minimum"), raw.get("compensation_maximum"),
                            raw.get("compensation_currency"), raw.get("compensation_frequency"))  # fmt: skip
    description = description_fields(_html(raw))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=None,
        url=http_url(raw.get("url")) or http_url(raw.get("path"), f"https://{board}.pinpointhq.com/")
        or f"https://{board}.pinpointhq.com/en/postings/{external_id}",
        location=location,
        locations=unique([location, site]),
        workplace=_WORKPLACES.get(kind) or workplace_from_text(text_of(raw.get("workplace_type_text")), location),
        department=text_of(_dict(job.get("department")).get("name")),
        employment_type=text_of(raw.get("employment_type_text")) or text_of(raw.get("employment_type")),
        **(salary_fields(pay, text_of(raw.get("compensation"))) if visible else salary_fields(None)),
        **description,
    )
