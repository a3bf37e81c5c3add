"""Shared normalisation for every board: dates, salary, workplace, locations, HTML.

INTERFACE FIXED; implementation in progress (parsers helper). Boards import these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Salary:
    min: float | None
    max: float | None
    currency: str | None  # ISO 4217
    period: str | None  # year, month, week, day, hour


def clean(value: object) -> str | None:
    """Trimmed text; None for None, empty or whitespace-only strings and placeholders."""
    raise NotImplementedError


def to_utc_iso(value: object, *, now: datetime | None = None) -> str | None:
    """Any date shape of FORMATS.md (epoch ms, ISO with offset/Z, '... UTC', date only,
    no timezone, Workday 'Posted 3 Days Ago' against ``now``) -> '2026-09-25T20:45:00Z'."""
    raise NotImplementedError


def salary_period(value: object) -> str | None:
    """'per-year-salary', '1 YEAR', 'HOUR', 'annually', 'monthly', ... -> year|month|week|day|hour."""
    raise NotImplementedError


def parse_salary_text(text: str | None) -> Salary | None:
    """A salary found in prose, or None. Never from 401(k), years, dates or headcounts."""
    raise NotImplementedError


def workplace_from_flags(
    remote: object = None, hybrid: object = None, onsite: object = None
) -> str | None:
    """remote / hybrid / onsite from boolean-ish flags; None when none is set."""
    raise NotImplementedError


def workplace_from_text(*texts: str | None) -> str | None:
    """remote / hybrid / onsite inferred from location or type text; None when unknown."""
    raise NotImplementedError


def unescape_html(html: str | None) -> str | None:
    """Undo HTML escaping once (Greenhouse's content), leaving real markup."""
    raise NotImplementedError


def html_to_text(html: str | None) -> str | None:
    """Plain text of an HTML fragment: tags removed, entities unescaped, whitespace tidied."""
    raise NotImplementedError


def sanitize_html(html: str | None) -> str | None:
    """HTML safe to render: no script, style, iframe, event handlers or javascript: URLs."""
    raise NotImplementedError


def unique(items: list[str | None]) -> tuple[str, ...]:
    """Cleaned, de-duplicated strings in first-seen order."""
    raise NotImplementedError
