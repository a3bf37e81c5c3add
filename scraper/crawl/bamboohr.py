"""BambooHR: the board list (which must be JSON: an unknown board is a 200 HTML page), then
one detail per opening for its description, date, URL and pay (capped)."""

from __future__ import annotations

from datetime import datetime

from scraper.crawl.common import board_request, not_a_board, parse_off_loop, with_details
from scraper.detect import Target
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job


async def fetch(fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings) -> list[Job]:
    resp = await board_request(fetcher, target.endpoint)
    if resp.body.lstrip()[:1] not in (b"{", b"["):
        raise not_a_board(target.endpoint, "BambooHR answered with an HTML page, as it does for an unknown board")
    jobs = await parse_off_loop("bamboohr", resp.body, board=target.board, url=target.endpoint, now=now)
    base = target.endpoint.split("?", 1)[0].rstrip("/").removesuffix("/list")
    urls = [f"{base}/{job.external_id}/detail" for job in jobs[: settings.detail_cap]]
    return await with_details(jobs, urls, fetcher.get_text, "bamboohr", target.board, now)
