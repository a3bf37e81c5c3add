"""One module per board format, each exposing ``parse(payload, *, board, url, now=None) -> list[Job]``.

``payload`` is the raw response body (``str`` or ``bytes``) or, where the runner merged
several pages, the already-decoded JSON object. Parsers do no I/O and raise only
``ParseError`` on input they cannot read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from importlib import import_module
from typing import Any, Protocol

from scraper.errors import ParseError
from scraper.models import SOURCES, Job
from scraper.normalize import http_url


class Parser(Protocol):
    def __call__(
        self, payload: Any, *, board: str, url: str, now: datetime | None = None
    ) -> list[Job]: ...


def get_parser(fmt: str) -> Callable[..., list[Job]]:
    """The ``parse`` function of format ``fmt``; ParseError for an unknown format."""
    if fmt not in SOURCES:
        raise ParseError(fmt, f"unknown format (known: {', '.join(SOURCES)})")
    module = import_module(f"scraper.boards.{fmt}")
    parser: Callable[..., list[Job]] = module.parse
    return parser


def parse(
    fmt: str, payload: Any, *, board: str, url: str, now: datetime | None = None
) -> list[Job]:
    """Parse ``payload`` as format ``fmt``; every job has an id, a title and an http(s) url
    (its own, else ``url``), or ParseError."""
    jobs = get_parser(fmt)(payload, board=board, url=url, now=now)
    for index, job in enumerate(jobs):
        # A posting we cannot identify would be closed by the lifecycle while still open:
        # refuse the payload instead of saving a partial board.
        if not job.external_id.strip():
            raise ParseError(fmt, f"posting #{index + 1} has no id")
        if not job.title.strip():
            raise ParseError(fmt, f"posting {job.external_id} has no title")
        # The UI renders url as a link: a last guard against javascript: and data: URLs.
        safe = http_url(job.url) or http_url(url)
        if safe is None:
            raise ParseError(
                fmt,
                f"posting {job.external_id} has no http(s) url of its own, and the page "
                f"url {url!r} is not http(s) either",
            )
        if safe != job.url:
            jobs[index] = replace(job, url=safe)
    return jobs
