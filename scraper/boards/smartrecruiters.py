"""SmartRecruiters: the postings list ``{offset, limit, totalFound, content: [...]}`` and the
posting detail (``{..., jobAd: {sections: {...}}}``)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    http_url,
    load_json,
    normalize_employment_type,
    salary_fields,
    to_utc_iso,
    unique,
    workplace_from_flags,
    workplace_from_text,
)

SOURCE = "smartrecruiters"
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Jobs of a postings page (no descriptions) or the one job of a posting detail."""
    data = load_json(payload, SOURCE)
    if isinstance(data, dict) and isinstance(data.get("jobAd"), dict):
        if clean(data.get("id")) is None:
            raise ParseError(SOURCE, 'posting detail has no "id"')
        return [_job(data, board)]
    items = data.get("content") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParseError(SOURCE, 'expected an object with "content" or a posting with "jobAd"')
    return [_job(i, board) for i in items if isinstance(i, dict) and clean(i.get("id"))]


def _job(p: dict[str, Any], board: str) -> Job:
    posting_id = clean(p.get("id")) or ""
    raw_place = p.get("location")
    place: dict[str, Any] = raw_place if isinstance(raw_place, dict) else {}
    location = _location(place)
    description = description_fields(_sections_html(p.get("jobAd")))
    employment = clean(_label(p.get("typeOfEmployment"), "label"))
    return Job(
        source=SOURCE,
        board=board,
        external_id=posting_id,
        title=clean(p.get("name")) or "",
        company=clean(_label(p.get("company"), "name")),
        url=http_url(p.get("postingUrl")) or f"https://jobs.smartrecruiters.com/{board}/{posting_id}",
        location=location,
        locations=unique([location]),
        workplace=_workplace(place, location),
        department=clean(_label(p.get("department"), "label")),
        employment_type=employment,
        employment_kind=_employment_kind(p.get("experienceLevel"), employment),
        posted_at=to_utc_iso(p.get("releasedDate")),
        **salary_fields(None, description["description_text"]),
        **description,
    )


def _label(value: object, key: str) -> object:
    """``value[key]`` of a nested object such as ``department`` (which may be ``{}``)."""
    return value.get(key) if isinstance(value, dict) else None


def _employment_kind(level: object, employment: str | None) -> str | None:
    """An internship by experience level is an internship whatever ``typeOfEmployment`` says
    (SmartRecruiters interns are often typed "Full-time")."""
    level_id = clean(_label(level, "id")) or clean(_label(level, "label")) or ""
    if normalize_employment_type(level_id) == "internship":
        return "internship"
    return normalize_employment_type(employment)


def _location(place: dict[str, Any]) -> str | None:
    """``fullLocation``, else city, region and the (lowercase ISO2) country upper-cased."""
    full = clean(place.get("fullLocation"))
    if full:
        return full
    country = clean(place.get("country"))
    parts = [
        clean(place.get("city")),
        clean(place.get("region")),
        country.upper() if country else None,
    ]
    return ", ".join(p for p in parts if p) or None


def _workplace(place: dict[str, Any], location: str | None) -> str | None:
    remote, hybrid = place.get("remote"), place.get("hybrid")
    # Both flags explicitly false is SmartRecruiters' way of saying on-site.
    onsite = remote is False and hybrid is False
    return workplace_from_flags(remote, hybrid, onsite or None) or workplace_from_text(location)


def _sections_html(job_ad: object) -> str | None:
    """The jobAd sections in reading order, each under its title."""
    sections = _label(job_ad, "sections")
    if not isinstance(sections, dict):
        return None
    parts: list[str] = []
    for key in SECTIONS:
        section = sections.get(key)
        body = clean(_label(section, "text"))
        if not body:
            continue
        title = clean(_label(section, "title"))
        parts.append((f"<h3>{escape(title)}</h3>" if title else "") + body)
    return "".join(parts) or None
