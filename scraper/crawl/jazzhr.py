"""JazzHR: the board page (an unknown board answers 200 without its jobs table), then each
job's page for its description (capped)."""

from __future__ import annotations

from datetime import datetime

from scraper.crawl.common import board_get, not_a_board, parse_off_loop, with_details
from scraper.detect import Target
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    text = await board_get(fetcher, target.endpoint)
    if 'id="jobs_table"' not in text and "id='jobs_table'" not in text:
        raise not_a_board(target.endpoint, "the page has no jobs table, JazzHR's answer for an unknown board")
    jobs = await parse_off_loop("jazzhr", text, board=target.board, url=target.endpoint, now=now)
    urls = [job.url for job in jobs[: settings.detail_cap]]
    return await with_details(jobs, urls, fetcher.get_text, "jazzhr", target.board, now)
