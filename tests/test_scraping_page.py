"""The Scraping page and sidebar indicator, driven by AppTest: two sessions stand for two tabs
(they share cache_resource, so they share the one registry)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import app.pipeline
from app import registry, store, ui
from app.pipeline import CompanyProgress
from app.plain import md_escape
from app.registry import THREAD_NAME
from scraper.models import Company, CompanyResult, Job
from tests.conftest import MAIN

COMPANIES = """
[[company]]
name = "Acme"
url = "https://boards.greenhouse.io/acme"

[[company]]
name = "Globex"
url = "https://jobs.lever.co/globex"
"""


GLOBEX_ERROR = "HTTP 404 from https://api.lever.co/v0/postings/globex"


class FakePipeline:
    """Stands in for app.pipeline.run_scrape: Acme ends ok with 3 new jobs, Globex fails with
    a 404, then it waits for ``release`` (or cancel) before ending the run."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.progressed = threading.Event()

    def __call__(self, con: duckdb.DuckDBPyConnection, run_id: int,
                 companies: Sequence[Company], *, settings: object = None,
                 on_progress: Callable[[CompanyProgress], None] | None = None,
                 cancel: threading.Event | None = None) -> None:
        assert on_progress is not None and cancel is not None
        acme, globex = companies
        jobs = tuple(Job("greenhouse", "acme", str(i), f"Engineer {i}", "Acme",
                         f"https://boards.greenhouse.io/acme/jobs/{i}") for i in range(3))
        results = [CompanyResult(acme, "ok", jobs, duration_ms=150),
                   CompanyResult(globex, "failed", error=GLOBEX_ERROR, duration_ms=40)]
        for result, counts in zip(results, store.save_company_results(con, run_id, results),
                                  strict=True):
            on_progress(CompanyProgress(result.company, result.state, counts.jobs_seen,
                                        counts.jobs_new, counts.jobs_closed,
                                        result.duration_ms, result.error))
        self.progressed.set()
        while not (self.release.is_set() or cancel.is_set()):
            time.sleep(0.01)
        store.finish_run(con, run_id, "cancelled" if cancel.is_set() else "finished")


@pytest.fixture
def fake(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePipeline]:
    seed = db_path.parent / "companies.toml"
    seed.write_text(COMPANIES, encoding="utf-8")
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(seed))
    pipeline = FakePipeline()
    monkeypatch.setattr(app.pipeline, "run_scrape", pipeline)
    yield pipeline
    # No scrape thread may outlive its test (the next test builds a new registry).
    reg = registry.holder()
    reg.close()
    assert reg.join(10)


def tab() -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def toasts(at: AppTest) -> list[str]:
    return [t.value for t in at.toast]


def toast_icons(at: AppTest) -> list[str]:
    return [t.proto.icon for t in at.toast]


def shown_columns(frame: object) -> list[str]:
    """The column labels a st.dataframe shows, in order (column_order + column_config)."""
    proto = frame.proto  # type: ignore[attr-defined]
    config = json.loads(proto.columns)
    return [config[c]["label"] for c in proto.column_order]


def run_rows() -> list[tuple[object, ...]]:
    return ui.connection().execute("SELECT run_id, trigger, state FROM runs").fetchall()


