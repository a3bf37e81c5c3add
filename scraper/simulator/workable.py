"""Workable: ``/api/v1/widget/accounts/{slug}``, date-only dates and empty strings."""

from __future__ import annotations

import html
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    Board,
    SimJob,
    slugify,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


WORKABLE_TYPES = {"full_time": "Full-time", "part_time": "Part-time", "contract": "Contract", "intern": ""}


def render_workable(board: Board, jobs: list[SimJob], details: bool) -> dict[str, Any]:
    out = []
    for job in jobs:
        p = job.place
        d: dict[str, Any] = {
            "title": job.title,
            "shortcode": job.code,
            "code": "",
            "employment_type": WORKABLE_TYPES[job.employment],
            "telecommuting": job.workplace == "remote",
            "department": job.department if job.k % 4 else "",
            "url": f"https://apply.workable.com/j/{job.code}",
            "shortlink": f"https://apply.workable.com/j/{job.code}",
            "application_url": f"https://apply.workable.com/j/{job.code}/apply",
            "published_on": job.posted.date().isoformat(),
            "created_at": (job.posted - timedelta(days=2)).date().isoformat(),
            "country": p.country,
            "city": p.city,
            "state": p.region if p.country_code == "US" else "",
            "education": "",
            "experience": "Mid-Senior level" if job.k % 2 else "",
            "function": "",
            "industry": "Computer Software",
            "locations": [{"country": q.country, "countryCode": q.country_code, "city": q.city,
                           "region": q.region, "hidden": False} for q in job.places],
        }  # fmt: skip
        if details:
            d["description"] = job.description
        out.append(d)
    return {"name": board.name, "description": f"<p>{html.escape(board.name)} is hiring.</p>", "jobs": out}


async def _account(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("workable", request.match_info["slug"])
    if board is None:
        return web.json_response({"error": "Not found"}, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    details = request.query.get("details") == "true"
    return sim.json_body(("workable", board.slug, details),
                         lambda: render_workable(board, sim.jobs(board), details))


def endpoint(board: Board) -> str:
    return f"/api/v1/widget/accounts/{board.slug}?details=true"


def external_id(board: Board, job: SimJob) -> str:
    return job.code


def slug(name: str) -> str:
    return slugify(name)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/api/v1/widget/accounts/{slug}", partial(_account, sim))]
