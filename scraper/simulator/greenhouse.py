"""Greenhouse: ``/v1/boards/{token}/jobs`` (escaped HTML, pay in cents) and the embed page."""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.world import (
    EASTERN,
    Board,
    SimJob,
    city_line,
    page_html,
    stable_hash,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


def greenhouse_id(board: Board, job: SimJob) -> int:
    return 4_000_000_000 + board.index * 100_000 + job.k


def _greenhouse_job(board: Board, job: SimJob, content: bool, pay: bool) -> dict[str, Any]:
    jid = greenhouse_id(board, job)
    custom_domain = board.flavor % 3 == 0
    url = (f"https://www.{board.slug}.example.com/careers?gh_jid={jid}" if custom_domain
           else f"https://job-boards.greenhouse.io/{board.slug}/jobs/{jid}")  # fmt: skip
    dept_id = 40_000 + stable_hash(job.department) % 10_000
    d: dict[str, Any] = {
        "absolute_url": url,
        "data_compliance": [{"type": "gdpr", "requires_consent": False, "retention_period": None}],
        "internal_job_id": jid - 1_000_000,
        "location": {"name": job.location},
        "metadata": None if job.k % 3 else [
            {"id": 1234, "name": "Employment Type", "value": job.employment.replace("_", "-").title(),
             "value_type": "single_select"},
        ],
        "id": jid,
        "updated_at": job.updated.astimezone(EASTERN).isoformat(),
        "requisition_id": f"REQ-{job.k:04d}",
        "title": job.title + (" " if job.k % 5 == 0 else ""),
        "company_name": board.name,
        "first_published": job.posted.astimezone(EASTERN).isoformat(),
        "departments": [{"id": dept_id, "name": job.department, "parent_id": None, "child_ids": []}],
        "offices": [
            {"id": 50_000 + stable_hash(p.city) % 10_000, "name": p.city, "location": city_line(p),
             "parent_id": None, "child_ids": []}
            for p in job.places
        ],
    }  # fmt: skip
    if content:
        # Greenhouse escapes its HTML once; "&nbsp;" in the source arrives as "&amp;nbsp;"
        d["content"] = html.escape(job.description, quote=True)
    if pay and job.salary is not None and job.salary_structured and job.salary.period == "year":
        d["pay_input_ranges"] = [{
            "min_cents": int(job.salary.low * 100), "max_cents": int(job.salary.high * 100),
            "currency_type": job.salary.currency, "title": "Base salary",
            "blurb": "The range for this role across all locations.", "description": None,
        }]  # fmt: skip
    return d


def render_greenhouse(board: Board, jobs: list[SimJob], content: bool, pay: bool) -> dict[str, Any]:
    items = [_greenhouse_job(board, j, content, pay and board.flavor % 2 == 0) for j in jobs]
    return {"jobs": items, "meta": {"total": len(items)}}



def render_greenhouse_embed(board: Board, jobs: list[SimJob]) -> str:
    items = "".join(
        f'<div class="opening"><a href="https://www.{board.slug}.example.com/careers?gh_jid={greenhouse_id(board, j)}">'
        f"{html.escape(j.title)}</a><span class=\"location\">{html.escape(j.location)}</span></div>"
        for j in jobs
    )
    return page_html(f"Jobs at {board.name}", f"<section class=\"level-0\">{items}</section>")



async def _jobs(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("greenhouse", request.match_info["token"])
    if board is None:
        return web.json_response({"status": 404, "error": "Job board not found"}, status=404)
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    content = request.query.get("content") == "true"
    pay = request.query.get("pay_transparency") == "true"
    return sim.json_body(("gh", board.slug, content, pay),
                         lambda: render_greenhouse(board, sim.jobs(board), content, pay))


async def _embed(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("greenhouse", request.query.get("for", ""))
    if board is None:
        raise web.HTTPNotFound(text="Job board not found")
    text = render_greenhouse_embed(board, sim.jobs(board))
    return web.Response(text=text, content_type="text/html")


def endpoint(board: Board) -> str:
    return f"/v1/boards/{board.slug}/jobs?content=true&pay_transparency=true"


def external_id(board: Board, job: SimJob) -> str:
    return str(greenhouse_id(board, job))


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/v1/boards/{token}/jobs", partial(_jobs, sim)),
            web.get("/embed/job_board", partial(_embed, sim))]  # fmt: skip
