"""Salary: structured fields and pay found in prose."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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
    # Not inside a word or number; after "_" is fine ("$50,000_60,000").
    rf"(?P<pre>{_CURRENCY})?\s?(?<![^\W_])(?<![.,])(?P<num>{_NUMBER})"
    r"(?P<mult>\s?(?:[kK]|[mM](?:n|m)?|million|billion|thousand)\b)?"
    rf"(?:\s?(?P<post>{_CURRENCY})(?!\s?\d))?(?P<pct>\s?%)?"
)
_MARKER = re.compile(r"[$€£¥₹₪]|zł|\b[A-Z]{3}\b")  # cheap: "CA$" is found by its "$"
_CODE_SET = frozenset(_CODES)
# A currency named in words, for an amount whose sentence names it elsewhere.
_CURRENCY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("CAD", re.compile(r"\bcanadian\s+dollars?\b", re.I)),
    ("AUD", re.compile(r"\baustralian\s+dollars?\b", re.I)),
    ("NZD", re.compile(r"\bnew\s+zealand\s+dollars?\b", re.I)),
    ("SGD", re.compile(r"\bsingapore\s+dollars?\b", re.I)),
    ("USD", re.compile(r"\b(?:(?:us|u\.s\.|american)\s+)?dollars?\b", re.I)),
    ("EUR", re.compile(r"\beuros?\b", re.I)),
    ("GBP", re.compile(r"\b(?:pounds?\s+sterling|sterling|(?:british\s+)?pounds?)\b", re.I)),
    ("CHF", re.compile(r"\bswiss\s+francs?\b", re.I)),
    ("INR", re.compile(r"\brupees?\b", re.I)),
)
_LEADING_CURRENCY_WORD = re.compile(
    r"^\s*(?:(?:us|u\.s\.|american|canadian|australian|singapore|swiss|british)\s+)?"
    r"(?:dollars?|euros?|pounds?(?:\s+sterling)?|francs?|rupees?)\b",
    re.I,
)
_CURRENCY_CODE = re.compile(rf"\b(?:{_CODE_RE})\b")
_WORD_MARKER = re.compile(r"\b(?:euros?|dollars?|pounds?|sterling|francs?|rupees?)\b", re.I)
_WORD_HINTS = ("euro", "dollar", "pound", "sterling", "franc", "rupee")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|[\n;]")
# What may stand between the two amounts of a range: "$19/hr - $22/hr", "50.000,- bis 60.000,-",
# "$50,000 per year to $60,000", "$50,000_$60,000", "£30,000  £35,000" (a lost dash).
_BETWEEN_PERIOD = (
    r"/\s*(?:h(?:ou)?r|hour|y(?:ea)?r|mo(?:nth)?|w(?:ee)?k|day)\b"
    r"|(?:per|an?)\s+(?:hour|hr|year|annum|month|week|day)\b|p\.?a\.?|p\.?h\.?|p/h|annually"
)
_RANGE_SEP = re.compile(
    rf"^\s*(?:,-|{_BETWEEN_PERIOD})?\s*(?:-{{1,2}}|–|—|‑|~|/|_+|to|and|bis|until)\s*$"
    r"|^[ \t\u00a0]{2,}$",
    re.IGNORECASE,
)
_OPEN_ENDED = re.compile(r"\+")  # "$150K+" is a floor; "$120,000 + bonus" is not
# A period right after an amount, abbreviations included: "ph", "p/h", "p.h.", "pw", "pcm",
# "p.a.", "per annum", "pro rata" (a full-time yearly figure paid in proportion).
_PERIOD_AFTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(
        r"^\s*(?:/\s*h(?:ou)?rs?\b|/\s*h\b|(?:per|an|a|each)\s+(?:hour|hr)\b|hourly\b"
        r"|p\s?/\s?h\b|p\.?h\.?(?!\w))", re.I)),
    ("day", re.compile(
        r"^\s*(?:/\s*day\b|(?:per|a|each)\s+day\b|daily\b|day rate\b|p\s?/\s?d\b|p\.?d\.?(?!\w)"
        r"|per\s+diem\b)", re.I)),
    ("week", re.compile(
        r"^\s*(?:/\s*w(?:ee)?k\b|(?:per|a|each)\s+(?:week|wk)\b|weekly\b|p\s?/\s?w\b"
        r"|p\.?w\.?(?!\w))", re.I)),
    ("month", re.compile(
        r"^\s*(?:/\s*mo(?:nth)?\b|(?:per|a|each)\s+(?:calendar\s+)?month\b|monthly\b"
        r"|p\.?c\.?m\.?(?!\w)|p\s?/\s?m\b|p\.m\.|pm\b)", re.I)),
    ("year", re.compile(
        r"^\s*(?:/\s*y(?:ea)?r\b|/\s*annum\b|(?:per|a|each)\s+(?:year|yr)\b|per\s+annum\b"
        r"|annually\b|yearly\b|annual\b|p\s?/\s?a\b|p\.?a\.?(?!\w)|a\s+yr\b|pro[\s-]?rata\b"
        r"|fte\b)", re.I)),
)
_PERIOD_BEFORE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(r"\b(?:hourly|per hour|hour(?:ly)? rate|wage)\b[^.\n]*$", re.I)),
    ("day", re.compile(r"\b(?:daily|day) rate\b[^.\n]*$", re.I)),
    ("week", re.compile(r"\bweekly\b[^.\n]*$", re.I)),
    ("month", re.compile(r"\bmonthly\b[^.\n]*$", re.I)),
    ("year", re.compile(r"\b(?:annual|annually|yearly|per year|per annum|OTE)\b[^.\n]*$", re.I)),
)
# Money that is not pay: "raised $50M", "$1,000 learning budget", "$5,000 signing bonus",
# "commission of $30,000 - $50,000", "car allowance £5,000".
_NOT_PAY_WORDS = (
    r"stipend|allowance|budget|funding|bonus(?:es)?|commissions?|relocation|referral|revenue|"
    r"valuation|credits?"
)
# "Base salary plus commission: $45,000" names the pay before what comes on top of it.
_NOT_PAY_BEFORE = re.compile(
    r"(?<!plus )(?<!\+ )(?<!with )"
    rf"\b(?:raised|raising|valued|reimburse\w*|match(?:ing)?|worth|ARR|{_NOT_PAY_WORDS})\b"
    r"[^.\n$€£]{0,20}$",
    re.I,
)
# After the amount, up to two words, but not across "plus", "and", "with" or "+": in
# "$60,000 plus commission" the commission comes on top of the pay.
_NOT_PAY_AFTER = re.compile(
    r"^\s*(?:in\s+|of\s+)?(?:(?!(?:plus|and|with)\b)\w+[\s-]+){0,2}?"
    rf"(?:{_NOT_PAY_WORDS}|series|seed|round|ARR|in\s+sales)\b",
    re.I,
)
# Base pay beside commission or OTE wins: "£45,000 base + £35,000 commission", "OTE £80,000".
_BASE_BEFORE = re.compile(r"\b(?:base|basic)\b[^.\n$€£]{0,30}$", re.I)
_BASE_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:base|basic)\b", re.I)
_OTE_BEFORE = re.compile(r"\b(?:OTE|on[\s-]target(?:\s+earnings)?)\b[^.\n$€£]{0,20}$", re.I)
_OTE_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:OTE|on[\s-]target)\b", re.I)
# A job paid by commission alone: its amounts are earnings estimates, never the salary.
_COMMISSION_ONLY = re.compile(
    r"\bcommission[\s-]+only\b|\b(?:100\s?%|pure|straight)\s+commission\b"
    r"|\bcommission[\s-]+based\s+(?:role|position|job|pay|compensation)\b",
    re.I,
)
_BASE_PAY = re.compile(r"\b(?:base|basic)\s+(?:salary|pay|wage|rate)\b|\bretainer\b", re.I)
_UP_TO = re.compile(r"\b(?:up\s+to|max(?:imum)?(?:\s+of)?|not\s+to\s+exceed)\s*:?\s*$", re.I)
_FROM = re.compile(r"\b(?:from|starting\s+(?:at|from)|min(?:imum)?(?:\s+of)?|at\s+least)\s*:?\s*$", re.I)
_PLAN_NAME = re.compile(r"\(\w\)")  # 401(k), 403(b): retirement plans, not amounts
_MULTIPLIERS = {"k": 1_000.0, "thousand": 1_000.0}
_PLAUSIBLE = {
    "hour": (5.0, 500.0), "day": (40.0, 5_000.0), "week": (150.0, 25_000.0),
    "month": (500.0, 100_000.0), "year": (10_000.0, 5_000_000.0),
}
_LEAST_PAY = min(least for least, _ in _PLAUSIBLE.values())


@dataclass(frozen=True, slots=True)
class _Amount:
    value: float
    multiplied: bool
    currency: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Found:
    """A plausible salary in the text: from a range or a single amount, and what the text
    calls it (``base`` pay, ``ote`` on-target earnings, or ``pay`` when it says neither)."""

    salary: Salary
    ranged: bool
    role: str


_GROUP_SPACE = re.compile(r"[\u00a0\u202f '’]")
_EUROPEAN = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")
_CLAUSE_END = re.compile(r"[\n;]|\.\s")


def _number(raw: str) -> float:
    """'120,000.50', '60.000', '60 000', '95.4', '95,4' -> float."""
    compact = _GROUP_SPACE.sub("", raw)
    if _EUROPEAN.fullmatch(compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(compact):
        compact = compact.replace(",", ".")
    else:
        compact = compact.replace(",", "")
    return float(compact)


def _windows(text: str, lowered: str) -> list[tuple[int, int]]:
    """Merged spans around each currency marker: only there can an amount be pay, and
    scanning a 5 KB description whole for numbers costs more than the rest of a posting.
    A code or a currency in words reaches further: its amount may sit a few words away
    ("85,000 per year, paid in EUR")."""
    markers = [
        (m.start(), m.end(), 40 if len(m.group()) != 3 else 100) for m in _MARKER.finditer(text)
        if len(m.group()) != 3 or m.group() in _CODE_SET
    ]
    words = list(_word_markers(text, lowered))
    if words:
        markers = sorted(markers + words)
    spans: list[tuple[int, int]] = []
    for marker_start, marker_end, reach in markers:
        start, end = max(0, marker_start - reach), marker_end + reach
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _word_markers(text: str, lowered: str) -> Iterator[tuple[int, int, int]]:
    """Where the text names a currency in words; str.find on the lowered text is ~20x
    faster than a case-insensitive regex over it (when lowering kept every position)."""
    if len(lowered) != len(text):
        yield from ((m.start(), m.end(), 100) for m in _WORD_MARKER.finditer(text))
        return
    for hint in _WORD_HINTS:
        at = lowered.find(hint)
        while at >= 0:
            yield at, at + len(hint), 100
            at = lowered.find(hint, at + 1)


def _amounts(text: str, lowered: str) -> list[_Amount]:
    """Every number near a currency marker with its marker and multiplier, minus non-money."""
    found: list[_Amount] = []
    matches = (m for start, end in _windows(text, lowered) for m in _AMOUNT.finditer(text, start, end))
    for m in matches:
        mult = (m["mult"] or "").strip().lower()
        if m["pct"] or (mult and mult not in _MULTIPLIERS) or _PLAN_NAME.match(text, m.end("num")):
            continue  # "20%", "$50M", "401(k)": never pay
        marker = m["post"] or m["pre"]
        currency = None
        if marker:
            currency = _SYMBOLS.get(marker.strip(), marker.strip())
            if m["pre"] and m["post"]:  # "$150,000 CAD": the code is the precise one
                currency = _SYMBOLS.get(m["post"].strip(), m["post"].strip())
        value = _number(m["num"]) * _MULTIPLIERS.get(mult, 1.0)
        found.append(_Amount(value, bool(mult), currency, m.start(), m.end()))
    return found


def _stated_period(text: str, start: int, end: int) -> str | None:
    after = _CLAUSE_END.split(text[end : end + 60], maxsplit=1)[0]
    after = _LEADING_CURRENCY_WORD.sub("", after)  # "60,000 euros per year"
    for period, pattern in _PERIOD_AFTER:
        if pattern.search(after):
            return period
    before = text[max(0, start - 60) : start]
    for period, pattern in _PERIOD_BEFORE:
        if pattern.search(before):
            return period
    return None


def _sentence_currency(text: str, start: int, end: int) -> str | None:
    """The one currency the sentence around ``start:end`` names (a code or in words)."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 300), start)),
                default=max(0, start - 300))
    stop = _SENTENCE_END.search(text, end)
    sentence = text[begin : stop.start() if stop else end + 300]
    named = {m.group() for m in _CURRENCY_CODE.finditer(sentence)}
    named |= {code for code, pattern in _CURRENCY_WORDS if pattern.search(sentence)}
    if "USD" in named and named & {"CAD", "AUD", "NZD", "SGD"}:
        named.discard("USD")  # "Canadian dollars" also says "dollars"
    return named.pop() if len(named) == 1 else None


