"""Gem: ``/job_board/v0/{vanity}/job_posts/`` (trailing slash required), a bare array; the
vanity is case-sensitive: any other spelling is a 404."""

from __future__ import annotations

import base64
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, city_line, plain_text, stable_hash

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

GEM_TYPES = {"full_time": "full_time", "part_time": "part_time", "contract": "contract", "intern": "intern"}
GEM_WORKPLACE = {"remote": "remote", "hybrid": "hybrid", "onsite": "in_office", None: None}


def gem_id(board: Board, job: SimJob) -> str:
    number = 4_900_000_000 + board.index * 100_000 + job.k
    if job.k % 4 == 1:  # some boards use opaque ids
        return base64.b64encode(f"jobpost:{number}".encode()).decode().rstrip("=")
    return str(number)


def _iso_ms(job: SimJob, which: str) -> str:
    stamp = job.posted if which == "posted" else job.updated
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def render_gem(board: Board, jobs: list[SimJob]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for job in jobs:
        gid = gem_id(board, job)
        dept: dict[str, Any] = {"child_ids": [], "id": f"dep-{stable_hash(job.department) % 1000}", "name": job.department,
                "parent_id": None}  # fmt: skip
        out.append({
            "absolute_url": f"https://jobs.gem.com/{board.slug}/{gid}",
            "content": job.description,
            "content_plain": plain_text(job.description),
            "created_at": _iso_ms(job, "posted"),
            "departments": [dept] if job.k % 5 else [],
            "employment_type": GEM_TYPES[job.employment],
            "first_published_at": _iso_ms(job, "posted"),
            "id": gid,
            "internal_job_id": str(4_100_000_000 + job.k),
            "location": {"name": job.location},
            "location_type": GEM_WORKPLACE[job.workplace],
            "offices": [{"child_ids": [], "child_office_external_ids": [], "id": f"off-{stable_hash(p.city) % 1000}",
                         "location": {"name": city_line(p)}, "name": p.city, "parent_id": None,
                         "parent_office_external_id": None} for p in job.places],  # fmt: skip
            "requisition_id": f"REQ-{job.k:04d}" if job.k % 3 else None,
            "title": job.title,
            "updated_at": _iso_ms(job, "updated"),
        })  # fmt: skip
    return out


async def _posts(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("gem", request.match_info["vanity"])
    if board is None:
        return web.json_response({"error": "Not Found"}, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    return sim.json_body(("gem", board.slug), lambda: render_gem(board, sim.jobs(board)))


async def _no_slash(sim: Simulator, request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": "Not Found"}, status=404)


def endpoint(board: Board) -> str:
    return f"/job_board/v0/{board.slug}/job_posts/"


def external_id(board: Board, job: SimJob) -> str:
    return gem_id(board, job)


def slug(name: str) -> str:
    return "".join(name.split())  # case-sensitive vanity


def numbered(base: str, n: int) -> str:
    return f"{base}{n}"


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/job_board/v0/{vanity}/job_posts/", partial(_posts, sim)),
            web.get("/job_board/v0/{vanity}/job_posts", partial(_no_slash, sim))]  # fmt: skip
