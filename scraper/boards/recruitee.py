"""Recruitee: ``GET https://{company}.recruitee.com/api/offers/`` -> ``{"offers": [...]}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    http_url,
    load_json,
    salary_fields,
    structured_salary,
    to_utc_iso,
    unique,
    workplace_from_flags,
    workplace_from_text,
)

SOURCE = "recruitee"


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every offer of a Recruitee board; ParseError when the payload is not one."""
    data = load_json(payload, SOURCE)
    offers = data.get("offers") if isinstance(data, dict) else None
    if not isinstance(offers, list):
        raise ParseError(SOURCE, 'expected an object with "offers"')
    return [_job(o, board) for o in offers if isinstance(o, dict) and clean(o.get("id"))]


def _job(o: dict[str, Any], board: str) -> Job:
    html = "".join(p for p in (o.get("description"), o.get("requirements")) if isinstance(p, str))
    description = description_fields(html or None)
    raw_pay = o.get("salary")
    pay: dict[str, Any] = raw_pay if isinstance(raw_pay, dict) else {}
    salary = structured_salary(
        pay.get("min"), pay.get("max"), pay.get("currency"), pay.get("period")
    )
    location = clean(o.get("location"))
    offer_id = clean(o.get("id")) or ""
    return Job(
        source=SOURCE,
        board=board,
        external_id=offer_id,
        title=clean(o.get("title")) or "",
        company=clean(o.get("company_name")),
        url=http_url(o.get("careers_url"))
        or f"https://{board}.recruitee.com/o/{clean(o.get('slug')) or offer_id}",
        location=location,
        locations=unique([location]),
        workplace=workplace_from_flags(o.get("remote"), o.get("hybrid"), o.get("on_site"))
        or workplace_from_text(location),
        department=clean(o.get("department")),
        employment_type=clean(o.get("employment_type_code")),
        posted_at=to_utc_iso(o.get("published_at") or o.get("created_at")),
        updated_at=to_utc_iso(o.get("updated_at")),
        **salary_fields(salary, description["description_text"]),
        **description,
    )
