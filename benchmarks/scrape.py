"""A full scrape of simulated boards with the default limits vs. its latency-bound ideal and
vs. a sequential scraper, measured in one run.

    python benchmarks/scrape.py [--boards 500] [--latency-ms 100] [--sample 20]

The simulator runs in a child process (so it does not share this process's GIL) and
answers every request after ``latency_ms``. No failure boards.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from scraper.fetch import FetchSettings
from scraper.models import Company, CompanyResult
from scraper.runner import SMARTRECRUITERS_PAGE, WORKDAY_PAGE, scrape


def _serve(boards: int, latency_ms: int, conn: Connection) -> None:
    from scraper.simulator import Simulator

    sim = Simulator(boards, latency_ms=latency_ms, seed=1, failures=False).start()
    conn.send(sim.companies())
    conn.recv()  # any message: stop
    sim.stop()


def _companies(dicts: list[dict[str, Any]]) -> list[Company]:
    return [Company(d["name"], d["ats"], d["board"], d["url"], company_id=i)
            for i, d in enumerate(dicts)]  # fmt: skip


def _run(companies: list[Company], settings: FetchSettings) -> tuple[float, list[CompanyResult]]:
    started = time.perf_counter()
    results = asyncio.run(scrape(companies, on_event=lambda e: None, settings=settings))
    return time.perf_counter() - started, results


def _rounds(r: CompanyResult, detail_cap: int) -> int:
    """Requests of one company that must follow each other (pages, then one detail round)."""
    n = len(r.jobs)
    if r.company.ats == "smartrecruiters":
        return max(1, math.ceil(n / SMARTRECRUITERS_PAGE)) + (1 if n and detail_cap else 0)
    if r.company.ats == "workday":
        return math.ceil(n / WORKDAY_PAGE) + 1 + (1 if n and detail_cap else 0)
    return 1 if r.requests <= 1 else 2


def ideal_seconds(
    results: list[CompanyResult], settings: FetchSettings, latency_s: float
) -> tuple[float, dict[str, float]]:
    """The latency-bound floor: no schedule beats the busiest host, the global limit or the
    longest chain of dependent requests."""
    per_host = Counter(urlsplit(r.company.url).netloc for r in results for _ in range(r.requests))
    total = sum(per_host.values())
    bounds = {
        "busiest host": max(math.ceil(n / settings.per_host) for n in per_host.values()) * latency_s,
        "global limit": math.ceil(total / settings.concurrency) * latency_s,
        "longest chain": max(_rounds(r, settings.detail_cap) for r in results) * latency_s,
    }
    return max(bounds.values()), bounds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", type=int, default=500)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--sample", type=int, default=20, help="boards scraped one at a time")
    args = ap.parse_args()
    latency_s = args.latency_ms / 1000

    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(
        target=_serve, args=(args.boards, args.latency_ms, child), daemon=True
    )
    server.start()
    try:
        companies = _companies(parent.recv())
        report(companies, args.sample, latency_s)
    finally:
        parent.send("stop")
        server.join(10)


def report(companies: list[Company], sample: int, latency_s: float) -> None:
    settings = FetchSettings(allow_private=True)  # the simulator is on 127.0.0.1
    wall, results = _run(companies, settings)
    failed = [r for r in results if not r.ok]
    requests = sum(r.requests for r in results)
    hosts = Counter(urlsplit(c.url).netloc for c in companies)
    ideal, bounds = ideal_seconds(results, settings, latency_s)

    subset = companies[:: max(1, len(companies) // sample)][:sample]
    one_at_a_time = FetchSettings(concurrency=1, per_host=1, allow_private=True)
    seq_wall = 0.0
    seq_requests = 0
    for c in subset:
        t, [r] = _run([c], one_at_a_time)
        seq_wall += t
        seq_requests += r.requests
    # Scale by requests, not boards: the subset's boards need not be average ones.
    seq_estimate = seq_wall * requests / max(1, seq_requests)

    print(f"boards: {len(companies)} on {len(hosts)} hosts, latency {latency_s * 1000:.0f} ms, "
          f"limits: concurrency {settings.concurrency}, per host {settings.per_host}")
    print(f"scrape: {len(results) - len(failed)} ok, {len(failed)} failed, "
          f"{sum(len(r.jobs) for r in results)} jobs, {requests} requests")
    print("ideal = latency x max(ceil(requests on the busiest host / per-host limit),")
    print("                      ceil(all requests / global limit),")
    print("                      longest chain of dependent requests in one board)")
    for name, seconds in bounds.items():
        print(f"  {name:<14} {seconds:7.2f} s")
    print(f"ideal (latency-bound)        {ideal:7.2f} s")
    print(f"concurrent scrape (measured) {wall:7.2f} s   {wall / ideal:.2f}x the ideal "
          f"(target <= 1.3x)")
    print(f"sequential, {len(subset)} boards one request at a time: {seq_wall:.2f} s for "
          f"{seq_requests} requests -> {seq_estimate:.1f} s extrapolated to {requests} requests")
    print(f"speed-up over sequential: {seq_estimate / wall:.1f}x")
    if failed:
        print("failed:", "; ".join(f"{r.company.board}: {r.error}" for r in failed[:5]))


if __name__ == "__main__":
    main()
