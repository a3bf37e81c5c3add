"""Teamtailor: the RSS feed ``https://{host}/jobs.rss`` (``offset`` / ``per_page`` page it).

Each ``<item>`` carries the whole description as HTML (entity-escaped XML text, or CDATA:
the XML parser gives the same HTML for both), ``<pubDate>`` (RFC 822), ``<link>`` whose
leading number is the job's id, ``<remoteStatus>`` (``none``, ``onsite``, ``hybrid``,
``fully``, ``temporary``), and in the ``tt:`` namespace the locations and department. The
channel's title is the employer. No salary or employment type. ``board`` is the host.
Uncertain: what ``temporary`` means (taken as unknown) and the namespace URI (elements are
matched by local name).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from lxml import etree

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    http_url,
    salary_fields,
    to_utc_iso,
    unique,
)

SOURCE = "teamtailor"
_REMOTE = {"none": "onsite", "onsite": "onsite", "on_site": "onsite", "hybrid": "hybrid", "fully": "remote",
           "remote": "remote"}  # fmt: skip
_JOB_ID = re.compile(r"/jobs/(\d+)(?:-|/|$)")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Every item of one feed page, in order."""
    channel = _channel(payload)
    company = clean(_child_text(channel, "title"))
    return [_job(item, i, board, company) for i, item in enumerate(_children(channel, "item"))]


def _channel(payload: object) -> etree._Element:
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not isinstance(payload, bytes | bytearray) or not bytes(payload).strip():
        raise ParseError(SOURCE, "expected an RSS feed, got an empty or non-text payload")
    try:
        root = etree.fromstring(bytes(payload), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(SOURCE, f"not readable as XML ({exc})") from None
    channel = next(iter(_children(root, "channel")), None)
    if etree.QName(root).localname != "rss" or channel is None:
        raise ParseError(SOURCE, "expected an RSS feed (<rss><channel>)")
    return channel


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _child_text(el: etree._Element, name: str) -> str | None:
    found = _children(el, name)
    return found[0].text if found else None


def _place(loc: etree._Element) -> str | None:
    city, country = clean(_child_text(loc, "city")), clean(_child_text(loc, "country"))
    return ", ".join(unique([city, country])) or clean(_child_text(loc, "name"))


def _job(item: etree._Element, index: int, board: str, company: str | None) -> Job:
    title = clean(_child_text(item, "title"))
    link = http_url(clean(_child_text(item, "link")))
    found = _JOB_ID.search(link or "")
    external_id = found.group(1) if found else clean(_child_text(item, "guid"))
    if external_id is None or title is None:
        raise ParseError(SOURCE, f"item #{index} has no job id in its link or guid, or no title")
    places = unique([_place(loc) for group in _children(item, "locations") for loc in _children(group, "location")])
    status = (_child_text(item, "remoteStatus") or "").strip().lower()  # clean() drops "none"
    description = description_fields(clean(_child_text(item, "description")))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=company,
        url=link or f"https://{board}/jobs/{external_id}",
        location=places[0] if places else None,
        locations=places,
        workplace=_REMOTE.get(status),
        department=clean(_child_text(item, "department")),
        posted_at=to_utc_iso(clean(_child_text(item, "pubDate"))),
        **salary_fields(None, description["description_text"]),
        **description,
    )
