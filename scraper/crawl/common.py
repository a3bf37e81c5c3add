"""What the crawl steps (and the runner) share: a board's own GET, parsing off the event
loop, and detail requests merged into the list's jobs under the per-company cap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from scraper.boards import parse
from scraper.errors import FetchError, ParseError
from scraper.fetch import Fetcher, Response
from scraper.models import Job

# Fields a detail never overrides: a job's identity comes from the list.
_IDENTITY = frozenset({"source", "board", "external_id"})


def board_error(exc: FetchError) -> FetchError:
    """A 404 on a board's own listing means the board is gone or misnamed: say so."""
    if exc.status == 404:
        return FetchError(exc.url, "404 board not found", 404)
    return exc


async def board_get(fetcher: Fetcher, url: str, params: dict[str, str] | None = None) -> str:
    """GET a board's own listing; a 404 there means the board is gone or misnamed."""
    try:
        return await fetcher.get_text(url, params=params)
    except FetchError as exc:
        raise board_error(exc) from None


async def board_request(fetcher: Fetcher, url: str) -> Response:
    """GET a board's own listing as a Response (final URL, headers), 404 as 'board not found'."""
    try:
        return await fetcher.request("GET", url)
    except FetchError as exc:
        raise board_error(exc) from None


def not_a_board(url: str, why: str) -> FetchError:
    """The FetchError of a board that answered, but not with a board (an unknown one)."""
    return FetchError(url, f"board not found ({why})", 404)


async def parse_off_loop(
    fmt: str, payload: Any, *, board: str, url: str, now: datetime | None
) -> list[Job]:
    """``parse`` in a worker thread: a large board takes seconds of CPU (HTML cleaning), which
    on the event loop would stall every other company's requests and timeouts."""
    return await asyncio.to_thread(parse, fmt, payload, board=board, url=url, now=now)


def merge(listed: Job, detail: Job, *, prefer_detail: bool = True) -> Job:
    """``listed`` with the detail's known (non-empty) values: all of them, or with
    ``prefer_detail=False`` only those the list lacks."""
    known = {
        f.name: value
        for f in fields(Job)
        if f.name not in _IDENTITY
        and (value := getattr(detail, f.name)) not in (None, ())
        and (prefer_detail or getattr(listed, f.name) in (None, ()))
    }
    return replace(listed, **known)


async def with_details(
    jobs: Sequence[Job],
    urls: Sequence[str],
    fetch_one: Callable[[str], Any],
    fmt: str,
    board: str,
    now: datetime | None,
    *,
    prefer_detail: bool = True,
) -> list[Job]:
    """Each job merged with its detail (``urls[i]`` is job i's; fewer urls than jobs is the
    detail cap at work). A detail that fails to fetch or parse leaves the list data as it is."""

    async def one(url: str) -> Job | None:
        try:
            payload = await fetch_one(url)
            found = await parse_off_loop(fmt, payload, board=board, url=url, now=now)
        except (FetchError, ParseError):
            return None
        return found[0] if found else None

    detailed = await asyncio.gather(*(one(u) for u in urls))
    out = list(jobs)
    for i, detail in enumerate(detailed):
        if detail is not None:
            out[i] = merge(out[i], detail, prefer_detail=prefer_detail)
    return out
