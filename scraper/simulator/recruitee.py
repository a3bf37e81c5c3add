"""Recruitee: ``/recruitee/{company}/api/offers/`` (the real host is ``{company}.recruitee.com``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    Board,
    SimJob,
    slugify,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


RECRUITEE_TYPES = {"full_time": "fulltime_permanent", "part_time": "parttime_permanent",
                   "contract": "freelance", "intern": "internship"}  # fmt: skip


def recruitee_id(board: Board, job: SimJob) -> int:
    return 1_000_000 + board.index * 100_000 + job.k


def _recruitee_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_recruitee(board: Board, jobs: list[SimJob]) -> dict[str, Any]:
    out = []
    for job in jobs:
        p, s = job.place, job.salary
        structured = s is not None and job.salary_structured
        slug = slugify(job.title)
        out.append({
            "id": recruitee_id(board, job),
            "slug": slug,
            "title": job.title,
            "company_name": board.name,
            "department": job.department,
            "location": job.location,
            "city": p.city,
            "country": p.country,
            "country_code": p.country_code,
            "state_code": p.region if p.country_code == "US" else None,
            "remote": job.workplace == "remote",
            "hybrid": job.workplace == "hybrid",
            "on_site": job.workplace == "onsite",
            "employment_type_code": RECRUITEE_TYPES[job.employment],
            "salary": {"min": s.low if structured and s else None, "max": s.high if structured and s else None,
                       "period": s.period if structured and s else None,
                       "currency": s.currency if structured and s else None},
            "created_at": _recruitee_time(job.posted - timedelta(hours=3)),
            "published_at": _recruitee_time(job.posted),
            "status": "published",
            "description": job.intro + job.closing,
            "requirements": "".join(f"<h3>{h}</h3><ul>{''.join(f'<li>{b}</li>' for b in items)}</ul>"
                                    for h, items in job.sections),
            "careers_url": f"https://{board.slug}.recruitee.com/o/{slug}",
            "careers_apply_url": f"https://{board.slug}.recruitee.com/o/{slug}/c/new",
            "tags": [],
        })  # fmt: skip
    return {"offers": out}


async def _offers(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("recruitee", request.match_info["company"])
    if board is None:
        return web.json_response({"error": "Not found"}, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    return sim.json_body(("recruitee", board.slug),
                         lambda: render_recruitee(board, sim.jobs(board)))


def endpoint(board: Board) -> str:
    return f"/recruitee/{board.slug}/api/offers/"


def external_id(board: Board, job: SimJob) -> str:
    return str(recruitee_id(board, job))


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/recruitee/{company}/api/offers", partial(_offers, sim)),
            web.get("/recruitee/{company}/api/offers/", partial(_offers, sim))]  # fmt: skip
