"""The in-process scrape beside 1, 2 and 4 local Celery worker processes, in one run.

    python -m benchmarks.distributed [--boards 2000] [--latency-ms 200] [--ports 32]
                                     [--workers 1,2,4] [--heavy-boards 12] [--heavy-jobs 500]

Latency-bound scenario: a simulator in a child process serving ``--boards`` boards on
``--ports`` ports (per-company hosts), every request answered after ``--latency-ms``. Every
mode uses the default limits: 16 requests in flight per process (``JOBSCRAPER_CONCURRENCY``
is per worker) and 4 per host (``JOBSCRAPER_PER_HOST``, for all workers together through
Redis). The simulator counts the requests in flight on each host: the highest count is
printed per run and must never pass the per-host limit. Ideal = latency x the largest of the
busiest host's rounds, all requests / (16 x workers), and the longest chain of dependent
requests in one board (benchmarks/scrape.py). Under each run: the CPU seconds of the app,
the workers, Redis and the simulator (each its own process), and all of them together as
cores busy over the run: near the machine's core count, a run is CPU-bound, not latency-bound,
and no worker count can reach the latency ideal. The simulator is one event loop: near 1.0 of
a core it would be the bottleneck itself.

Parse-heavy scenario: ``--heavy-boards`` Greenhouse boards of ``--heavy-jobs`` postings with
~5 KB descriptions (no latency): parsing and cleaning HTML is CPU work, so more workers help
only as far as this machine has cores (2, shared), and every result crosses Redis as JSON
to be decoded by the app.

Worker start-up is not timed; a warm-up pass fills the simulator's payload cache first.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.scrape import ideal_seconds
from scraper.fetch import FetchSettings
from scraper.models import Company, CompanyResult
from scraper.remote.client import RemoteRunner
from scraper.runner import scrape
from tests.remote_services import RedisServer, Worker, start_workers

CONCURRENCY = 16
PER_HOST = 4


def _serve_sim(boards: int, latency_ms: int, ports: int, conn: Connection) -> None:
    import logging

    import scraper.simulator.server as server
    from scraper.simulator import Simulator

    server.CACHE_MAX_BYTES = 4 * 2**30  # every payload stays cached: the simulator is not timed
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # clients that gave up

    class Counting(Simulator):
        in_flight: Counter[int] = Counter()
        peak: Counter[int] = Counter()

        @web.middleware
        async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
            port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
            self.in_flight[port] += 1
            self.peak[port] = max(self.peak[port], self.in_flight[port])
            try:
                return await super()._middleware(request, handler)
            finally:
                self.in_flight[port] -= 1

    sim = Counting(boards, latency_ms=latency_ms, seed=1, ports=ports, failures=False).start()
    conn.send(sim.companies())
    _control(conn, sim.peak)
    sim.stop()


def _serve_heavy(boards: int, jobs: int, conn: Connection) -> None:
    from benchmarks.parse import greenhouse

    payloads = {f"heavy{i}": greenhouse(jobs, random.Random(i)) for i in range(boards)}
    peak: Counter[int] = Counter()

    async def board(request: web.Request) -> web.Response:
        return web.Response(body=payloads[request.match_info["token"]],
                            content_type="application/json")

    async def main() -> list[dict[str, Any]]:
        app = web.Application()
        app.add_routes([web.get("/v1/boards/{token}/jobs", board)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return [{"name": f"Heavy {i}", "ats": "greenhouse", "board": token,
                 "url": f"http://127.0.0.1:{port}/v1/boards/{token}/jobs"}
                for i, token in enumerate(payloads)]

    loop = asyncio.new_event_loop()
    conn.send(loop.run_until_complete(main()))
    threading.Thread(target=loop.run_forever, daemon=True).start()
    _control(conn, peak)


def _control(conn: Connection, peak: Counter[int]) -> None:
    while True:
        msg = conn.recv()
        if msg == "stop":
            return
        if msg == "peak":
            conn.send(dict(peak))
            peak.clear()


def _companies(dicts: list[dict[str, Any]]) -> list[Company]:
    return [Company(d["name"], d["ats"], d["board"], d["url"], company_id=i)
            for i, d in enumerate(dicts)]


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Cpu:
    """CPU seconds used since start by this process (the app), the workers, Redis and the
    simulator, each measured on its own."""

    def __init__(self, sim: int, workers: list[int] = [], redis: int | None = None) -> None:  # noqa: B006
        self.groups = {"app": [os.getpid()], "workers": workers,
                       "redis": [redis] if redis else [], "sim": [sim]}
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        return {k: sum(_cpu_s(p) for p in pids) for k, pids in self.groups.items()}

    def used(self) -> dict[str, float]:
        now = self._now()
        return {k: now[k] - self.start[k] for k in now}


def _cpu_text(cpu: dict[str, float], wall: float) -> str:
    """'CPU 12.3 s (app 4.0, ...); simulator 3.1 s = 0.21 of a core; all 1.02 of 2 cores busy'"""
    total = cpu["app"] + cpu["workers"] + cpu["redis"]
    parts = f"app {cpu['app']:.1f}, workers {cpu['workers']:.1f}, redis {cpu['redis']:.1f}"
    busy = (total + cpu["sim"]) / wall
    return (f"CPU {total:6.1f} s ({parts}); simulator {cpu['sim']:5.1f} s = "
            f"{cpu['sim'] / wall:.2f} of a core; all {busy:.2f} of {os.cpu_count()} cores busy")


def _timed(companies: list[Company], settings: FetchSettings,
           broker: str | None = None) -> tuple[float, list[CompanyResult]]:
    started = time.perf_counter()
    if broker is None:
        coro = scrape(companies, on_event=lambda e: None, settings=settings)
    else:
        coro = RemoteRunner(broker).scrape(companies, on_event=lambda e: None, settings=settings)
    results = asyncio.run(coro)
    return time.perf_counter() - started, results


def _cancel_line(companies: list[Company], settings: FetchSettings, broker: str) -> str:
    """Cancel a remote run 2 s in: how long until the runner returned."""
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def fire() -> None:
        cancelled_at.append(time.perf_counter())
        cancel.set()

    threading.Timer(2.0, fire).start()
    runner = RemoteRunner(broker)
    results = asyncio.run(runner.scrape(companies, on_event=lambda e: None, settings=settings,
                                        cancel=cancel))
    took = time.perf_counter() - cancelled_at[0]
    return (f"cancel 2 s into a run: returned {took:.2f} s after the cancel; "
            f"{sum(r.state == 'cancelled' for r in results)} companies cancelled, "
            f"{sum(r.ok for r in results)} ok")


def _peak(conn: Connection) -> int:
    conn.send("peak")
    return max(conn.recv().values(), default=0)


def _line(label: str, wall: float, base: float, ideal: float | None, peak: int | None,
          results: list[CompanyResult], n: int, cpu: dict[str, float]) -> str:
    failed = sum(not r.ok for r in results)
    jobs = sum(len(r.jobs) for r in results)
    ideal_s = f"{ideal:6.2f} s" if ideal is not None else "     -  "
    speed = base / wall
    target = f" (target >= {0.8 * n:.1f})" if n > 1 and ideal is not None else ""
    host = f"  max in flight per host {peak}" if peak is not None else ""
    return (f"{label:<11} {wall:7.2f} s  ideal {ideal_s}  speed-up {speed:5.2f}x{target}{host}"
            f"  ({jobs} jobs, {failed} failed)\n{'':13}{_cpu_text(cpu, wall)}")


def latency_bound(args: argparse.Namespace, broker: str, redis_pid: int, log_dir: Path) -> None:
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(
        target=_serve_sim, args=(args.boards, args.latency_ms, args.ports, child), daemon=True)
    server.start()
    try:
        companies = _companies(parent.recv())
        settings = FetchSettings(concurrency=CONCURRENCY, per_host=PER_HOST, allow_private=True,
                                 detail_cap=args.detail_cap)
        _timed(companies, FetchSettings(concurrency=64, per_host=8, allow_private=True,
                                        detail_cap=args.detail_cap))
        _peak(parent)
        latency_s = args.latency_ms / 1000
        print(f"latency-bound: {len(companies)} boards on {args.ports} hosts, "
              f"{args.latency_ms} ms a request; {CONCURRENCY} in flight per process, "
              f"{PER_HOST} per host for all, detail cap {args.detail_cap}")
        cpu = Cpu(server.pid)
        base, results = _timed(companies, settings)
        base_cpu = cpu.used()
        requests = sum(r.requests for r in results)
        ideal, _ = ideal_seconds(results, settings, latency_s)
        print(f"  requests per scrape: {requests}")
        print("  " + _line("in-process", base, base, ideal, _peak(parent), results, 1, base_cpu))
        for n in args.workers:
            workers = start_workers(broker, log_dir, n, concurrency=CONCURRENCY)
            try:
                cpu = Cpu(server.pid, [w.pid for w in workers], redis_pid)
                wall, res = _timed(companies, settings, broker)
                used = cpu.used()
                ideal_n, _ = ideal_seconds(
                    res, FetchSettings(concurrency=CONCURRENCY * n, per_host=PER_HOST,
                                       detail_cap=args.detail_cap), latency_s)
                print("  " + _line(f"{n} worker{'s' * (n > 1)}", wall, base, ideal_n,
                                   _peak(parent), res, n, used), flush=True)
                if n == args.workers[-1]:
                    print("  " + _cancel_line(companies, settings, broker), flush=True)
            finally:
                _stop(workers)
    finally:
        parent.send("stop")
        server.join(10)


def parse_heavy(args: argparse.Namespace, broker: str, redis_pid: int, log_dir: Path) -> None:
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(
        target=_serve_heavy, args=(args.heavy_boards, args.heavy_jobs, child), daemon=True)
    server.start()
    try:
        companies = _companies(parent.recv())
        settings = FetchSettings(concurrency=CONCURRENCY, per_host=PER_HOST, allow_private=True)
        print(f"parse-heavy: {len(companies)} Greenhouse boards x {args.heavy_jobs} postings "
              f"(~5 KB descriptions), no latency; {os.cpu_count()} cores on this machine")
        cpu = Cpu(server.pid)
        base, results = _timed(companies, settings)
        print("  " + _line("in-process", base, base, None, None, results, 1, cpu.used()))
        for n in args.workers:
            workers = start_workers(broker, log_dir, n, concurrency=CONCURRENCY)
            try:
                cpu = Cpu(server.pid, [w.pid for w in workers], redis_pid)
                wall, res = _timed(companies, settings, broker)
                print("  " + _line(f"{n} worker{'s' * (n > 1)}", wall, base, None, None, res, n,
                                   cpu.used()), flush=True)
            finally:
                _stop(workers)
    finally:
        parent.send("stop")
        server.join(10)


def _stop(workers: list[Worker]) -> None:
    for w in workers:
        w.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", type=int, default=2000)
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--ports", type=int, default=32)
    ap.add_argument("--detail-cap", type=int, default=200,
                    help="detail requests per SmartRecruiters / Workday board (the app's default 200)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--heavy-boards", type=int, default=12)
    ap.add_argument("--heavy-jobs", type=int, default=500)
    ap.add_argument("--skip", choices=("latency", "heavy"), help="leave one scenario out")
    args = ap.parse_args()
    args.workers = [int(n) for n in args.workers.split(",")]
    redis = RedisServer().start()
    assert redis.proc is not None
    redis_pid = redis.proc.pid
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            if args.skip != "latency":
                latency_bound(args, redis.url, redis_pid, Path(tmp))
            if args.skip != "heavy":
                parse_heavy(args, redis.url, redis_pid, Path(tmp))
            print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        redis.stop()


if __name__ == "__main__":
    sys.exit(main())
