"""Issue 11, item 3: scraped text is shown as text, never rendered as Markdown, on every page;
in a real browser a title carrying ``![x](http://host/pixel.png)`` fetches nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import store
from app.db import connect
from app.plain import md_escape, md_line
from scraper.models import Company, CompanyResult, Job
from tests.conftest import MAIN, ROOT
from tests.test_browser import CHROMIUM, free_port, wait_healthy

# Each is a Markdown feature that rendered from a scraped field before.
HOSTILE = (
    "![x](http://{pixel}/pixel.png) **Bold** [link](http://evil.example/) "
    ":red[red] $x^2$ www.evil.example http://evil.example/a a@evil.example"
)
UNESCAPED = re.compile(r"(?<!\\)[*\[\]$]|(?<![\\\u2060])\b(?:https?|www)\b")


def test_escaped_text_has_no_live_markdown() -> None:
    text = HOSTILE.format(pixel="host")
    escaped = md_escape(text)
    assert UNESCAPED.search(escaped) is None, escaped
    # What a reader sees: the same characters (the word joiners are invisible).
    unescaped = re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "")
    assert unescaped == text


def test_everyday_punctuation_reads_as_typed() -> None:
    for text in ("Initech: would find 2 jobs", "Backend Engineer (Go)", "Remote - US, 50%",
                 "5,000–6,000 EUR / month; 12:30?"):
        assert md_escape(text) == text


def test_codes_and_directives_are_escaped_whole() -> None:
    assert md_escape(":smile: :material/star: Title:Senior") == (
        "\\:smile\\: \\:material\\/star\\: Title\\:Senior")


def test_lines_fold_newlines_so_a_title_cannot_start_a_block() -> None:
    assert md_line("Engineer\n\n# Heading\n- item") == "Engineer # Heading - item"
    assert md_escape("Engineer\n# Heading\n- item\n1. one") == "Engineer\n\\# Heading\n\\- item\n1\\. one"
    assert md_line(None) == md_escape(None) == ""


def seed(db: Path, text: str) -> str:
    """A company and one job whose every shown field is ``text``; a failed run with ``text``
    as its error. Returns the job id."""
    con = connect(db)
    [co] = store.save_companies(con, [Company(text, "greenhouse", "evil", "https://boards.greenhouse.io/evil")])
    job = Job("greenhouse", "evil", "1", text, text, "https://boards.greenhouse.io/evil/jobs/1",
              location=text, department=text, employment_type=text)
    run = store.start_run(con, "manual", 1)
    store.save_company_result(con, run, CompanyResult(co, "ok", (job,), None, 10, 1))
    run2 = store.start_run(con, "manual", 1)
    store.save_company_result(con, run2, CompanyResult(co, "failed", (), text, 10, 1))
    store.finish_run(con, run, "finished")
    store.finish_run(con, run2, "finished")
    con.close()
    return job.job_id


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=30)
    at.run()
    at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def rendered_markdown(at: AppTest) -> list[str]:
    """Every Markdown-rendering element's source on the page."""
    elements = [*at.markdown, *at.caption, *at.subheader, *at.error, *at.warning, *at.success,
                *at.info]
    return [str(e.value) for e in elements]


def assert_escaped(sources: list[str], text: str) -> None:
    hits = [s for s in sources if md_line(text) in s]
    assert hits, sources
    raw = [s for s in sources if text in s]
    assert raw == []


def test_jobs_detail_shows_title_company_location_department_as_text(db_path: Path) -> None:
    text = HOSTILE.format(pixel="127.0.0.1:9")
    job_id = seed(db_path, text)
    at = open_page("../pages/jobs.py", {"job": job_id})
    assert at.subheader[0].value == md_line(text)
    assert_escaped(rendered_markdown(at), text)


def test_scraping_failed_list_shows_the_company_and_error_as_text(db_path: Path) -> None:
    text = HOSTILE.format(pixel="127.0.0.1:9")
    seed(db_path, text)
    at = open_page("../pages/scraping.py")
    assert_escaped(rendered_markdown(at), text)


