"""Personio: the XML feed ``/personio/{company}/xml``; unknown companies redirect home."""

from __future__ import annotations

import html
from datetime import timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web

from scraper.simulator.world import (
    Board,
    SimJob,
)

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator


PERSONIO_TYPES = {"full_time": "permanent", "part_time": "permanent", "contract": "freelance",
                  "intern": "intern"}  # fmt: skip


def personio_id(board: Board, job: SimJob) -> int:
    return 1_000_000 + board.index * 100_000 + job.k


def _xml_text(text: str) -> str:
    # Personio entity-encodes apostrophes the HTML way; both are valid XML references
    return html.escape(text, quote=False).replace("'", "&#039;")


def render_personio(board: Board, jobs: list[SimJob]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<workzag-jobs>']
    for job in jobs:
        sections = [("Your mission", job.intro)] + [
            (h, f"<ul>{''.join(f'<li>{b}</li>' for b in items)}</ul>") for h, items in job.sections
        ] + [("Why you&#039;ll love working here", job.closing)]
        offices = "".join(f"<office>{_xml_text(p.city)}</office>" for p in job.places[1:])
        descriptions = "".join(
            f"<jobDescription><name>{name if '&#039;' in name else _xml_text(name)}</name>"
            f"<value><![CDATA[{value}]]></value></jobDescription>"
            for name, value in sections
        )
        parts.append(
            "<position>"
            f"<id>{personio_id(board, job)}</id>"
            f"<subcompany>{_xml_text(board.name)} GmbH</subcompany>"
            f"<office>{_xml_text(job.place.city)}</office>"
            f"<additionalOffices>{offices}</additionalOffices>"
            f"<department>{_xml_text(job.department)}</department>"
            f"<recruitingCategory>{_xml_text(job.team)}</recruitingCategory>"
            f"<name>{_xml_text(job.title)}</name>"
            f"<jobDescriptions>{descriptions}</jobDescriptions>"
            f"<employmentType>{PERSONIO_TYPES[job.employment]}</employmentType>"
            f"<seniority>experienced</seniority>"
            f"<schedule>{'part-time' if job.employment == 'part_time' else 'full-time'}</schedule>"
            f"<yearsOfExperience>lt-1</yearsOfExperience>"
            f"<keywords>Python,SQL</keywords>"
            f"<occupation>software_and_web_development</occupation>"
            f"<occupationCategory>it_software</occupationCategory>"
            f"<createdAt>{job.posted.astimezone(timezone(timedelta(hours=1))).isoformat()}</createdAt>"
            "</position>"
        )
    parts.append("</workzag-jobs>\n")
    return "\n".join(parts)


async def _xml(sim: Simulator, request: web.Request) -> web.StreamResponse:
    board = sim.lookup("personio", request.match_info["company"])
    if board is None:
        raise web.HTTPFound("/")  # Personio sends unknown companies to its home page
    if (failed := await sim.fault(request, board)) is not None:
        return failed
    body = sim.cached(("personio", board.slug),
                      lambda: render_personio(board, sim.jobs(board)).encode())
    return web.Response(body=body, content_type="text/xml", charset="utf-8")


def endpoint(board: Board) -> str:
    return f"/personio/{board.slug}/xml?language=en"


def external_id(board: Board, job: SimJob) -> str:
    return str(personio_id(board, job))


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [web.get("/personio/{company}/xml", partial(_xml, sim))]
