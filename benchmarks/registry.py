"""The registry and the Scraping page with 10,000 companies in a live run (issue 19):
the snapshot fold's cost per event vs. the previous fold (copy every row, re-sum every
counter) in the same run, and the Scraping page's rerun time through AppTest while events
arrive, at 10,000 vs. 300 companies.

    python -m benchmarks.registry [--companies 10000] [--small 300] [--reruns 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import duckdb

from app import store
from app.pipeline import CompanyProgress
from app.registry import TERMINAL, CompanyRow, RunSnapshot, ScrapeRegistry
from scraper.models import Company


def make_companies(con: duckdb.DuckDBPyConnection, n: int) -> list[Company]:
    return store.save_companies(con, [
        Company(f"Company {i:05d}", ("lever", "greenhouse", "ashby")[i % 3], f"c{i}",
                f"https://jobs.lever.co/c{i}") for i in range(n)])


def previous_fold(snap: RunSnapshot, progress: CompanyProgress) -> RunSnapshot:
    """The fold this issue replaced: copy every row, find the company, re-sum every counter."""
    c = progress.company
    row = CompanyRow(c.company_id, c.name, c.ats, progress.state, progress.jobs_seen,
                     progress.jobs_new, progress.jobs_closed, progress.duration_ms, progress.error)
    rows = list(snap.companies)
    for i, old in enumerate(rows):
        if (old.company_id, old.name) == (row.company_id, row.name):
            rows[i] = row
            break
    else:
        rows.append(row)
    return replace(snap, companies=tuple(rows),
                   companies_done=sum(r.state in TERMINAL for r in rows),
                   companies_failed=sum(r.state == "failed" for r in rows),
                   jobs_seen=sum(r.jobs for r in rows), jobs_new=sum(r.new for r in rows),
                   jobs_closed=sum(r.closed for r in rows))


def events(companies: Sequence[Company]) -> list[CompanyProgress]:
    out = []
    for c in companies:
        out.append(CompanyProgress(c, "running"))
        out.append(CompanyProgress(c, "ok", 3, 3, 0, 120))
    return out


def fold_costs(n: int) -> None:
    con = store_con()
    companies = make_companies(con, n)
    evs = events(companies)
    release = threading.Event()
    reg = ScrapeRegistry(con, pipeline=_holding(release), poll_s=3600)
    assert reg.start("bench")
    t0 = time.perf_counter()
    for i, e in enumerate(evs):
        reg._fold(e)
        if i % 1000 == 0:
            reg.snapshot()  # a tab polling meanwhile
    new_us = (time.perf_counter() - t0) * 1e6 / len(evs)
    t0 = time.perf_counter()
    snap = reg.snapshot()
    snapshot_ms = (time.perf_counter() - t0) * 1000
    release.set()
    reg.close()
    reg.join(10)
    assert snap.companies_done == n, snap.companies_done

    sample = evs[: min(len(evs), 400)]  # the old fold is O(n) per event: a sample will do
    old = RunSnapshot(1, "running", companies_total=n,
                      companies=tuple(CompanyRow(c.company_id, c.name, c.ats) for c in companies))
    t0 = time.perf_counter()
    for e in sample:
        old = previous_fold(old, e)
    old_us = (time.perf_counter() - t0) * 1e6 / len(sample)
    print(f"fold, {n} companies: {new_us:8.1f} µs per event (all {len(evs)} events) vs. "
          f"previous fold {old_us:9.1f} µs per event ({len(sample)}-event sample): "
          f"{old_us / new_us:.0f}x; a whole {n}-company run's events: "
          f"{new_us * len(evs) / 1e6:.2f} s vs. {old_us * len(evs) / 1e6:.1f} s")
    print(f"  snapshot copied out after the run: {snapshot_ms:.2f} ms")


def store_con() -> duckdb.DuckDBPyConnection:
    from app.db import connect

    return connect(":memory:")


def _holding(release: threading.Event) -> Callable[..., None]:
    def run(con: Any, run_id: int, companies: Sequence[Company], **kw: Any) -> None:
        release.wait(600)
        store.finish_run(con, run_id, "finished")
    return run


def _live_pipeline(stop: threading.Event, rate: float) -> Callable[..., None]:
    """Marks companies running then ok at ``rate`` events a second, ~16 running at a time."""
    def run(con: Any, run_id: int, companies: Sequence[Company], *, on_progress: Any = None,
            cancel: threading.Event | None = None, **kw: Any) -> None:
        window = 16
        for i, c in enumerate(companies):
            if stop.is_set() or (cancel is not None and cancel.is_set()):
                break
            on_progress(CompanyProgress(c, "running"))
            if i >= window:
                on_progress(CompanyProgress(companies[i - window], "failed" if i % 97 == 0
                                            else "ok", 3, 3, 0, 150,
                                            "404 board not found" if i % 97 == 0 else None))
            time.sleep(2 / rate)
        stop.wait(600)
        store.finish_run(con, run_id, "cancelled" if cancel is not None and cancel.is_set()
                         else "finished")
    return run


def page_reruns(n: int, reruns: int) -> list[float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import app.pipeline
    from app import registry
    from app.db import connect

    st.cache_data.clear()
    st.cache_resource.clear()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "jobs.duckdb")
        os.environ["JOBSCRAPER_DB"] = db
        os.environ["JOBSCRAPER_COMPANIES"] = os.path.join(tmp, "none.toml")
        con = connect(db)
        make_companies(con, n)
        con.close()
        stop = threading.Event()
        app.pipeline.run_scrape = _live_pipeline(stop, rate=2000)  # type: ignore[assignment]
        main = os.path.join(os.path.dirname(__file__), "..", "app", "main.py")
        at = AppTest.from_file(main, default_timeout=60).run()
        next(b for b in at.button if b.label == "Start scrape").click().run()
        times = []
        for _ in range(reruns):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
        snap = registry.holder().snapshot()
        assert snap.running and 0 < snap.companies_done < n or n < 2000, snap.companies_done
        stop.set()
        reg = registry.holder()
        reg.cancel()
        reg.join(30)
        reg.close()
        st.cache_resource.clear()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--companies", type=int, default=10_000)
    ap.add_argument("--small", type=int, default=300)
    ap.add_argument("--reruns", type=int, default=8)
    args = ap.parse_args()
    os.environ["JOBSCRAPER_ALLOW_PRIVATE"] = "1"
    for n in (args.small, args.companies):
        fold_costs(n)
    page_reruns(args.small, 1)  # warm-up: the first AppTest of a process pays its imports
    results = {}
    for n in (args.small, args.companies):
        results[n] = page_reruns(n, args.reruns)
    for n, times in results.items():
        print(f"Scraping page rerun (AppTest, whole page) while a {n}-company run is live: "
              f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              f"over {len(times)} reruns (the live panel refreshes every 1000 ms)")
    small, big = (statistics.median(results[k]) for k in (args.small, args.companies))
    print(f"  {args.companies} vs. {args.small} companies: {big / small:.2f}x")


if __name__ == "__main__":
    main()
