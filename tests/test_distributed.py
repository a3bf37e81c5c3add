"""Scrapes on real Celery worker processes over a real redis-server: what only this mode has
(workers named, the per-host limit across workers, faults: a worker killed, the broker down
at the start or lost mid-run, an oversized result, JSON only). The outcomes shared with the
in-process mode are tested in test_pipeline_sim.py, parametrized over both."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiohttp import web

from app import store
from app.db import connect
from app.pipeline import CompanyProgress, cli_scrape, run_scrape
from app.plain import md_escape
from scraper.fetch import FetchSettings
from scraper.models import Company
from scraper.remote import common
from scraper.remote.client import RemoteRunner, RemoteSettings
from scraper.simulator import Simulator
from tests.remote_services import ROOT, RedisServer, WorkerSet, free_port, start_workers

FAST = FetchSettings(timeout_s=3.0, backoff_s=0.05)
FEW_DETAILS = FetchSettings(timeout_s=3.0, backoff_s=0.05, detail_cap=2)


class CountingSimulator(Simulator):
    """A simulator that records the most requests it had in flight at once, per port."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight: Counter[int] = Counter()
        self.max_in_flight: Counter[int] = Counter()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        self.in_flight[port] += 1
        self.max_in_flight[port] = max(self.max_in_flight[port], self.in_flight[port])
        try:
            return await super()._middleware(request, handler)
        finally:
            self.in_flight[port] -= 1


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(boards=18, failures=True, slow_s=5.0).start()
    yield s
    s.stop()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(tmp_path / "jobs.duckdb")
    yield c
    c.close()


def good(con: duckdb.DuckDBPyConnection, sim: Simulator, n: int | None = None) -> list[Company]:
    picked = [Company(d["name"], d["ats"], d["board"], d["url"]) for d in sim.companies()
              if d["failure"] is None]
    return store.save_companies(con, picked[:n] if n else picked)


def scrape(con: duckdb.DuckDBPyConnection, companies: list[Company], runner: RemoteRunner,
           progress: list[CompanyProgress] | None = None, settings: FetchSettings = FAST,
           cancel: threading.Event | None = None) -> Any:
    run_id = store.start_run(con, "test", len(companies))
    sink = progress.append if progress is not None else None
    return run_scrape(con, run_id, companies, settings=settings, on_progress=sink,
                      runner=runner.scrape, cancel=cancel)


def run_state(con: duckdb.DuckDBPyConnection, run_id: int) -> tuple[Any, ...] | None:
    return con.execute("SELECT state, companies_ok, companies_failed, error FROM runs "
                       "WHERE run_id = ?", [run_id]).fetchone()


def test_worker_side_imports_no_streamlit_and_no_duckdb() -> None:
    code = (
        "import sys, asyncio\n"
        "import scraper.remote.worker as w, app.cli\n"
        "from scraper.simulator import Simulator\n"
        "from scraper.models import Company\n"
        "from scraper.fetch import Fetcher, FetchSettings\n"
        "from scraper.runner import scrape_one\n"
        "sim = Simulator(boards=9).start()\n"
        "cs = [Company(d['name'], d['ats'], d['board'], d['url']) for d in sim.companies()]\n"
        "async def main():\n"
        "    async with Fetcher(FetchSettings(allow_private=True)) as f:\n"
        "        for c in cs:\n"
        "            r = await scrape_one(f, c, on_event=lambda e: None, now=None or __import__('datetime').datetime.now())\n"
        "            assert r.ok, r\n"
        "asyncio.run(main())\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'duckdb', 'polars'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_workers_are_named_in_progress_and_share_the_work(
    con: duckdb.DuckDBPyConnection, sim: Simulator, two_workers: WorkerSet
) -> None:
    progress: list[CompanyProgress] = []
    summary = scrape(con, good(con, sim, 8), RemoteRunner(two_workers.broker), progress)
    assert summary.state == "finished"
    names = {w.name for w in two_workers.workers}
    running = [p for p in progress if p.state == "running"]
    assert {p.worker for p in running} <= names and len(running) == summary.companies_total
    finals = [p for p in progress if p.state == "ok"]
    assert all(p.worker in names for p in finals)


