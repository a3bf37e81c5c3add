"""Issue 11, item 7: bad input gets a clear one-line answer, never a crash or a slow path."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest

from app import companies as co
from app.analytics import EARLIEST, MAX_RANGE_DAYS, Filters, clamp_range
from scraper.errors import FetchError
from scraper.fetch import Fetcher, FetchSettings
from tests.conftest import ROOT

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("parse", [
    lambda: co.parse_paste("http://[::1\nhttps://boards.greenhouse.io/acme"),
    lambda: co.parse_import("list.csv", b"name,url\nBad,http://[::1\nAcme,https://boards.greenhouse.io/acme\n"),
    lambda: co.parse_import("list.toml", b'[[company]]\nurl = "http://[::1"\n\n'
                                         b'[[company]]\nurl = "https://boards.greenhouse.io/acme"\n'),
])
def test_a_broken_ipv6_url_rejects_its_line_only(parse: object) -> None:
    bad, good = parse()  # type: ignore[operator]
    assert bad.error is not None and "not a URL" in bad.error
    assert good.company is not None and good.company.board == "acme"


def test_imports_over_the_row_cap_are_refused_at_once() -> None:
    n = co.MAX_IMPORT_ENTRIES + 1
    rows = "name,url\n" + "".join(f"C{i},https://boards.greenhouse.io/c{i}\n" for i in range(n))
    [entry] = co.parse_import("big.csv", rows.encode())
    assert entry.error == (f"the file has {n:,} rows, over the limit of "
                           f"{co.MAX_IMPORT_ENTRIES:,}: split it and import the parts")
    tables = "".join(f'[[company]]\nurl = "https://boards.greenhouse.io/c{i}"\n' for i in range(n))
    [entry] = co.parse_import("big.toml", tables.encode())
    assert entry.error is not None and entry.error.startswith(f"the file has {n:,} [[company]] tables")


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2026, 11, 1), date(9999, 12, 31), (date(2026, 11, 1), date(2027, 12, 2))),
    (date(1, 1, 1), date(2026, 12, 1), (date(2016, 11, 24), date(2026, 12, 1))),
    (date(1, 1, 1), date(1, 1, 2), (EARLIEST, EARLIEST)),
    (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 11, 1), date(2026, 11, 30))),
])
def test_url_date_ranges_are_clamped(start: date, end: date, expected: tuple[date, date]) -> None:
    got = clamp_range(start, end, TODAY)
    assert got == expected
    assert (got[1] - got[0]).days < MAX_RANGE_DAYS
    assert Filters(*got).as_of  # the day after the range exists


def test_analytics_page_survives_extreme_url_dates(db_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import MAIN

    at = AppTest.from_file(MAIN, default_timeout=30).run()
    at.switch_page("../pages/analytics.py")
    at.query_params["a_from"] = "0001-01-01"
    at.query_params["a_to"] = "9999-12-31"
    at.run()
    assert not at.exception


def run_parse(tmp_path: Path, fmt: str, payload: bytes) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "payload"
    path.write_bytes(payload)
    return subprocess.run([sys.executable, "-m", "app", "parse", fmt, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_parse_a_huge_integer_is_a_one_line_error(tmp_path: Path) -> None:
    out = run_parse(tmp_path, "greenhouse", b'{"jobs": [{"id": ' + b"9" * 5000 + b"}]}")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.endswith("greenhouse: a number in the JSON is too long (over 4,300 digits)\n")
    assert out.stderr.count("\n") == 1


@pytest.mark.parametrize(("fmt", "payload"), [("jsonld", b"<html>nothing here</html>"),
                                             ("greenhouse", b'{"jobs": []}')])
def test_parse_with_no_postings_says_so(tmp_path: Path, fmt: str, payload: bytes) -> None:
    out = run_parse(tmp_path, fmt, payload)
    assert (out.returncode, out.stdout) == (0, "")
    assert out.stderr == f"jobscraper parse: no job postings found in {tmp_path / 'payload'} (as {fmt})\n"


async def _raw_server(reply: bytes) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/"


@pytest.fixture
async def garbage() -> AsyncIterator[list[str]]:
    servers = []
    urls = []
    for reply in (b"GARBAGE \x00\x01" + bytes(range(32, 127)) * 12 + b"\r\n\r\n",
                  b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"{\x00\n\x01 short" * 20):
        server, url = await _raw_server(reply)
        servers.append(server)
        urls.append(url)
    yield urls
    for server in servers:
        server.close()


async def test_garbage_replies_give_one_short_line(garbage: list[str]) -> None:
    async with Fetcher(FetchSettings(timeout_s=3.0, backoff_s=0.01, retries=1)) as f:
        for url in garbage:
            with pytest.raises(FetchError) as info:
                await f.get_text(url)
            assert "\n" not in info.value.reason
            assert len(info.value.reason) < 250, info.value.reason


def _upload_limit_mb() -> int:
    from streamlit import config

    return int(config.get_option("server.maxUploadSize"))


def test_an_upload_over_the_limit_says_so(db_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from app.plain import md_escape
    from tests.conftest import MAIN, named

    limit = _upload_limit_mb()
    at = named(AppTest.from_file(MAIN, default_timeout=30))
    at.run()
    at.switch_page("../pages/companies.py").run()
    data = b"name,url\n" + b"x" * ((limit + 5) * 1024 * 1024)
    at.file_uploader(key="import_file").set_value(("big.csv", data, "text/csv")).run()
    [button] = [b for b in at.button if b.label == "Import"]
    button.click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [md_escape(
        f"big.csv is {limit + 5}.0 MB, over the limit of {limit} MB: split it and import the parts.")]


@pytest.fixture
def companies_app(tmp_path: Path) -> Iterator[str]:
    from tests.test_browser import CHROMIUM, free_port, wait_healthy

    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium")
    port = free_port()
    env = {**os.environ, "JOBSCRAPER_DB": str(tmp_path / "jobs.duckdb"),
           "JOBSCRAPER_COMPANIES": str(tmp_path / "none.toml")}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        yield base
    finally:
        server.kill()
        server.wait(10)


@pytest.mark.browser
def test_browser_upload_over_the_limit_is_named_as_such(companies_app: str, tmp_path: Path) -> None:
    """The uploader refuses the file in the browser, so the server never sees it: clicking
    Import must not just say "choose a file" to someone who chose one."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM

    limit = _upload_limit_mb()
    big = tmp_path / "big.csv"
    big.write_bytes(b"name,url\n" + b"x" * ((limit + 5) * 1024 * 1024))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.goto(f"{companies_app}/companies")
            page.get_by_role("button", name="Import", exact=True).wait_for(timeout=120_000)
            page.locator("input[type=file]").set_input_files(big, timeout=120_000)
            page.get_by_text(f"File must be {limit}.0MB or smaller.").wait_for(timeout=30_000)
            page.get_by_role("button", name="Import", exact=True).click()
            page.get_by_text(f"over the limit of {limit} MB").wait_for(timeout=30_000)
        finally:
            browser.close()
