"""Teamtailor: the RSS feed page by page (``offset`` / ``per_page``) until a short page, or a
page that only repeats jobs already seen (a feed that ignores ``offset``)."""

from __future__ import annotations

from datetime import datetime

from yarl import URL

from scraper.crawl.common import board_get, parse_off_loop
from scraper.detect import Target
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job

PER_PAGE = 100
MAX_PAGES = 100


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    feed = URL(target.endpoint)
    if not feed.path.endswith(".rss"):  # a careers page on a custom domain: its feed
        feed = feed.with_path("/jobs.rss").with_query(None)
    jobs: dict[str, Job] = {}
    offset = 0
    for _ in range(MAX_PAGES):
        url = str(feed.update_query(offset=offset, per_page=PER_PAGE))
        text = await board_get(fetcher, url)
        page = await parse_off_loop("teamtailor", text, board=target.board, url=url, now=now)
        fresh = [job for job in page if job.external_id not in jobs]
        jobs.update((job.external_id, job) for job in fresh)
        offset += len(page)
        if len(page) < PER_PAGE or not fresh:
            break
    return list(jobs.values())
