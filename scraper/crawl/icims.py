"""iCIMS: the search page (``in_iframe=1``) page by page (``pr=0, 1, ...``, undocumented:
paging stops at the first page that adds no new job), then each job's page for its JSON-LD
(capped; a page without a JobPosting leaves the search data)."""

from __future__ import annotations

from datetime import datetime

from yarl import URL

from scraper.crawl.common import board_get, parse_off_loop, with_details
from scraper.detect import Target
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job

MAX_PAGES = 100


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    search = URL(target.endpoint).update_query(in_iframe=1)
    jobs: dict[str, Job] = {}
    for number in range(MAX_PAGES):
        url = str(search.update_query(pr=number))
        page = await parse_off_loop("icims", await board_get(fetcher, url), board=target.board, url=url, now=now)
        fresh = [job for job in page if job.external_id not in jobs]
        if not fresh:
            break
        jobs.update((job.external_id, job) for job in fresh)
    listed = list(jobs.values())
    urls = [f"{job.url}?in_iframe=1" for job in listed[: settings.detail_cap]]
    return await with_details(listed, urls, fetcher.get_text, "icims", target.board, now, prefer_detail=False)
