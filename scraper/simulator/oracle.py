"""Oracle Recruiting Cloud: the REST search ``/hcmRestApi/resources/latest/recruitingCEJobRequisitions``
(paged by ``limit``/``offset`` inside ``finder``; top-level ones are ignored and a finder
without a limit gives 25; without ``expand=requisitionList`` only facets come back), the
detail ``recruitingCEJobRequisitionDetails`` (the singular spelling is a bare 404), and a
careers page ``/hcmUI/CandidateExperience/en/sites/{name}/jobs`` that names the site number.

Boards share a host and are told apart by site number (``CX_{index}``); every second one is
given by its careers page, whose path name is not its site number. An unknown site number
answers an empty search (no source characterises it)."""

from __future__ import annotations

import html
import re
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, city_line, page_html, slugify

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

ORACLE_PAGE_MAX = 200
ORACLE_DEFAULT_PAGE = 25
API = "/hcmRestApi/resources/latest"
WORKPLACE = {"remote": ("ORA_REMOTE", "Remote"), "hybrid": ("ORA_HYBRID", "Hybrid"), "onsite": ("ORA_ON_SITE", "On-site"),
             None: (None, None)}  # fmt: skip
SCHEDULE = {"full_time": "Full time", "part_time": "Part time", "contract": "Full time", "intern": "Full time"}
_FINDER = re.compile(r"(\w+)=([^,]*)")


def site_number(board: Board) -> str:
    return f"CX_{board.index + 1}"


def oracle_id(board: Board, job: SimJob) -> str:
    return str(200_000 + board.index * 1000 + job.k)


def _finder(request: web.Request) -> tuple[str, dict[str, str]]:
    """('findReqs', {'siteNumber': 'CX_1', 'limit': '100', ...}) from ``finder=name;k=v,k=v``."""
    name, _, args = request.query.get("finder", "").partition(";")
    return name, {k: v.strip('"') for k, v in _FINDER.findall(args)}


def _requisition(board: Board, job: SimJob) -> dict[str, Any]:
    code, label = WORKPLACE[job.workplace]
    p = job.place
    return {
        "Id": oracle_id(board, job), "Title": job.title, "PostedDate": job.posted.date().isoformat(),
        "PostingEndDate": None, "Language": "US", "PrimaryLocationCountry": p.country_code,
        "GeographyId": 300_000_000 + len(p.city), "HotJobFlag": job.k % 7 == 0, "TrendingFlag": False,
        "BeFirstToApplyFlag": False, "WorkplaceTypeCode": code, "WorkplaceType": label,
        "JobFamily": job.department, "JobFunction": job.team, "WorkerType": "Employee",
        "ContractType": None, "JobSchedule": SCHEDULE[job.employment], "JobType": None,
        "LegalEmployer": None, "BusinessUnit": None, "Department": None, "Organization": None,
        "ShortDescriptionStr": job.title if job.k % 2 else html.unescape(job.intro.split("</p>")[0][3:]),
        "PrimaryLocation": city_line(p) + (f", {p.country}" if p.country_code != "US" else ", United States"),
        "Distance": 0.0, "Relevancy": 1.0,
        "secondaryLocations": [{"Name": city_line(q), "CountryCode": q.country_code, "GeographyId": 1}
                               for q in job.places[1:]],
        "workLocation": [], "otherWorkLocations": [], "requisitionFlexFields": [],
    }  # fmt: skip


def render_search(board: Board | None, jobs: list[SimJob], offset: int, limit: int, expanded: bool) -> dict[str, Any]:
    page = jobs[offset : offset + limit]
    wrapper: dict[str, Any] = {"SearchId": 1, "Keyword": None, "TotalJobsCount": len(jobs), "Offset": offset,
                               "Limit": limit, "titlesFacet": [], "locationsFacet": [], "workLocationsFacet": []}
    if expanded:
        wrapper["requisitionList"] = [_requisition(board, j) for j in page] if board else []
    # the outer count/hasMore describe the one wrapper, not the board: they mislead
    return {"items": [wrapper], "count": 1, "hasMore": False, "limit": 25, "offset": 0}  # fmt: skip


