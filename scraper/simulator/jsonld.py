"""schema.org JobPosting careers pages: inline blocks, a listing with detail pages, or an embedded Greenhouse board."""

from __future__ import annotations

import html
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from scraper.simulator.greenhouse import greenhouse_id
from scraper.simulator.world import (
    Board,
    SimJob,
    city_line,
    ld_script,
    page_html,
    slugify,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


def jsonld_id(board: Board, job: SimJob) -> str:
    return f"CAR-{board.index:03d}-{job.k:05d}"


def _jsonld_posting(board: Board, job: SimJob, base: str) -> dict[str, Any]:
    p = job.place
    address: Any = {"@type": "PostalAddress", "addressLocality": p.city, "addressRegion": p.region,
                    "addressCountry": "" if job.k % 6 == 5 else p.country_code}  # fmt: skip
    if job.k % 9 == 4:
        address = city_line(p)  # a plain string, as some CMSs write it
    locations: Any = [{"@type": "Place", "address": address}] if job.k % 2 else {"@type": "Place", "address": address}
    d: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": ["JobPosting"] if job.k % 4 == 3 else "JobPosting",
        "title": job.title,
        "description": job.description,
        # some pages drop the timezone
        "datePosted": job.posted.strftime("%Y-%m-%dT%H:%M:%S") if job.k % 3 == 0 else job.posted.isoformat(),
        "validThrough": (job.posted + timedelta(days=90)).date().isoformat(),
        "employmentType": ["FULL_TIME", "TEMPORARY"] if job.employment == "contract"
        else job.employment.upper(),
        "hiringOrganization": {"@type": "Organization", "name": board.name,
                               "sameAs": f"https://www.{board.slug}.example.com"},
        "identifier": {"@type": "PropertyValue", "name": board.name, "value": jsonld_id(board, job)},
        "url": f"{base}/careers/{board.slug}/jobs/{jsonld_id(board, job)}",
        "jobLocation": locations,
    }  # fmt: skip
    if job.workplace == "remote":
        d["jobLocationType"] = "TELECOMMUTE"
        d["applicantLocationRequirements"] = {"@type": "Country", "name": p.country}
    s = job.salary
    if s is not None and job.salary_structured:
        unit = s.period.upper() if job.k % 2 else s.period.title()
        d["baseSalary"] = {"@type": "MonetaryAmount", "currency": s.currency,
                           "value": {"@type": "QuantitativeValue", "minValue": s.low, "maxValue": s.high,
                                     "unitText": unit}}  # fmt: skip
    return d


def render_careers(board: Board, jobs: list[SimJob], base: str) -> str:
    webpage = ld_script({"@context": "https://schema.org", "@type": "WebPage", "name": f"Careers at {board.name}"})
    header = f"<header><h1>Careers at {html.escape(board.name)}</h1><nav><a href=\"/\">Home</a></nav></header>"
    if board.variant == "embed":
        token = board.slug
        body = (
            f"{header}<p>Join us! Our open roles:</p>"
            f'<div id="grnhse_app"></div>'
            f'<script src="{base}/embed/job_board/js?for={token}"></script>'
            f'<iframe id="grnhse_iframe" src="{base}/embed/job_board?for={token}" width="100%"></iframe>'
            f'<p><a href="{base}/v1/boards/{token}/jobs?content=true">All open positions (JSON)</a></p>'
        )
        return page_html(f"Careers - {board.name}", body, webpage)
    if board.variant == "listing":
        items = "".join(
            f'<li><a href="/careers/{board.slug}/jobs/{jsonld_id(board, j)}">{html.escape(j.title)}</a>'
            f" <span>{html.escape(j.location)}</span></li>"
            for j in jobs
        )
        body = (f"{header}<ul class=\"jobs\">{items}</ul>"
                f'<footer><a href="https://www.linkedin.com/company/{board.slug}">LinkedIn</a> '
                f'<a href="/careers/{board.slug}/privacy">Privacy</a></footer>')  # fmt: skip
        return page_html(f"Careers - {board.name}", body, webpage)
    postings = [_jsonld_posting(board, j, base) for j in jobs]
    blocks = [webpage]
    # Mix the shapes real pages use: one object per block, an @graph, and a bare array.
    third = max(1, len(postings) // 3)
    for i, posting in enumerate(postings[:third]):
        blocks.append(ld_script(posting, raw_newlines=i % 4 == 1))
    blocks.append(ld_script({"@context": "https://schema.org", "@graph": postings[third : 2 * third]}))
    blocks.append(ld_script(postings[2 * third :]))
    cards = "".join(f"<article><h2>{html.escape(j.title)}</h2><p>{html.escape(j.location)}</p></article>" for j in jobs)
    return page_html(f"Careers - {board.name}", header + cards, "".join(blocks))


def render_careers_detail(board: Board, job: SimJob, base: str) -> str:
    posting = _jsonld_posting(board, job, base)
    body = (f"<article><h1>{html.escape(job.title)}</h1><p>{html.escape(job.location)}</p>"
            f"{job.description}<a href=\"/careers/{board.slug}\">All jobs</a></article>")  # fmt: skip
    return page_html(f"{job.title} - {board.name}", body, ld_script(posting))


async def _careers(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("jsonld", request.match_info["slug"])
    if board is None:
        raise web.HTTPNotFound(text="Page not found")
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    base = f"http://{request.host}"
    body = sim.cached(("careers", board.slug, base),
                      lambda: render_careers(board, sim.jobs(board), base).encode())
    return web.Response(body=body, content_type="text/html", charset="utf-8")


async def _careers_job(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("jsonld", request.match_info["slug"])
    jid = request.match_info["jid"]
    jobs = [] if board is None else sim.jobs(board)
    job = next((j for j in jobs if board is not None and jsonld_id(board, j) == jid), None)
    if board is None or job is None:
        raise web.HTTPNotFound(text="This job is no longer available")
    text = render_careers_detail(board, job, f"http://{request.host}")
    return web.Response(text=text, content_type="text/html")


def endpoint(board: Board) -> str:
    return f"/careers/{board.slug}"


def external_id(board: Board, job: SimJob) -> str:
    return str(greenhouse_id(board, job)) if board.variant == "embed" else jsonld_id(board, job)


def slug(name: str) -> str:
    return slugify(name)


def tune(nth: int, size: int) -> tuple[int, str, str]:
    variant = ("inline", "listing", "embed")[nth % 3]
    return (min(size, 12) if variant == "listing" else size), "", variant  # scrapers cap detail follows


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/careers/{slug}", partial(_careers, sim)),
            web.get("/careers/{slug}/jobs/{jid}", partial(_careers_job, sim))]  # fmt: skip
