"""Recruitee: ``GET https://{company}.recruitee.com/api/offers/`` -> ``{"offers": [...]}``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    Salary,
    clean,
    html_to_text,
    parse_salary_text,
    salary_period,
    sanitize_html,
    to_utc_iso,
    unique,
    workplace_from_flags,
    workplace_from_text,
)

SOURCE = "recruitee"


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every offer of a Recruitee board; ParseError when the payload is not one."""
    data = _load(payload)
    offers = data.get("offers") if isinstance(data, dict) else None
    if not isinstance(offers, list):
        raise ParseError(SOURCE, 'expected an object with "offers"')
    return [_job(o, board) for o in offers if isinstance(o, dict) and o.get("id") is not None]


def _load(payload: Any) -> Any:
    """Decoded JSON of a body (str/bytes) or the object itself."""
    if not isinstance(payload, str | bytes | bytearray):
        return payload
    try:
        return json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ParseError(SOURCE, f"invalid JSON at line {exc.lineno} column {exc.colno}") from exc
    except UnicodeDecodeError as exc:
        raise ParseError(SOURCE, f"payload is not UTF-8 text ({exc.reason})") from exc


def _job(o: dict[str, Any], board: str) -> Job:
    html = "".join(p for p in (o.get("description"), o.get("requirements")) if isinstance(p, str))
    text = html_to_text(html or None)
    salary, salary_source = _salary(o.get("salary"), text)
    location = clean(o.get("location"))
    return Job(
        source=SOURCE,
        board=board,
        external_id=str(o["id"]),
        title=clean(o.get("title")) or "",
        company=clean(o.get("company_name")),
        url=clean(o.get("careers_url"))
        or f"https://{board}.recruitee.com/o/{o.get('slug') or o['id']}",
        location=location,
        locations=unique([location]),
        workplace=workplace_from_flags(o.get("remote"), o.get("hybrid"), o.get("on_site"))
        or workplace_from_text(location),
        department=clean(o.get("department")),
        employment_type=clean(o.get("employment_type_code")),
        posted_at=to_utc_iso(o.get("published_at") or o.get("created_at")),
        salary_min=salary.min if salary else None,
        salary_max=salary.max if salary else None,
        salary_currency=salary.currency if salary else None,
        salary_period=salary.period if salary else None,
        salary_source=salary_source,
        description_text=text,
        description_html=sanitize_html(html or None),
    )


def _salary(raw: object, text: str | None) -> tuple[Salary | None, str | None]:
    """The structured salary when it has an amount, else one found in the description."""
    if isinstance(raw, dict):
        low, high = _number(raw.get("min")), _number(raw.get("max"))
        if low is not None or high is not None:
            currency = clean(raw.get("currency"))
            period = salary_period(raw.get("period"))
            return Salary(low, high, currency.upper() if currency else None, period), "structured"
    found = parse_salary_text(text)
    return (found, "text") if found else (None, None)


def _number(value: object) -> float | None:
    """A positive amount from a number or numeric string; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return None
    return number if number > 0 else None
