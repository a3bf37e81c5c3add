"""Rippling: the v1 board list ``/platform/api/ats/v1/board/{slug}/jobs`` (one row per job
and location) and each job's detail ``.../jobs/{uuid}``; unknown boards are a 404."""

from __future__ import annotations

from datetime import timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, city_line

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

RIPPLING_TYPES = {"full_time": ("SALARIED_FT", "Salaried, full-time"), "part_time": ("SALARIED_PT", "Salaried, part-time"),
                  "contract": ("CONTRACTOR", "Contractor"), "intern": ("INTERN", "Intern")}  # fmt: skip
PACIFIC = timezone(timedelta(hours=-7))
NOT_FOUND = {"error_code": "RESOURCE_NOT_FOUND", "message": "Job board not found", "status": 404}


def _places(job: SimJob) -> list[str]:
    if job.workplace == "remote":
        return ["Remote"]
    return [city_line(p) for p in job.places]


def _url(board: Board, job: SimJob) -> str:
    return f"https://ats.rippling.com/{board.slug}/jobs/{job.uid}"


def render_rippling(board: Board, jobs: list[SimJob]) -> list[dict[str, Any]]:
    rows = []
    for job in jobs:
        for place in _places(job):
            rows.append({"uuid": job.uid, "name": (" " if job.k % 6 == 0 else "") + job.title,
                         "department": {"id": job.department, "label": job.department}, "url": _url(board, job),
                         "workLocation": {"label": place, "id": place}})  # fmt: skip
    return rows


def render_rippling_detail(board: Board, job: SimJob) -> dict[str, Any]:
    label, human = RIPPLING_TYPES[job.employment]
    s = job.salary
    pay = []
    if s is not None and job.salary_structured:
        frequency = {"year": "YEARLY", "month": "MONTHLY", "hour": "HOURLY"}[s.period]
        pay = [{"rangeStart": s.low, "rangeEnd": s.high, "currency": s.currency, "frequency": frequency,
                "isRemote": job.workplace == "remote", "location": place} for place in _places(job)]  # fmt: skip
    return {
        "uuid": job.uid,
        "name": job.title,
        "description": {"company": f'<p style="margin:0">{board.name} is hiring.</p>',
                        "role": job.description.replace("<p>", '<p style="margin:0">')},
        "workLocations": _places(job),
        "employmentType": {"label": label, "id": human},
        "createdOn": job.posted.astimezone(PACIFIC).isoformat(timespec="microseconds"),
        "payRangeDetails": pay,
        "department": {"name": job.department, "base_department": job.department},
        "companyName": board.name,
        "url": _url(board, job),
    }


async def _jobs(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("rippling", request.match_info["slug"])
    if board is None:
        return web.json_response(NOT_FOUND, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    return sim.json_body(("rippling", board.slug), lambda: render_rippling(board, sim.jobs(board)))


async def _job(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("rippling", request.match_info["slug"])
    uid = request.match_info["uuid"]
    job = next((j for j in sim.jobs(board) if j.uid == uid), None) if board else None
    if board is None or job is None:
        return web.json_response({**NOT_FOUND, "message": "Job not found"}, status=404)
    return web.json_response(render_rippling_detail(board, job))


def endpoint(board: Board) -> str:
    return f"/platform/api/ats/v1/board/{board.slug}/jobs"


def external_id(board: Board, job: SimJob) -> str:
    return job.uid


def slug(name: str) -> str:
    return "-".join(name.lower().split())


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/platform/api/ats/v1/board/{slug}/jobs", partial(_jobs, sim)),
            web.get("/platform/api/ats/v1/board/{slug}/jobs/{uuid}", partial(_job, sim))]  # fmt: skip
