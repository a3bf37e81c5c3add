"""Ashby posting API: ``{"apiVersion": "1", "jobs": [...]}`` from
``api.ashbyhq.com/posting-api/job-board/{name}?includeCompensation=true``.

Unlisted postings (``isListed: false``) are dropped. ``workplaceType`` wins over
``isRemote``. Pay comes from the Salary component only when the board displays
compensation; when it says it does not (``false``), every salary field stays None, even if
the prose names one. A posting without an id or a title makes the payload a ParseError.
"""

from __future__ import annotations

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
    parse_salary_text,
    records,
    salary_fields,
    structured_salary,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_flags,
    workplace_from_text,
)

SOURCE = "ashby"
_WORKPLACES = {"remote": "remote", "hybrid": "hybrid", "onsite": "onsite", "on-site": "onsite"}
_EMPLOYMENT = {
    "FullTime": "Full-time",
    "PartTime": "Part-time",
    "Intern": "Internship",
    "Contract": "Contract",
    "Temporary": "Temporary",
}
_NO_SALARY = salary_fields(None)


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every listed posting of an Ashby job board payload, in order."""
    data = load_json(payload, SOURCE)
    if not isinstance(data, dict) or "jobs" not in data:
        raise ParseError(SOURCE, f'expected an object with a "jobs" array, got {json_type(data)}')
    jobs = records(data["jobs"], SOURCE, "postings")
    return [_job(raw, i, board, now) for i, raw in enumerate(jobs) if raw.get("isListed") is not False]


def _components(compensation: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary components, else those of every tier."""
    found = compensation.get("summaryComponents")
    if not isinstance(found, list) or not found:
        found = []
        for tier in as_list(compensation.get("compensationTiers")):
            if isinstance(tier, dict) and isinstance(tier.get("components"), list):
                found.extend(tier["components"])
    return [c for c in found if isinstance(c, dict)]


def _structured(compensation: dict[str, Any]) -> Salary | None:
    return merge_salaries(
        structured_salary(c.get("minValue"), c.get("maxValue"), c.get("currencyCode"), c.get("interval"))
        for c in _components(compensation)
        if c.get("compensationType") == "Salary"
    )


def _salary(raw: dict[str, Any], text: str | None) -> dict[str, Any]:
    shown = raw.get("shouldDisplayCompensationOnJobPostings")
    if shown is False:
        return _NO_SALARY
    compensation = raw.get("compensation")
    if shown is True and isinstance(compensation, dict):
        structured = _structured(compensation)
        summary = text_of(compensation.get("compensationTierSummary"))
        if structured is None and (from_summary := parse_salary_text(summary)) is not None:
            return salary_fields(from_summary) | {"salary_source": "text"}
        return salary_fields(structured, text)
    return salary_fields(None, text)


def _workplace(raw: dict[str, Any], texts: list[str | None]) -> str | None:
    declared = raw.get("workplaceType")
    if isinstance(declared, str) and declared.lower() in _WORKPLACES:
        return _WORKPLACES[declared.lower()]
    return workplace_from_flags(remote=raw.get("isRemote")) or workplace_from_text(*texts)


def _secondary(raw: dict[str, Any]) -> list[str | None]:
    items = raw.get("secondaryLocations")
    if not isinstance(items, list):
        return []
    return [text_of(item.get("location")) for item in items if isinstance(item, dict)]


def _employment(value: object) -> str | None:
    return _EMPLOYMENT.get(value, text_of(value)) if isinstance(value, str) else None


def _job(raw: dict[str, Any], index: int, board: str, now: datetime | None) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "title")
    location = text_of(raw.get("location"))
    others = _secondary(raw)
    html = raw.get("descriptionHtml") if isinstance(raw.get("descriptionHtml"), str) else None
    plain = raw.get("descriptionPlain") if isinstance(raw.get("descriptionPlain"), str) else None
    description = description_fields(html, plain)
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=None,
        url=http_url(raw.get("jobUrl")) or f"https://jobs.ashbyhq.com/{board}/{external_id}",
        location=location,
        locations=unique([location, *others]),
        workplace=_workplace(raw, [location, *others]),
        department=text_of(raw.get("department")) or text_of(raw.get("team")),
        employment_type=_employment(raw.get("employmentType")),
        posted_at=to_utc_iso(raw.get("publishedAt"), now=now),
        updated_at=to_utc_iso(raw.get("updatedAt"), now=now),
        **_salary(raw, description["description_text"]),
        **description,
    )
