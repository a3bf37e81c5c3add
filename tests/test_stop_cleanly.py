"""Issue 11, items 6 and 9: a run killed mid-way reports the work it saved (recounted from
run_results), and SIGTERM stops `jobscraper scrape` and the app cleanly, ending the run
``cancelled`` with what finished saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from app import store
from app.db import connect
from scraper.models import Company, CompanyResult, Job
from scraper.simulator import Simulator
from tests.conftest import ROOT
from tests.test_browser import CHROMIUM, free_port, wait_healthy


def test_interrupted_run_keeps_the_counts_of_what_it_saved(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    a, b, c = store.save_companies(fresh_db, [
        Company(n, "greenhouse", n.lower(), f"https://boards.greenhouse.io/{n.lower()}")
        for n in ("Acme", "Beta", "Gamma")])
    run = store.start_run(fresh_db, "manual", 3)
    jobs = tuple(Job("greenhouse", "acme", str(i), f"Job {i}", "Acme", f"https://x/{i}")
                 for i in range(4))
    store.save_company_results(fresh_db, run, [CompanyResult(a, "ok", jobs),
                                               CompanyResult(b, "failed", error="404")])
    # The process dies here: Gamma never finished, the run row still says running.
    assert store.interrupt_stale_runs(fresh_db) == 1
    assert fresh_db.execute(
        "SELECT state, companies_total, companies_ok, companies_failed, jobs_new, jobs_closed "
        "FROM runs").fetchall() == [("interrupted", 3, 1, 1, 4, 0)]


@pytest.fixture(scope="module")
def slow_sim() -> Iterator[Simulator]:
    """Enough slow boards that a scrape takes several seconds."""
    with Simulator(boards=60, latency_ms=400) as sim:
        yield sim


def start_cli(sim: Simulator, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    companies = tmp_path / "companies.toml"
    sim.write_companies(companies)
    db = tmp_path / "jobs.duckdb"
    env = {**os.environ, "JOBSCRAPER_ALLOW_PRIVATE": "1", "JOBSCRAPER_COMPANIES": str(companies)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "scrape", "--db", str(db), "--companies", str(companies)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    # Wait until companies are being saved, so the signal lands mid-run.
    for _ in range(3):
        line = proc.stdout.readline()
        assert line.startswith(("ok ", "FAIL ")), line
    return proc, db


def runs(db: Path) -> list[tuple[object, ...]]:
    con = connect(db)
    try:
        return con.execute(
            "SELECT state, companies_total, companies_ok + companies_failed, "
            "(SELECT count(*) FROM run_results WHERE state <> 'cancelled') FROM runs").fetchall()
    finally:
        con.close()


def test_sigterm_cancels_the_cli_run_and_keeps_what_finished(
    slow_sim: Simulator, tmp_path: Path
) -> None:
    proc, db = start_cli(slow_sim, tmp_path)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "terminate called" not in err
    assert "stopped by SIGTERM; run 1 cancelled" in err
    [(state, total, done, saved)] = runs(db)
    n = len(slow_sim.companies())
    assert (state, total) == ("cancelled", n)
    assert 3 <= done == saved < n
    assert f"cancelled of {n} companies" in out


def test_kill_9_then_restart_reports_the_saved_work(slow_sim: Simulator, tmp_path: Path) -> None:
    proc, db = start_cli(slow_sim, tmp_path)
    proc.kill()
    proc.communicate(timeout=30)
    con = connect(db)
    try:
        store.interrupt_stale_runs(con)  # what the next start of the app or CLI does
        [(state, ok, failed, new)] = con.execute(
            "SELECT state, companies_ok, companies_failed, jobs_new FROM runs").fetchall()
        [(saved, saved_new)] = con.execute(
            "SELECT count(*), sum(jobs_new) FROM run_results").fetchall()
    finally:
        con.close()
    assert state == "interrupted"
    assert ok + failed == saved >= 3
    assert new == saved_new > 0


@pytest.mark.browser
def test_sigterm_to_the_app_ends_its_run_cancelled(slow_sim: Simulator, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    companies = tmp_path / "companies.toml"
    slow_sim.write_companies(companies)
    db = tmp_path / "jobs.duckdb"
    port = free_port()
    env = {**os.environ, "JOBSCRAPER_DB": str(db), "JOBSCRAPER_COMPANIES": str(companies),
           "JOBSCRAPER_ALLOW_PRIVATE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                page = browser.new_page()
                page.goto(base)
                page.get_by_role("button", name="Start scrape").click(timeout=120_000)
                page.get_by_text("companies done").first.wait_for(timeout=120_000)
                time.sleep(2)  # some companies finish and are saved
            finally:
                browser.close()
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    assert "terminate called" not in err
    assert server.returncode in (0, -signal.SIGTERM), err[-2000:]
    [(state, total, done, saved)] = runs(db)
    n = len(slow_sim.companies())
    assert (state, total) == ("cancelled", n)
    assert done == saved < n
