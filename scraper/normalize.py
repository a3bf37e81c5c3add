"""Shared normalisation for every board: dates, salary, workplace, locations, HTML.

Every function here is total: garbage in gives ``None`` (or an empty tuple) out, never an
exception, so one odd posting cannot sink a board.
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

from scraper.errors import ParseError


@dataclass(frozen=True, slots=True)
class Salary:
    min: float | None
    max: float | None
    currency: str | None  # ISO 4217
    period: str | None  # year, month, week, day, hour


_PLACEHOLDERS = frozenset(
    {"n/a", "na", "n.a.", "none", "null", "nil", "undefined", "unavailable", "unknown",
     "-", "--", "—", "–", "tbd", "tba", "tbc", "not specified", "not available",
     "not applicable", "nan", "{}", "[]"}
)
# Invisible characters that make a value look non-empty: zero-width space, joiners, BOM.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Lone surrogates (from JSON "\ud800") and C0 controls break lxml, nh3 and the store.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def _safe(text: str) -> str:
    return _UNSAFE_CHARS.sub("", text)


def clean(value: object) -> str | None:
    """Trimmed text; None for None, empty or whitespace-only strings and placeholders."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", _safe(value)).strip().strip(_INVISIBLE).strip()
    if not text or text.lower() in _PLACEHOLDERS:
        return None
    return text