def test_per_host_limit_holds_for_all_workers_together(
    con: duckdb.DuckDBPyConnection, two_workers: WorkerSet
) -> None:
    # One port: every board is on the same host, and both workers want it at once.
    counting = CountingSimulator(boards=16, ports=1, latency_ms=150).start()
    try:
        companies = good(con, counting)
        settings = FetchSettings(timeout_s=10.0, per_host=2, detail_cap=3)
        summary = scrape(con, companies, RemoteRunner(two_workers.broker), settings=settings)
    finally:
        counting.stop()
    assert summary.state == "finished" and summary.companies_ok == len(companies)
    [port] = counting.ports
    # Each worker alone would allow 2 (16 in flight with its concurrency 8): together, 2.
    assert counting.max_in_flight[port] == 2


def test_host_leases_hold_the_limit_across_processes_and_serve_several_requests(
    redis_server: RedisServer,
) -> None:
    import redis.asyncio as aioredis

    from scraper.remote.slots import RedisHostGate

    async def main() -> tuple[int, int]:
        url = redis_server.url.rsplit("/", 1)[0] + "/5"
        clients = [aioredis.from_url(url) for _ in range(2)]  # two worker processes
        gates = [RedisHostGate(c, per_host=3, timeout_s=5.0) for c in clients]
        own = [asyncio.Semaphore(3) for _ in gates]  # each process's own per-host limit
        holding = peak = 0

        async def request(i: int) -> None:
            nonlocal holding, peak
            async with own[i % 2], gates[i % 2].slot(("example.org", 443)):
                holding += 1
                peak = max(peak, holding)
                await asyncio.sleep(0.01)
                holding -= 1

        before = await clients[0].info("commandstats")
        await asyncio.gather(*(request(i) for i in range(120)))
        after = await clients[0].info("commandstats")
        for c in clients:
            await c.aclose()

        def leases(stats: dict[str, Any]) -> int:  # ZADD: one per lease Redis granted
            return int(stats.get("cmdstat_zadd", {}).get("calls", 0))

        return peak, leases(after) - leases(before)

    peak, granted = asyncio.run(main())
    assert peak == 3  # never more than the limit, though each process alone allows 3
    assert 3 <= granted < 120 / 4  # a lease served several requests of its process


def test_oversized_result_is_refused_with_a_clear_error(
    con: duckdb.DuckDBPyConnection, sim: Simulator, one_worker: WorkerSet
) -> None:
    companies = good(con, sim, 3)
    progress: list[CompanyProgress] = []
    runner = RemoteRunner(one_worker.broker, RemoteSettings(max_result_bytes=1024))
    summary = scrape(con, companies, runner, progress)
    finals = [p for p in progress if p.state != "running"]
    assert [p.state for p in finals] == ["failed"] * 3
    for p in finals:
        assert p.error is not None and p.error.startswith("result too large: "), p.error
        assert p.error.endswith("over the 1 KB a worker may send (refused)")
    assert summary.jobs_seen == 0 and con.execute("SELECT count(*) FROM jobs").fetchone() == (0,)


def test_broker_down_at_start_fails_the_run_at_once_and_hides_the_password(
    con: duckdb.DuckDBPyConnection, sim: Simulator
) -> None:
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    companies = good(con, sim, 2)
    summary = scrape(con, companies, RemoteRunner(url))
    state = run_state(con, summary.run_id)
    assert state is not None and state[:3] == ("failed", 0, 0)
    assert "broker unreachable at redis://:***@127.0.0.1:" in state[3]
    assert "s3cret-pw" not in state[3]
    assert con.execute("SELECT count(*) FROM run_results").fetchone() == (0,)


def test_cli_scrape_says_the_broker_is_down(
    tmp_path: Path, sim: Simulator, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JOBSCRAPER_BROKER", f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0")
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(tmp_path / "none.toml"))
    toml = tmp_path / "companies.toml"
    sim.write_companies(toml)
    assert cli_scrape(db=str(tmp_path / "cli.duckdb"), companies_file=str(toml)) == 1
    out = capsys.readouterr()
    assert "jobscraper scrape: BrokerUnavailable: broker unreachable at redis://:***@" in out.err
    assert "s3cret-pw" not in out.err + out.out
    c = connect(tmp_path / "cli.duckdb")
    try:
        assert c.execute("SELECT state FROM runs").fetchall() == [("failed",)]
    finally:
        c.close()


