"""schema.org JobPostings in any HTML page's ``<script type="application/ld+json">`` blocks.

Lenient by design: a block with raw control characters or stray quotes inside strings is
repaired, one that still cannot be read is skipped, and a page without any JobPosting
gives ``[]``. Only a payload lxml cannot read as HTML is a ParseError.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import lxml.html
from lxml import etree

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    Salary,
    clean,
    description_fields,
    http_url,
    salary_fields,
    structured_salary,
    to_utc_iso,
    unescape_html,
    unique,
    workplace_from_text,
)

SOURCE = "jsonld"
_MAX_DEPTH = 8
_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?://\s*\]\]>|-->)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_ESCAPABLE = set('"\\/bfnrtu')


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every JobPosting of a page, first one per external_id; [] when there is none."""
    blocks = [payload] if isinstance(payload, dict | list) else _blocks(_document(payload))
    jobs: dict[str, Job] = {}
    for block in blocks:
        for posting in _postings(block, 0):
            job = _job(posting, board, url)
            if job is not None:
                jobs.setdefault(job.external_id, job)
    return list(jobs.values())


def _document(payload: object) -> etree._Element:
    """The parsed page; ParseError for an empty or unreadable payload."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not isinstance(payload, bytes | bytearray):
        raise ParseError(SOURCE, f"expected an HTML page, got {type(payload).__name__}")
    data = bytes(payload)
    if not data.strip():
        raise ParseError(SOURCE, "expected an HTML page, got an empty payload")
    try:
        return lxml.html.document_fromstring(data, parser=_parser_for(data))
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(SOURCE, f"not readable as HTML ({exc})") from exc


def _parser_for(data: bytes) -> lxml.html.HTMLParser | None:
    """UTF-8 when the bytes are UTF-8 (lxml would guess Latin-1 without a charset), else
    lxml's own detection from the page's meta charset."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return lxml.html.HTMLParser(encoding="utf-8")


def _blocks(root: etree._Element) -> Iterator[Any]:
    """The decoded JSON of each ld+json script that can be read or repaired."""
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        if kind == "application/ld+json" and script.text:
            data = _load_block(script.text)
            if data is not None:
                yield data


def _load_block(text: str) -> Any:
    """JSON of one block: as is, with control characters allowed, then after a tolerant
    repair of stray quotes, bad escapes and trailing commas; None when all fail."""
    text = _WRAPPERS.sub("", text.strip()).strip()
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", _repair(text))):
        try:
            # strict=False accepts raw newlines and tabs inside strings.
            return json.loads(candidate, strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue
    return None


def _repair(text: str) -> str:
    """Escape quotes inside strings that do not end them (the next non-space character is not
    one of ``,:}]``) and backslashes that start no valid escape."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(text):
        char = text[i]
        if in_string and char == "\\":
            nxt = text[i + 1 : i + 2]
            out.append(char + nxt if nxt in _ESCAPABLE and nxt else "\\\\")
            i += 2 if nxt in _ESCAPABLE and nxt else 1
            continue
        if char == '"':
            if not in_string:
                in_string = True
            elif _ends_string(text, i + 1):
                in_string = False
            else:
                char = '\\"'
        out.append(char)
        i += 1
    return "".join(out)


def _ends_string(text: str, start: int) -> bool:
    rest = text[start:].lstrip()
    return not rest or rest[0] in ",:}]"


def _is_posting(node: dict[str, Any]) -> bool:
    kinds = node.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(
        isinstance(n, str) and n.rsplit("/", 1)[-1].rsplit(":", 1)[-1] == "JobPosting"
        for n in names
    )


def _postings(node: Any, depth: int) -> Iterator[dict[str, Any]]:
    """JobPosting objects anywhere in a block: top level, arrays, @graph, ItemList items."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            yield from _postings(item, depth + 1)
    elif isinstance(node, dict):
        if _is_posting(node):
            yield node
            return
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _postings(value, depth + 1)


def _job(p: dict[str, Any], board: str, page_url: str) -> Job | None:
    title = clean(unescape_html(_text(p.get("title"))))
    if title is None:
        return None  # a JobPosting without a title is not a posting we can show
    posting_url = http_url(p.get("url"), base=page_url)
    locations = unique([_place(place) for place in _as_list(p.get("jobLocation"))])
    description = description_fields(_html(p.get("description")))
    return Job(
        source=SOURCE,
        board=board,
        external_id=_external_id(p.get("identifier"), posting_url, page_url, title),
        title=title,
        company=_name(p.get("hiringOrganization")),
        url=posting_url or page_url,
        location=locations[0] if locations else None,
        locations=locations,
        workplace=_workplace(p.get("jobLocationType"), locations),
        employment_type=", ".join(unique([_text(t) for t in _as_list(p.get("employmentType"))]))
        or None,
        posted_at=to_utc_iso(p.get("datePosted")),
        updated_at=to_utc_iso(p.get("dateModified")),
        **salary_fields(_salary(p.get("baseSalary")), description["description_text"]),
        **description,
    )


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: object) -> str | None:
    """Cleaned text of a string or number (``clean`` drops placeholders such as UNAVAILABLE)."""
    return clean(value) if isinstance(value, str | int | float) else None


def _name(value: object) -> str | None:
    """``name`` of an Organization or Country, or the value itself when it is text."""
    if isinstance(value, list):
        return next((n for n in (_name(v) for v in value) if n), None)
    return _text(value.get("name")) if isinstance(value, dict) else _text(value)


def _external_id(identifier: object, url: str | None, page_url: str, title: str) -> str:
    """identifier{value}, else the posting's url, else a stable hash of page url and title."""
    if isinstance(identifier, list):
        identifier = identifier[0] if identifier else None
    value = identifier.get("value") if isinstance(identifier, dict) else identifier
    found = _text(value) or url
    if found:
        return found
    return hashlib.sha1(f"{page_url}\n{title}".encode()).hexdigest()[:16]


def _html(value: object) -> str | None:
    """The description HTML, unescaped once when the page escaped its markup."""
    text = value if isinstance(value, str) else None
    if text and "<" not in text and "&lt;" in text:
        return unescape_html(text)
    return text


def _place(place: object) -> str | None:
    """'Locality, Region, Country' of a Place whose address is a PostalAddress or text."""
    if not isinstance(place, dict):
        return _text(place)
    address = place.get("address")
    if isinstance(address, list):
        address = address[0] if address else None
    if not isinstance(address, dict):
        return _text(address) or _text(place.get("name"))
    parts = [
        _text(address.get("addressLocality")),
        _text(address.get("addressRegion")),
        _name(address.get("addressCountry")),
    ]
    return ", ".join(unique(parts)) or _text(place.get("name"))


def _workplace(location_type: object, locations: tuple[str, ...]) -> str | None:
    """TELECOMMUTE (or another type that tells), else what the locations say."""
    return workplace_from_text(*[_text(k) for k in _as_list(location_type)], *locations)


def _salary(base: object) -> Salary | None:
    """baseSalary{currency, value: number | {value | minValue, maxValue, unitText}}."""
    if isinstance(base, list):
        base = base[0] if base else None
    if not isinstance(base, dict):
        return None
    value = base.get("value")
    unit = base.get("unitText")
    if isinstance(value, dict):
        unit = value.get("unitText") or unit
        single = value.get("value")
        low = single if value.get("minValue") is None else value.get("minValue")
        high = single if value.get("maxValue") is None else value.get("maxValue")
    else:
        low = high = value
    currency = base.get("currency") or (value.get("currency") if isinstance(value, dict) else None)
    return structured_salary(low, high, currency, unit)