def unique(items: Iterable[str | None]) -> tuple[str, ...]:
    """Cleaned, de-duplicated strings in first-seen order (case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        text = clean(item)
        if text is not None and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return tuple(out)


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
    r"|(?P<n>\d+)\+?\s+days?\s+ago)$",
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
    """'Posted 3 Days Ago' -> midnight UTC of that day (stable across re-scrapes of a day)."""
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


_PERIOD_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(r"\b(?:hours?|hourly|hrs?|wage)\b|^h$")),
    ("day", re.compile(r"\b(?:days?|daily|diem)\b")),
    ("week", re.compile(r"\b(?:weeks?|weekly|wk)\b")),
    ("month", re.compile(r"\b(?:months?|monthly|mo)\b")),
    ("year", re.compile(r"\b(?:years?|yearly|annual|annually|annum|yr|pa|p\.a\.?)(?:\b|$)")),
)


def salary_period(value: object) -> str | None:
    """'per-year-salary', '1 YEAR', 'HOUR', 'annually', 'monthly', ... -> year|month|week|day|hour."""
    text = clean(value)
    if text is None:
        return None
    text = text.lower().replace("-", " ").replace("_", " ")
    count = re.match(r"^(\d+)\s", text)
    if (count and count.group(1) != "1") or re.search(r"\b(?:bi|semi|fort)", text):
        return None  # "2 WEEK", "bi-weekly": not one of our periods
    for period, pattern in _PERIOD_WORDS:
        if pattern.search(text):
            return period
    return None


_SYMBOLS = {
    "US$": "USD", "USD$": "USD", "CA$": "CAD", "C$": "CAD", "CAD$": "CAD", "AU$": "AUD",
    "A$": "AUD", "AUD$": "AUD", "NZ$": "NZD", "S$": "SGD", "SG$": "SGD", "HK$": "HKD",
    "R$": "BRL", "MX$": "MXN", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR",
    "₪": "ILS", "zł": "PLN",
}
_CODES = (
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
    "HUF", "RON", "JPY", "INR", "SGD", "HKD", "BRL", "MXN", "ILS", "ZAR", "AED", "CNY",
)
_SYMBOL_RE = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_CODE_RE = "|".join(_CODES)
_CURRENCY = rf"(?:{_SYMBOL_RE}|\b(?:{_CODE_RE})\b)"
_NUMBER = (
    r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?"  # 25,00,000 (Indian lakh grouping)
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 120,000.50
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?(?!\d)"  # 60.000,00 (European)
    r"|\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?![\d,.])"  # 60 000
    r"|\d{1,3}(?:['’]\d{3})+(?:\.\d+)?"  # 110'000 (Swiss)
    r"|\d+(?:[.,]\d+)?"
)
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})?\s?(?<![\w.,])(?P<num>{_NUMBER})"
    r"(?P<mult>\s?(?:[kK]|[mM](?:n|m)?|million|billion|thousand)\b)?"
    rf"(?:\s?(?P<post>{_CURRENCY})(?!\s?\d))?(?P<pct>\s?%)?"
)
_MARKER = re.compile(r"[$€£¥₹₪]|zł|\b[A-Z]{3}\b")  # cheap: "CA$" is found by its "$"
_CODE_SET = frozenset(_CODES)
# What may stand between the two amounts of a range: "$19/hr - $22/hr", "50.000,- bis 60.000,-".
_RANGE_SEP = re.compile(
    r"^\s*(?:,-|/\s*(?:h(?:ou)?r|hour|y(?:ea)?r|mo(?:nth)?|w(?:ee)?k|day)\b)?"
    r"\s*(?:-|–|—|‑|~|to|and|bis)\s*$",
    re.IGNORECASE,
)
_OPEN_ENDED = re.compile(r"\+")  # "$150K+" is a floor; "$120,000 + bonus" is not
_PERIOD_AFTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(r"^\s*(?:/\s*h(?:ou)?rs?\b|/\s*h\b|(?:per|an|a|each)\s+hour\b|hourly\b|p/h\b)", re.I)),
    ("day", re.compile(r"^\s*(?:/\s*day\b|(?:per|a|each)\s+day\b|daily\b|day rate\b)", re.I)),
    ("week", re.compile(r"^\s*(?:/\s*w(?:ee)?k\b|(?:per|a|each)\s+week\b|weekly\b)", re.I)),
    ("month", re.compile(r"^\s*(?:/\s*mo(?:nth)?\b|(?:per|a|each)\s+month\b|monthly\b)", re.I)),
    ("year", re.compile(
        r"^\s*(?:/\s*y(?:ea)?r\b|/\s*annum\b|(?:per|a|each)\s+year\b|per\s+annum\b"
        r"|annually\b|yearly\b|annual\b|p\.?a\.?(?!\w)|a\s+yr\b)", re.I)),
)
_PERIOD_BEFORE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(r"\b(?:hourly|per hour|hour(?:ly)? rate|wage)\b[^.\n]*$", re.I)),
    ("day", re.compile(r"\b(?:daily|day) rate\b[^.\n]*$", re.I)),
    ("week", re.compile(r"\bweekly\b[^.\n]*$", re.I)),
    ("month", re.compile(r"\bmonthly\b[^.\n]*$", re.I)),
    ("year", re.compile(r"\b(?:annual|annually|yearly|per year|per annum|OTE)\b[^.\n]*$", re.I)),
)
# Money that is not pay: "raised $50M", "$1,000 learning budget", "$5,000 signing bonus".
_NOT_PAY_BEFORE = re.compile(
    r"\b(?:raised|raising|funding|revenue|valuation|valued|stipend|allowance|budget|"
    r"reimburse\w*|bonus|relocation|referral|match(?:ing)?|credit|worth|ARR)\b[^.\n$€£]{0,20}$",
    re.I,
)
_NOT_PAY_AFTER = re.compile(
    r"^\s*(?:in\s+|of\s+)?(?:\w+[\s-]+){0,2}?(?:stipend|allowance|budget|funding|bonus|"
    r"relocation|referral|revenue|valuation|credits?|series|seed|round|ARR|in\s+sales)\b",
    re.I,
)
_UP_TO = re.compile(r"\b(?:up\s+to|max(?:imum)?(?:\s+of)?|not\s+to\s+exceed)\s*:?\s*$", re.I)
_FROM = re.compile(r"\b(?:from|starting\s+(?:at|from)|min(?:imum)?(?:\s+of)?|at\s+least)\s*:?\s*$", re.I)
_MULTIPLIERS = {"k": 1_000.0, "thousand": 1_000.0}
_PLAUSIBLE = {
    "hour": (5.0, 500.0), "day": (40.0, 5_000.0), "week": (150.0, 25_000.0),
    "month": (500.0, 100_000.0), "year": (10_000.0, 5_000_000.0),
}


@dataclass(frozen=True, slots=True)
class _Amount:
    value: float
    multiplied: bool
    currency: str | None
    start: int
    end: int


def _number(raw: str) -> float:
    """'120,000.50', '60.000', '60 000', '95.4', '95,4' -> float."""
    compact = re.sub(r"[\u00a0\u202f '’]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?", compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", compact):
        compact = compact.replace(",", ".")
    else:
        compact = compact.replace(",", "")
    return float(compact)


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged spans around each currency marker: only there can an amount be pay, and
    scanning a 5 KB description whole for numbers costs more than the rest of a posting."""
    spans: list[tuple[int, int]] = []
    for marker in _MARKER.finditer(text):
        if len(marker.group()) == 3 and marker.group() not in _CODE_SET:
            continue
        start, end = max(0, marker.start() - 40), marker.end() + 40
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _amounts(text: str) -> list[_Amount]:
    """Every number near a currency marker with its marker and multiplier, minus non-money."""
    found: list[_Amount] = []
    matches = (m for start, end in _windows(text) for m in _AMOUNT.finditer(text, start, end))
    for m in matches:
        mult = (m["mult"] or "").strip().lower()
        if m["pct"] or (mult and mult not in _MULTIPLIERS):
            continue  # "20%", "$50M": never pay
        marker = m["post"] or m["pre"]
        currency = None
        if marker:
            currency = _SYMBOLS.get(marker.strip(), marker.strip())
            if m["pre"] and m["post"]:  # "$150,000 CAD": the code is the precise one
                currency = _SYMBOLS.get(m["post"].strip(), m["post"].strip())
        value = _number(m["num"]) * _MULTIPLIERS.get(mult, 1.0)
        found.append(_Amount(value, bool(mult), currency, m.start(), m.end()))
    return found


