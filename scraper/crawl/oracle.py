"""Oracle Recruiting Cloud: find the site number (a careers URL's path name is not always
it: then it is read from the careers page), page the requisition search by ``offset +=
len(requisitionList)`` until ``TotalJobsCount`` (``limit``/``offset`` go inside ``finder``;
the outer count and hasMore describe the wrapper and mislead), then one detail each (capped)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from scraper.crawl.common import board_get, not_a_board, parse_off_loop, with_details
from scraper.detect import Target
from scraper.errors import FetchError, ParseError
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job

PAGE = 100  # 200 is used by some clients, one caps at 100: the smaller is safe
MAX_PAGES = 200
API = "/hcmRestApi/resources/latest"
_SITE_NUMBER = re.compile(r"""siteNumber["']?\s*[:=]\s*["']?(CX_\w+)""")
_SITE_IN_FINDER = re.compile(r"siteNumber=([\w-]+)")
_SITE_IN_PATH = re.compile(r"/sites/([\w-]+)")


def search_url(origin: str, site: str, offset: int) -> str:
    finder = f"findReqs;siteNumber={site},limit={PAGE},offset={offset},sortBy=POSTING_DATES_DESC"
    return (f"{origin}{API}/recruitingCEJobRequisitions?onlyData=true"
            f"&expand=requisitionList.secondaryLocations&finder={quote(finder, safe=';,=_')}")  # fmt: skip


def detail_url(origin: str, site: str, req_id: str) -> str:
    finder = f'ById;Id="{req_id}",siteNumber={site}'
    return f"{origin}{API}/recruitingCEJobRequisitionDetails?onlyData=true&expand=all&finder={quote(finder, safe=';,=_')}"


async def site_number(fetcher: Fetcher, endpoint: str) -> str:
    """The CX_n site number of ``endpoint``: from its finder, else its careers page."""
    parts = urlsplit(endpoint)
    found = _SITE_IN_FINDER.search(unquote(parts.query))
    if found and found.group(1).startswith("CX_"):
        return found.group(1)
    named = found or _SITE_IN_PATH.search(parts.path)
    if named is None:
        raise FetchError(endpoint, "no Oracle site in this URL (…/sites/SITE/jobs or finder=…siteNumber=CX_n)")
    page_url = f"{parts.scheme}://{parts.netloc}/hcmUI/CandidateExperience/en/sites/{named.group(1)}/jobs"
    number = _SITE_NUMBER.search(await board_get(fetcher, page_url))
    return number.group(1) if number else named.group(1)  # a name the API may still take


def _page(data: Any) -> tuple[list[dict[str, Any]], int]:
    items = data.get("items") if isinstance(data, dict) else None
    wrapper = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
    if wrapper is None or not isinstance(wrapper.get("requisitionList", []), list):
        raise ParseError("oracle", 'expected "items": [{"TotalJobsCount", "requisitionList"}]')
    total = wrapper.get("TotalJobsCount")
    return wrapper.get("requisitionList", []), total if isinstance(total, int) else 0


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    parts = urlsplit(target.endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    site = await site_number(fetcher, target.endpoint)
    rows: list[dict[str, Any]] = []
    total = 0
    for _ in range(MAX_PAGES):
        url = search_url(origin, site, len(rows))
        try:
            batch, total = _page(await fetcher.get_json(url))
        except FetchError as exc:
            raise not_a_board(url, f"{exc.reason} for site {site}") if exc.status == 404 else exc from None
        rows.extend(batch)
        if not batch or len(rows) >= total:
            break
    payload = {"items": [{"TotalJobsCount": total, "requisitionList": rows}]}
    first = search_url(origin, site, 0)
    jobs = await parse_off_loop("oracle", payload, board=target.board, url=first, now=now)
    urls = [detail_url(origin, site, job.external_id) for job in jobs[: settings.detail_cap]]
    return await with_details(jobs, urls, fetcher.get_text, "oracle", target.board, now)
