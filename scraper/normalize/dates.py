"""Dates of every board shape to ISO 8601 in UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from scraper.normalize.text import clean

# Epoch units told apart by magnitude: 1e11 s is the year 5138, 1e11 ms is 1973 and
# 1e14 ms is 5138 again, so a createdAt in seconds is never read as 1970.
_EPOCH_MS_THRESHOLD = 100_000_000_000
_EPOCH_US_THRESHOLD = 100_000_000_000_000
# Dates before 1990 or more than two years ahead are placeholders (epoch 0, 1900-01-01,
# 2099-12-31), not when a posting was published.
_MIN_YEAR, _MAX_YEAR = 1990, 2200
_MAX_AHEAD = timedelta(days=731)
_NUMERIC = re.compile(r"^\d{9,17}(?:\.\d+)?$")
_RELATIVE = re.compile(
    r"^(?:posted\s+)?(?:(?P<today>today|just now)|(?P<yesterday>yesterday)"
    r"|(?P<n>\d+)(?P<plus>\+)?\s+days?\s+ago)$",
    re.IGNORECASE,
)
_TZ_WORD = re.compile(r"\s*\b(?:UTC|GMT|Z)$", re.IGNORECASE)
_TEXT_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%d.%m.%Y")


def _format(dt: datetime) -> str | None:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        dt = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_epoch(number: float) -> str | None:
    if number <= 0:
        return None
    if number >= _EPOCH_US_THRESHOLD:
        seconds = number / 1_000_000
    elif number >= _EPOCH_MS_THRESHOLD:
        seconds = number / 1000
    else:
        seconds = number
    try:
        return _format(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, ValueError, OSError):
        return None


def _now(now: datetime | None) -> datetime:
    base = now or datetime.now(UTC)
    return base.replace(tzinfo=UTC) if base.tzinfo is None else base


def _relative(match: re.Match[str], now: datetime | None) -> str | None:
    """'Posted 3 Days Ago' -> midnight UTC of that day (stable across re-scrapes of a day);
    'Posted 30+ Days Ago' -> None."""
    if match["plus"]:
        return None  # "30+ Days Ago" is a lower bound, not a date
    base = _now(now)
    days = 0 if match["today"] else 1 if match["yesterday"] else int(match["n"])
    if days > 36_500:
        return None
    day = base.astimezone(UTC).date() - timedelta(days=days)
    return _format(datetime(day.year, day.month, day.day, tzinfo=UTC))


def _from_text(text: str, now: datetime | None) -> str | None:
    if _NUMERIC.match(text):
        return _from_epoch(float(text))
    if match := _RELATIVE.match(text):
        return _relative(match, now)
    iso = _TZ_WORD.sub("+00:00", text) if " " in text else text
    try:
        return _format(datetime.fromisoformat(iso))
    except ValueError:
        pass
    for fmt in _TEXT_FORMATS:
        try:
            return _format(datetime.strptime(text, fmt))
        except ValueError:
            continue
    try:
        return _format(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def to_utc_iso(value: object, *, now: datetime | None = None) -> str | None:
    """Any date shape of FORMATS.md (epoch s/ms/µs, ISO with offset/Z, '... UTC', date only,
    no timezone, Workday 'Posted 3 Days Ago' against ``now``) -> '2026-09-25T20:45:00Z'.
    A value without a timezone is taken as UTC; one before 1990 or more than two years
    after ``now`` (default: the clock) is None."""
    found = _to_utc_iso(value, now)
    if found is None:
        return None
    try:
        latest = _format(_now(now) + _MAX_AHEAD)
    except OverflowError:  # a ``now`` at the end of time: nothing is too far ahead
        latest = None
    # Same fixed-width format: string order is time order.
    return found if latest is None or found <= latest else None


def _to_utc_iso(value: object, now: datetime | None) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return _format(value)
    if isinstance(value, date):
        return _format(datetime(value.year, value.month, value.day))
    if isinstance(value, int | float):
        return _from_epoch(value) if value == value else None  # NaN
    text = clean(value)
    return _from_text(text, now) if text is not None and len(text) < 64 else None

