"""iCIMS: the job search page ``{host}/jobs/search?ss=1&in_iframe=1`` (without ``in_iframe=1``
the page is an empty iframe shell) and a job's page ``{host}/jobs/{id}/{slug}/job?in_iframe=1``.

Search results are ``<a class="iCIMS_Anchor" href=".../jobs/{id}/{slug}/job">`` (the title
follows a screen-reader label) with a "Job Locations" field of ``CC-Region-City`` places
separated by ``|``. A job page's JSON-LD JobPosting gives the description, date, employer
and remote flag; addresses may be the literal ``UNAVAILABLE`` (dropped), and some pages
carry an ``@graph`` without a JobPosting (then the search data stays). ``board`` is the
host's first label (``careers-acme``). Uncertain: the search page's paging (``pr=``) and
markup beyond the anchor and location field; vanity hosts.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from scraper.boards import jsonld
from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import clean, http_url, unique, workplace_from_text

SOURCE = "icims"
_JOB_PATH = re.compile(r"/jobs/(\d+)(?:[/?#]|$)")
_PLACE = re.compile(r"^([A-Z]{2})-(.+)$")


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The jobs of a search page, or the one job of a job page ([] without a JobPosting)."""
    root = _document(payload)
    found = _JOB_PATH.search(urlsplit(url).path)
    if found and "/jobs/search" not in url:
        return _page(payload, found.group(1), board, url)
    anchors = root.xpath('//a[contains(concat(" ", normalize-space(@class), " "), " iCIMS_Anchor ")]')
    if not anchors and not root.xpath('//*[contains(@class, "iCIMS")]'):
        raise ParseError(SOURCE, "not an iCIMS search page (no iCIMS_ markup)")
    jobs: dict[str, Job] = {}
    for anchor in anchors:
        job = _listed(anchor, board, url)
        if job is not None:
            jobs.setdefault(job.external_id, job)
    return list(jobs.values())


def _document(payload: object) -> Any:
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not isinstance(payload, bytes | bytearray) or not bytes(payload).strip():
        raise ParseError(SOURCE, "expected an HTML page")
    try:
        return lxml.html.document_fromstring(bytes(payload), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(SOURCE, f"not readable as HTML ({exc})") from None


def place(text: str) -> str:
    """'UK-London' -> 'London, UK'; 'US-CA-San Francisco' -> 'San Francisco, CA, US'."""
    m = _PLACE.match(text.strip())
    if not m:
        return text.strip()
    country, rest = m.groups()
    region, _, city = rest.partition("-")
    if city and region.isupper() and len(region) <= 3:
        return f"{city}, {region}, {country}"
    return f"{rest}, {country}"


def _locations(anchor: Any) -> tuple[str, ...]:
    row = next((a for a in anchor.iterancestors() if "row" in (a.get("class") or "").split()), None)
    if row is None:
        return ()
    for label in row.xpath('.//span[contains(@class, "field-label")]'):
        if (clean(label.text_content()) or "").lower() == "job locations":
            value = label.getnext()
            text = clean(value.text_content()) if value is not None else None
            return unique([place(p) for p in (text or "").split("|") if p.strip()])
    return ()


def _listed(anchor: Any, board: str, page_url: str) -> Job | None:
    href = http_url(urljoin(page_url, anchor.get("href") or ""))
    found = _JOB_PATH.search(urlsplit(href or "").path)
    for label in anchor.xpath('.//*[contains(@class, "sr-only")]'):
        label.drop_tree()
    title = clean(anchor.text_content())
    if href is None or found is None or title is None:
        return None
    locations = _locations(anchor)
    return Job(
        source=SOURCE,
        board=board,
        external_id=found.group(1),
        title=title,
        company=None,
        url=href.split("?", 1)[0],
        location=locations[0] if locations else None,
        locations=locations,
        workplace=workplace_from_text(*locations),
    )


def _page(payload: Any, external_id: str, board: str, url: str) -> list[Job]:
    postings = jsonld.parse(payload, board=board, url=url)
    if not postings:
        return []
    return [replace(postings[0], source=SOURCE, external_id=external_id, url=url.split("?", 1)[0])]
