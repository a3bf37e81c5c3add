"""JOIN (join.com): a company's job pages ``/api/public/companies/{id}/jobs?page=N&pageSize=5``
-> ``{"items": [...], "pagination": {...}}`` and one job ``/api/public/jobs/{id}`` (its
``description`` is Markdown, rendered here to HTML, then sanitized).

``board`` is the company's slug (``join.com/companies/{slug}``); the posting URL is built
as ``join.com/companies/{slug}/{idParam}``. Uncertain (adapter code only, no recorded
payload): the pagination keys (``pageCount`` or ``totalPages``: both read by the fetch
step), the salary fields (``salaryAmountFrom``/``To``, ``salaryFrequency``,
``salaryCurrency``: read when present) and whether a job's detail carries all the list's
fields (the list's values are kept where it does not).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import markdown

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    description_fields,
    identity,
    load_json,
    records,
    salary_fields,
    structured_salary,
    text_of,
    to_utc_iso,
    unique,
)

SOURCE = "join"
_WORKPLACES = {"ONSITE": "onsite", "ON_SITE": "onsite", "HYBRID": "hybrid", "REMOTE": "remote"}


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The jobs of one page of a company's list, or the one job of a detail."""
    if isinstance(payload, str | bytes) and payload.lstrip()[:1] in ("<", b"<"):
        raise ParseError(SOURCE, "an HTML page, not JOIN's jobs API (a company page is read by the fetch step)")
    data = load_json(payload, SOURCE)
    if isinstance(data, dict) and "items" in data:
        return [_job(raw, i, board) for i, raw in enumerate(records(data["items"], SOURCE, "jobs"))]
    if isinstance(data, dict) and ("id" in data or "title" in data):
        return [_job(data, 0, board)]
    raise ParseError(SOURCE, 'expected a jobs page ({"items": [...]}) or a job ({"id", "title"})')


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _html(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return markdown.markdown(text)
    except (ValueError, RecursionError):
        return None


def _job(raw: dict[str, Any], index: int, board: str) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "title")
    city = _dict(raw.get("city"))
    country = text_of(city.get("countryName")) or text_of(_dict(raw.get("country")).get("iso3166"))
    location = ", ".join(unique([text_of(city.get("cityName")), country])) or None
    slug = text_of(raw.get("idParam")) or external_id
    company = _dict(raw.get("company"))
    pay = structured_salary(raw.get("salaryAmountFrom"), raw.get("salaryAmountTo"), raw.get("salaryCurrency"),
                            raw.get("salaryFrequency"))  # fmt: skip
    text = raw.get("description")
    description = description_fields(_html(text if isinstance(text, str) and text.strip() else None))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=text_of(company.get("name")),
        url=f"https://join.com/companies/{board}/{slug}",
        location=location,
        locations=unique([location]),
        workplace=_WORKPLACES.get((text_of(raw.get("workplaceType")) or "").upper()),
        department=text_of(_dict(raw.get("category")).get("name")),
        employment_type=text_of(_dict(raw.get("employmentType")).get("name")) or text_of(raw.get("employmentType")),
        posted_at=to_utc_iso(raw.get("createdAt")),
        **salary_fields(pay, description["description_text"]),
        **description,
    )
