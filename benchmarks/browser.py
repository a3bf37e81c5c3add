"""What a person waits for, in headless Chromium: first paint and "script finished" of each
page on a fresh load and after a filter change, with a small and a large database.

    python -m benchmarks.browser [--small 1000] [--large 100000] [--loads 5] [--keep]

Each size gets its own Streamlit server (a copy of a database seeded by benchmarks/seed.py,
served on a free port). Times are read in the page itself: first paint is the browser's
first-contentful-paint; "script finished" is when Streamlit's script state
(``data-test-script-state`` on the app root) first goes from running back to not running,
measured from the navigation (fresh load) or from the filter change. A fresh load is a new
browser context (a new tab with no cache) against a warm server; the first load after the
server starts is reported apart as "cold". Prints medians at both sizes and their ratio
(large / small). Needs Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.seed import cached_database

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PAGES = ("scraping", "jobs", "analytics", "companies")
Timings = dict[str, list[float]]

# Logs each change of Streamlit's script state with its time since the navigation started.
_OBSERVER = """
window.__states = [];
const watch = () => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) { requestAnimationFrame(watch); return; }
  const log = () => window.__states.push(
      [app.getAttribute('data-test-script-state'), performance.now()]);
  log();
  new MutationObserver(log).observe(app, {attributes: true,
                                          attributeFilter: ['data-test-script-state']});
};
watch();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(db: Path) -> Iterator[str]:
    """A Streamlit server over a copy of ``db``; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="jobscraper-browser-") as tmp:
        copy = Path(tmp) / "jobs.duckdb"
        shutil.copy(db, copy)
        port = free_port()
        env = {**os.environ, "JOBSCRAPER_DB": str(copy),
               "JOBSCRAPER_COMPANIES": str(Path(tmp) / "none.toml"), "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


def _wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy")


def _finished_after(page: Any, since: float, timeout_s: float = 120) -> float:
    """ms (page clock) when the script state first went running -> notRunning after
    ``since``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = page.evaluate("window.__states || []")
        running = False
        for state, at in states:
            if at < since:
                continue
            if state == "running":
                running = True
            elif running and state == "notRunning":
                return float(at)
        time.sleep(0.05)
    raise RuntimeError(f"the script did not finish within {timeout_s:g} s: {states[-5:]}")


def fresh_load(browser: Any, url: str, width: int = 1400) -> tuple[float, float, Any]:
    """(first paint s, script finished s) of ``url`` in a new tab, and the tab's context."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    context.add_init_script(_OBSERVER)
    page = context.new_page()
    page.goto(url)
    done = _finished_after(page, 0.0)
    paint = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{url} raised: {page.inner_text('[data-testid=stException]')}")
    return float(paint or 0) / 1000, done / 1000, context


def filter_change(page: Any, act: Callable[[Any], None]) -> float:
    """Seconds from a filter change (``act``) to the end of the script run it causes."""
    since = float(page.evaluate("performance.now()"))
    act(page)
    return (_finished_after(page, since) - since) / 1000


def _search(page: Any, words: str) -> None:
    box = page.get_by_role("textbox", name="Search")
    box.fill(words)
    box.press("Enter")


def _workplace(page: Any, choice: str) -> None:
    page.get_by_label("Workplace").first.click()
    page.get_by_role("option", name=choice).click()
    page.keyboard.press("Escape")


# Per page: the filter changes to time, cycled over the loads (None: the page has none).
FILTERS: dict[str, list[Callable[[Any], None]] | None] = {
    "scraping": None,
    "jobs": [lambda p, w=w: _search(p, w) for w in ("engineer", "berlin", "senior remote",
                                                   "data", "designer")],
    "analytics": [lambda p, w=w: _workplace(p, w) for w in ("Remote", "Hybrid", "On-site",
                                                           "Unknown", "Remote")],
    "companies": None,
}


def bench_size(browser: Any, db: Path, loads: int) -> Timings:
    out: Timings = {}
    with served(db) as base:
        for name in PAGES:
            url = f"{base}/{'' if name == 'scraping' else name}"
            paint, done, context = fresh_load(browser, url)
            context.close()
            out[f"{name}: cold first paint"] = [paint]
            out[f"{name}: cold script finished"] = [done]
            paints, dones, changes = [], [], []
            for i in range(loads):
                paint, done, context = fresh_load(browser, url)
                paints.append(paint)
                dones.append(done)
                acts = FILTERS[name]
                if acts:
                    changes.append(filter_change(context.pages[0], acts[i % len(acts)]))
                context.close()
            out[f"{name}: first paint"] = paints
            out[f"{name}: script finished"] = dones
            if changes:
                out[f"{name}: filter change finished"] = changes
    return out


def report(small: Timings, large: Timings, sizes: tuple[int, int]) -> None:
    head = f"{'measurement (median s)':40} {sizes[0]:>10,} {sizes[1]:>10,}  ratio"
    print(head)
    print("-" * len(head))
    for key in small:
        a, b = statistics.median(small[key]), statistics.median(large[key])
        ratio = f"{b / a:5.2f}x" if a else "    -"
        print(f"{key:40} {a:10.3f} {b:10.3f}  {ratio}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--loads", type=int, default=5, help="fresh loads per page and size")
    ap.add_argument("--keep", action="store_true", help="reuse the seeded databases in /tmp")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)",
              file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    dbs = [cached_database(n, keep=args.keep) for n in (args.small, args.large)]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            small, large = (bench_size(browser, db, args.loads) for db in dbs)
        finally:
            browser.close()
    report(small, large, (args.small, args.large))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
