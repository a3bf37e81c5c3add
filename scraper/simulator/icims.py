"""iCIMS: the search page ``/icims/{portal}/jobs/search?ss=1&in_iframe=1`` (the real host is
``{portal}.icims.com``; without ``in_iframe=1`` an empty iframe shell), 20 results a page
by ``pr=`` (0-based), and each job's page ``/icims/{portal}/jobs/{id}/{slug}/job?in_iframe=1``
with a JSON-LD JobPosting (escaped description, some "UNAVAILABLE" addresses; one in eight
pages has only an ``@graph`` without a JobPosting). Unknown portals are a 404."""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, int_param, ld_script, page_html, slugify

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

ICIMS_PAGE = 20


def icims_id(board: Board, job: SimJob) -> str:
    return str(10_000 + board.index * 1000 + job.k)


def _place(job: SimJob) -> str:
    return " | ".join(f"{p.country_code}-{p.region + '-' if p.region else ''}{p.city}" for p in job.places)


def _job_path(board: Board, job: SimJob) -> str:
    return f"/icims/{board.slug}/jobs/{icims_id(board, job)}/{slugify(job.title)}/job"


def render_search(board: Board, jobs: list[SimJob], page: int, base: str) -> str:
    rows = "".join(
        '<div class="row"><div class="col-xs-12 title">'
        f'<a href="{base}{_job_path(board, j)}?in_iframe=1" class="iCIMS_Anchor" title="{html.escape(j.title)}">'
        f'<span class="sr-only field-label">Job Title</span><h3>{html.escape(j.title)}</h3></a></div>'
        f'<div class="col-xs-6 header left"><span class="field-label">Job Locations</span><span>{html.escape(_place(j))}</span></div>'
        f'<div class="col-xs-6 header right"><span class="field-label">ID</span><span>{icims_id(board, j)}</span></div></div>'
        for j in jobs[page * ICIMS_PAGE : (page + 1) * ICIMS_PAGE]
    )  # fmt: skip
    return page_html(f"Search results | {board.name}", f'<div class="iCIMS_JobsTable">{rows}</div>')


def render_job(board: Board, job: SimJob) -> str:
    if job.k % 8 == 3:
        graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": job.title}]}
        return page_html(job.title, f"<h1>{html.escape(job.title)}</h1>", ld_script(graph))
    p = job.place
    address: dict[str, Any] = {"@type": "PostalAddress", "addressLocality": p.city, "addressRegion": p.region or "UNAVAILABLE",
                               "addressCountry": p.country_code if job.k % 5 else "UNAVAILABLE"}  # fmt: skip
    posting: dict[str, Any] = {"@context": "https://schema.org", "@type": "JobPosting", "title": job.title,
                               "description": html.escape(job.description), "datePosted": job.posted.isoformat(),
                               "hiringOrganization": {"@type": "Organization", "name": board.name},
                               "jobLocation": [{"@type": "Place", "address": address}]}  # fmt: skip
    if job.workplace == "remote":
        posting["jobLocationType"] = "TELECOMMUTE"
    return page_html(job.title, f"<h1>{html.escape(job.title)}</h1>", ld_script(posting))


async def _search(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("icims", request.match_info["portal"])
    if board is None:
        raise web.HTTPNotFound(text="Not found")
    if request.query.get("in_iframe") != "1":
        shell = '<iframe id="icims_content_iframe" src="?in_iframe=1"></iframe>'
        return web.Response(text=page_html("Jobs", shell), content_type="text/html")
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    page = max(0, int_param(request.query.get("pr"), 0))
    base = f"http://{request.host}"
    body = sim.cached(("icims", board.slug, page, base), lambda: render_search(board, sim.jobs(board), page, base).encode())
    return web.Response(body=body, content_type="text/html", charset="utf-8")


async def _job(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("icims", request.match_info["portal"])
    wanted = request.match_info["id"]
    job = next((j for j in sim.jobs(board) if icims_id(board, j) == wanted), None) if board else None
    if board is None or job is None:
        raise web.HTTPNotFound(text="Not found")
    if request.query.get("in_iframe") != "1":
        return web.Response(text=page_html(job.title, "<iframe></iframe>"), content_type="text/html")
    return web.Response(text=render_job(board, job), content_type="text/html")


def endpoint(board: Board) -> str:
    return f"/icims/{board.slug}/jobs/search?ss=1&in_iframe=1"


def external_id(board: Board, job: SimJob) -> str:
    return icims_id(board, job)


def slug(name: str) -> str:
    return "careers-" + slugify(name).replace("-", "")


def tune(nth: int, size: int) -> tuple[int, str, str]:
    return (45 if nth == 0 else size), "", ""  # the first portal has three search pages


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/icims/{portal}/jobs/search", partial(_search, sim)),
            web.get("/icims/{portal}/jobs/{id}/{slug}/job", partial(_job, sim))]  # fmt: skip
