"""Workday: the cxs list ``{total, jobPostings: [...]}`` and the posting detail
``{jobPostingInfo: {...}, hiringOrganization: {name}}``.

List and detail of one posting get the same ``external_id`` (its requisition id, else its
externalPath) so the runner can replace list jobs with their details.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    clean,
    description_fields,
    http_url,
    load_json,
    salary_fields,
    to_utc_iso,
    unique,
    workplace_from_text,
)

SOURCE = "workday"
_CXS = re.compile(r"^/wday/cxs/[^/]+/(?P<site>[^/]+)(?P<rest>/.*)?$")
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")
_REQ_ID = re.compile(r"^(?:[A-Za-z]{1,6}[-_]?)?\d{3,}(?:[-_]\d+)*$")
_COUNT_ONLY = re.compile(r"^\d+\s+locations?$", re.IGNORECASE)


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """Jobs of a list page (relative dates against ``now``) or the one job of a detail."""
    data = load_json(payload, SOURCE)
    site = _careers_site(url)
    if isinstance(data, dict) and isinstance(data.get("jobPostingInfo"), dict):
        return [_detail_job(data, board, site, url)]
    postings = data.get("jobPostings") if isinstance(data, dict) else None
    if not isinstance(postings, list):
        raise ParseError(SOURCE, 'expected an object with "jobPostings" or "jobPostingInfo"')
    return [
        _list_job(p, board, site, now)
        for p in postings
        if isinstance(p, dict) and clean(p.get("externalPath"))
    ]


def _careers_site(url: str) -> str:
    """'https://t.wd5.myworkdayjobs.com/External' from a cxs endpoint or careers URL."""
    parts = urlsplit(url)
    origin = f"{parts.scheme or 'https'}://{parts.netloc}"
    m = _CXS.match(parts.path)
    if m:
        return f"{origin}/{m['site']}"
    segments = [s for s in parts.path.split("/") if s]
    if segments and _LOCALE.match(segments[0]):
        segments.pop(0)
    return f"{origin}/{segments[0]}" if segments else origin


def _posting_id(external_path: str, req_ids: list[object]) -> str:
    """The requisition id (a bullet field the path ends with, else a req-id-looking bullet,
    else the path's ``_R-123`` suffix); the externalPath when there is none."""
    bullets = [b for b in (clean(r) for r in req_ids) if b]
    for bullet in bullets:
        if external_path.endswith("_" + bullet):
            return bullet
    for bullet in bullets:
        if _REQ_ID.match(bullet):
            return bullet
    suffix = external_path.rsplit("/", 1)[-1].rsplit("_", 1)
    if len(suffix) == 2 and _REQ_ID.match(suffix[1]):
        return suffix[1]
    return external_path


def _list_job(p: dict[str, Any], board: str, site: str, now: datetime | None) -> Job:
    path = clean(p.get("externalPath")) or ""
    bullets = p.get("bulletFields")
    places = clean(p.get("locationsText"))
    # "2 Locations" is a count, not a place: the detail lists them.
    location = None if places and _COUNT_ONLY.match(places) else places
    return Job(
        source=SOURCE,
        board=board,
        external_id=_posting_id(path, bullets if isinstance(bullets, list) else []),
        title=clean(p.get("title")) or "",
        company=None,
        # A leading "/" keeps a payload path ("@evil.test/x") from naming another host.
        url=f"{site}/{path.lstrip('/')}",
        location=location,
        locations=unique([location]),
        workplace=workplace_from_text(location),
        posted_at=to_utc_iso(p.get("postedOn"), now=now),
    )


def _detail_job(data: dict[str, Any], board: str, site: str, url: str) -> Job:
    info: dict[str, Any] = data["jobPostingInfo"]
    external_url = http_url(info.get("externalUrl"))
    path = _job_path(external_url or url)
    req_id = clean(info.get("jobReqId"))
    extra = info.get("additionalLocations")
    locations = unique([info.get("location"), *(extra if isinstance(extra, list) else [])])
    description = description_fields(clean(info.get("jobDescription")))
    return Job(
        source=SOURCE,
        board=board,
        external_id=_posting_id(path, [req_id]) if path else req_id or clean(info.get("id")) or "",
        title=clean(info.get("title")) or "",
        # hiringOrganization is often a legal entity ("XX00 Example Technologies, Ltd."):
        # the company keeps its configured name, as list jobs do.
        company=None,
        url=external_url or site + path,
        location=locations[0] if locations else None,
        locations=locations,
        workplace=workplace_from_text(clean(info.get("remoteType")), *locations),
        employment_type=clean(info.get("timeType")),
        posted_at=to_utc_iso(info.get("startDate")),
        **salary_fields(None, description["description_text"]),
        **description,
    )


def _job_path(url: str) -> str:
    """The externalPath ('/job/Berlin/Engineer_R-1') inside a posting or detail URL."""
    path = urlsplit(url).path
    start = path.find("/job/")
    return path[start:] if start >= 0 else ""
