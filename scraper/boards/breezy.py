"""Breezy HR: the board ``{slug}.breezy.hr/json`` (a bare array, the whole board) and a
posting's page ``/p/{friendly_id}`` (HTML) for its description.

The list has no description; the page gives it through its JSON-LD JobPosting or, without
one, ``<div class="description">``. ``location.is_remote`` is true for hybrid jobs too:
``location.remote_details.value`` tells them apart (its spellings are not documented:
any value naming "hybrid" is hybrid). ``salary`` is free text. An unknown board
redirects to breezy.hr's home page (or, as seen once, answers an empty 200).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from scraper.boards import jsonld
from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    as_list,
    description_fields,
    http_url,
    identity,
    load_json,
    records,
    salary_fields,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_text,
)

SOURCE = "breezy"
_POSTING_PATH = re.compile(r"/p/([0-9a-f]{8,})(?:-[^/]*)?/?$")


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The postings of a board's JSON, or the one posting of its HTML page."""
    if _is_page(payload):
        return _page(payload, board, url)
    data = load_json(payload, SOURCE)
    return [_listed(raw, i, board) for i, raw in enumerate(records(data, SOURCE, "postings"))]


def _is_page(payload: object) -> bool:
    head = payload[:300] if isinstance(payload, str | bytes | bytearray) else ""
    text = head.decode("utf-8", "replace") if isinstance(head, bytes | bytearray) else head
    return text.lstrip()[:1] == "<"


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _place(loc: dict[str, Any]) -> str | None:
    name = text_of(loc.get("name"))
    country = text_of(_dict(loc.get("country")).get("name"))
    if name:
        return name if country is None or country in name else f"{name}, {country}"
    state = text_of(_dict(loc.get("state")).get("name"))
    return ", ".join(unique([text_of(loc.get("city")), state, country])) or None


def _workplace(loc: dict[str, Any], places: tuple[str, ...]) -> str | None:
    details = text_of(_dict(loc.get("remote_details")).get("value"))
    if details and "hybrid" in details.lower():
        return "hybrid"
    if loc.get("is_remote") is True:
        return workplace_from_text(details) or "remote"
    return workplace_from_text(*places) or ("onsite" if loc.get("is_remote") is False else None)


def _listed(raw: dict[str, Any], index: int, board: str) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "name")
    loc = _dict(raw.get("location"))
    places = unique([_place(loc), *(_place(_dict(o)) for o in as_list(raw.get("locations")))])
    friendly = text_of(raw.get("friendly_id")) or external_id
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=text_of(_dict(raw.get("company")).get("name")),
        url=http_url(raw.get("url")) or f"https://{board}.breezy.hr/p/{friendly}",
        location=places[0] if places else None,
        locations=places,
        workplace=_workplace(loc, places),
        department=text_of(raw.get("department")),
        employment_type=text_of(_dict(raw.get("type")).get("name")) or text_of(_dict(raw.get("type")).get("id")),
        posted_at=to_utc_iso(raw.get("published_date")),
        **salary_fields(None, text_of(raw.get("salary"))),
    )


def _page(payload: Any, board: str, url: str) -> list[Job]:
    """The posting of a ``/p/{id}-...`` page: its JSON-LD, else its description div."""
    found = _POSTING_PATH.search(urlsplit(url).path)
    if found is None:
        raise ParseError(SOURCE, f"a posting page is read from its /p/{{id}} URL, not {url!r}")
    external_id = found.group(1)
    postings = jsonld.parse(payload, board=board, url=url)
    if postings:
        return [replace(postings[0], source=SOURCE, external_id=external_id, url=url)]
    try:
        root = lxml.html.document_fromstring(payload)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(SOURCE, f"not readable as HTML ({exc})") from None
    body = root.xpath('//div[contains(concat(" ", normalize-space(@class), " "), " description ")]')
    title = text_of(" ".join(root.xpath("//h1//text()")))
    if not body or title is None:
        return []  # a page without the posting (moved or closed): nothing to add
    description = description_fields(etree.tostring(body[0], encoding="unicode", method="html"))
    return [Job(source=SOURCE, board=board, external_id=external_id, title=title, company=None, url=url,
                **salary_fields(None, description["description_text"]), **description)]  # fmt: skip
