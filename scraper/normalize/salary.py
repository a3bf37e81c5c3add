"""Salary: structured fields and pay found in prose."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scraper.normalize.payload import to_number
from scraper.normalize.text import _safe, clean


@dataclass(frozen=True, slots=True)
class Salary:
    min: float | None
    max: float | None
    currency: str | None  # ISO 4217
    period: str | None  # year, month, week, day, hour


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