def test_second_tab_sees_the_run_and_cannot_start_another(fake: FakePipeline) -> None:
    a, b = tab(), tab()
    assert a.info[0].value == "No scrape has run yet: press **Start scrape**."

    click(a, "Start scrape")
    assert toasts(a) == ["Scrape started"]
    assert toast_icons(a) == [":material/play_circle:"]
    # On Scraping the sidebar says a run is on and leaves its progress to the live panel
    # (issue 11: one poll a second less per tab).
    assert a.sidebar.caption[0].value == ":material/sync: Scrape running: its progress is on this page"
    assert fake.progressed.wait(10)

    b.run()
    assert not b.exception
    assert b.status[0].label == "Run #1 (manual) running: 2/2 companies"
    assert b.sidebar.caption[0].value == ":material/sync: Scrape running: its progress is on this page"
    click(b, "Start scrape")
    assert toasts(b) == ["A scrape is already running"]
    assert run_rows() == [(1, "manual", "running")]
    assert [t.name for t in threading.enumerate()].count(THREAD_NAME) == 1

    click(b, "Cancel")
    assert toasts(b) == ["Cancelling the scrape…"]
    assert registry.holder().join(10)
    assert run_rows() == [(1, "manual", "cancelled")]

    a.run()
    assert not a.exception
    assert a.status[0].label == "Run #1 (manual) cancelled: 2/2 companies"
    assert toasts(a) == ["Scrape #1 cancelled: 3 new, 0 closed jobs"]
    assert toast_icons(a) == [":material/warning:"], "an icon, not an emoji glyph"
    a.run()
    assert toasts(a) == [], "each session hears of a run's end once"


def test_failed_company_shows_its_error_in_the_table(fake: FakePipeline) -> None:
    at = tab()
    click(at, "Start scrape")
    assert fake.progressed.wait(10)
    fake.release.set()
    assert registry.holder().join(10)

    at.run()
    assert not at.exception
    assert at.status[0].label == "Run #1 (manual) finished: 2/2 companies"
    recent = at.status[0].dataframe[0].value  # newest first
    assert recent[["Company", "State"]].values.tolist() == [["Globex", "failed"], ["Acme", "ok"]]
    table = at.dataframe[1].value  # every company of the run, in its order
    # State and Error come right after Company so a long error is not cut off; blank, not None.
    assert list(table.columns[:3]) == ["Company", "State", "Error"]
    assert table[["Company", "State", "Error"]].values.tolist() == [
        ["Acme", "ok", ""],
        ["Globex", "failed", GLOBEX_ERROR],
    ]
    assert "2 of 2 companies match" in at.caption.values
    assert [m.value for m in at.status[0].markdown][-1] == (
        f"**Failed companies**\n\n- **Globex** (lever): {md_escape(GLOBEX_ERROR)}")
    assert at.success[0].value == "Run #1 finished: 3 new and 0 closed jobs."
    assert at.sidebar.caption[0].value == (
        "Last scrape finished: 3 new, 0 closed (1 of 2 companies failed)")


def test_schedule_is_saved_and_shows_when_next_due(fake: FakePipeline) -> None:
    at = tab()
    assert "Scheduled refresh is off." in at.caption.values
    at.text_input(key="schedule_name").input("Dana")
    at.number_input[0].set_value(60).run()
    assert not at.exception
    assert store.get_setting(ui.connection(), "schedule_minutes") == "60"
    assert registry.holder().schedule_minutes() == 60
    assert any(c.startswith("Next scheduled scrape: ") for c in at.caption.values)


def test_schedule_can_be_turned_off_after_being_set(fake: FakePipeline) -> None:
    """Issue 15 item 2: 30 then 0 snapped back to 30 and scheduled scrapes went on."""
    at = tab()
    at.text_input(key="schedule_name").input("Dana")
    at.number_input[0].set_value(30).run()
    assert registry.holder().schedule_minutes() == 30
    at.number_input[0].set_value(0).run()
    assert not at.exception
    assert registry.holder().schedule_minutes() is None
    assert at.number_input[0].value == 0
    assert "Scheduled refresh is off." in at.caption.values
    at.run()
    assert registry.holder().schedule_minutes() is None and at.number_input[0].value == 0


def test_schedule_set_in_another_tab_shows_in_this_one(fake: FakePipeline) -> None:
    a, b = tab(), tab()
    a.text_input(key="schedule_name").input("Dana")
    a.number_input[0].set_value(45).run()
    b.run()
    b.text_input(key="schedule_name").input("Lee")
    assert b.number_input[0].value == 45
    b.number_input[0].set_value(0).run()
    assert registry.holder().schedule_minutes() is None