def _role(before: str, after: str) -> str:
    """What the words next to an amount call it; the words right after it tell first
    ("$40k base, $80k OTE")."""
    if _BASE_AFTER.search(after):
        return "base"
    if _OTE_AFTER.search(after):
        return "ote"
    if _BASE_BEFORE.search(before):
        return "base"
    return "ote" if _OTE_BEFORE.search(before) else "pay"


def _plausible(period: str, low: float, high: float, ranged: bool) -> bool:
    least, most = _PLAUSIBLE[period]
    # "$0 - $50,000": a range may start at nothing; its top must still be pay.
    return high <= most and (least <= low or (ranged and low == 0 and least <= high))


def _candidate(text: str, lo: _Amount, hi: _Amount | None) -> _Found | None:
    """A salary from one amount or a range of two, or None when it is not plausible pay."""
    last = hi or lo
    low, high = lo.value, last.value
    if hi is not None and hi.multiplied and not lo.multiplied and 0 < low < 1000 <= high:
        low *= 1_000  # "$120-150K"
    if high < low or high < _LEAST_PAY:
        return None  # cheap tests first: most numbers near a marker are no pay at all
    before, after = text[max(0, lo.start - 40) : lo.start], text[last.end : last.end + 40]
    if _NOT_PAY_BEFORE.search(before) or _NOT_PAY_AFTER.search(after):
        return None
    period = _stated_period(text, lo.start, last.end)
    currency = (hi.currency if hi else None) or lo.currency
    if currency is None:
        # No currency beside it: pay only with a stated period and a currency named in the
        # same sentence ("85,000 per year, paid in EUR"); else a headcount, a year, days...
        currency = _sentence_currency(text, lo.start, last.end) if period else None
        if currency is None:
            return None
    if period is None:
        period = "year" if high >= 10_000 else None
    if period is None or not _plausible(period, low, high, hi is not None):
        return None
    salary = Salary(round(low, 2), round(high, 2), currency, period)
    if hi is None and _UP_TO.search(before):
        salary = Salary(None, round(high, 2), currency, period)
    elif hi is None and (_FROM.search(before) or _OPEN_ENDED.match(text, last.end)):
        salary = Salary(round(low, 2), None, currency, period)
    return _Found(salary, hi is not None, _role(before, after))


