"""Ashby: ``/posting-api/job-board/{name}``, with unlisted postings and hidden pay."""

from __future__ import annotations

from datetime import UTC
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    Board,
    Place,
    SimJob,
    money,
    plain_text,
    slugify,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


ASHBY_EMPLOYMENT = {"full_time": "FullTime", "part_time": "PartTime", "contract": "Contract",
                    "intern": "Intern"}  # fmt: skip
ASHBY_WORKPLACE = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "OnSite", None: None}


def ashby_listed(job: SimJob) -> bool:
    return job.k % 11 != 4


def _ashby_address(p: Place) -> dict[str, Any]:
    return {"postalAddress": {"addressLocality": p.city, "addressRegion": p.region,
                              "addressCountry": p.country}}  # fmt: skip


def _ashby_compensation(job: SimJob) -> tuple[bool, dict[str, Any] | None]:
    s = job.salary
    if s is None or not job.salary_structured:
        return False, None
    display = job.k % 4 != 1  # some boards keep the numbers but hide them: respect the flag
    interval = {"year": "1 YEAR", "month": "1 MONTH", "hour": "1 HOUR"}[s.period]
    salary = {"compensationType": "Salary", "interval": interval, "currencyCode": s.currency,
              "minValue": s.low, "maxValue": s.high}  # fmt: skip
    equity = {"compensationType": "EquityPercentage", "interval": "NONE", "currencyCode": None,
              "minValue": 0.01, "maxValue": 0.05}  # fmt: skip
    summary = f"{money(s.low, s.currency, 1)} – {money(s.high, s.currency, 1)}"
    return display, {
        "compensationTierSummary": f"{summary} • Offers Equity",
        "scrapeableCompensationSalarySummary": summary.replace("–", "-"),
        "compensationTiers": [{"id": job.uid[:8], "tierSummary": summary, "title": "Zone A",
                               "components": [salary, equity]}],
        "summaryComponents": [salary, equity],
    }  # fmt: skip


def render_ashby(board: Board, jobs: list[SimJob], compensation: bool) -> dict[str, Any]:
    out = []
    for job in jobs:
        display, comp = _ashby_compensation(job)
        workplace = ASHBY_WORKPLACE[job.workplace] if job.k % 7 else None
        is_remote: bool | None = None if job.k % 5 == 2 else job.workplace == "remote"
        if job.workplace == "hybrid" and job.k % 6 == 0:
            is_remote = True  # disagrees with workplaceType: the latter wins
        d: dict[str, Any] = {
            "id": job.uid,
            "title": job.title,
            "department": job.department,
            "team": job.team,
            "employmentType": ASHBY_EMPLOYMENT[job.employment],
            "location": job.location if job.workplace == "remote" else job.place.city,
            "secondaryLocations": [{"location": p.city, "address": _ashby_address(p)} for p in job.places[1:]],
            "address": _ashby_address(job.place),
            "isRemote": is_remote,
            "workplaceType": workplace,
            "isListed": ashby_listed(job),
            "publishedAt": job.posted.astimezone(UTC).isoformat(timespec="milliseconds"),
            "jobUrl": f"https://jobs.ashbyhq.com/{board.slug}/{job.uid}",
            "applyUrl": f"https://jobs.ashbyhq.com/{board.slug}/{job.uid}/application",
            "descriptionHtml": job.description,
            "descriptionPlain": plain_text(job.description),
            "shouldDisplayCompensationOnJobPostings": display,
        }  # fmt: skip
        if compensation:
            d["compensation"] = comp
        out.append(d)
    return {"apiVersion": "1", "jobs": out}


async def _job_board(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("ashby", request.match_info["name"])
    if board is None:
        return web.json_response({"success": False, "error": "Job board not found"}, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    comp = request.query.get("includeCompensation") == "true"
    return sim.json_body(("ashby", board.slug, comp),
                         lambda: render_ashby(board, sim.jobs(board), comp))


def endpoint(board: Board) -> str:
    return f"/posting-api/job-board/{board.slug}?includeCompensation=true"


def external_id(board: Board, job: SimJob) -> str:
    return job.uid


def listed(job: SimJob) -> bool:
    return ashby_listed(job)


def slug(name: str) -> str:
    return slugify(name)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/posting-api/job-board/{name}", partial(_job_board, sim))]
