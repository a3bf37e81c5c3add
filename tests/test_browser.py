"""End to end in headless Chromium: the real app scrapes the simulator; a second browser
context (another user's tab) that clicks nothing watches the run advance and end."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.simulator import Simulator

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
LABEL = re.compile(r"Run #1 \(manual\) (\w+): (\d+)/(\d+) companies")
# Set JOBSCRAPER_SHOTS=/some/dir to keep screenshots of the Scraping page (never the repo).
SHOTS = os.environ.get("JOBSCRAPER_SHOTS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("streamlit did not become healthy")


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        reason = "needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("CI") or os.environ.get("JOBSCRAPER_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    with Simulator(boards=27, latency_ms=150) as sim:
        companies = tmp_path / "companies.toml"
        sim.write_companies(companies)
        port = free_port()
        env = {**os.environ, "JOBSCRAPER_DB": str(tmp_path / "jobs.duckdb"),
               "JOBSCRAPER_COMPANIES": str(companies), "JOBSCRAPER_ALLOW_PRIVATE": "1"}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            yield base
        finally:
            server.kill()
            server.wait(10)


def shot(page: object, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)  # type: ignore[attr-defined]


def status_label(page: object) -> tuple[str, int, int] | None:
    """(state, done, total) from the run's status label on the page, or None."""
    text = page.inner_text("section.main, [data-testid='stMain']")  # type: ignore[attr-defined]
    m = LABEL.search(text)
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def test_other_tab_watches_the_run_advance_and_finish(app_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            tab_a = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            tab_b = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            for tab in (tab_a, tab_b):
                tab.goto(app_url)
                tab.get_by_role("button", name="Start scrape").wait_for(timeout=60_000)

            tab_a.get_by_role("button", name="Start scrape").click()

            seen: list[tuple[str, int, int]] = []
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                label = status_label(tab_b)
                if label and (not seen or label != seen[-1]):
                    seen.append(label)
                    if len(seen) == 2:
                        shot(tab_b, "scraping-during.png")
                if label and label[0] != "running":
                    break
                time.sleep(0.25)

            running = [done for state, done, _ in seen if state == "running"]
            assert running, f"tab B never saw the run running: {seen}"
            assert seen[-1] == ("finished", 27, 27), seen
            assert running == sorted(running) and running[0] < 27, "B saw the count advance"
            tab_b.get_by_role("link", name="All jobs").wait_for()
            tab_b.get_by_text("Run history").wait_for()
            shot(tab_b, "scraping-after.png")
            assert tab_b.locator("[data-testid='stException']").count() == 0

            tab_b.goto(f"{app_url}/jobs")
            tab_b.get_by_role("heading", name="Jobs", exact=True).wait_for(timeout=30_000)
            tab_b.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
            count = re.search(r"of ([\d,]+) jobs", tab_b.inner_text("[data-testid='stMain']"))
            assert count and int(count.group(1).replace(",", "")) > 0
            assert tab_b.locator("[data-testid='stException']").count() == 0
            shot(tab_b, "jobs-after.png")
        finally:
            browser.close()
