"""Personio: ``GET https://{company}.jobs.personio.de/xml?language=en`` ->
``<workzag-jobs><position>...</position></workzag-jobs>``."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    salary_fields,
    to_utc_iso,
    unescape_html,
    unique,
    workplace_from_text,
)

SOURCE = "personio"
_PERSONIO_HOST = re.compile(r"^[\w-]+\.jobs\.personio\.(de|com)$")


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every position of a Personio XML feed; ParseError when it is not one."""
    root = _root(payload)
    host = _host(url, board)
    return [_job(p, board, host) for p in root.iter("position") if _text(p, "id")]


def _root(payload: Any) -> etree._Element:
    """The <workzag-jobs> element; no entities resolved, no network, no huge trees."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    if not isinstance(data, bytes | bytearray) or not data.strip():
        raise ParseError(SOURCE, "expected <workzag-jobs> XML, got an empty payload")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(bytes(data), parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        reason = re.sub(r", line \d+, column \d+$", "", exc.msg)
        raise ParseError(SOURCE, f"invalid XML at line {line} column {column}: {reason}") from exc
    if root is None or root.tag != "workzag-jobs":
        tag = root.tag if root is not None else "nothing"
        raise ParseError(SOURCE, f"expected <workzag-jobs> XML, got <{tag}>")
    return root


def _host(url: str, board: str) -> str:
    """The board's Personio host: the one fetched when it is Personio's, else the .de one."""
    host = (urlsplit(url).hostname or "").lower()
    return host if _PERSONIO_HOST.match(host) else f"{board}.jobs.personio.de"


def _text(element: etree._Element, path: str) -> str | None:
    return clean(element.findtext(path))


def _job(p: etree._Element, board: str, host: str) -> Job:
    position_id = _text(p, "id") or ""
    office = _text(p, "office")
    locations = unique([office, *(o.text for o in p.iterfind("additionalOffices/office"))])
    description = description_fields(_sections_html(p))
    kind = [_text(p, "employmentType"), _text(p, "schedule")]
    title = _text(p, "name") or ""
    return Job(
        source=SOURCE,
        board=board,
        external_id=position_id,
        title=title,
        company=_text(p, "subcompany"),
        url=f"https://{host}/job/{position_id}",
        location=office or (locations[0] if locations else None),
        locations=locations,
        # No remote flag: offices ("Remote") first, then the title ("... (Hybrid)").
        workplace=workplace_from_text(*locations, title),
        department=_text(p, "department"),
        employment_type=", ".join(k for k in kind if k) or None,
        posted_at=to_utc_iso(_text(p, "createdAt")),
        # No salary field: only what the description says.
        **salary_fields(None, description["description_text"]),
        **description,
    )


def _sections_html(p: etree._Element) -> str | None:
    """The jobDescriptions joined, each under its (entity-encoded in the feed) name."""
    parts: list[str] = []
    for section in p.iterfind("jobDescriptions/jobDescription"):
        body = clean(section.findtext("value"))
        if not body:
            continue
        name = clean(unescape_html(section.findtext("name")))
        parts.append((f"<h3>{escape(name)}</h3>" if name else "") + body)
    return "".join(parts) or None