def render_detail(board: Board, job: SimJob) -> dict[str, Any]:
    (h1, b1), (h2, b2) = job.sections
    responsibilities = f"<ul>{''.join(f'<li>{b}</li>' for b in b1)}</ul>"
    qualifications = f"<ul>{''.join(f'<li>{b}</li>' for b in b2)}</ul>"
    same = job.k % 4 == 0  # some requisitions repeat one text in all three fields
    item = {
        **_requisition(board, job),
        "ExternalDescriptionStr": job.intro + job.closing,
        "ExternalResponsibilitiesStr": job.intro + job.closing if same else responsibilities,
        "ExternalQualificationsStr": job.intro + job.closing if same else qualifications,
        "ExternalPostedStartDate": job.posted.isoformat(timespec="seconds"),
        "ExternalPostedEndDate": None,
        "RequisitionId": 300_000_000_000 + int(oracle_id(board, job)),
        "NumberOfOpenings": 1,
    }
    return {"items": [item], "count": 1, "hasMore": False}


def _board_of(sim: Simulator, site: str) -> Board | None:
    return next((b for b in sim.boards_of("oracle") if site_number(b) == site), None)


async def _search(sim: Simulator, request: web.Request) -> web.StreamResponse:
    name, args = _finder(request)
    if name != "findReqs":
        return web.json_response({"title": "Bad Request", "status": "400", "detail": f"finder {name!r}"}, status=400)
    board = _board_of(sim, args.get("siteNumber", ""))
    limit = min(ORACLE_PAGE_MAX, max(1, int(args["limit"]))) if args.get("limit", "").isdigit() else ORACLE_DEFAULT_PAGE
    offset = int(args["offset"]) if args.get("offset", "").isdigit() else 0
    expanded = "requisitionList" in request.query.get("expand", "")
    if board is not None and (failed := await sim.fault(request, board)) is not None:
        return failed
    jobs = sim.jobs(board) if board is not None else []
    return sim.json_body(("oracle", site_number(board) if board else "", offset, limit, expanded),
                         lambda: render_search(board, jobs, offset, limit, expanded))  # fmt: skip


async def _detail(sim: Simulator, request: web.Request) -> web.StreamResponse:
    name, args = _finder(request)
    board = _board_of(sim, args.get("siteNumber", ""))
    job = next((j for j in sim.jobs(board) if oracle_id(board, j) == args.get("Id")), None) if board else None
    if name != "ById" or board is None or job is None:
        return web.json_response({"items": [], "count": 0, "hasMore": False})
    return web.json_response(render_detail(board, job))


async def _singular(sim: Simulator, request: web.Request) -> web.StreamResponse:
    return web.Response(status=404)


async def _careers(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = next((b for b in sim.boards_of("oracle") if b.slug == request.match_info["site"]), None)
    if board is None:
        raise web.HTTPNotFound(text="Not found")
    script = f"<script>var CX_CONFIG = {{lang: 'en', siteNumber: '{site_number(board)}', siteName: '{board.slug}'}};</script>"
    return web.Response(text=page_html(f"Careers - {board.name}", "<div id='app'></div>", script), content_type="text/html")


def endpoint(board: Board) -> str:
    if board.variant == "named":
        return f"/hcmUI/CandidateExperience/en/sites/{board.slug}/jobs"
    return (f"{API}/recruitingCEJobRequisitions?onlyData=true&expand=requisitionList.secondaryLocations"
            f"&finder=findReqs;siteNumber={site_number(board)},limit=25,offset=0,sortBy=POSTING_DATES_DESC")  # fmt: skip


def external_id(board: Board, job: SimJob) -> str:
    return oracle_id(board, job)


def slug(name: str) -> str:
    return slugify(name).title()  # a site path name such as "Northwind-Labs"


def tune(nth: int, size: int) -> tuple[int, str, str]:
    return (120 if nth == 0 else size), "", ("named" if nth % 2 else "")  # the first one pages at 100


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get(f"{API}/recruitingCEJobRequisitions", partial(_search, sim)),
            web.get(f"{API}/recruitingCEJobRequisitionDetails", partial(_detail, sim)),
            web.get(f"{API}/recruitingCEJobRequisitionDetail", partial(_singular, sim)),
            web.get("/hcmUI/CandidateExperience/{lang}/sites/{site}/jobs", partial(_careers, sim))]  # fmt: skip
