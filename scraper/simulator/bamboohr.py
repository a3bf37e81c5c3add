"""BambooHR: ``/bamboohr/{slug}/careers/list`` and ``/bamboohr/{slug}/careers/{id}/detail``
(the real host is ``{slug}.bamboohr.com``). An unknown board answers 200 with an HTML
marketing page, as the real one does; an unknown opening is a JSON 404."""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, page_html, salary_prose

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

BAMBOO_TYPES = {"full_time": "Full-Time", "part_time": "Part-Time", "contract": "Contractor", "intern": "Intern"}
BAMBOO_WORKPLACE = {"onsite": "0", "remote": "1", "hybrid": "2", None: "0"}
NOT_FOUND = {"type": "not_found", "title": "Resource not found.",
             "details": "Looks like the id you provided doesn't exist.", "meta": []}  # fmt: skip
MARKETING = page_html("BambooHR: HR Software for Small & Medium Businesses",
                      "<h1>Set your people free to do great work.</h1>"
                      '<a href="https://www.bamboohr.com/signup">Get a free demo</a>')  # fmt: skip


def bamboo_id(board: Board, job: SimJob) -> str:
    return str(board.index * 1000 + job.k + 1)


def _places(job: SimJob) -> tuple[dict[str, Any], dict[str, Any]]:
    """(location, atsLocation): alternates, exactly one filled."""
    p = job.place
    if job.k % 2:
        return {"city": p.city, "state": p.region or None}, {"country": None, "state": None, "province": None,
                                                              "city": None}  # fmt: skip
    return {"city": None, "state": None}, {"country": p.country, "state": p.region or None, "province": None,
                                            "city": p.city}  # fmt: skip


def _row(board: Board, job: SimJob) -> dict[str, Any]:
    location, ats_location = _places(job)
    return {
        "id": bamboo_id(board, job),
        "jobOpeningName": job.title + (" " if job.k % 3 == 0 else ""),
        "departmentId": str(len(job.department)),
        "departmentLabel": job.department,
        "employmentStatusLabel": BAMBOO_TYPES[job.employment],
        "employmentType": None,
        "location": location,
        "atsLocation": ats_location,
        "isRemote": None,
        "locationType": BAMBOO_WORKPLACE[job.workplace],
    }


def _escaped(data: Any) -> bytes:
    # BambooHR escapes "/" as "\/" (valid JSON)
    return json.dumps(data, ensure_ascii=False).replace("/", "\\/").encode()


def render_bamboohr(board: Board, jobs: list[SimJob]) -> bytes:
    return _escaped({"meta": {"totalCount": len(jobs)}, "result": [_row(board, j) for j in jobs]})


def render_bamboohr_detail(board: Board, job: SimJob) -> bytes:
    row = _row(board, job)
    location, ats_location = _places(job)
    s = job.salary
    opening = {
        **row,
        "jobOpeningShareUrl": f"https://{board.slug}.bamboohr.com/careers/{row['id']}",
        "jobOpeningStatus": "Open",
        "jobCategoryId": "7",
        "location": {**location, "postalCode": None, "addressCountry": job.place.country if job.k % 2 else None},
        "atsLocation": {**ats_location, "countryId": None},
        "description": job.description.replace("&nbsp;", "\u00a0"),
        "compensation": salary_prose(s, job.k) if s is not None and job.salary_structured else None,
        "datePosted": job.posted.date().isoformat(),
        "minimumExperience": "Mid-Level",
        "seekPromoted": False,
    }
    del opening["id"]
    return _escaped({"meta": {}, "result": {"jobOpening": opening}})


async def _list(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("bamboohr", request.match_info["slug"])
    if board is None:
        return web.Response(text=MARKETING, content_type="text/html")
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    body = sim.cached(("bamboohr", board.slug), lambda: render_bamboohr(board, sim.jobs(board)))
    return web.Response(body=body, content_type="application/json")


async def _detail(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("bamboohr", request.match_info["slug"])
    if board is None:
        return web.Response(text=MARKETING, content_type="text/html")
    wanted = request.match_info["id"]
    job = next((j for j in sim.jobs(board) if bamboo_id(board, j) == wanted), None)
    if job is None:
        return web.json_response(NOT_FOUND, status=404)
    return web.Response(body=render_bamboohr_detail(board, job), content_type="application/json")


def endpoint(board: Board) -> str:
    return f"/bamboohr/{board.slug}/careers/list"


def external_id(board: Board, job: SimJob) -> str:
    return bamboo_id(board, job)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/bamboohr/{slug}/careers/list", partial(_list, sim)),
            web.get("/bamboohr/{slug}/careers/{id}/detail", partial(_detail, sim))]  # fmt: skip