def _period_near(text: str, start: int, end: int) -> str | None:
    after = re.split(r"[\n;]|\.\s", text[end : end + 40], maxsplit=1)[0]
    for period, pattern in _PERIOD_AFTER:
        if pattern.search(after):
            return period
    before = text[max(0, start - 60) : start]
    for period, pattern in _PERIOD_BEFORE:
        if pattern.search(before):
            return period
    return None


def _candidate(text: str, lo: _Amount, hi: _Amount | None) -> Salary | None:
    """A Salary from one amount or a range of two, or None when it is not plausible pay."""
    last = hi or lo
    currency = (hi.currency if hi else None) or lo.currency
    if currency is None:
        return None  # no currency marker: a headcount, a year, a number of days...
    before, after = text[max(0, lo.start - 40) : lo.start], text[last.end : last.end + 40]
    if _NOT_PAY_BEFORE.search(before) or _NOT_PAY_AFTER.search(after):
        return None
    low, high = lo.value, last.value
    if hi is not None and hi.multiplied and not lo.multiplied and low < 1000 <= high:
        low *= 1_000  # "$120-150K"
    if high < low:
        return None
    period = _period_near(text, lo.start, last.end)
    if period is None:
        period = "year" if high >= 10_000 else None
    if period is None or not (_PLAUSIBLE[period][0] <= low and high <= _PLAUSIBLE[period][1]):
        return None
    if hi is None:
        if _UP_TO.search(before):
            return Salary(None, round(high, 2), currency, period)
        if _FROM.search(before) or _OPEN_ENDED.match(text, last.end):
            return Salary(round(low, 2), None, currency, period)
    return Salary(round(low, 2), round(high, 2), currency, period)


