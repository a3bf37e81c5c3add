"""A full scrape of simulated boards with the default limits vs. its latency-bound ideal and
vs. a sequential scraper, measured in one run.

    python benchmarks/scrape.py [--boards 500] [--latency-ms 100] [--sample 20]
    python benchmarks/scrape.py --small-boards [--sizes 300,10000] [--latency-ms 100]

The simulator runs in a child process (so it does not share this process's GIL) and
answers every request after ``latency_ms``. No failure boards.

``--small-boards`` (issue 19): boards of 3 jobs each in every simulated format on 4 ports,
scraped through the app's whole pipeline (``run_scrape`` into a DuckDB file, as ``jobscraper
scrape`` does) in a fresh child process: wall time beside ``ceil(requests / effective
concurrency) x latency``, the time the board server had a request in flight, how many
requests were in flight on average, the server's time per request, both processes' CPU, the
writer's per-company cost at batch sizes 1, 10 and 100 (set-based vs. the per-company path,
same run), the company import, and the app process's peak RSS. At every size the network
alone (no database) runs too; at the first size also the writer without its batch interval
("eager batches") and the per-company saving (the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import os
import sys
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
    ap.add_argument("--small-boards", action="store_true",
                    help="the small-boards scenario instead (see the module docstring)")
    ap.add_argument("--sizes", default="300,10000", help="board counts of --small-boards")
    args = ap.parse_args()
    latency_s = args.latency_ms / 1000
    if args.small_boards:
        os.environ["JOBSCRAPER_ALLOW_PRIVATE"] = "1"  # the simulator is on 127.0.0.1
        for i, n in enumerate(int(x) for x in args.sizes.split(",")):
            small_boards(n, args.latency_ms, baseline=i == 0)
        return

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


# -- the small-boards scenario (issue 19) -------------------------------------------------

SMALL_BOARD_JOBS = 3
SMALL_PORTS = 4


def _serve_small(boards: int, latency_ms: int, conn: Connection) -> None:
    """A simulator whose boards each list ``SMALL_BOARD_JOBS`` jobs, timing when it is busy."""
    from dataclasses import replace

    from aiohttp import web

    from scraper.simulator import Simulator

    class Timed(Simulator):
        """Counts, per port, the requests and the time at least one was in flight."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.inflight = 0
            self.busy_s = 0.0
            self.since = 0.0
            self.first = self.last = 0.0
            self.per_port: Counter[int] = Counter()
            # Request-seconds at the server (in-flight count integrated over time): divided
            # by the span, how many requests the scraper kept in flight on average; divided
            # by the requests, how long the server took to answer one (latency included).
            self.area = 0.0
            self.changed = 0.0

        def _move(self, by: int) -> float:
            now = time.perf_counter()
            if self.inflight:
                self.area += self.inflight * (now - self.changed)
            self.changed = now
            self.inflight += by
            return now

        @web.middleware
        async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
            if self.inflight == 0:
                self.since = self.changed = time.perf_counter()
            now = self._move(+1)
            self.first = self.first or now
            self.per_port[request.url.port or 0] += 1
            try:
                return await super()._middleware(request, handler)
            finally:
                self.last = self._move(-1)
                if self.inflight == 0:
                    self.busy_s += self.last - self.since

    sim = Timed(boards, latency_ms=latency_ms, seed=1, ports=SMALL_PORTS, failures=False)
    # Every board as small as a tiny company's: what matters is the per-company cost.
    sim._boards = [replace(b, size=SMALL_BOARD_JOBS) for b in sim._boards]
    sim._by_slug = {b.slug: b for b in sim._boards}
    sim.start()
    conn.send(sim.companies())
    cpu = time.process_time()
    while conn.recv() == "stats":
        conn.send({"requests": sim.request_count, "busy_s": sim.busy_s,
                   "span_s": sim.last - sim.first, "per_port": dict(sim.per_port),
                   "cpu_s": time.process_time() - cpu, "request_s": sim.area})
        sim.request_count, sim.busy_s, sim.first, sim.last = 0, 0.0, 0.0, 0.0
        sim.per_port, sim.area, cpu = Counter(), 0.0, time.process_time()
    sim.stop()


def _pipeline_child(dicts: list[dict[str, Any]], mode: str, conn: Connection) -> None:
    """The app side in a fresh process: import the companies, scrape them into a new DuckDB
    file (``mode``: set-based; set-based saving each batch as soon as the last is saved, the
    writer before its batch interval; one-by-one; or network-only), then time the writer."""
    import functools
    import resource
    import tempfile

    from app import pipeline, store
    from app.db import connect
    from app.pipeline import Writer, run_scrape

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(f"{tmp}/bench.duckdb")
        t0 = time.perf_counter()
        companies = store.save_companies(
            con, [Company(d["name"], d["ats"], d["board"], d["url"]) for d in dicts])
        out["import_s"] = time.perf_counter() - t0
        batches: list[int] = []
        real_close = Writer.close

        def close(self: Writer) -> None:
            real_close(self)
            batches.extend(self.batches)

        Writer.close = close  # type: ignore[method-assign]
        if mode == "eager batches":
            pipeline.Writer = functools.partial(Writer, interval_s=0)  # type: ignore[misc]
        if mode == "one-by-one":
            store.save_company_results = store.save_company_results_one_by_one  # type: ignore[assignment]
        t0, cpu0 = time.perf_counter(), _cpu_s()
        if mode == "network-only":
            _run(companies, FetchSettings())
            out["ok"] = len(companies)
        else:
            run_id = store.start_run(con, "bench", len(companies))
            summary = run_scrape(con, run_id, companies, settings=FetchSettings())
            out["ok"], out["jobs"] = summary.companies_ok, summary.jobs_seen
            out["failed"] = summary.companies_failed
        out["wall_s"], out["cpu_s"] = time.perf_counter() - t0, _cpu_s() - cpu0
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["batches"] = batches
        if mode == "set-based":
            out["writer_ms"] = _writer_costs(con)
        con.close()
    conn.send(out)


