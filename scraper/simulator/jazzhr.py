"""JazzHR: the board page ``/jazzhr/{slug}/apply/jobs`` (the real host is ``{slug}.applytojob.com``;
one HTML page, a table row per job plus a mobile duplicate) and each job's page
``/jazzhr/{slug}/apply/{key}`` (also under ``/apply/jobs/details/{key}``). An unknown board
answers 200 without the jobs table, as JazzHR does; seven in ten job pages carry a JSON-LD
JobPosting."""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, city_line, ld_script, page_html, slugify

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

JAZZ_TYPES = {"full_time": "Full Time", "part_time": "Part Time", "contract": "Contractor", "intern": "Intern"}
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def jazz_key(board: Board, job: SimJob) -> str:
    n = int(job.uid.replace("-", ""), 16)
    return "".join(ALPHABET[(n >> (6 * i)) % len(ALPHABET)] for i in range(10))


def _where(job: SimJob) -> str:
    return job.location if job.workplace == "remote" else f"{city_line(job.place)}, {job.place.country}"


def render_board(board: Board, jobs: list[SimJob]) -> str:
    rows, mobile = [], []
    for i, job in enumerate(jobs):
        key = jazz_key(board, job)
        stamp = job.posted.strftime("%Y%m%d%H%M%S")
        href = f"/jazzhr/{board.slug}/apply/jobs/details/{key}?&"
        rows.append(f'<tr id="row_job_{stamp}_{i}" class="resumator_{"even" if i % 2 else "odd"}_row">'
                    f'<td><a class="job_title_link" href="{href}">{html.escape(job.title)}</a><br />'
                    f'<span class="resumator_department">{html.escape(job.department)}</span></td>'
                    f"<td>\n\t\t\t\t\t{html.escape(_where(job))}\t\t\t\t\t</td></tr>")  # fmt: skip
        mobile.append(f'<div id="row_job_{stamp}_{i}" class="jobs_row"><a class="job_title_link" href="{href}">'
                      f"{html.escape(job.title)}</a></div>")  # fmt: skip
    table = f'<table id="jobs_table"><tr class="resumator_department_heading"><th>Job Title</th><th>Location</th></tr>{"".join(rows)}</table>'
    return page_html(f"Jobs at {board.name}", table + "".join(mobile))


def render_job(board: Board, job: SimJob) -> str:
    head = ld_script({"@context": "https://schema.org", "@type": "Organization", "name": board.name})
    if job.k % 10 < 7:
        posting: dict[str, Any] = {"@context": "https://schema.org", "@type": "JobPosting", "title": job.title,
                   "datePosted": job.posted.date().isoformat(), "description": job.description,
                   "employmentType": job.employment.upper(), "uniqueJobCode": jazz_key(board, job)}
        s = job.salary
        if s is not None and job.salary_structured:
            posting["baseSalary"] = {"@type": "MonetaryAmount", "currency": s.currency,
                                     "value": {"minValue": s.low, "maxValue": s.high, "unitText": s.period.upper()}}
        if job.workplace == "remote":
            posting["jobLocationType"] = "TELECOMMUTE"
        head += ld_script(posting)
    body = (f'<h1>{html.escape(job.title)}</h1><div id="resumator-job-info">'
            f'<div id="resumator-job-department">{html.escape(job.department)}</div>'
            f'<div id="resumator-job-location">{html.escape(_where(job))}</div>'
            f'<div id="resumator-job-employment">{JAZZ_TYPES[job.employment]}</div></div>'
            f'<div id="job-description">{job.description}</div>')  # fmt: skip
    return page_html(f"{job.title} - {board.name}", body, head)


async def _board(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("jazzhr", request.match_info["slug"])
    if board is None:
        return web.Response(text=page_html("Jobs", "<p>This page is not available.</p>"), content_type="text/html")
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    body = sim.cached(("jazzhr", board.slug), lambda: render_board(board, sim.jobs(board)).encode())
    return web.Response(body=body, content_type="text/html", charset="utf-8")


async def _job(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("jazzhr", request.match_info["slug"])
    key = request.match_info["key"]
    job = next((j for j in sim.jobs(board) if jazz_key(board, j) == key), None) if board else None
    if board is None or job is None:
        return web.Response(text=page_html("Jobs", "<p>This job is no longer available.</p>"), content_type="text/html")
    return web.Response(text=render_job(board, job), content_type="text/html")


def endpoint(board: Board) -> str:
    return f"/jazzhr/{board.slug}/apply/jobs"


def external_id(board: Board, job: SimJob) -> str:
    return jazz_key(board, job)


def slug(name: str) -> str:
    return slugify(name).replace("-", "")


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/jazzhr/{slug}/apply/jobs", partial(_board, sim)),
            web.get("/jazzhr/{slug}/apply/jobs/details/{key}", partial(_job, sim)),
            web.get("/jazzhr/{slug}/apply/{key}", partial(_job, sim)),
            web.get("/jazzhr/{slug}/apply/{key}/{title}", partial(_job, sim))]  # fmt: skip
