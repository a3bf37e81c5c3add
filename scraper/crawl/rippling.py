"""Rippling: the board list (one row per job and location, merged by the parser), then one
detail request per job for its description, date and pay (capped)."""

from __future__ import annotations

from datetime import datetime

from scraper.crawl.common import board_get, parse_off_loop, with_details
from scraper.detect import Target
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    text = await board_get(fetcher, target.endpoint)
    jobs = await parse_off_loop("rippling", text, board=target.board, url=target.endpoint, now=now)
    base = target.endpoint.split("?", 1)[0].rstrip("/")
    urls = [f"{base}/{job.external_id}" for job in jobs[: settings.detail_cap]]
    return await with_details(jobs, urls, fetcher.get_text, "rippling", target.board, now)
