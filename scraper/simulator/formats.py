"""The one list of simulated formats: each is a module ``scraper.simulator.<format>`` with

- ``endpoint(board) -> str``: the path (and query) of the board's API endpoint, as the real API spells it;
- ``external_id(board, job) -> str``: the id a parser reads for ``job``;
- ``routes(sim) -> list[web.RouteDef]``: the real API's paths, answering unknown boards the real way;

and optionally ``listed(job) -> bool`` (False: served but not a posting a parser keeps),
``slug(name) -> str`` and ``numbered(base, n) -> str`` (how the ATS spells board slugs), and
``tune(nth, size) -> (size, site, variant)`` (the shape of the ``nth`` board of the format).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

from aiohttp import web

from scraper.models import SOURCES
from scraper.simulator.world import Board, SimJob

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

FORMATS = SOURCES
MODULES: dict[str, ModuleType] = {fmt: import_module(f"scraper.simulator.{fmt}") for fmt in FORMATS}


def endpoint_path(board: Board) -> str:
    """The path (and query) of ``board``'s API endpoint, as the real API spells it."""
    path: str = MODULES[board.ats].endpoint(board)
    return path


def external_id(board: Board, job: SimJob) -> str:
    """The id a parser reads for ``job`` (for the embedding jsonld board: the Greenhouse id)."""
    value: str = MODULES[board.ats].external_id(board, job)
    return value


def listed(board: Board, job: SimJob) -> bool:
    """Whether a parser keeps ``job`` (Ashby serves unlisted postings too)."""
    check = getattr(MODULES[board.ats], "listed", None)
    return True if check is None else bool(check(job))


def slug(ats: str, name: str) -> str:
    make = getattr(MODULES[ats], "slug", None)
    return "".join(w.lower() for w in name.split()) if make is None else str(make(name))


def numbered(ats: str, base: str, n: int) -> str:
    make = getattr(MODULES[ats], "numbered", None)
    return f"{base}-{n}" if make is None else str(make(base, n))


def tune(ats: str, nth: int, size: int) -> tuple[int, str, str]:
    """(size, site, variant) of the ``nth`` board of format ``ats``, drawn with ``size`` jobs."""
    shape = getattr(MODULES[ats], "tune", None)
    return (size, "", "") if shape is None else shape(nth, size)


def routes(sim: Simulator) -> list[web.RouteDef]:
    return [route for module in MODULES.values() for route in module.routes(sim)]
