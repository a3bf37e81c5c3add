"""The Jobs page's search through AppTest: relevance first, other sorts, exact counts with
filters, a snippet per row, highlighted and sanitized detail, hints, and the index built
on first use beside the database (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import store
from app.db import connect
from scraper.models import Company, CompanyResult, Job
from tests.conftest import MAIN


def _job(ext: str, title: str, text: str, **fields: object) -> Job:
    return Job(source="greenhouse", board="acme", external_id=ext, title=title, company="Acme",
               url=f"https://x.test/{ext}", description_text=text, **fields)  # type: ignore[arg-type]


JOBS = (
    _job("1", "Office Manager", "Run the office. A little kubernetes helps.", workplace="onsite",
         posted_at="2026-11-20T00:00:00Z"),
    _job("2", "Kubernetes Engineer", "Clusters all day.", workplace="remote",
         posted_at="2026-11-01T00:00:00Z",
         description_html='<p>Clusters <b>all</b> day with kubernetes.</p>'
                          '<script>alert("kubernetes")</script>'),
    _job("3", "Kubernetes SRE", "On call for kubernetes.", workplace="onsite",
         posted_at="2026-11-10T00:00:00Z"),
    _job("4", "Designer", "Figma.", workplace="remote", posted_at="2026-11-25T00:00:00Z"),
)


@pytest.fixture
def seeded(db_path: Path) -> Path:
    con = connect(db_path)
    (acme,) = store.save_companies(con, [Company("Acme", "greenhouse", "acme", "https://x.test")])
    store.save_company_results(con, store.start_run(con, "test", 1),
                               [CompanyResult(acme, "ok", jobs=JOBS)])
    con.close()
    return db_path


def open_jobs(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    at.switch_page("../pages/jobs.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def shown(at: AppTest) -> list[str]:
    return [j.split(":")[-1] for j in at.dataframe[0].value["job_id"]]


def test_search_ranks_title_matches_first_with_a_snippet_per_row(seeded: Path) -> None:
    at = open_jobs({"q": "kubernetes"})
    assert shown(at)[2] == "1"  # the passing mention comes last
    assert set(shown(at)) == {"1", "2", "3"}
    snippets = dict(zip(shown(at), at.dataframe[0].value["snippet"], strict=True))
    assert snippets["1"] == "Run the office. A little kubernetes helps."
    assert "**1–3 of 3** jobs" in [m.value for m in at.markdown]
    assert (seeded.parent / "jobs.duckdb.search").is_dir()


def test_other_sorts_and_filters_combine_with_the_search(seeded: Path) -> None:
    at = open_jobs({"q": "kubernetes", "sort": "posted"})
    assert shown(at) == ["1", "3", "2"]
    at = open_jobs({"q": "kubernetes", "workplace": "onsite"})
    assert set(shown(at)) == {"1", "3"}
    assert "**1–2 of 2** jobs" in [m.value for m in at.markdown]


def test_detail_highlights_matched_words_and_stays_sanitized(seeded: Path) -> None:
    at = open_jobs({"q": "kubernetes", "job": "greenhouse:acme:2"})
    [body] = [h.value for h in at.html if not h.value.startswith("<style>")]
    assert "<mark>kubernetes</mark>" in body and "<b>all</b>" in body
    assert "<script" not in body.lower()


@pytest.mark.parametrize("text", ["%", '"unclosed', "AND OR NOT", "\\", "x" * 10_000])
def test_odd_searches_show_results_or_a_hint(seeded: Path, text: str) -> None:
    at = open_jobs({"q": text})
    hints = [c.value for c in at.sidebar.caption]
    assert len(at.dataframe[0].value) or hints


def test_search_index_catches_up_with_jobs_written_while_the_app_ran(seeded: Path) -> None:
    at = open_jobs({"q": "figma"})
    assert shown(at) == ["4"]
    con = connect(seeded)
    try:
        (acme,) = store.companies(con)
        store.save_company_results(con, store.start_run(con, "test", 1), [CompanyResult(
            acme, "ok", jobs=(*JOBS, _job("5", "Illustrator", "Figma and ink.")))])
    finally:
        con.close()
    st_cache_cleared = open_jobs({"q": "figma"})  # a new session; the index sees it behind
    assert set(shown(st_cache_cleared)) == {"4", "5"}


def test_a_large_catch_up_runs_behind_a_progress_bar_and_the_page_still_answers(
        seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from app import ui
    from app.search import SearchIndex

    monkeypatch.setattr(ui, "SMALL_CATCH_UP", 0)  # as if the database were large
    release = threading.Event()
    real = SearchIndex.catch_up

    def slow_catch_up(self: SearchIndex, con: object, on_progress: object = None) -> int:
        if callable(on_progress):
            on_progress(1, 4)
        release.wait(30)
        return real(self, con, on_progress)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchIndex, "catch_up", slow_catch_up)
    at = open_jobs({"q": "kubernetes"})
    assert [p.text for p in at.get("progress")] == [
        "Updating the search index: 1 of 4 jobs. Searches use the previous index (or a "
        "slower scan) until it is done."]
    assert set(shown(at)) == {"1", "2", "3"}  # scanned meanwhile: the page is not stuck
    release.set()
    index = ui._search_index(ui.connection())
    assert index.wait(30)
    at.run()
    assert not at.exception
    assert shown(at)[2] == "1" and "snippet" in at.dataframe[0].value.columns
