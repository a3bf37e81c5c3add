"""Oracle Recruiting Cloud (Fusion HCM CandidateExperience): the REST requisition search
``/hcmRestApi/resources/latest/recruitingCEJobRequisitions?...finder=findReqs;siteNumber=CX_1,
limit=..,offset=..`` -> ``{"items": [{"TotalJobsCount", "requisitionList": [...]}]}`` and one
requisition's detail ``recruitingCEJobRequisitionDetails?finder=ById;Id="..",siteNumber=..``
-> ``{"items": [{..., "ExternalDescriptionStr", ...}]}``.

The posting URL is built on the request's host and site number
(``/hcmUI/CandidateExperience/en/sites/{site}/job/{Id}``). The description is the detail's
description, responsibilities and qualifications (identical sections kept once); the
list has only a teaser. Uncertain (adapter code and one real record only): the wrapper and
detail bodies, whether a site's path name is accepted in place of its number in job URLs,
and ``WorkplaceTypeCode`` beyond ``ORA_ON_SITE``/``ORA_REMOTE``/``ORA_HYBRID``.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import unquote, urlsplit

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    as_list,
    description_fields,
    html_to_text,
    load_json,
    salary_fields,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_text,
)

SOURCE = "oracle"
_WORKPLACES = {"ORA_ON_SITE": "onsite", "ORA_REMOTE": "remote", "ORA_HYBRID": "hybrid"}
_SITE = re.compile(r"siteNumber=([\w-]+)")
_SITE_PATH = re.compile(r"/sites/([\w-]+)")
_SECTIONS = (("ExternalDescriptionStr", None), ("ExternalResponsibilitiesStr", "Responsibilities"),
             ("ExternalQualificationsStr", "Qualifications"))  # fmt: skip


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The requisitions of a search page (or several merged), or the one of a detail."""
    data = load_json(payload, SOURCE)
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ParseError(SOURCE, 'expected an object with "items"')
    base = _job_base(url)
    wrappers = [i for i in items if isinstance(i, dict) and "requisitionList" in i]
    if wrappers or not items:
        rows = [r for w in wrappers for r in as_list(w.get("requisitionList")) if isinstance(r, dict)]
        return [_job(r, i, board, base) for i, r in enumerate(rows)]
    if not isinstance(items[0], dict):
        raise ParseError(SOURCE, "the detail's first item is not an object")
    return [_job(items[0], 0, board, base)]


def _job_base(url: str) -> str:
    """'https://host/hcmUI/CandidateExperience/en/sites/CX_1/job/' from a REST or careers URL."""
    parts = urlsplit(url)
    decoded = unquote(parts.query)
    site = _SITE.search(decoded) or _SITE_PATH.search(parts.path)
    name = site.group(1) if site else "CX_1"
    return f"{parts.scheme or 'https'}://{parts.netloc}/hcmUI/CandidateExperience/en/sites/{name}/job/"


def _locations(r: dict[str, Any]) -> tuple[str, ...]:
    others = [text_of(o.get("Name")) for o in as_list(r.get("secondaryLocations")) if isinstance(o, dict)]
    work = [text_of(o.get("LocationName")) for o in as_list(r.get("workLocation")) if isinstance(o, dict)]
    return unique([text_of(r.get("PrimaryLocation")), *others, *work])


def _html(r: dict[str, Any], title: str) -> str | None:
    parts: list[str] = []
    seen: set[str] = set()
    for key, heading in _SECTIONS:
        body = text_of(r.get(key))
        text = html_to_text(body)
        if body is None or text is None or text in seen:
            continue  # sections are sometimes all three the same text
        seen.add(text)
        parts.append((f"<h3>{escape(heading)}</h3>" if heading and parts else "") + body)
    if not parts:
        teaser = text_of(r.get("ShortDescriptionStr"))
        if teaser and teaser != title:
            parts.append(f"<p>{escape(teaser)}</p>")
    return "".join(parts) or None


def _job(r: dict[str, Any], index: int, board: str, base: str) -> Job:
    external_id, title = text_of(r.get("Id")) or text_of(r.get("RequisitionId")), text_of(r.get("Title"))
    if external_id is None or title is None:
        raise ParseError(SOURCE, f"requisition #{index} has no 'Id' or no 'Title'")
    locations = _locations(r)
    code = text_of(r.get("WorkplaceTypeCode"))
    description = description_fields(_html(r, title))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=text_of(r.get("LegalEmployer")) or text_of(r.get("BusinessUnit")),
        url=base + external_id,
        location=locations[0] if locations else None,
        locations=locations,
        workplace=_WORKPLACES.get(code or "") or workplace_from_text(text_of(r.get("WorkplaceType")), *locations),
        department=text_of(r.get("Department")) or text_of(r.get("JobFamily")) or text_of(r.get("Organization")),
        employment_type=text_of(r.get("JobSchedule")) or text_of(r.get("WorkerType")) or text_of(r.get("JobType")),
        posted_at=to_utc_iso(r.get("ExternalPostedStartDate")) or to_utc_iso(r.get("PostedDate")),
        **salary_fields(None, description["description_text"]),
        **description,
    )
