"""The Scraping page during and after a run at scale (issues 15 and 19): a cancelled run says
what it left undone, running companies come first with how long they have run, and the
per-company table is filtered and paged instead of drawing thousands of rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import app.pipeline
from app import registry, runs, store, ui
from app.db import connect
from app.pipeline import NOT_REACHED, CompanyProgress
from app.scrape_view import PAGE_SIZE
from scraper.models import Company, CompanyResult
from tests.conftest import MAIN

Progress = Callable[[CompanyProgress], None]


class Scripted:
    """Stands in for run_scrape: ``script(con, run_id, companies, on_progress, cancel)``."""

    def __init__(self, script: Callable[..., None]) -> None:
        self.script = script
        self.ready = threading.Event()
        self.release = threading.Event()

    def __call__(self, con: duckdb.DuckDBPyConnection, run_id: int, companies: Sequence[Company],
                 *, settings: object = None, on_progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> None:
        assert on_progress is not None and cancel is not None
        self.script(self, con, run_id, list(companies), on_progress, cancel)


def save(con: duckdb.DuckDBPyConnection, run_id: int, on_progress: Progress,
         results: list[CompanyResult]) -> None:
    for r, c in zip(results, store.save_company_results(con, run_id, results), strict=True):
        on_progress(CompanyProgress(r.company, c.state, c.jobs_seen, c.jobs_new, c.jobs_closed,
                                    r.duration_ms, c.error))


@pytest.fixture
def companies(db_path: Path) -> Callable[[list[str]], None]:
    def make(names: list[str]) -> None:
        con = connect(db_path)
        store.save_companies(con, [Company(n, "lever", n.lower().replace(" ", "-"),
                                           f"https://jobs.lever.co/{n.lower().replace(' ', '-')}")
                                   for n in names])
        con.close()
    return make


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Scripted], Scripted]]:
    def install(pipeline: Scripted) -> Scripted:
        monkeypatch.setattr(app.pipeline, "run_scrape", pipeline)
        return pipeline
    yield install
    reg = registry.holder()
    reg.close()
    assert reg.join(10)


def tab() -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=30).run()
    assert not at.exception
    return at


def start(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Start scrape").click().run()
    assert not at.exception


def test_cancelled_run_shows_cancelled_and_not_reached_companies(companies, use) -> None:
    """Issue 15, item 3: no check mark, no "4/4 done", no green box; history counts them."""
    companies(["Acme", "Globex", "Initech", "Umbrella"])

    def script(p: Scripted, con, run_id, cs, on_progress, cancel) -> None:
        acme, globex, initech, umbrella = cs
        on_progress(CompanyProgress(acme, "running"))
        save(con, run_id, on_progress, [CompanyResult(acme, "ok", (), duration_ms=10)])
        on_progress(CompanyProgress(globex, "running"))
        p.ready.set()
        cancel.wait(10)
        save(con, run_id, on_progress, [
            CompanyResult(globex, "cancelled", (), "cancelled", 20, requests=1),
            CompanyResult(initech, "cancelled", (), NOT_REACHED),
        ])  # Umbrella: no word at all before the run ended
        store.finish_run(con, run_id, "cancelled")

    pipeline = use(Scripted(script))
    at = tab()
    start(at)
    assert pipeline.ready.wait(10)
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert registry.holder().join(10)
    at.run()
    assert not at.exception

    status = at.status[0]
    assert status.label == "Run #1 (manual) cancelled: 1/4 companies (1 cancelled, 2 not reached)"
    assert status.state == "error", "a cancelled run gets no check mark"
    bar = status.get("progress")[0]
    assert bar.proto.text == "1 of 4 companies done, 0 failed, 1 cancelled, 2 not reached"
    assert bar.proto.value == 25
    assert not at.success
    assert at.warning[0].value == ("Run #1 cancelled: 0 new and 0 closed jobs. 1 cancelled, 2 not "
                                   "reached of 4 companies: their jobs were left as they were.")
    table = at.dataframe[1].value
    assert table[["Company", "State"]].values.tolist() == [
        ["Acme", "ok"], ["Globex", "cancelled"], ["Initech", "not reached"],
        ["Umbrella", "not reached"]]
    history = runs.recent_runs(ui.connection())
    assert history.select("state", "companies_ok", "companies_failed", "companies_cancelled",
                          "companies_not_reached").rows() == [("cancelled", 1, 0, 1, 2)]
    assert at.dataframe[2].value[["companies_cancelled", "companies_not_reached"]
                                 ].values.tolist() == [[1, 2]]


def test_running_companies_come_first_with_how_long_they_have_run(companies, use) -> None:
    """Issue 15, item 12: the slow board is on top, not scattered in an alphabetical table."""
    companies(["Acme", "Globex", "Initech"])

    def script(p: Scripted, con, run_id, cs, on_progress, cancel) -> None:
        acme, globex, initech = cs
        on_progress(CompanyProgress(initech, "running"))
        time.sleep(1.1)
        on_progress(CompanyProgress(globex, "running"))
        on_progress(CompanyProgress(acme, "running"))
        save(con, run_id, on_progress, [CompanyResult(acme, "ok", (), duration_ms=10)])
        p.ready.set()
        p.release.wait(10)
        store.finish_run(con, run_id, "finished")

    pipeline = use(Scripted(script))
    at = tab()
    start(at)
    assert pipeline.ready.wait(10)
    at.run()
    assert not at.exception
    status = at.status[0]
    assert "**Running now** (2), longest first" in [m.value for m in status.markdown]
    running = status.dataframe[0].value
    assert running["Company"].tolist() == ["Initech", "Globex"]
    slow, quick = running["Running for (s)"].tolist()
    assert slow >= quick + 1.0
    table = at.dataframe[-3].value  # the run's companies, above the history tables
    assert table["Company"].tolist() == ["Initech", "Globex", "Acme"]
    assert table["State"].tolist() == ["running", "running", "ok"]
    assert table["Duration (s)"].tolist()[0] >= 1.0
    pipeline.release.set()


def test_filter_finds_the_failed_company_among_thousands(companies, use) -> None:
    names = [f"Company {i:04d}" for i in range(3000)]
    names[1777] = "Needle Works"
    companies(names)

    def script(p: Scripted, con, run_id, cs, on_progress, cancel) -> None:
        for c in cs:
            if c.name == "Needle Works":
                on_progress(CompanyProgress(c, "failed", error="404 board not found"))
            else:
                on_progress(CompanyProgress(c, "ok", 3, 3, 0, 5))
        store.finish_run(con, run_id, "finished")

    use(Scripted(script))
    at = tab()
    start(at)
    assert registry.holder().join(10)
    at.run()
    assert not at.exception
    table = at.dataframe[1]
    assert len(table.value) == PAGE_SIZE, "one page of rows, not 3,000"
    assert f"3000 of 3000 companies match; showing 1–{PAGE_SIZE}" in at.caption.values
    at.multiselect(key="scrape_filter_states").select("failed").run()
    assert not at.exception
    assert at.dataframe[1].value[["Company", "State", "Error"]].values.tolist() == [
        ["Needle Works", "failed", "404 board not found"]]
    at.multiselect(key="scrape_filter_states").unselect("failed").run()
    at.text_input(key="scrape_filter_name").input("needle").run()
    assert at.dataframe[1].value["Company"].tolist() == ["Needle Works"]
    assert "1 of 3000 companies match" in at.caption.values
    at.text_input(key="scrape_filter_name").input("").run()
    at.number_input(key="scrape_filter_page").set_value(30).run()
    assert at.dataframe[1].value["Company"].tolist()[-2:] == ["Company 2999", "Needle Works"]
