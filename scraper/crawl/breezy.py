"""Breezy HR: the board's JSON (an unknown board redirects to breezy.hr's home page), then
each posting's page for its description, paced under Breezy's CDN limit (it answers 403
at ~14 requests a second): at most four at once, ten a second, a 403 retried after a pause."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from urllib.parse import urlsplit

from scraper.crawl.common import board_request, not_a_board, parse_off_loop, with_details
from scraper.detect import Target
from scraper.errors import FetchError
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job

CONCURRENT = 4
PER_SECOND = 10
RETRIES_ON_403 = 2
PAUSE_ON_403_S = 1.0


class Pace:
    """At most ``concurrent`` requests at once, started at most ``per_second`` a second."""

    def __init__(self, concurrent: int, per_second: float) -> None:
        self._slots = asyncio.Semaphore(concurrent)
        self._gap = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self._slots.acquire()
        async with self._lock:
            wait = self._next - time.monotonic()
            self._next = max(self._next, time.monotonic()) + self._gap
        if wait > 0:
            await asyncio.sleep(wait)

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    pace = Pace(CONCURRENT, PER_SECOND)
    async with pace:
        resp = await board_request(fetcher, target.endpoint)
    if urlsplit(resp.url).path != urlsplit(target.endpoint).path or resp.body.lstrip()[:1] == b"<":
        raise not_a_board(target.endpoint, f"Breezy redirected to {resp.url}, as it does for an unknown board")
    jobs = await parse_off_loop("breezy", resp.body, board=target.board, url=target.endpoint, now=now)

    async def page(url: str) -> str:
        for attempt in range(RETRIES_ON_403 + 1):
            try:
                async with pace:
                    return await fetcher.get_text(url)
            except FetchError as exc:
                if exc.status != 403 or attempt == RETRIES_ON_403:
                    raise
            await asyncio.sleep(PAUSE_ON_403_S)
        raise AssertionError("unreachable")

    urls = [job.url for job in jobs[: settings.detail_cap]]
    return await with_details(jobs, urls, page, "breezy", target.board, now, prefer_detail=False)
