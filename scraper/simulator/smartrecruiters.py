"""SmartRecruiters: paged ``/v1/companies/{id}/postings`` (at most 100) and per-posting detail."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    Board,
    SimJob,
    int_param,
    iso_z,
    slugify,
    stable_hash,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


SMARTRECRUITERS_PAGE_MAX = 100


def sr_id(board: Board, job: SimJob) -> str:
    return str(744_000_000_000 + board.index * 100_000 + job.k)


def _sr_item(board: Board, job: SimJob) -> dict[str, Any]:
    p = job.place
    dept = {} if job.k % 4 == 0 else {"id": str(stable_hash(job.department) % 10**6), "label": job.department}
    pid = sr_id(board, job)
    return {
        "id": pid,
        "name": job.title,
        "uuid": job.uid,
        "jobAdId": job.uid[::-1],
        "defaultLanguage": {"code": "en", "label": "English", "labelNative": "English (US)"},
        "refNumber": f"REF{job.k:04d}{board.slug[:3].upper()}",
        "company": {"identifier": board.slug, "name": board.name},
        "releasedDate": iso_z(job.posted, ms=True),
        "location": {
            "city": p.city, "region": p.region, "country": p.country_code.lower(),
            "remote": job.workplace == "remote", "hybrid": job.workplace == "hybrid",
            "fullLocation": job.location,
        },
        "industry": {"id": "computer_software", "label": "Computer Software"},
        "department": dept,
        "function": {"id": "engineering", "label": "Engineering"},
        "typeOfEmployment": {"id": job.employment, "label": job.employment.replace("_", "-").title()},
        "experienceLevel": {"id": "mid_senior_level", "label": "Mid-Senior Level"},
        "customField": [],
        "ref": f"https://api.smartrecruiters.com/v1/companies/{board.slug}/postings/{pid}",
        "creator": {"name": "Talent Team"},
        "language": {"code": "en", "label": "English", "labelNative": "English (US)"},
    }  # fmt: skip


def render_sr_page(board: Board, jobs: list[SimJob], offset: int, limit: int) -> dict[str, Any]:
    page = jobs[offset : offset + limit]
    return {"offset": offset, "limit": limit, "totalFound": len(jobs),
            "content": [_sr_item(board, j) for j in page]}  # fmt: skip


def render_sr_detail(board: Board, job: SimJob) -> dict[str, Any]:
    d = _sr_item(board, job)
    (h1, b1), (h2, b2) = job.sections
    d["jobAd"] = {"sections": {
        "companyDescription": {"title": "Company Description", "text": job.intro.split("</p>")[0] + "</p>"},
        "jobDescription": {"title": "Job Description",
                           "text": job.intro + f"<h3>{h1}</h3><ul>{''.join(f'<li>{b}</li>' for b in b1)}</ul>"},
        "qualifications": {"title": "Qualifications",
                           "text": f"<ul>{''.join(f'<li>{b}</li>' for b in b2)}</ul>"},
        "additionalInformation": {"title": "Additional Information", "text": job.closing},
    }}  # fmt: skip
    d["postingUrl"] = f"https://jobs.smartrecruiters.com/{board.slug}/{d['id']}-{slugify(job.title)}"
    d["applyUrl"] = f"https://jobs.smartrecruiters.com/{board.slug}/{d['id']}-{slugify(job.title)}?oga=true"
    return d


async def _postings(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("smartrecruiters", request.match_info["cid"])
    offset = max(0, int_param(request.query.get("offset"), 0))
    limit = int_param(request.query.get("limit"), 10)
    if not 1 <= limit <= SMARTRECRUITERS_PAGE_MAX:
        return web.json_response({"code": "INVALID_PARAMETER",
                                  "message": f"limit must be between 1 and {SMARTRECRUITERS_PAGE_MAX}"},
                                 status=400)  # fmt: skip
    if board is None:
        return web.json_response({"offset": offset, "limit": limit, "totalFound": 0, "content": []})
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    return sim.json_body(("sr", board.slug, offset, limit),
                         lambda: render_sr_page(board, sim.jobs(board), offset, limit))


async def _posting(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("smartrecruiters", request.match_info["cid"])
    pid = request.match_info["pid"]
    jobs = [] if board is None else sim.jobs(board)
    job = next((j for j in jobs if board is not None and sr_id(board, j) == pid), None)
    if board is None or job is None:
        return web.json_response({"code": "NOT_FOUND", "message": f"Posting {pid} not found"}, status=404)
    return web.json_response(render_sr_detail(board, job))


def endpoint(board: Board) -> str:
    return f"/v1/companies/{board.slug}/postings"


def external_id(board: Board, job: SimJob) -> str:
    return sr_id(board, job)


def slug(name: str) -> str:
    return "".join(name.split())  # case-sensitive company id


def numbered(base: str, n: int) -> str:
    return f"{base}{n}"


def tune(nth: int, size: int) -> tuple[int, str, str]:
    return (135 if nth == 0 else size), "", ""  # the first board forces paging at limit=100


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/v1/companies/{cid}/postings", partial(_postings, sim)),
            web.get("/v1/companies/{cid}/postings/{pid}", partial(_posting, sim))]  # fmt: skip
