"""The requests a format needs beyond one GET of its endpoint: paging, id lookups, details.

One module per such format, each exposing ``async fetch(fetcher, target, *, now, settings)
-> list[Job]``; the runner looks formats up in ``STEPS``. Every module parses with its board
module (``scraper.boards``), which stays pure; what is shared lives in ``common``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from importlib import import_module

from scraper.detect import Target
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Job

Step = Callable[..., Awaitable[list[Job]]]
STEPPED = ("bamboohr", "join", "jazzhr", "icims", "teamtailor", "breezy", "oracle", "rippling")


def step_for(fmt: str) -> Step | None:
    """The ``fetch`` of format ``fmt``'s crawl module, or None when one GET is all it needs."""
    if fmt not in STEPPED:
        return None
    step: Step = import_module(f"scraper.crawl.{fmt}").fetch
    return step


async def run_step(
    step: Step, fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings
) -> list[Job]:
    return await step(fetcher, target, now=now, settings=settings)
