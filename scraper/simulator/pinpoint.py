"""Pinpoint: ``/pinpoint/{slug}/postings.json`` (the real host is ``{slug}.pinpointhq.com``),
``{"data": [...]}`` in one response; pay published only when ``compensation_visible``."""

from __future__ import annotations

import uuid
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import Board, SimJob, page_html, salary_prose

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

PINPOINT_TYPES = {"full_time": ("permanent_full_time", "Permanent - Full Time"),
                  "part_time": ("permanent_part_time", "Permanent - Part Time"),
                  "contract": ("contract", "Contract"), "intern": ("internship", "Internship")}  # fmt: skip
PINPOINT_WORKPLACE = {"remote": "remote", "hybrid": "hybrid", "onsite": "onsite", None: "onsite"}


def pinpoint_id(board: Board, job: SimJob) -> str:
    return str(330_000 + board.index * 10_000 + job.k)


def _section(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li><!--block-->{b}</li>" for b in items) + "</ul>"


def _posting(board: Board, job: SimJob) -> dict[str, Any]:
    public = uuid.UUID(job.uid).hex[::-1]
    public = f"{public[:8]}-{public[8:12]}-4{public[13:16]}-8{public[17:20]}-{public[20:32]}"
    s = job.salary
    kind, kind_text = PINPOINT_TYPES[job.employment]
    (h1, b1), (h2, b2) = job.sections
    p = job.place
    return {
        "id": pinpoint_id(board, job),
        "title": job.title,
        "url": f"https://{board.slug}.pinpointhq.com/en/postings/{public}",
        "path": f"/en/postings/{public}",
        "compensation": salary_prose(s, job.k) if s else None,
        "compensation_minimum": s.low if s and job.salary_structured else None,
        "compensation_maximum": s.high if s and job.salary_structured else None,
        "compensation_currency": s.currency if s and job.salary_structured else None,
        "compensation_frequency": s.period if s and job.salary_structured else None,
        "compensation_visible": s is not None and job.k % 3 != 2,
        "deadline_at": None,
        "employment_type": kind,
        "employment_type_text": kind_text,
        "reporting_to": None,
        "workplace_type": PINPOINT_WORKPLACE[job.workplace],
        "workplace_type_text": PINPOINT_WORKPLACE[job.workplace].replace("onsite", "On-site").title(),
        "job": {"id": str(90_000 + job.k), "requisition_id": "", "division": None,
                "department": {"id": str(len(job.department)), "name": job.department},
                "structure_custom_group_one": None},  # fmt: skip
        "location": {"id": str(len(p.city)), "city": p.city, "name": p.country, "postal_code": None,
                     "province": p.region or None, "street_address": None},  # fmt: skip
        "description_header": "About the role",
        "description": job.intro,
        "key_responsibilities_header": h1,
        "key_responsibilities": _section(b1),
        "skills_knowledge_expertise_header": h2,
        "skills_knowledge_expertise": _section(b2),
        "benefits_header": "",
        "benefits": job.closing,
    }


def render_pinpoint(board: Board, jobs: list[SimJob]) -> dict[str, Any]:
    return {"data": [_posting(board, j) for j in jobs]}


async def _postings(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("pinpoint", request.match_info["slug"])
    if board is None:
        text = page_html("The page you were looking for doesn't exist (404)", "<h1>Not found</h1>")
        return web.Response(status=404, text=text, content_type="text/html")
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    return sim.json_body(("pinpoint", board.slug), lambda: render_pinpoint(board, sim.jobs(board)))


def endpoint(board: Board) -> str:
    return f"/pinpoint/{board.slug}/postings.json"


def external_id(board: Board, job: SimJob) -> str:
    return pinpoint_id(board, job)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/pinpoint/{slug}/postings.json", partial(_postings, sim))]