def test_companies_delete_warning_and_check_show_the_name_as_text(db_path: Path) -> None:
    text = HOSTILE.format(pixel="127.0.0.1:9")
    seed(db_path, text)
    at = open_page("../pages/companies.py")
    [delete] = [b for b in at.button if b.label == "Delete…"]
    delete.click().run()
    assert_escaped([w.value for w in at.warning], text)


# A name as typed in "Your name" (at most 80 characters) and notes, both team-typed.
TYPED_NAME = "**Ann** ![x](http://127.0.0.1:9/p.png) :red[x] $y$"


def test_team_typed_names_and_notes_show_as_text_in_conflicts_history_and_sidebar(
    db_path: Path,
) -> None:
    from tests.test_people_pages import B2, click, field, save, session
    from tests.test_queries import seed_known_jobs

    con = connect(db_path)
    seed_known_jobs(con)
    con.close()
    notes = HOSTILE.format(pixel="127.0.0.1:9")
    a = session("jobs", TYPED_NAME, {"job": B2})
    b = session("jobs", "Ben", {"job": B2})
    field(a, "text_area", "jobs_edit_notes").input(notes)
    save(a)
    field(b, "text_area", "jobs_edit_notes").input("Ben " + notes)
    save(b)
    [warning] = b.warning
    assert_escaped([warning.value], TYPED_NAME)
    assert_escaped([warning.value], notes)
    click(b, "Keep theirs")
    b.run()
    [history] = [e for e in b.expander if e.label.startswith("History")]
    assert_escaped([m.value for m in history.markdown], TYPED_NAME)
    assert_escaped([m.value for m in history.markdown], notes)
    assert_escaped([c.value for c in a.sidebar.caption], TYPED_NAME)


def test_team_typed_company_names_show_as_text_in_a_rename_conflict(db_path: Path) -> None:
    from tests.test_companies_page import ACME
    from tests.test_people_pages import click, session

    con = connect(db_path)
    [acme] = store.save_companies(con, [ACME])
    con.close()
    theirs, mine = "**Acme** :red[x]", "[Acme](http://127.0.0.1:9/) $y$"
    a = session("companies", TYPED_NAME)
    b = session("companies", "Ben")
    a.text_input(key=f"name_{acme.company_id}").input(theirs)
    click(a, "Rename")
    b.text_input(key=f"name_{acme.company_id}").input(mine)
    click(b, "Rename")
    [warning] = b.warning
    for text in (TYPED_NAME, theirs, mine):
        assert_escaped([warning.value], text)


class Pixel:
    """A local server counting every request a browser makes to it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile_app(tmp_path: Path) -> Iterator[tuple[str, Pixel, str, str]]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium")
    pixel = Pixel()
    text = HOSTILE.format(pixel=pixel.address)
    db = tmp_path / "jobs.duckdb"
    job_id = seed(db, text)
    port = free_port()
    env = {**os.environ, "JOBSCRAPER_DB": str(db), "JOBSCRAPER_COMPANIES": str(tmp_path / "no.toml"),
           "JOBSCRAPER_ALLOW_PRIVATE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        yield base, pixel, text, job_id
    finally:
        server.kill()
        server.wait(10)
        pixel.close()


@pytest.mark.browser
def test_browser_renders_scraped_markdown_inert(hostile_app: tuple[str, Pixel, str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, pixel, text, job_id = hostile_app
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            # Jobs: the detail; Scraping: the failed list; Companies: the delete warning.
            for path, click in ((f"/jobs?job={job_id}", None), ("/", None),
                                ("/companies", "Delete…")):
                page.goto(base + path)
                # The whole page: the job's detail opens in a dialog outside stMain.
                main = page.locator("body")
                if click:
                    main.get_by_role("button", name=click).click(timeout=120_000)
                main.locator("text=Bold >> visible=true").first.wait_for(timeout=120_000)
                page.wait_for_timeout(500)
                seen = main.inner_text().replace("\u2060", "")
                assert text in seen, path
                # Nothing of the text became an image, link, bold, colour or formula.
                assert main.locator(f"img[src*='{pixel.address}']").count() == 0, path
                assert main.locator("a[href*='evil.example']").count() == 0, path
                assert main.locator("strong", has_text=re.compile(r"^Bold$")).count() == 0, path
                assert main.locator(".katex").count() == 0, path
            assert pixel.hits == []
        finally:
            browser.close()
