"""JOIN: the company page ``/companies/{slug}`` (a Next.js page whose ``__NEXT_DATA__`` names the
company id), the jobs API ``/api/public/companies/{id}/jobs?page=N&pageSize=5`` (1-based
pages; a page size over 5 is a 422; every sixth request of a company is a 429) and a job's
detail ``/api/public/jobs/{id}`` with a Markdown description. An unknown slug renders a page
whose ``pageProps.statusCode`` is 404; the placeholder fault board renders company 233."""

from __future__ import annotations

import html
import json
import math
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, int_param, page_html, plain_text, slugify

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

JOIN_PAGE_MAX = 5
PLACEHOLDER_ID = 233
JOIN_TYPES = {"full_time": "FULL_TIME", "part_time": "PART_TIME", "contract": "CONTRACTOR", "intern": "INTERN"}
JOIN_WORKPLACE = {"remote": "REMOTE", "hybrid": "HYBRID", "onsite": "ONSITE", None: "ONSITE"}


def company_id(board: Board) -> int:
    return 100_000 + board.index


def join_id(board: Board, job: SimJob) -> str:
    return str(9_000_000 + board.index * 1000 + job.k)


def _next_page(props: dict[str, Any]) -> str:
    data = json.dumps({"props": {"pageProps": props}, "page": "/companies/[companySlug]"}).replace("</", "<\\/")
    return page_html("JOIN", "<div id='__next'></div>", f'<script id="__NEXT_DATA__" type="application/json">{data}</script>')


def render_company_page(board: Board | None, slug: str) -> str:
    if board is None:
        return _next_page({"statusCode": 404})
    if board.failure == "placeholder-company":
        return _next_page({"initialState": {"company": {"id": PLACEHOLDER_ID, "name": "JOIN", "domain": "join",
                                                         "isPublic": True}}})  # fmt: skip
    return _next_page({"initialState": {"company": {"id": company_id(board), "name": board.name, "domain": board.slug,
                                                     "isPublic": True}}})  # fmt: skip


def _item(board: Board, job: SimJob) -> dict[str, Any]:
    p = job.place
    s = job.salary if job.salary_structured else None
    d: dict[str, Any] = {
        "id": int(join_id(board, job)), "idParam": f"{join_id(board, job)}-{slugify(job.title)}",
        "title": job.title, "companyId": company_id(board), "createdAt": job.posted.isoformat(timespec="milliseconds"),
        "workplaceType": JOIN_WORKPLACE[job.workplace],
        "city": {"cityName": p.city, "countryName": p.country, "countryCode": p.country_code, "lat": 0, "lng": 0,
                 "googlePlaceId": f"ChIJ{job.uid[:12]}"},
        "country": {"iso3166": p.country_code},
        "employmentType": {"name": JOIN_TYPES[job.employment], "googleType": JOIN_TYPES[job.employment]},
        "category": {"name": job.department},
    }  # fmt: skip
    if s is not None:
        d.update(salaryAmountFrom=s.low, salaryAmountTo=s.high, salaryCurrency=s.currency,
                 salaryFrequency={"year": "PER_YEAR", "month": "PER_MONTH", "hour": "PER_HOUR"}[s.period])
    return d


def _markdown(job: SimJob) -> str:
    lines = [plain_text(job.intro).replace("\n", "\n\n")]
    for heading, items in job.sections:
        lines += [f"### {heading}", "\n".join(f"- {html.unescape(b)}" for b in items)]
    lines.append(plain_text(job.closing))
    return "\n\n".join(lines)


def render_page(board: Board, jobs: list[SimJob], page: int, size: int) -> dict[str, Any]:
    items = [_item(board, j) for j in jobs[(page - 1) * size : page * size]]
    rows = len(jobs)
    return {"items": items, "pagination": {"page": page, "pageSize": size, "rowCount": rows,
                                           "pageCount": math.ceil(rows / size)}}  # fmt: skip


def _by_id(sim: Simulator, cid: int) -> Board | None:
    return next((b for b in sim.boards_of("join") if company_id(b) == cid and b.failure is None), None)


async def _company(sim: Simulator, request: web.Request) -> web.StreamResponse:
    slug = request.match_info["slug"]
    board = sim.lookup("join", slug)
    ordinary = board is not None and board.failure not in (None, "placeholder-company")
    if ordinary and board is not None and (failed := await sim.fault(request, board)) is not None:
        return failed
    return web.Response(text=render_company_page(board, slug), content_type="text/html")


async def _jobs(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = _by_id(sim, int_param(request.match_info["cid"], -1))
    page, size = int_param(request.query.get("page"), 1), int_param(request.query.get("pageSize"), JOIN_PAGE_MAX)
    if not 1 <= size <= JOIN_PAGE_MAX or page < 1:
        return web.json_response({"statusCode": 422, "message": "pageSize must not be greater than 5"}, status=422)
    if board is None:
        return web.json_response({"statusCode": 404, "message": "Company not found"}, status=404)
    if sim.count_hit(board) % 6 == 0:
        return web.json_response({"statusCode": 429, "message": "Too Many Requests"}, status=429,
                                 headers={"Retry-After": "0"})  # fmt: skip
    return sim.json_body(("join", board.slug, page, size), lambda: render_page(board, sim.jobs(board), page, size))


async def _job(sim: Simulator, request: web.Request) -> web.StreamResponse:
    wanted = request.match_info["jid"]
    for board in sim.boards_of("join"):
        job = next((j for j in sim.jobs(board) if join_id(board, j) == wanted), None)
        if job is not None:
            detail = {**_item(board, job), "description": _markdown(job),
                      "company": {"id": company_id(board), "name": board.name, "domain": board.slug}}  # fmt: skip
            return web.json_response(detail)
    return web.json_response({"statusCode": 404, "message": "Job not found"}, status=404)


def endpoint(board: Board) -> str:
    return f"/companies/{board.slug}"


def external_id(board: Board, job: SimJob) -> str:
    return join_id(board, job)


def slug(name: str) -> str:
    return slugify(name)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/companies/{slug}", partial(_company, sim)),
            web.get("/api/public/companies/{cid}/jobs", partial(_jobs, sim)),
            web.get("/api/public/jobs/{jid}", partial(_job, sim))]  # fmt: skip
