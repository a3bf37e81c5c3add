"""A team's load on one instance, in real Chromium tabs (Playwright, Debian's Chromium).

    python -m benchmarks.load [--boards 300] [--latency-ms 100] [--tabs 20] [--jobs 200000]

1. Scraping: a run of ``--boards`` simulated boards with 1 tab open, then the same run with
   ``--tabs`` tabs open on the Scraping page: each run's wall time (from the runs table), how
   many tabs drew their buttons and saw the run advance, and the server's CPU and peak RSS.
2. Jobs at ``--jobs`` jobs (benchmarks.seed, with its search index built): page load and a
   search, 1 tab then ``--tabs`` tabs at once: median and p95, and the server's CPU and RSS.
3. The browser's share: the same tabs opening a one-line Streamlit page (benchmarks/
   floor_app.py), i.e. what Chromium and Streamlit's frontend cost here with no app work.

Each configuration runs on a fresh `streamlit run app/main.py` with the shipped
.streamlit/config.toml; ``--post-script-gc`` turns Streamlit's runner.postScriptGC back on
to compare. Targets (issue 11): the many-tab run within 1.5x of the 1-tab run, every tab
advances; Jobs with many tabs: load p95 < 3 s, search p95 < 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LABEL = re.compile(r"Run #\d+ \(manual\) (\w+): (\d+)/(\d+) companies")
COUNT = re.compile(r"\d[\d,]*–[\d,]+ of ([\d,]+)")
SEARCHES = ("engineer", "data", "remote", "senior", "manager", "berlin", "python", "sales",
            "designer", "analyst")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"load.py: {what} did not happen within {timeout:g} s")


class ProcessMeter:
    """CPU seconds and peak RSS of one process, sampled from /proc every 0.25 s."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        self._cpu0 = self.cpu_s()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def cpu_s(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_rss_mb = max(self.peak_rss_mb, self._rss_mb())

    def stop(self) -> tuple[float, float]:
        """(CPU seconds since the meter started, peak RSS in MB)."""
        cpu = self.cpu_s() - self._cpu0
        self._stop.set()
        self._thread.join()
        return cpu, self.peak_rss_mb


def browser_cpu_s() -> float:
    """CPU seconds used so far by the Chromium processes this benchmark started (the tabs'
    renderers included; not other people's browsers on the machine)."""
    procs: dict[int, tuple[int, str, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        procs[int(stat.parent.name)] = (int(fields[1]), head.split("(", 1)[-1],
                                        int(fields[11]) + int(fields[12]))

    def ours(pid: int) -> bool:
        for _ in range(64):
            if pid == os.getpid():
                return True
            if pid not in procs:
                return False
            pid = procs[pid][0]
        return False

    ticks = sum(t for pid, (_, name, t) in procs.items() if name.startswith("chromium") and ours(pid))
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def streamlit_server(db: Path, companies: Path, gc: bool,
                     script: str = "app/main.py") -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "JOBSCRAPER_DB": str(db), "JOBSCRAPER_COMPANIES": str(companies),
           "JOBSCRAPER_ALLOW_PRIVATE": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)]
    if gc:
        cmd += ["--runner.postScriptGC", "true"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200,
                   120, "streamlit becoming healthy")
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@contextmanager
def simulator(boards: int, latency_ms: int, companies: Path) -> Iterator[None]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "simulate", "--port", str(port), "--boards", str(boards),
         "--latency-ms", str(latency_ms), "--write-companies", str(companies)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: companies.exists() and companies.stat().st_size > 0, 60,
                   "the simulator writing its companies")
        yield
    finally:
        proc.terminate()
        proc.wait(30)


def quantiles(xs: list[float]) -> str:
    if not xs:
        return "none"
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, max(0, round(0.95 * len(xs)) - 1))]
    return f"median {statistics.median(xs):.2f} s, p95 {p95:.2f} s (n={len(xs)})"


async def launch(pw: object) -> object:
    return await pw.chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])


# -- 1. Scraping during a run ---------------------------------------------------------------


@dataclass
class ScrapeRun:
    tabs: int
    drawn: int = 0
    advanced: int = 0
    wall_s: float | None = None
    state: str = "?"
    done: int = 0
    total: int = 0
    cpu_s: float = 0.0
    rss_mb: float = 0.0
    browser_s: float = 0.0
    seen: list[list[tuple[str, int]]] = field(default_factory=list)


