"""JOIN: the company page gives the numeric company id (``__NEXT_DATA__`` ->
``props.pageProps.initialState.company``, taken only when its ``domain`` is the slug: JOIN
renders a placeholder company, id 233, for new and empty tenants), then the jobs API in
pages of five (more is refused with 422; 429s are retried by the fetcher), deduplicated by
id, then one detail per job for its description (capped)."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scraper.crawl.common import board_request, not_a_board, parse_off_loop, with_details
from scraper.detect import Target
from scraper.errors import FetchError, ParseError
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job

PAGE_SIZE = 5
MAX_PAGES = 400
_NEXT_DATA = re.compile(r'<script[^>]*id="__NEXT_DATA__"[^>]*>(.*?)</script>', re.S)
_API_COMPANY = re.compile(r"/api/public/companies/(\d+)")


def company_id(page: str, slug: str, url: str) -> int:
    """The company id on a company page; FetchError 'board not found' for a missing company
    or JOIN's placeholder."""
    found = _NEXT_DATA.search(page)
    try:
        props = json.loads(found.group(1))["props"]["pageProps"] if found else None
    except (ValueError, KeyError, TypeError):
        props = None
    if not isinstance(props, dict):
        raise ParseError("join", "the company page has no readable __NEXT_DATA__")
    if props.get("statusCode") in (404, 410):
        raise not_a_board(url, f"JOIN's page says {props['statusCode']}")
    company = (props.get("initialState") or {}).get("company") if isinstance(props.get("initialState"), dict) else None
    cid = company.get("id") if isinstance(company, dict) else None
    domain = str(company.get("domain") or "") if isinstance(company, dict) else ""
    if not isinstance(cid, int) or domain.lower() != slug.lower():
        raise not_a_board(url, f"JOIN shows its placeholder company (id {cid}, not {slug!r})")
    return cid


def _pages(data: Any) -> int:
    pagination = data.get("pagination") if isinstance(data, dict) else None
    if not isinstance(pagination, dict):
        return 0
    for key in ("pageCount", "totalPages"):  # sources disagree on the key
        if isinstance(pagination.get(key), int):
            return int(pagination[key])
    rows = pagination.get("rowCount")
    return math.ceil(rows / PAGE_SIZE) if isinstance(rows, int) else 0


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    parts = urlsplit(target.endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    api = _API_COMPANY.search(parts.path)
    if api:
        cid = int(api.group(1))
    else:
        page = await board_request(fetcher, target.endpoint)
        cid = company_id(page.text(), target.board, target.endpoint)
    jobs: dict[str, Job] = {}
    for number in range(1, MAX_PAGES + 1):
        url = f"{origin}/api/public/companies/{cid}/jobs?page={number}&pageSize={PAGE_SIZE}"
        try:
            data = await fetcher.get_json(url)
        except FetchError as exc:
            raise not_a_board(url, "404 from JOIN's jobs API") if exc.status == 404 else exc from None
        for job in await parse_off_loop("join", data, board=target.board, url=url, now=now):
            jobs.setdefault(job.external_id, job)  # a job can repeat when the board changes mid-walk
        if number >= _pages(data):
            break
    listed = list(jobs.values())
    urls = [f"{origin}/api/public/jobs/{job.external_id}" for job in listed[: settings.detail_cap]]
    return await with_details(listed, urls, fetcher.get_text, "join", target.board, now, prefer_detail=False)
