"""Local board server: realistic generated boards of every format, for demos, tests and benchmarks.

Every board is served in its ATS's real shape (see FORMATS.md) under the real API path on
127.0.0.1; boards are spread over a few ports so per-host limits apply. Content is
deterministic from ``seed`` and from the simulator's current ``day``: between days some
jobs close, a few are new, and a job missing one day may come back the next.

    with Simulator(boards=27, failures=True) as sim:
        sim.write_companies("companies.toml")   # then scrape it
        sim.set_day(1)                          # or POST /_control/day {"day": 1}

Failure boards (``failures=True``) misbehave in one way each; their slugs say how.

The package mirrors ``scraper/boards/``: one module per format (its payload shapes, paging
and unknown-board answers), ``faults`` for the failure boards, ``server`` for the server and
its control endpoints, ``generate`` and ``world`` for the format-neutral boards and jobs.
A new format is one module here plus one line in ``scraper.models.SOURCES``.
"""

from __future__ import annotations

from scraper.simulator.faults import (
    FAILURE_BOARDS,
    FLAKY_FAILURES_PER_DAY,
    OVERSIZED_BYTES,
    RECOVERING,
)
from scraper.simulator.formats import FORMATS, endpoint_path, external_id
from scraper.simulator.server import CACHE_MAX_BYTES, Simulator, cli_simulate
from scraper.simulator.world import Board, Place, Salary, SimJob, salary_prose

__all__ = [
    "CACHE_MAX_BYTES",
    "FAILURE_BOARDS",
    "FLAKY_FAILURES_PER_DAY",
    "FORMATS",
    "OVERSIZED_BYTES",
    "RECOVERING",
    "Board",
    "Place",
    "Salary",
    "SimJob",
    "Simulator",
    "cli_simulate",
    "endpoint_path",
    "external_id",
    "salary_prose",
]