def test_no_worker_online_fails_the_run_with_what_to_do(
    con: duckdb.DuckDBPyConnection, sim: Simulator, redis_server: RedisServer
) -> None:
    broker = redis_server.url.rsplit("/", 1)[0] + "/9"  # a database no worker listens on
    summary = scrape(con, good(con, sim, 2), RemoteRunner(broker, RemoteSettings(no_worker_s=0.5)))
    assert summary.state == "failed"
    assert "no Celery worker is online" in (summary.error or "")
    assert "jobscraper worker --broker URL" in (summary.error or "")


@pytest.fixture
def slow_sim() -> Iterator[Simulator]:
    s = Simulator(boards=12, latency_ms=300).start()
    yield s
    s.stop()


def test_killed_worker_companies_go_to_the_other_worker_or_fail_worker_lost(
    con: duckdb.DuckDBPyConnection, slow_sim: Simulator, redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    broker = redis_server.url.rsplit("/", 1)[0] + "/3"
    workers = start_workers(broker, tmp_path, 2, concurrency=4)
    try:
        companies = good(con, slow_sim)
        victim, survivor = workers
        progress: list[CompanyProgress] = []
        killed = threading.Event()

        def on_progress(p: CompanyProgress) -> None:
            progress.append(p)
            if p.state == "running" and p.worker == victim.name and not killed.is_set():
                killed.set()
                victim.kill()  # kill -9 while it runs companies

        run_id = store.start_run(con, "test", len(companies))
        batches = RemoteRunner(broker, RemoteSettings(batch=2))  # lost batches are sent again
        summary = run_scrape(con, run_id, companies, settings=FEW_DETAILS,
                             on_progress=on_progress, runner=batches.scrape)
        assert killed.is_set() and summary.state == "finished"
        assert summary.companies_ok == len(companies)  # every one redelivered, none lost
        requeued = {p.company.board for p in progress if p.state == "queued"}
        assert requeued, "the killed worker held companies"
        for p in progress:
            if p.state == "ok" and p.company.board in requeued:
                assert p.worker == survivor.name

        # No redelivery allowed, and the last worker killed: the run still ends.
        progress.clear()
        killed.clear()
        victim = survivor
        run_id = store.start_run(con, "test", len(companies))
        runner = RemoteRunner(broker, RemoteSettings(redeliveries=0, no_worker_s=2.0))
        summary = run_scrape(con, run_id, companies, settings=FEW_DETAILS,
                             on_progress=on_progress, runner=runner.scrape)
        finals = {p.company.board: p.error for p in progress if p.state == "failed"}
        assert summary.state == "finished" and finals
        assert all(e is not None and e.startswith("worker lost") for e in finals.values())
    finally:
        for w in workers:
            w.stop()


def test_cancel_stops_batches_running_and_queued_at_once(
    con: duckdb.DuckDBPyConnection, redis_server: RedisServer, tmp_path: Path
) -> None:
    broker = redis_server.url.rsplit("/", 1)[0] + "/4"
    many = Simulator(boards=48, latency_ms=300).start()
    # One request in flight each: a worker takes 4 companies at once and 2 batches more; the
    # rest stay queued. Uncancelled, this run takes over 20 s.
    workers = start_workers(broker, tmp_path, 2, concurrency=1)
    try:
        companies = good(con, many)
        cancel = threading.Event()
        cancelled_at: list[float] = []

        def on_progress(p: CompanyProgress) -> None:
            if p.state == "ok" and not cancel.is_set():
                cancelled_at.append(time.monotonic())
                cancel.set()

        run_id = store.start_run(con, "test", len(companies))
        runner = RemoteRunner(broker, RemoteSettings(batch=4))
        summary = run_scrape(con, run_id, companies, settings=FetchSettings(timeout_s=30.0),
                             on_progress=on_progress, cancel=cancel, runner=runner.scrape)
        took = time.monotonic() - cancelled_at[0]
    finally:
        for w in workers:
            w.stop()
        many.stop()
    assert summary.state == "cancelled" and summary.companies_ok >= 1
    assert summary.companies_cancelled >= len(companies) // 2
    assert summary.companies_ok + summary.companies_cancelled == len(companies)
    assert took < 4.0, took  # the issue asks for 2 s; a busy machine gets some slack


def test_a_worker_stopped_warm_finishes_what_it_runs_and_the_rest_goes_on(
    con: duckdb.DuckDBPyConnection, slow_sim: Simulator, redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    broker = redis_server.url.rsplit("/", 1)[0] + "/6"
    workers = start_workers(broker, tmp_path, 2, concurrency=2)
    try:
        companies = good(con, slow_sim)
        stopping, survivor = workers
        progress: list[CompanyProgress] = []
        stopped = threading.Event()

        def on_progress(p: CompanyProgress) -> None:
            progress.append(p)
            if p.state == "running" and p.worker == stopping.name and not stopped.is_set():
                stopped.set()
                assert stopping.proc is not None
                stopping.proc.send_signal(signal.SIGTERM)  # Celery's warm shutdown

        run_id = store.start_run(con, "test", len(companies))
        runner = RemoteRunner(broker, RemoteSettings(batch=2))
        summary = run_scrape(con, run_id, companies, settings=FEW_DETAILS,
                             on_progress=on_progress, runner=runner.scrape)
        assert stopping.proc is not None and stopping.proc.wait(30) == 0
    finally:
        for w in workers:
            w.stop()
    assert stopped.is_set() and summary.state == "finished"
    assert summary.companies_ok == len(companies)
    finished_there = {p.company.board for p in progress if p.state == "ok"
                      and p.worker == stopping.name}
    assert finished_there, "the stopped worker finished what it was running"
    assert not [p for p in progress if p.state == "queued"]  # nothing had to be sent again
    assert {p.company.board for p in progress if p.state == "ok"} == {c.board for c in companies}


def test_broker_lost_mid_run_fails_the_run_and_keeps_what_was_saved(
    con: duckdb.DuckDBPyConnection, slow_sim: Simulator, tmp_path: Path
) -> None:
    server = RedisServer(password="s3cret-pw").start()
    workers = start_workers(server.url, tmp_path, 1, concurrency=2)
    try:
        companies = good(con, slow_sim)
        progress: list[CompanyProgress] = []

        def on_progress(p: CompanyProgress) -> None:
            progress.append(p)
            if p.state == "ok" and server.proc is not None and server.proc.poll() is None:
                server.stop()

        run_id = store.start_run(con, "test", len(companies))
        runner = RemoteRunner(server.url, RemoteSettings(broker_lost_s=1.5))
        started = time.monotonic()
        summary = run_scrape(con, run_id, companies, settings=FEW_DETAILS,
                             on_progress=on_progress, runner=runner.scrape)
        took = time.monotonic() - started
        state = run_state(con, run_id)
        assert state is not None and state[0] == "failed" and state[1] >= 1, (state, took)
        assert "broker lost at redis://:***@127.0.0.1:" in state[3]
        saved = con.execute("SELECT count(*) FROM run_results WHERE run_id = ? AND state = 'ok'",
                            [run_id]).fetchone()
        assert saved == (state[1],) and summary.jobs_seen > 0
        texts = [state[3]] + [p.error or "" for p in progress] + [workers[0].log()]
        assert not any("s3cret-pw" in t for t in texts)
    finally:
        for w in workers:
            w.stop()
        server.stop()


def test_tasks_and_results_are_json_and_pickle_is_refused(one_worker: WorkerSet) -> None:
    client = common.redis_client(one_worker.broker)
    capp = common.make_celery(one_worker.broker)
    key = "picklecheck"
    client.set(common.run_state_key(key), "running", ex=60)
    company = {"name": "X", "ats": "greenhouse", "board": "x",
               "url": f"http://127.0.0.1:{free_port()}/v1/boards/x/jobs"}
    args = [key, [[0, company]], {"timeout_s": 1.0, "retries": 1}, "2026-11-02T09:00:00+00:00",
            10**6]
    capp.send_task(common.TASK_NAME, args=args, task_id=common.task_id(key, 0),
                   queue=common.QUEUE)
    capp.send_task(common.TASK_NAME, args=args, task_id=common.task_id(key, 1),
                   queue=common.QUEUE, serializer="pickle")
    events_key = common.run_events_key(key)
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not any(e["kind"] == "result" for e in events) and time.monotonic() < deadline:
        raw = client.blpop([events_key], timeout=0.2)
        if raw:
            events.append(json.loads(raw[1]))  # plain JSON in Redis
    [result] = [e for e in events if e["kind"] == "result"]
    assert (result["task"], result["index"], result["result"]["state"]) == \
        (common.task_id(key, 0), 0, "failed")
    assert "cannot connect" in result["result"]["error"]
    time.sleep(1.0)
    later = [json.loads(e) for e in client.lrange(events_key, 0, -1)]
    assert not any(e["task"] == common.task_id(key, 1) for e in events + later)  # never run
    assert "ContentDisallowed" in one_worker.workers[0].log() or \
        "Refusing to deserialize" in one_worker.workers[0].log()


def test_remote_runner_is_a_drop_in_for_the_in_process_runner(
    sim: Simulator, two_workers: WorkerSet
) -> None:
    from scraper.runner import scrape as local

    companies = [Company(d["name"], d["ats"], d["board"], d["url"], i)
                 for i, d in enumerate(sim.companies())]
    # Timeouts long enough that a busy machine cannot turn one fault into another (reading
    # the 22 MB body must end in "over 20 MB", not "timed out"); the slow board then answers.
    patient = FetchSettings(timeout_s=10.0, backoff_s=0.05)
    here = asyncio.run(local(companies, on_event=lambda e: None, settings=patient))
    there = asyncio.run(RemoteRunner(two_workers.broker).scrape(
        companies, on_event=lambda e: None, settings=patient))
    assert [(r.company, r.state, r.jobs, r.error) for r in there] == \
        [(r.company, r.state, r.jobs, r.error) for r in here]


def test_scraping_page_shows_the_mode_the_workers_and_who_ran_each_company(
    db_path: Path, sim: Simulator, two_workers: WorkerSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from app import registry
    from tests.conftest import MAIN

    seed = db_path.parent / "companies.toml"
    good_boards = [d for d in sim.companies() if d["failure"] is None][:4]
    seed.write_text("".join(
        f'[[company]]\nname = "{d["name"]}"\nurl = "{d["url"]}"\nats = "{d["ats"]}"\n'
        f'board = "{d["board"]}"\n\n' for d in good_boards), encoding="utf-8")
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(seed))
    monkeypatch.setenv("JOBSCRAPER_BROKER", two_workers.broker)
    monkeypatch.setenv("JOBSCRAPER_TIMEOUT_S", "5")
    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    assert f"Scrapes run on **{md_escape(f'Celery workers via {two_workers.broker}')}**." in \
        at.caption.values
    online = at.dataframe[0].value
    assert sorted(online["Worker"]) == sorted(w.name for w in two_workers.workers)
    assert list(online["Concurrency"]) == [8, 8]

    next(b for b in at.button if b.label == "Start scrape").click().run()
    assert not at.exception
    reg = registry.holder()
    assert reg.join(60)
    at.run()
    assert not at.exception
    assert at.status[0].label == "Run #1 (manual) finished: 4/4 companies"
    table = at.status[0].dataframe[0].value
    assert list(table["State"]) == ["ok"] * 4
    assert set(table["Worker"]) <= {w.name for w in two_workers.workers}
    reg.close()


def test_scraping_page_says_in_process_without_a_broker(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import MAIN

    monkeypatch.delenv("JOBSCRAPER_BROKER", raising=False)
    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    assert ("Scrapes run **in-process** (set `JOBSCRAPER_BROKER` to use Celery workers)."
            in at.caption.values)


def test_scraping_page_says_the_broker_is_unreachable(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import MAIN

    monkeypatch.setenv("JOBSCRAPER_BROKER", f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0")
    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith(md_escape("broker unreachable at redis://:***@127.0.0.1:"))
    assert "s3cret-pw" not in error
    assert "s3cret-pw" not in " ".join(at.caption.values)


def test_scheduled_run_goes_to_the_workers_like_a_manual_one(
    con: duckdb.DuckDBPyConnection, sim: Simulator, one_worker: WorkerSet
) -> None:
    from datetime import datetime, timedelta

    from app.people import Person
    from app.registry import ScrapeRegistry
    from app.settings import Settings

    good(con, sim, 3)
    now = [datetime(2026, 11, 2, 9, 0)]
    reg = ScrapeRegistry(con, settings=Settings(broker_url=one_worker.broker, timeout_s=5.0),
                         clock=lambda: now[0], poll_s=3600)
    try:
        reg.set_schedule(60, Person("admin@example.com", "Admin", True, "oidc", admin=True))
        now[0] += timedelta(minutes=61)
        assert reg.tick()
        assert reg.join(60)
        snap = reg.snapshot()
        assert (snap.trigger, snap.state, snap.companies_done) == ("schedule", "finished", 3)
        assert {r.worker for r in snap.companies} == {one_worker.workers[0].name}
        assert con.execute("SELECT trigger, state, companies_ok FROM runs").fetchall() == [
            ("schedule", "finished", 3)]
    finally:
        reg.close()
