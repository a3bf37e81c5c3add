"""Teamtailor: the RSS feed ``/teamtailor/{slug}/jobs.rss`` (the real host is the board's own,
``{slug}.teamtailor.com`` or a custom domain), paged by ``offset`` and ``per_page``
(default and most: 100); descriptions entity-escaped, a few in CDATA; unknown boards 404."""

from __future__ import annotations

import html
from datetime import timedelta, timezone
from email.utils import format_datetime
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web

from scraper.simulator.world import Board, SimJob, int_param, page_html, slugify

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

TEAMTAILOR_PAGE = 100
STOCKHOLM = timezone(timedelta(hours=1))
REMOTE_STATUS = {"remote": "fully", "hybrid": "hybrid", "onsite": "onsite", None: "none"}


def teamtailor_id(board: Board, job: SimJob) -> str:
    return str(8_000_000 + board.index * 10_000 + job.k)


def _item(board: Board, job: SimJob) -> str:
    tid = teamtailor_id(board, job)
    description = (f"<![CDATA[{job.description}]]>" if job.k % 5 == 0
                   else html.escape(job.description, quote=False))  # fmt: skip
    locations = "".join(
        f"<tt:location><tt:name>{html.escape(p.city)} office</tt:name><tt:address></tt:address><tt:zip></tt:zip>"
        f"<tt:city>{html.escape(p.city)}</tt:city><tt:country>{html.escape(p.country)}</tt:country></tt:location>"
        for p in job.places
    )
    return (
        "<item>"
        f"<title>{html.escape(job.title, quote=False)}</title>"
        f"<description>{description}</description>"
        f"<pubDate>{format_datetime(job.posted.astimezone(STOCKHOLM))}</pubDate>"
        f"<link>https://{board.slug}.teamtailor.com/jobs/{tid}-{slugify(job.title)}</link>"
        f"<guid>{job.uid}</guid>"
        f"<remoteStatus>{REMOTE_STATUS[job.workplace]}</remoteStatus>"
        f"<tt:locations>{locations}</tt:locations>"
        f"<tt:department>{html.escape(job.department)}</tt:department>"
        f"<tt:role>{html.escape(job.team)}</tt:role><tt:division/>"
        "</item>"
    )


def render_teamtailor(board: Board, jobs: list[SimJob], offset: int, per_page: int) -> str:
    items = "".join(_item(board, j) for j in jobs[offset : offset + per_page])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:tt="https://teamtailor.com/locations"><channel>'
            f"<title>{html.escape(board.name)}</title><description>Jobs at {html.escape(board.name)}</description>"
            f"<link>https://{board.slug}.teamtailor.com/jobs</link>{items}</channel></rss>\n")  # fmt: skip


async def _feed(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("teamtailor", request.match_info["slug"])
    if board is None:
        text = page_html("Page not found - Teamtailor", "<h1>The page you were looking for doesn't exist</h1>")
        return web.Response(status=404, text=text, content_type="text/html")
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    offset = max(0, int_param(request.query.get("offset"), 0))
    per_page = min(TEAMTAILOR_PAGE, max(1, int_param(request.query.get("per_page"), TEAMTAILOR_PAGE)))
    body = sim.cached(("teamtailor", board.slug, offset, per_page),
                      lambda: render_teamtailor(board, sim.jobs(board), offset, per_page).encode())  # fmt: skip
    return web.Response(body=body, content_type="application/rss+xml", charset="utf-8")


def endpoint(board: Board) -> str:
    return f"/teamtailor/{board.slug}/jobs.rss"


def external_id(board: Board, job: SimJob) -> str:
    return teamtailor_id(board, job)


def tune(nth: int, size: int) -> tuple[int, str, str]:
    return (130 if nth == 0 else size), "", ""  # the first board needs a second page of 100


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/teamtailor/{slug}/jobs.rss", partial(_feed, sim))]
