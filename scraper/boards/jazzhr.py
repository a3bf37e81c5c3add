"""JazzHR (applytojob.com): the board page ``{slug}.applytojob.com/apply/jobs`` (HTML, the
whole board in ``<table id="jobs_table">``, one ``<tr id="row_job_...">`` per job) and a
job's page ``/apply/{key}`` for its description.

The page repeats every job in a mobile ``<div class="jobs_row">``: only table rows are read.
A row's timestamp id is the record's creation, not its publication: not used as a date.
A job page gives the description (``#job-description`` or ``#resumator-job-description``),
its labelled attributes, and on most pages a JSON-LD JobPosting (date, pay, remote) and an
Organization (the employer's name). An unknown board answers 200 without the jobs table:
refused here as not a board. Uncertain: themes vary (department heading rows are skipped).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from scraper.boards import jsonld
from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    http_url,
    salary_fields,
    unique,
    workplace_from_text,
)

SOURCE = "jazzhr"
NOT_A_BOARD = "a page without JazzHR's jobs table (JazzHR's answer for an unknown board)"
_KEY = re.compile(r"/apply/(?:jobs/details/)?([A-Za-z0-9]{6,})(?:[/?]|$)")
_DESCRIPTION = ("job-description", "resumator-job-description")


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The jobs of a board page, or the one job of a job page."""
    root = _document(payload)
    table = root.get_element_by_id("jobs_table", None)
    if table is not None:
        return [_row(tr, board, url) for tr in table.iter("tr") if _is_job_row(tr)]
    if any(root.get_element_by_id(i, None) is not None for i in _DESCRIPTION):
        return [_page(root, payload, board, url)]
    raise ParseError(SOURCE, NOT_A_BOARD)


def _document(payload: object) -> Any:
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not isinstance(payload, bytes | bytearray) or not bytes(payload).strip():
        raise ParseError(SOURCE, "expected an HTML page")
    try:
        return lxml.html.document_fromstring(bytes(payload), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(SOURCE, f"not readable as HTML ({exc})") from None


def _is_job_row(tr: Any) -> bool:
    return (tr.get("id") or "").startswith("row_job_") and bool(tr.xpath('.//a[contains(@class, "job_title_link")]'))


def _text(el: Any) -> str | None:
    return clean(" ".join(el.itertext())) if el is not None else None


def _row(tr: Any, board: str, page_url: str) -> Job:
    link = tr.xpath('.//a[contains(@class, "job_title_link")]')[0]
    href = http_url(urljoin(page_url, link.get("href") or ""))
    key = _KEY.search(urlsplit(href or "").path)
    title = _text(link)
    if key is None or title is None or href is None:
        raise ParseError(SOURCE, f"row {tr.get('id')} has no job link with a key, or no title")
    cells = tr.findall("td")
    location = _text(cells[1]) if len(cells) > 1 else None
    department = tr.xpath('.//span[contains(@class, "resumator_department")]')
    return Job(
        source=SOURCE,
        board=board,
        external_id=key.group(1),
        title=title,
        company=None,
        url=href.split("?", 1)[0],
        location=location,
        locations=unique([location]),
        workplace=workplace_from_text(location),
        department=_text(department[0]) if department else None,
    )


def _by_id(root: Any, *ids: str) -> str | None:
    return next((t for i in ids if (t := _text(root.get_element_by_id(i, None)))), None)


def _page(root: Any, payload: Any, board: str, url: str) -> Job:
    key = _KEY.search(urlsplit(url).path)
    if key is None:
        raise ParseError(SOURCE, f"a job page is read from its /apply/{{key}} URL, not {url!r}")
    posting = next(iter(jsonld.parse(payload, board=board, url=url)), None)
    body = next(el for i in _DESCRIPTION if (el := root.get_element_by_id(i, None)) is not None)
    description = description_fields(etree.tostring(body, encoding="unicode", method="html"))
    title = (posting.title if posting else None) or _text(root.find(".//h1")) or _by_id(root, "resumator-job-title")
    if title is None:
        raise ParseError(SOURCE, "the job page has no title")
    location = _by_id(root, "resumator-job-location") or (posting.location if posting else None)
    salary = salary_fields(None, description["description_text"])
    if posting and posting.salary_source:
        salary = {k: getattr(posting, k) for k in salary}
    return Job(
        source=SOURCE,
        board=board,
        external_id=key.group(1),
        title=title,
        company=_organization(root) or (posting.company if posting else None),
        url=url.split("?", 1)[0],
        location=location,
        locations=unique([location]),
        workplace=(posting.workplace if posting else None) or workplace_from_text(location),
        department=_by_id(root, "resumator-job-department"),
        employment_type=_by_id(root, "resumator-job-employment", "resumator-job-type")
        or (posting.employment_type if posting else None),
        posted_at=posting.posted_at if posting else None,
        **salary,
        **description,
    )


def _organization(root: Any) -> str | None:
    """The employer's name from the page's Organization JSON-LD block."""
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("@type") == "Organization":
            return clean(data.get("name")) if isinstance(data.get("name"), str) else None
    return None
