"""Breezy HR: ``/breezy/{slug}/json`` (the real host is ``{slug}.breezy.hr``), a bare array,
and each posting's page ``/breezy/{slug}/p/{friendly_id}``. An unknown board redirects to
the home page (here: the simulator's own ``/``). Like Breezy's CDN, a board answers 403
once it has had more than ``BREEZY_RATE`` requests in the last second."""

from __future__ import annotations

import html
import time
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, ld_script, page_html, salary_prose, slugify

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

BREEZY_RATE = 14
BREEZY_TYPES = {"full_time": ("fullTime", "Full-Time"), "part_time": ("partTime", "Part-Time"),
                "contract": ("contract", "Contract"), "intern": ("intern", "Internship")}  # fmt: skip


def breezy_id(board: Board, job: SimJob) -> str:
    return job.uid.replace("-", "")[:12]


def friendly_id(board: Board, job: SimJob) -> str:
    return f"{breezy_id(board, job)}-{slugify(job.title)}"


def _location(job: SimJob, i: int = 0) -> dict[str, Any]:
    p = job.places[i]
    loc: dict[str, Any] = {"country": {"name": p.country, "id": p.country_code},
                           "state": {"id": p.region[:3].upper(), "name": p.region} if p.region else None,
                           "city": p.city, "name": f"{p.city}, {p.region[:3].upper()}" if p.region else p.city}  # fmt: skip
    if job.workplace in ("remote", "hybrid"):
        loc["is_remote"] = True  # true for hybrid too: remote_details tells them apart
        loc["remote_details"] = {"value": "hybrid" if job.workplace == "hybrid" else "fully"}
    elif job.k % 3:
        loc["is_remote"] = False
    return loc


def render_breezy(board: Board, jobs: list[SimJob], base: str) -> list[dict[str, Any]]:
    out = []
    for job in jobs:
        kind, name = BREEZY_TYPES[job.employment]
        s = job.salary
        out.append({
            "id": breezy_id(board, job),
            "friendly_id": friendly_id(board, job),
            "name": job.title,
            "url": f"{base}/breezy/{board.slug}/p/{friendly_id(board, job)}",
            "published_date": job.posted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "type": {"id": kind, "name": name},
            "location": _location(job),
            "department": job.department,
            "salary": salary_prose(s, job.k).replace("-", " – ", 1) if s and job.salary_structured else "",
            "company": {"name": board.name, "logo_url": None, "friendly_id": board.slug,
                        "isMultipleLocationsEnabled": len(job.places) > 1},
            "locations": [] if len(job.places) == 1 else [{**_location(job, i), "id": f"loc{i}"}
                                                          for i in range(len(job.places))],
        })  # fmt: skip
    return out


def render_breezy_page(board: Board, job: SimJob) -> str:
    head = ""
    if job.k % 10 < 7:  # most pages carry a JobPosting; the rest only the description div
        head = ld_script({"@context": "http://schema.org", "@type": "JobPosting", "title": job.title,
                          "description": job.description, "datePosted": job.posted.date().isoformat(),
                          "hiringOrganization": {"@type": "Organization", "name": board.name}})  # fmt: skip
    body = (f'<div class="banner"><h1>{html.escape(job.title)}</h1></div>'
            f'<div class="description">{job.description}</div>'
            f'<div class="apply"><a href="{friendly_id(board, job)}/apply">Apply</a></div>')  # fmt: skip
    return page_html(f"{job.title} at {board.name}", body, head)


def _throttled(sim: Simulator, board: Board) -> bool:
    """True when ``board`` has had more than BREEZY_RATE requests in the last second."""
    recent: deque[float] = sim.scratch.setdefault("breezy", {}).setdefault(board.slug, deque())
    now = time.monotonic()
    while recent and now - recent[0] > 1.0:
        recent.popleft()
    recent.append(now)
    return len(recent) > BREEZY_RATE


def _forbidden() -> web.Response:
    return web.Response(status=403, text=page_html("403 Forbidden", "<h1>403 Forbidden</h1>"), content_type="text/html")


async def _json(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("breezy", request.match_info["slug"])
    if board is None:
        raise web.HTTPFound("/")  # Breezy sends unknown boards to its home page
    if _throttled(sim, board):
        return _forbidden()
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    base = f"http://{request.host}"
    return sim.json_body(("breezy", board.slug, base), lambda: render_breezy(board, sim.jobs(board), base))


async def _page(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("breezy", request.match_info["slug"])
    if board is None:
        raise web.HTTPFound("/")
    if _throttled(sim, board):
        return _forbidden()
    wanted = request.match_info["friendly"]
    job = next((j for j in sim.jobs(board) if friendly_id(board, j) == wanted), None)
    if job is None:
        raise web.HTTPFound(f"/breezy/{board.slug}/json")
    return web.Response(text=render_breezy_page(board, job), content_type="text/html")


def endpoint(board: Board) -> str:
    return f"/breezy/{board.slug}/json"


def external_id(board: Board, job: SimJob) -> str:
    return breezy_id(board, job)


def slug(name: str) -> str:
    return slugify(name)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/breezy/{slug}/json", partial(_json, sim)),
            web.get("/breezy/{slug}/p/{friendly}", partial(_page, sim))]  # fmt: skip
