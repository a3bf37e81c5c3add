"""Page times through AppTest with a small and a large database, side by side in one run.

    python -m benchmarks.pages [--small 10000] [--large 1000000] [--reruns 7] [--keep]
                               [--pages jobs,analytics]

Each page has one ``bench_<page>(at, reruns)`` function that drives an opened page and
returns {measurement: [seconds, ...]}; ``BENCHES`` lists them. The databases are seeded
through the real store (benchmarks/seed.py) and kept under /tmp with ``--keep``.
Prints the median of each measurement at both sizes and their ratio (large / small).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from benchmarks.seed import cached_database

ROOT = Path(__file__).resolve().parent.parent
MAIN = str(ROOT / "app" / "main.py")

Timings = dict[str, list[float]]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def open_page(db: Path, page: str) -> tuple[AppTest, float]:
    """A fresh session on ``page`` (e.g. ``jobs``) over ``db``, with its cold load time."""
    os.environ["JOBSCRAPER_DB"] = str(db)
    os.environ["JOBSCRAPER_COMPANIES"] = str(db.with_suffix(".no-companies.toml"))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(MAIN, default_timeout=600)
    at.run()
    at.switch_page(f"../pages/{page}.py")
    cold = timed(at.run)
    if at.exception:
        raise RuntimeError(f"{page} page failed: {at.exception[0].value}")
    return at, cold


def _run(at: AppTest) -> None:
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].value)


# -- Jobs ---------------------------------------------------------------------------------

_SEARCHES = ("engineer", "berlin", "data", "senior remote", "designer", "austin", "recruiter",
             "staff backend", "paris", "security")
_WORKPLACE_SETS = (["remote"], ["hybrid"], ["onsite"], ["unknown"], ["remote", "hybrid"],
                   ["remote", "unknown"], ["hybrid", "onsite"], ["onsite", "unknown"],
                   ["remote", "onsite"], ["hybrid", "unknown"])


def bench_jobs(at: AppTest, reruns: int) -> Timings:
    """Jobs: plain reruns (cached reads), turning pages (a new window each time, uncached),
    a workplace filter and a free-text search (new count + page each time)."""
    out: Timings = {"rerun": [], "next page": [], "workplace filter": [], "search": []}
    for _ in range(reruns):
        out["rerun"].append(timed(lambda: _run(at)))
    for _ in range(reruns):
        at.button(key="jobs_next").click()
        out["next page"].append(timed(lambda: _run(at)))
    for places in _WORKPLACE_SETS[:reruns]:
        at.multiselect(key="jobs_workplace").set_value(places)
        out["workplace filter"].append(timed(lambda: _run(at)))
    at.multiselect(key="jobs_workplace").set_value([])
    for words in _SEARCHES[:reruns]:
        at.text_input(key="jobs_q").input(words)
        out["search"].append(timed(lambda: _run(at)))
    return out


# -- Analytics ----------------------------------------------------------------------------


def bench_analytics(at: AppTest, reruns: int) -> Timings:
    """Analytics: cold (st.cache_data cleared; the connection stays open), warm (a plain
    rerun, cached on the data version) and a workplace filter (a new cache key each time)."""
    out: Timings = {"cold": [], "warm": [], "workplace filter": []}
    for _ in range(reruns):
        st.cache_data.clear()
        out["cold"].append(timed(lambda: _run(at)))
        out["warm"].append(timed(lambda: _run(at)))
    for places in _WORKPLACE_SETS[:reruns]:
        at.multiselect(key="a_workplace").set_value(places)
        out["workplace filter"].append(timed(lambda: _run(at)))
    return out


BENCHES: dict[str, tuple[str, Callable[[AppTest, int], Timings]]] = {
    "jobs": ("jobs", bench_jobs),
    "analytics": ("analytics", bench_analytics),
}


# -- driver -------------------------------------------------------------------------------


def measure(db: Path, name: str, reruns: int) -> Timings:
    page, bench = BENCHES[name]
    at, cold = open_page(db, page)
    return {"first load": [cold], **bench(at, reruns)}


def report(name: str, small: tuple[int, Timings], large: tuple[int, Timings]) -> None:
    (n_small, t_small), (n_large, t_large) = small, large
    print(f"\n{name} page — medians in seconds")
    print(f"{'measurement':<18} {f'{n_small:,} jobs':>14} {f'{n_large:,} jobs':>16} {'ratio':>7}")
    for key in t_small:
        a, b = statistics.median(t_small[key]), statistics.median(t_large[key])
        print(f"{key:<18} {a:>14.3f} {b:>16.3f} {b / a:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--reruns", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse seeded databases in /tmp")
    parser.add_argument("--pages", default=",".join(BENCHES))
    args = parser.parse_args(argv)
    dbs = {n: cached_database(n, keep=args.keep) for n in (args.small, args.large)}
    for name in args.pages.split(","):
        small = (args.small, measure(dbs[args.small], name, args.reruns))
        large = (args.large, measure(dbs[args.large], name, args.reruns))
        report(name, small, large)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