def parse_salary_text(text: str | None) -> Salary | None:
    """A salary found in prose, or None. Never from 401(k), years, dates or headcounts.

    Ranges win over single amounts; the first plausible one is returned. Without a stated
    period an amount of 10,000 or more is yearly; smaller ones need an explicit period."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = _safe(text)[:20_000]
    amounts = _amounts(text)
    singles: list[Salary] = []
    paired: set[int] = set()
    for i, lo in enumerate(amounts):
        if i + 1 < len(amounts) and _RANGE_SEP.match(text[lo.end : amounts[i + 1].start]):
            salary = _candidate(text, lo, amounts[i + 1])
            if salary is not None:
                return salary
            paired.update((i, i + 1))
    for i, amount in enumerate(amounts):
        if i not in paired and (salary := _candidate(text, amount, None)) is not None:
            singles.append(salary)
            break
    return singles[0] if singles else None


_URL_WHITESPACE = re.compile(r"[\x00-\x20\x7f]")


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[::1" and other unparseable netlocs
        return False


def http_url(value: object, base: str | None = None) -> str | None:
    """An absolute http(s) URL from ``value`` (a relative one resolved against an http(s)
    ``base``), whitespace stripped; None for anything else: javascript:, data:, mailto:..."""
    if not isinstance(value, str):
        return None
    # Browsers drop tabs and newlines anywhere in a URL ("java\tscript:"): so do we, before
    # judging the scheme, and inner spaces are encoded rather than trusted.
    text = value.strip().replace(" ", "%20")
    text = _URL_WHITESPACE.sub("", text)
    if not text or len(text) > 2048:
        return None
    if base is not None and _is_http(base):
        try:
            text = urljoin(base, text)
        except ValueError:
            return None
    return text if _is_http(text) else None


_TRUE = frozenset({"true", "1", "yes", "y"})
_HYBRID = re.compile(r"\bhybrid\b", re.I)
_ONSITE = re.compile(r"(?:\b|_)(?:on[\s_-]?site|in[\s_-]office|in[\s_-]person|office[\s_-]based)\b", re.I)
_REMOTE = re.compile(r"\b(?:remote|anywhere|work from home|wfh|telecommut\w*)\b", re.I)
_NOT_REMOTE = re.compile(r"\b(?:not|non|no)[\s-]remote\b", re.I)


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)


def workplace_from_flags(
    remote: object = None, hybrid: object = None, onsite: object = None
) -> str | None:
    """remote / hybrid / onsite from boolean-ish flags; None when none is set.
    Hybrid wins over remote (a job flagged both is not fully remote)."""
    if _flag(hybrid):
        return "hybrid"
    if _flag(remote):
        return "remote"
    if _flag(onsite):
        return "onsite"
    return None


def workplace_from_text(*texts: str | None) -> str | None:
    """remote / hybrid / onsite inferred from location or type text; None when unknown.
    The first text that tells wins; within a text hybrid > remote > on-site."""
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        if _HYBRID.search(text):
            return "hybrid"
        if _NOT_REMOTE.search(text):
            return "onsite"
        if _REMOTE.search(text):
            return "remote"
        if _ONSITE.search(text):
            return "onsite"
    return None


_REGION_WORDS = frozenset(
    s.casefold()
    for s in (
        "USA", "United States", "United States of America", "Canada", "Mexico", "Brazil",
        "Argentina", "Colombia", "Chile", "United Kingdom", "England", "Scotland", "Ireland",
        "Germany", "France", "Spain", "Portugal", "Italy", "Netherlands", "Belgium",
        "Switzerland", "Austria", "Sweden", "Norway", "Denmark", "Finland", "Poland",
        "Czechia", "Czech Republic", "Romania", "Greece", "Estonia", "Lithuania", "Ukraine",
        "Israel", "India", "Singapore", "Japan", "Australia", "New Zealand", "South Africa",
        "Nigeria", "Kenya", "China", "South Korea", "Philippines", "Indonesia", "UAE",
        "United Arab Emirates", "Alabama", "Alaska", "Arizona", "Arkansas", "California",
        "Colorado", "Connecticut", "Delaware", "Florida", "Georgia", "Hawaii", "Idaho",
        "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland",
        "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana",
        "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "North Carolina",
        "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
        "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
        "Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia",
        "Ontario", "Quebec", "British Columbia", "Alberta", "Bavaria", "Catalonia", "EMEA",
        "APAC", "LATAM", "Americas", "Europe",
    )
)
_CODE_PART = re.compile(r"^[A-Z]{2,3}$")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)$")


def split_locations(text: str | None) -> tuple[str, ...]:
    """'Seattle, San Francisco, New York City' -> three cities, while 'San Francisco, CA'
    and 'Berlin, Germany' stay one place (a state, country or code joins the place before)."""
    cleaned = clean(text)
    if cleaned is None:
        return ()
    places: list[str] = []
    for group in re.split(r"\s*(?:[;|•]|\s/\s|\bor\b)\s*", cleaned):
        for part in (p.strip() for p in group.split(",")):
            if not part:
                continue
            # "WA (Hybrid)" is still a state: judge the part without its trailing note.
            bare = _TRAILING_NOTE.sub("", part)
            is_region = _CODE_PART.match(bare) or bare.casefold() in _REGION_WORDS
            if places and is_region and places[-1].count(",") < 2:
                places[-1] = f"{places[-1]}, {part}"
            else:
                places.append(part)
    return unique(places)


_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
     "section", "article", "header", "footer", "blockquote", "pre", "hr", "dd", "dt", "dl",
     "title", "main", "aside", "nav", "figure", "figcaption", "address", "details",
     "summary", "form", "fieldset", "caption", "thead", "tbody", "tfoot", "body", "html"}
)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "object", "svg")
_ALLOWED_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
     "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "mark", "ol", "p", "pre", "s",
     "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
     "thead", "tr", "u", "ul"}
)
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_CLEAN_CONTENT_TAGS = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
     "textarea", "select", "title", "head"}
)


def unescape_html(html: str | None) -> str | None:
    """Undo HTML escaping once (Greenhouse's content), leaving real markup."""
    if not isinstance(html, str):
        return None
    return html_lib.unescape(html)


def _parse_html(html: str) -> etree._Element | None:
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # a str carrying an XML encoding declaration
        parser = lxml.html.HTMLParser(encoding="utf-8")
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


_BREAK = "\x00"  # marks block boundaries; _safe() removed any NUL from the input


def _text_pieces(root: etree._Element) -> list[str]:
    """Raw text of the tree with _BREAK at block boundaries."""
    pieces: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag.lower() in _BLOCK_TAGS:
                pieces.append(_BREAK)
            if el.text and tag:
                pieces.append(el.text)
        else:
            if tag.lower() in _BLOCK_TAGS:
                pieces.append(_BREAK)
            if el.tail and el is not root:
                pieces.append(el.tail)
    return pieces


def html_to_text(html: str | None) -> str | None:
    """Plain text of an HTML fragment: tags removed, entities unescaped, whitespace tidied.
    Block elements end lines; empty lines are dropped; None when nothing is left."""
    if not isinstance(html, str) or not html.strip():
        return None
    root = _parse_html(_safe(html))
    if root is None:
        return clean(re.sub(r"<[^>]*>", " ", html))
    etree.strip_elements(root, *_DROPPED_TAGS, etree.Comment, etree.ProcessingInstruction,
                         with_tail=False)
    # Source newlines and non-breaking spaces are spaces in HTML; only blocks break lines.
    text = " ".join("".join(_text_pieces(root)).replace("\u200b", " ").split())
    lines = (line.strip().strip(_INVISIBLE).strip() for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line) or None


def sanitize_html(html: str | None) -> str | None:
    """HTML safe to render: no script, style, iframe, event handlers or javascript: URLs.
    Links keep http/https/mailto hrefs and get rel="noopener noreferrer nofollow"."""
    if not isinstance(html, str) or not html.strip():
        return None
    safe = nh3.clean(
        _safe(html),
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in _ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    return safe or None


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
    return names.get(type(value), type(value).__name__)


def load_json(payload: object, source: str) -> Any:
    """A payload (str, bytes, or already-decoded dict/list) as decoded JSON; ParseError when
    it is not JSON, with the position of the first error."""
    if isinstance(payload, dict | list):
        return payload
    if isinstance(payload, bytes | bytearray):
        try:
            payload = bytes(payload).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(source, f"payload is not UTF-8 text (byte {exc.start})") from None
    if not isinstance(payload, str):
        raise ParseError(source, f"expected JSON text, got {type(payload).__name__}")
    try:
        return json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ParseError(
            source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ParseError(source, "JSON nested too deeply") from None


def records(value: object, source: str, what: str) -> list[dict[str, Any]]:
    """``value`` as a list of JSON objects; ParseError naming ``what`` otherwise."""
    if not isinstance(value, list):
        raise ParseError(source, f"expected a JSON array of {what}, got {json_type(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ParseError(source, f"{what} #{index} is {json_type(item)}, not an object")
    return value


def identity(raw: dict[str, Any], index: int, source: str, id_key: str, title_key: str
             ) -> tuple[str, str]:
    """(external_id, title) of posting #index; ParseError when either is missing."""
    external_id, title = clean(raw.get(id_key)), clean(raw.get(title_key))
    if external_id is None:
        raise ParseError(source, f"posting #{index} has no {id_key!r}")
    if title is None:
        raise ParseError(source, f"posting {external_id} has no {title_key!r}")
    return external_id, title


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty list (null, or an object by mistake)."""
    return value if isinstance(value, list) else []


def text_of(value: object) -> str | None:
    """``value`` cleaned when it is text or a number, else None (a dict where text belongs)."""
    return clean(value) if isinstance(value, str | int | float) else None


def to_number(value: object) -> float | None:
    """A finite, non-negative number from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def currency_code(value: object) -> str | None:
    """'usd', 'EUR ' -> ISO 4217 code; a symbol ('$', '€') -> its code; else None."""
    text = clean(value)
    if text is None:
        return None
    if text in _SYMBOLS:
        return _SYMBOLS[text]
    return text.upper() if re.fullmatch(r"[A-Za-z]{3}", text) else None


def structured_salary(low: object, high: object, currency: object, period: object
                      ) -> Salary | None:
    """A Salary from a board's fields, or None when neither bound is a usable number.
    Without a period, a bound of 10,000 or more is taken as yearly."""
    # A bound of 0 is a placeholder ("salary": {"min": 0, "max": 0}), not a wage.
    lo, hi = (n if n else None for n in (to_number(low), to_number(high)))
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    unit = salary_period(period)
    if unit is None and max(x for x in (lo, hi) if x is not None) >= 10_000:
        unit = "year"
    return Salary(lo, hi, currency_code(currency), unit)


def merge_salaries(salaries: Iterable[Salary | None]) -> Salary | None:
    """One Salary spanning several (pay zones, tiers) of the first one's currency and period."""
    kept = [s for s in salaries if s is not None]
    if not kept:
        return None
    first = kept[0]
    same = [s for s in kept if (s.currency, s.period) == (first.currency, first.period)]
    mins = [s.min for s in same if s.min is not None]
    maxes = [s.max for s in same if s.max is not None]
    return Salary(min(mins) if mins else None, max(maxes) if maxes else None,
                  first.currency, first.period)


def salary_fields(structured: Salary | None, *texts: str | None) -> dict[str, Any]:
    """Job's salary_* keyword arguments: the structured Salary, else the first found in
    ``texts`` (salary_source 'text'), else all None."""
    salary, source = structured, "structured"
    if salary is None:
        source = "text"
        salary = next((s for t in texts if (s := parse_salary_text(t)) is not None), None)
    if salary is None:
        return dict.fromkeys(
            ("salary_min", "salary_max", "salary_currency", "salary_period", "salary_source")
        )
    return {
        "salary_min": salary.min,
        "salary_max": salary.max,
        "salary_currency": salary.currency,
        "salary_period": salary.period,
        "salary_source": source,
    }


def description_fields(html: str | None, plain: str | None = None) -> dict[str, Any]:
    """Job's description_text (from the HTML, else ``plain``) and sanitized description_html."""
    text = html_to_text(html)
    # Markup without any text ("<p>&nbsp;</p>") is no description: null, like the text.
    safe_html = sanitize_html(html) if text is not None else None
    if text is None and isinstance(plain, str):
        text = html_to_text(html_lib.escape(plain).replace("\n", "<br>"))
    return {"description_text": text, "description_html": safe_html}
