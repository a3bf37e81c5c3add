"""Workday: POSTed pages of at most 20 under ``/wday/cxs/{tenant}/{site}/jobs`` and per-job detail."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    Board,
    SimJob,
    city_line,
    slugify,
    stable_hash,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


WORKDAY_PAGE_MAX = 20


def workday_req_id(board: Board, job: SimJob) -> str:
    return f"JR{board.index * 100_000 + job.k + 10_000:07d}"


def workday_path(board: Board, job: SimJob) -> str:
    place = f"{job.place.city}-{job.place.country}".replace(" ", "-")
    return f"/job/{place}/{slugify(job.title).title()}_{workday_req_id(board, job)}"


def _posted_on(posted: datetime, today: datetime) -> str:
    days = (today.date() - posted.date()).days
    if days <= 0:
        return "Posted Today"
    if days == 1:
        return "Posted Yesterday"
    return "Posted 30+ Days Ago" if days >= 30 else f"Posted {days} Days Ago"


def render_workday_page(board: Board, jobs: list[SimJob], offset: int, limit: int, today: datetime) -> dict[str, Any]:
    postings = []
    for job in jobs[offset : offset + limit]:
        d: dict[str, Any] = {
            "title": job.title,
            "externalPath": workday_path(board, job),
            "locationsText": f"{len(job.places)} Locations" if len(job.places) > 1 else job.location,
            "postedOn": _posted_on(job.posted, today),
            "bulletFields": [workday_req_id(board, job)],
        }
        if job.workplace in ("remote", "hybrid"):
            d["remoteType"] = job.workplace.title()
        postings.append(d)
    return {"total": len(jobs), "jobPostings": postings, "facets": [], "userAuthenticated": False}


def render_workday_detail(board: Board, job: SimJob, today: datetime) -> dict[str, Any]:
    path = workday_path(board, job)
    info: dict[str, Any] = {
        "id": job.uid.replace("-", ""),
        "title": job.title,
        "jobDescription": job.description,
        "location": job.location if len(job.places) == 1 else city_line(job.place),
        "additionalLocations": [city_line(p) for p in job.places[1:]],
        "postedOn": _posted_on(job.posted, today),
        "startDate": job.posted.date().isoformat(),
        "timeType": "Part time" if job.employment == "part_time" else "Full time",
        "jobReqId": workday_req_id(board, job),
        "jobPostingId": path.rsplit("/", 1)[1],
        "jobPostingSiteId": board.site,
        "country": {"descriptor": job.place.country, "id": stable_hash(job.place.country) % 10**8},
        "canApply": True,
        "posted": True,
        "externalUrl": f"https://{board.slug}.wd5.myworkdayjobs.com/{board.site}{path}",
    }
    if job.workplace in ("remote", "hybrid"):
        info["remoteType"] = job.workplace.title()
    return {"jobPostingInfo": info, "hiringOrganization": {"name": board.name, "url": ""},
            "similarJobs": [], "userAuthenticated": False}  # fmt: skip


async def _jobs(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("workday", request.match_info["tenant"])
    if board is None or request.match_info["site"] != board.site:
        return web.json_response({"errorCode": "HTTP_404", "httpStatus": 404}, status=404)
    try:
        body = await request.json() if request.can_read_body else {}
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 20))
    except (ValueError, TypeError, AttributeError):
        return web.json_response({"errorCode": "HTTP_400", "message": "Bad request body"}, status=400)
    if not 0 < limit <= WORKDAY_PAGE_MAX or offset < 0:
        return web.json_response({"errorCode": "HTTP_400", "httpStatus": 400,
                                  "message": f"limit must be 1..{WORKDAY_PAGE_MAX}"}, status=400)  # fmt: skip
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    return sim.json_body(("wd", board.slug, offset, limit),
                         lambda: render_workday_page(board, sim.jobs(board), offset,
                                                     limit, sim.today()))  # fmt: skip


async def _job(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("workday", request.match_info["tenant"])
    path = "/job/" + request.match_info["rest"]
    jobs = [] if board is None else sim.jobs(board)
    job = next((j for j in jobs if board is not None and workday_path(board, j) == path), None)
    if board is None or job is None or request.match_info["site"] != board.site:
        return web.json_response({"errorCode": "HTTP_404", "httpStatus": 404}, status=404)
    return web.json_response(render_workday_detail(board, job, sim.today()))


def endpoint(board: Board) -> str:
    return f"/wday/cxs/{board.slug}/{board.site}/jobs"


def external_id(board: Board, job: SimJob) -> str:
    return workday_req_id(board, job)


def numbered(base: str, n: int) -> str:
    return f"{base}{n}"


def tune(nth: int, size: int) -> tuple[int, str, str]:
    # the first board has three pages of 20; sites alternate
    return (52 if nth == 0 else size), ("External", "Careers")[nth % 2], ""


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.post("/wday/cxs/{tenant}/{site}/jobs", partial(_jobs, sim)),
            web.get("/wday/cxs/{tenant}/{site}/job/{rest:.+}", partial(_job, sim))]  # fmt: skip
