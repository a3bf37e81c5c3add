"""Who is here, in headless Chromium against the real app (issue 14): two people log in
through a local OpenID Connect provider (oidc-provider-mock, started here on a free port)
and one's status change shows in the other's feed under her name; and the trusted-header
mode, with the header set on the browser context as a login proxy would."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from app.db import connect
from tests.test_browser import CHROMIUM, ROOT, free_port, wait_healthy
from tests.test_queries import _IDS, seed_known_jobs

pytestmark = pytest.mark.browser

JOB = _IDS["b2"]


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = "needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("CI") or os.environ.get("JOBSCRAPER_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def streamlit_app(tmp_path: Path, port: int, *args: str, **env: str) -> Iterator[str]:
    db = tmp_path / "jobs.duckdb"
    con = connect(db)
    seed_known_jobs(con)
    con.close()
    full_env = {**os.environ, "JOBSCRAPER_DB": str(db),
                "JOBSCRAPER_COMPANIES": str(tmp_path / "none.toml"), **env}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port),
         "--server.headless", "true", *args],
        cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://localhost:{port}"
        wait_healthy(base, server)
        yield base
    finally:
        server.kill()
        server.wait(10)


def activity_rows(db: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT who, who_key, verified, kind, new FROM activity").fetchall()
    finally:
        con.close()


def set_status(page: Any, base: str, status: str) -> None:
    page.goto(f"{base}/jobs?job={JOB}")
    # The job's detail opens in a side panel (a dialog), not in the main area.
    main = page.get_by_role("dialog")
    box = main.locator("[data-testid='stSelectbox']").filter(has_text="Status")
    box.wait_for(timeout=60_000)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A rerun of the page (the sidebar's live indicator, the first render) can close the
    # list just opened: open it again rather than fail.
    for attempt in range(4):
        box.get_by_role("combobox").click()
        try:
            page.get_by_role("option", name=status, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
    main.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: everyone now sees this status, star and notes.").wait_for(
        timeout=30_000)


def log_in(context: Any, base: str, who: str) -> Any:
    page = context.new_page()
    page.goto(base)
    page.get_by_role("button", name="Log in").click(timeout=60_000)
    # The provider's own page: one button per predefined person.
    page.get_by_role("button", name=who, exact=True).click(timeout=30_000)
    page.get_by_role("button", name="Start scrape").wait_for(timeout=60_000)
    return page


def shown(text: str) -> re.Pattern[str]:
    """``text`` as the page shows it: an e-mail address gets an invisible word joiner after
    its @, so Markdown does not turn it into a mailto: link (app.plain)."""
    return re.compile(re.escape(text).replace("@", "@\u2060?"))


def test_two_people_log_in_and_one_sees_the_others_change_by_name(
    chromium: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oidc_provider_mock import User, run_server_in_thread

    # Plain http on localhost: both the provider and Streamlit's client allow it only so.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    people = [User(sub="alice", claims={"email": "alice@example.com", "name": "Alice Liddell"}),
              User(sub="bob", claims={"email": "bob@example.com", "name": "Bob Builder"})]
    port = free_port()
    with run_server_in_thread(user_claims=people) as provider:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{"k" * 40}"\n'
            'client_id = "jobscraper"\n'
            'client_secret = "not-a-secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}'
            '/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        with streamlit_app(tmp_path, port, "--secrets.files", str(secrets),
                           JOBSCRAPER_ADMINS="alice@example.com") as base:
            anonymous = chromium.new_context().new_page()
            anonymous.goto(base)
            anonymous.get_by_role("button", name="Log in").wait_for(timeout=60_000)
            assert anonymous.get_by_role("button", name="Start scrape").count() == 0

            alice = log_in(chromium.new_context(), base, "alice")
            sidebar = alice.locator("[data-testid='stSidebar']")
            sidebar.get_by_text(shown("Alice Liddell (alice@example.com) · admin")).wait_for()
            assert sidebar.get_by_role("button", name="Log out").count() == 1
            set_status(alice, base, "applied")

            bob = log_in(chromium.new_context(), base, "bob")
            bob.locator("[data-testid='stSidebar']").get_by_text(
                shown("Bob Builder (bob@example.com)")).wait_for()
            bob.goto(f"{base}/activity")
            download_button = bob.get_by_role("button", name="Download CSV")
            download_button.wait_for(timeout=60_000)
            with bob.expect_download() as download:
                download_button.click()
            rows = list(csv.DictReader(io.StringIO(
                Path(download.value.path()).read_text(encoding="utf-8"))))
            assert [(r["who"], r["kind"], r["old"], r["new"]) for r in rows] == [
                ("Alice Liddell", "Job status", "new", "applied")]
            assert bob.locator("[data-testid='stException']").count() == 0
        assert activity_rows(tmp_path / "jobs.duckdb") == [
            ("Alice Liddell", "alice@example.com", True, "job.status", "applied")]


def test_trusted_header_names_the_person(chromium: Any, tmp_path: Path) -> None:
    port = free_port()
    with streamlit_app(tmp_path, port, JOBSCRAPER_USER_HEADER="X-Forwarded-Email") as base:
        proxied = chromium.new_context(extra_http_headers={"X-Forwarded-Email": "carol@example.com"})
        page = proxied.new_page()
        page.goto(base)
        page.get_by_role("button", name="Start scrape").wait_for(timeout=60_000)
        page.locator("[data-testid='stSidebar']").get_by_text(shown("carol@example.com")).wait_for()
        set_status(page, base, "interviewing")

        direct = chromium.new_context().new_page()
        direct.goto(base)
        direct.get_by_text("Your request carried no X-Forwarded-Email header").wait_for(
            timeout=60_000)
    assert activity_rows(tmp_path / "jobs.duckdb") == [
        ("carol@example.com", "carol@example.com", True, "job.status", "interviewing")]


def test_no_login_asks_a_name_once_and_this_browser_keeps_it(chromium: Any, tmp_path: Path) -> None:
    with streamlit_app(tmp_path, free_port()) as base:
        context = chromium.new_context()
        page = context.new_page()
        page.goto(f"{base}/jobs?job={JOB}")
        main = page.get_by_role("dialog")  # the job's detail is a side panel
        main.get_by_label("Your name").wait_for(timeout=60_000)
        main.get_by_label("Notes").fill("Asked about the visa")
        main.get_by_label("Your name").fill("Robin")
        main.get_by_role("button", name="Save").click()
        page.get_by_text("Saved: everyone now sees this status, star and notes.").wait_for(
            timeout=30_000)
        page.locator("[data-testid='stSidebar']").get_by_text("Robin (unverified)").wait_for()

        again = context.new_page()  # a new visit from the same browser
        again.goto(f"{base}/jobs?job={JOB}")
        again.locator("[data-testid='stSidebar']").get_by_text("Robin (unverified)").wait_for(
            timeout=60_000)
        again.get_by_role("dialog").get_by_label("Notes").wait_for(timeout=60_000)
        assert again.get_by_role("dialog").get_by_label("Your name").count() == 0
    assert activity_rows(tmp_path / "jobs.duckdb") == [
        ("Robin", "Robin", False, "job.notes", "Asked about the visa")]
