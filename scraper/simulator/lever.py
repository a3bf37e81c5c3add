"""Lever: ``/v0/postings/{site}``, a bare array with epoch-ms dates; ``skip``/``limit`` page it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    Board,
    SimJob,
    city_line,
    int_param,
    plain_text,
    slugify,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


LEVER_INTERVALS = {"year": "per-year-salary", "month": "per-month-salary", "hour": "per-hour-wage"}
LEVER_COMMITMENT = {"full_time": "Full-time", "part_time": "Part-time", "contract": "Contract",
                    "intern": "Internship"}  # fmt: skip


def render_lever(board: Board, jobs: list[SimJob]) -> list[dict[str, Any]]:
    out = []
    for job in jobs:
        lists = [{"text": h, "content": "".join(f"<li>{b}</li>" for b in items)} for h, items in job.sections]
        d: dict[str, Any] = {
            "additional": job.closing,
            "additionalPlain": plain_text(job.closing),
            "categories": {
                "commitment": LEVER_COMMITMENT[job.employment],
                "department": job.department,
                "location": job.location,
                "team": job.team,
                "allLocations": [job.location] if len(job.places) == 1 else [city_line(p) for p in job.places],
            },
            "createdAt": int(job.posted.timestamp() * 1000),
            "descriptionPlain": plain_text(job.intro),
            "description": job.intro,
            "id": job.uid,
            "lists": lists,
            "text": job.title,
            "country": job.place.country_code,
            "workplaceType": job.workplace or "unspecified",
            "opening": "",
            "openingPlain": "",
            "hostedUrl": f"https://jobs.lever.co/{board.slug}/{job.uid}",
            "applyUrl": f"https://jobs.lever.co/{board.slug}/{job.uid}/apply",
        }  # fmt: skip
        if job.salary is not None and job.salary_structured:
            d["salaryRange"] = {"min": job.salary.low, "max": job.salary.high,
                                "currency": job.salary.currency,
                                "interval": LEVER_INTERVALS[job.salary.period]}  # fmt: skip
        out.append(d)
    return out


async def _postings(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("lever", request.match_info["site"])
    if board is None:
        return web.json_response({"ok": False, "error": "Document not found"}, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    skip = int_param(request.query.get("skip"), 0)
    limit = int_param(request.query.get("limit"), 0)
    if not skip and not limit:
        return sim.json_body(("lever", board.slug), lambda: render_lever(board, sim.jobs(board)))
    jobs = sim.jobs(board)[skip : skip + limit if limit else None]
    return web.json_response(render_lever(board, jobs))


def endpoint(board: Board) -> str:
    return f"/v0/postings/{board.slug}?mode=json"


def external_id(board: Board, job: SimJob) -> str:
    return job.uid


def slug(name: str) -> str:
    return slugify(name)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/v0/postings/{site}", partial(_postings, sim))]