async def _watch_tab(page: object, seen: list[tuple[str, int]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            text = await page.locator("body").inner_text(timeout=2_000)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a busy tab misses a sample; the next one counts
            text = ""
        m = LABEL.search(text)
        if m:
            seen.append((m[1], int(m[2])))
        await asyncio.sleep(1.0)


async def scrape_with_tabs(tabs: int, companies: Path, gc: bool, timeout_s: float) -> ScrapeRun:
    from playwright.async_api import async_playwright

    result = ScrapeRun(tabs)
    tmp = Path(tempfile.mkdtemp(prefix="jobscraper-load-"))
    db = tmp / "jobs.duckdb"
    try:
        with streamlit_server(db, companies, gc) as (base, pid):
            async with async_playwright() as pw:
                browser = await launch(pw)
                context = await browser.new_context()  # type: ignore[attr-defined]
                pages = [await context.new_page() for _ in range(tabs)]
                await asyncio.gather(*(p.goto(base, timeout=120_000) for p in pages))

                async def drawn(p: object) -> bool:
                    try:
                        await p.get_by_role("button", name="Start scrape").wait_for(  # type: ignore[attr-defined]
                            timeout=60_000)
                        return True
                    except Exception:  # noqa: BLE001 - counted as not drawn
                        return False

                result.drawn = sum(await asyncio.gather(*(drawn(p) for p in pages)))
                meter = ProcessMeter(pid)
                browser0 = browser_cpu_s()
                stop = asyncio.Event()
                result.seen = [[] for _ in pages]
                watchers = [asyncio.create_task(_watch_tab(p, s, stop))
                            for p, s in zip(pages, result.seen, strict=True)]
                await pages[0].get_by_role("button", name="Start scrape").click(timeout=60_000)
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline and not _run_ended(result.seen):
                    await asyncio.sleep(1.0)
                stop.set()
                await asyncio.gather(*watchers)
                result.cpu_s, result.rss_mb = meter.stop()
                result.browser_s = browser_cpu_s() - browser0
                await browser.close()  # type: ignore[attr-defined]
        # The wall time of the run itself, from the server's own clock.
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute(
                "SELECT state, epoch(finished_at - started_at), companies_total, "
                "(SELECT count(*) FROM run_results WHERE state <> 'cancelled') FROM runs "
                "ORDER BY run_id DESC LIMIT 1").fetchone()
        finally:
            con.close()
        if row is not None:
            result.state, wall, result.total, result.done = row
            result.wall_s = float(wall) if wall is not None and result.state == "finished" else None
        result.advanced = sum(1 for s in result.seen if len({done for _, done in s}) > 1)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cli_run(companies: Path) -> tuple[float | None, float]:
    """The same run by ``jobscraper scrape`` with no server and no tab: (its wall time from
    the runs table, the process's CPU seconds)."""
    tmp = Path(tempfile.mkdtemp(prefix="jobscraper-load-cli-"))
    try:
        db = tmp / "jobs.duckdb"
        env = {**os.environ, "JOBSCRAPER_ALLOW_PRIVATE": "1", "PYTHONPATH": str(ROOT)}
        before = os.times()
        subprocess.run([sys.executable, "-m", "app", "scrape", "--db", str(db), "--companies",
                        str(companies)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = os.times()
        cpu = (after.children_user - before.children_user
               + after.children_system - before.children_system)
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute("SELECT epoch(finished_at - started_at) FROM runs "
                              "ORDER BY run_id DESC LIMIT 1").fetchone()
        finally:
            con.close()
        return (float(row[0]) if row and row[0] is not None else None), cpu
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run_ended(seen: list[list[tuple[str, int]]]) -> bool:
    """Some tab has seen the run end."""
    return any(state not in ("running", "cancelling") for tab in seen for state, _ in tab[-1:])


# -- 2. Jobs at many jobs -------------------------------------------------------------------


@dataclass
class JobsLoad:
    tabs: int
    loads: list[float] = field(default_factory=list)
    searches: list[float] = field(default_factory=list)
    failed: int = 0
    cpu_s: float = 0.0
    rss_mb: float = 0.0
    browser_s: float = 0.0


async def _jobs_tab(page: object, base: str, term: str, out: JobsLoad, timeout_s: float) -> None:
    count = page.get_by_text(COUNT).first  # type: ignore[attr-defined]
    t0 = time.monotonic()
    try:
        await page.goto(f"{base}/jobs", timeout=timeout_s * 1000)  # type: ignore[attr-defined]
        await count.wait_for(timeout=timeout_s * 1000)
        out.loads.append(time.monotonic() - t0)
        before = await count.inner_text()
        # The text box: the grid's toolbar has a "Search" button too.
        box = page.get_by_role("textbox", name="Search", exact=True).first  # type: ignore[attr-defined]
        await box.fill(term)
        t1 = time.monotonic()
        await box.press("Enter")
        await page.wait_for_function(  # type: ignore[attr-defined]
            """([before]) => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]
                 .some(e => /\\d–[\\d,]+ of [\\d,]+|No job matches/.test(e.innerText)
                            && !e.innerText.includes(before))""",
            arg=[before], timeout=timeout_s * 1000)
        out.searches.append(time.monotonic() - t1)
    except Exception as exc:  # noqa: BLE001 - a tab that never loads is a result too
        out.failed += 1
        print(f"  a tab failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")


async def jobs_with_tabs(tabs: int, db: Path, gc: bool, timeout_s: float) -> JobsLoad:
    from playwright.async_api import async_playwright

    out = JobsLoad(tabs)
    with streamlit_server(db, db.with_suffix(".none.toml"), gc) as (base, pid):
        async with async_playwright() as pw:
            browser = await launch(pw)
            context = await browser.new_context()  # type: ignore[attr-defined]
            # Warm the process once (imports, the cached connection): a team's server is up.
            warm = await context.new_page()
            await warm.goto(f"{base}/jobs", timeout=300_000)
            await warm.get_by_text(COUNT).first.wait_for(timeout=300_000)
            await warm.close()
            pages = [await context.new_page() for _ in range(tabs)]
            meter = ProcessMeter(pid)
            browser0 = browser_cpu_s()
            await asyncio.gather(*(_jobs_tab(p, base, SEARCHES[i % len(SEARCHES)], out, timeout_s)
                                   for i, p in enumerate(pages)))
            out.cpu_s, out.rss_mb = meter.stop()
            out.browser_s = browser_cpu_s() - browser0
            await browser.close()  # type: ignore[attr-defined]
    return out


# -- 3. The browser's share: the same tabs on a page that costs the server nothing -----------

FLOOR_APP = "benchmarks/floor_app.py"


async def _floor_tab(page: object, base: str, out: list[float], timeout_s: float) -> None:
    t0 = time.monotonic()
    await page.goto(base, timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    await page.get_by_text("Floor page drawn").wait_for(timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    out.append(time.monotonic() - t0)


async def floor_with_tabs(tabs: int, timeout_s: float) -> tuple[list[float], float]:
    """Load times of ``tabs`` tabs opening a one-line Streamlit page at once: what Chromium
    and Streamlit's own frontend cost on this machine before the app does anything."""
    from playwright.async_api import async_playwright

    out: list[float] = []
    tmp = Path(tempfile.mkdtemp(prefix="jobscraper-load-floor-"))
    try:
        with streamlit_server(tmp / "none.duckdb", tmp / "none.toml", False, FLOOR_APP) as (base, pid):
            async with async_playwright() as pw:
                browser = await launch(pw)
                context = await browser.new_context()  # type: ignore[attr-defined]
                warm = await context.new_page()
                await _floor_tab(warm, base, [], timeout_s)
                await warm.close()
                pages = [await context.new_page() for _ in range(tabs)]
                meter = ProcessMeter(pid)
                await asyncio.gather(*(_floor_tab(p, base, out, timeout_s) for p in pages))
                cpu, _ = meter.stop()
                await browser.close()  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out, cpu


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--tabs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=200_000)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run / tab")
    parser.add_argument("--post-script-gc", action="store_true",
                        help="turn runner.postScriptGC back on (Streamlit's default)")
    parser.add_argument("--skip-scrape", action="store_true")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--cli-baseline", action="store_true",
                        help="also time the same run by `jobscraper scrape` (no server, no tab)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"load.py: needs Debian's Chromium at {CHROMIUM}", file=sys.stderr)
        return 1
    print(f"load.py: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"runner.postScriptGC={'true' if args.post_script_gc else 'false (shipped config)'}")
    if not args.skip_scrape:
        scrape_part(args)
    if not args.skip_jobs:
        jobs_part(args)
    if not args.skip_floor:
        print(f"\n== The browser's share: a one-line Streamlit page ({FLOOR_APP})")
        for tabs in (1, args.tabs):
            loads, cpu = asyncio.run(floor_with_tabs(tabs, args.timeout))
            print(f"{tabs:>3} tab(s): load {quantiles(loads)}; server CPU {cpu:.1f} s")
    print(f"load.py: load average {os.getloadavg()[0]:.1f} at the end")
    return 0


def scrape_part(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="jobscraper-load-sim-"))
    companies = tmp / "companies.toml"
    try:
        with simulator(args.boards, args.latency_ms, companies):
            print(f"\n== Scraping: a run of {args.boards} simulated boards at "
                  f"{args.latency_ms} ms latency")
            runs = []
            for tabs in (1, args.tabs):
                run = asyncio.run(scrape_with_tabs(tabs, companies, args.post_script_gc,
                                                   args.timeout))
                runs.append(run)
                wall = f"{run.wall_s:.1f} s" if run.wall_s is not None else "did not finish"
                print(f"{tabs:>3} tab(s): run {run.state} {run.done}/{run.total} companies, wall {wall}; "
                      f"{run.drawn}/{tabs} tabs drew Start scrape, {run.advanced}/{tabs} saw the run "
                      f"advance; server CPU {run.cpu_s:.1f} s, peak RSS {run.rss_mb:.0f} MB; "
                      f"Chromium CPU {run.browser_s:.1f} s")
            if args.cli_baseline:
                wall_cli, cpu_cli = cli_run(companies)
                shown = f"{wall_cli:.1f} s" if wall_cli is not None else "did not finish"
                print(f"  0 tabs (jobscraper scrape, no server): wall {shown}; CPU {cpu_cli:.1f} s")
            one, many = runs
            if one.wall_s and many.wall_s:
                print(f"ratio {args.tabs} tabs / 1 tab: {many.wall_s / one.wall_s:.2f}x (target <= 1.5x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def index_of(db: Path) -> Path:
    return Path(f"{db}.search")  # where the app keeps a database's index by default


def indexed(cached: Path) -> Path:
    """A copy of ``cached`` beside its built search index (made once, kept with the cache):
    a team's server has its index; a rebuild of 200,000 jobs on the first visit is another
    measurement (its progress bar reruns every second in every tab until it is done)."""
    copy = cached.with_suffix(".indexed.duckdb")
    if not index_of(copy).exists():
        shutil.copy(cached, copy)
        subprocess.run([sys.executable, "-m", "app", "reindex", "--db", str(copy)], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
                       stdout=subprocess.DEVNULL)
    return copy


def jobs_part(args: argparse.Namespace) -> None:
    from benchmarks.seed import cached_database

    print(f"\n== Jobs at {args.jobs:,} jobs")
    t0 = time.monotonic()
    cached = indexed(cached_database(args.jobs))
    print(f"database and its search index ready in {time.monotonic() - t0:.0f} s ({cached})")
    tmp = Path(tempfile.mkdtemp(prefix="jobscraper-load-jobs-"))
    try:
        results = []
        for tabs in (1, args.tabs):
            db = tmp / f"jobs-{tabs}.duckdb"
            shutil.copy(cached, db)
            shutil.copytree(index_of(cached), index_of(db))
            load = asyncio.run(jobs_with_tabs(tabs, db, args.post_script_gc, args.timeout))
            results.append(load)
            print(f"{tabs:>3} tab(s): load {quantiles(load.loads)}; search {quantiles(load.searches)}; "
                  f"{load.failed} tabs failed; Chromium CPU {load.browser_s:.1f} s; server CPU {load.cpu_s:.1f} s, peak RSS "
                  f"{load.rss_mb:.0f} MB")
        one, many = results
        if one.loads and many.loads:
            print(f"ratio of median load {args.tabs} tabs / 1 tab: "
                  f"{statistics.median(many.loads) / statistics.median(one.loads):.2f}x; targets: "
                  f"load p95 < 3 s, search p95 < 1.5 s with {args.tabs} tabs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