def test_every_page_renders_after_a_run(fake: FakePipeline) -> None:
    at = tab()
    click(at, "Start scrape")
    fake.release.set()
    assert registry.holder().join(10)
    for page in ("pages/jobs.py", "pages/analytics.py", "pages/companies.py",
                 "pages/scraping.py"):
        at.switch_page(str(Path(MAIN).parent.parent / page)).run()
        assert not at.exception, page
    assert at.selectbox[0].value == 1
    results = at.dataframe[-1].value
    assert results[["company", "state", "jobs_new"]].values.tolist() == [
        ["Globex", "failed", 0], ["Acme", "ok", 3]]
    assert at.markdown[-1].value == (
        f"**Failed companies**\n\n- **Globex** (lever): {md_escape(GLOBEX_ERROR)}")


def test_run_history_shows_readable_labels_and_blank_missing_values(fake: FakePipeline) -> None:
    at = tab()
    click(at, "Start scrape")
    assert fake.progressed.wait(10)

    at.run()
    history, results = at.dataframe[-2], at.dataframe[-1]
    assert shown_columns(history) == ["Run", "Trigger", "State", "Started", "Duration", "OK",
                                      "Failed", "Cancelled", "Not reached", "New", "Closed",
                                      "Error"]
    assert json.loads(history.proto.columns)["started_at"]["type_config"]["format"] == (
        "YYYY-MM-DD HH:mm:ss")
    assert shown_columns(results) == ["Company", "State", "Error", "ATS", "Jobs", "New",
                                      "Closed", "Duration (s)"]
    # A running run has no duration or error yet: those cells show blank, not "None".
    assert history.value[["run_id", "state"]].values.tolist() == [[1, "running"]]
    assert history.value["duration_s"].isna().tolist() == [True]
    assert (history.proto.placeholder, results.proto.placeholder) == ("", "")
    fake.release.set()


def test_ended_run_links_to_its_new_and_closed_jobs(db_path: Path) -> None:
    from app.db import connect

    con = connect(db_path)
    [acme] = store.save_companies(con, [Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme")])
    jobs = tuple(Job("greenhouse", "acme", str(i), f"Engineer {i}", "Acme",
                     f"https://boards.greenhouse.io/acme/jobs/{i}") for i in range(3))
    for kept in (jobs, jobs[:1] + (Job("greenhouse", "acme", "9", "Designer", "Acme",
                                       "https://boards.greenhouse.io/acme/jobs/9"),)):
        run_id = store.start_run(con, "manual", 1)
        store.save_company_results(con, run_id, [CompanyResult(acme, "ok", kept)])
        store.finish_run(con, run_id, "finished")
    con.close()

    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")
             if link.proto.label.startswith("See the")}
    assert links == {"See the 1 new jobs": "new=run", "See the 2 closed jobs": "new=closed"}


def test_a_run_that_reached_no_board_says_so_and_points_to_the_demo(db_path: Path) -> None:
    """Issue 15 item 16: offline, the first scrape failed every real board with no word why."""
    from app.db import connect

    con = connect(db_path)
    companies = store.save_companies(con, [
        Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme"),
        Company("Globex", "lever", "globex", "https://jobs.lever.co/globex")])
    run_id = store.start_run(con, "manual", 2)
    store.save_company_results(con, run_id, [
        CompanyResult(companies[0], "failed", error="cannot connect to "
                      "boards-api.greenhouse.io:443 (temporary failure in name resolution)"),
        CompanyResult(companies[1], "failed", error="timed out after 20 s (https://x)")])
    store.finish_run(con, run_id, "finished")
    con.close()
    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    [warning] = [w for w in at.warning if w.value.startswith("None of the")]
    assert warning.value.startswith("None of the 2 boards could be reached")
    assert "jobscraper simulate --write-companies demo.toml" in warning.value