def _found(text: str, lowered: str) -> list[_Found]:
    """Every plausible salary of the text in order; two amounts joined by a range separator
    are one range (and never singles, even when the range is not plausible)."""
    amounts = _amounts(text, lowered)
    found: list[_Found] = []
    paired: set[int] = set()
    for i, lo in enumerate(amounts):
        if i in paired or i + 1 >= len(amounts):
            continue
        between = text[lo.end : amounts[i + 1].start]
        if _RANGE_SEP.match(between):
            ranged = _candidate(text, lo, amounts[i + 1])
            # Bare spaces join a range only when it is one: "$120,000    $10,000" (table
            # columns) are two amounts.
            if ranged is not None or between.strip():
                paired.update((i, i + 1))
            if ranged is not None:
                found.append(ranged)
    found += [
        single for i, amount in enumerate(amounts)
        if i not in paired and (single := _candidate(text, amount, None)) is not None
    ]
    return found


def _commission_only(text: str, lowered: str) -> bool:
    """Whether the text says the job is paid by commission alone; looked for only around
    each "commission" (a case-insensitive search of a whole description is slow)."""
    if len(lowered) != len(text):
        return _COMMISSION_ONLY.search(text) is not None
    at = lowered.find("commission")
    while at >= 0:
        if _COMMISSION_ONLY.search(text, max(0, at - 12), at + 50):
            return True
        at = lowered.find("commission", at + 1)
    return False


def parse_salary_text(text: str | None) -> Salary | None:
    """A salary found in prose, or None. Never from 401(k), years, dates, headcounts,
    commission, bonuses or allowances.

    Base pay wins over on-target earnings and pay the text does not name; ranges win over
    single amounts; several ranges (levels, zones) give their whole span in the first one's
    currency and period, several single amounts the first. Without a stated period an
    amount of 10,000 or more is yearly; smaller ones need an explicit period."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = _safe(text)[:20_000]
    lowered = text.lower()
    if _commission_only(text, lowered) and not _BASE_PAY.search(text):
        return None
    found = _found(text, lowered)
    for role in ("base", "pay", "ote"):
        mine = [f for f in found if f.role == role]
        ranges = [f.salary for f in mine if f.ranged]
        if ranges:
            return merge_salaries(ranges)
        if mine:
            return mine[0].salary
    return None


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