def _cpu_s() -> float:
    import resource

    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _writer_costs(con: Any, companies: int = 100) -> dict[str, dict[int, float]]:
    """ms per company to save ``companies`` results of 3 jobs (twice: new, then one closed
    and one new), at batch sizes 1, 10 and 100, set-based vs. per-company."""
    from app import store
    from scraper.models import Job

    costs: dict[str, dict[int, float]] = {}
    for path, save in (("set-based", store.save_company_results),
                       ("per-company", store.save_company_results_one_by_one)):
        costs[path] = {}
        for size in (1, 10, 100):
            made = store.save_companies(con, [
                Company(f"W {path} {size} {i}", "lever", f"w-{path}-{size}-{i}",
                        f"https://jobs.lever.co/w-{path}-{size}-{i}") for i in range(companies)])
            elapsed = 0.0
            for day in range(2):
                run_id = store.start_run(con, "bench", companies)
                results = [CompanyResult(c, "ok", tuple(
                    Job("lever", c.board, str(n), f"Role {n}", c.name, f"{c.url}/{n}",
                        description_text="x" * 400) for n in range(day, day + 3)))
                    for c in made]
                t0 = time.perf_counter()
                for i in range(0, companies, size):
                    save(con, run_id, results[i:i + size])
                elapsed += time.perf_counter() - t0
            costs[path][size] = elapsed * 1000 / (2 * companies)
    return costs


def _in_child(target: Any, *args: Any) -> Any:
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=target, args=(*args, child), daemon=True)
    proc.start()
    return parent, proc


def small_boards(boards: int, latency_ms: int, *, baseline: bool) -> None:
    settings = FetchSettings()
    latency_s = latency_ms / 1000
    server, server_proc = _in_child(_serve_small, boards, latency_ms)
    try:
        dicts = server.recv()
        modes = ["set-based", "network-only"]
        if baseline:
            modes[1:1] = ["eager batches", "one-by-one"]
        measured: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for mode in modes:
            print(f"[{boards} boards: {mode} ...]", file=sys.stderr, flush=True)
            app, app_proc = _in_child(_pipeline_child, dicts, mode)
            out = app.recv()
            app_proc.join(30)
            server.send("stats")
            measured[mode] = (out, server.recv())
    finally:
        server.send("stop")
        server_proc.join(10)
    out, stats = measured["set-based"]
    effective = min(settings.concurrency, settings.per_host * len(stats["per_port"]))
    ideal = math.ceil(stats["requests"] / effective) * latency_s
    busiest = max(math.ceil(n / settings.per_host) for n in stats["per_port"].values()) * latency_s
    formats = len({d["ats"] for d in dicts})
    print(f"\n== small boards: {boards} boards x {SMALL_BOARD_JOBS} jobs, {formats} formats, "
          f"{len(stats['per_port'])} ports, latency {latency_ms} ms, default limits "
          f"(concurrency {settings.concurrency}, per host {settings.per_host})")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"requests {stats['requests']}; ideal = ceil({stats['requests']} / {effective}) x "
          f"{latency_ms} ms = {ideal:.2f} s (busiest port alone: {busiest:.2f} s)")
    for mode, (o, st) in measured.items():
        print(f"  {mode:<14} wall {o['wall_s']:7.2f} s = {o['wall_s'] / ideal:4.2f}x ideal "
              f"(target <= 1.3x); server busy {st['busy_s']:6.2f} s; "
              f"{o['ok']} ok {o.get('failed', 0)} failed {o.get('jobs', '-')} jobs; "
              f"peak RSS {o['rss_mb']:.0f} MB")
        print(f"  {'':<14} in flight on average {st['request_s'] / o['wall_s']:4.1f} of "
              f"{effective}; {st['request_s'] / st['requests'] * 1000:.0f} ms a request at the "
              f"server; CPU: app {o['cpu_s']:.1f} s, server {st['cpu_s']:.1f} s")
        if o["batches"]:
            b = o["batches"]
            print(f"  {'':<14} writer: {len(b)} batches, mean {sum(b) / len(b):.1f}, "
                  f"max {max(b)} companies")
    print(f"company import (set-based save_companies): {out['import_s']:.2f} s for {boards}")
    print(f"peak RSS of the app process (set-based run): {out['rss_mb']:.0f} MB "
          f"(target < 500 MB at 10,000)")
    print("writer, ms per company of 3 jobs (100 companies, twice), by batch size:")
    for path, by_size in out["writer_ms"].items():
        print(f"  {path:<12}" + "".join(f"  batch {k:>3}: {v:6.2f} ms" for k, v in by_size.items()))
    per_company = out["writer_ms"]["per-company"]
    print("  set-based speed-up: " + ", ".join(
        f"batch {k}: {per_company[k] / v:.1f}x" for k, v in out["writer_ms"]["set-based"].items()))


if __name__ == "__main__":
    main()
