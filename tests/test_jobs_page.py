"""The Jobs page through AppTest: filters (widgets and URL), selection, team fields shared
across sessions, export, safe descriptions, paging, and the empty state."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app import store, ui
from app.db import connect
from scraper.models import Company, CompanyResult, Job
from tests.conftest import MAIN, named
from tests.test_queries import _IDS, seed_known_jobs, short

OPEN = {"a1", "a2", "a4", "b1", "b2", "c1", "c2"}


def open_jobs(query: dict[str, str] | None = None, name: str | None = "Tester") -> AppTest:
    """A new session on the Jobs page, optionally opened from a URL's query parameters, of
    someone who gave their name (None: not yet, so an edit asks for it)."""
    at = AppTest.from_file(MAIN, default_timeout=30)
    if name:
        named(at, name)
    at.run()
    at.switch_page("../pages/jobs.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def shown(at: AppTest) -> list[str]:
    """External ids of the jobs in the table, in order."""
    return short(at.dataframe[0].value["job_id"])


@pytest.fixture
def seeded(db_path: Path) -> Path:
    con = connect(db_path)
    seed_known_jobs(con)
    con.close()
    return db_path


def test_default_view_lists_open_jobs_newest_posting_first(seeded: Path) -> None:
    at = open_jobs()
    assert shown(at) == ["c2", "a4", "a1", "c1", "b2", "a2", "b1"]
    assert "**1–7 of 7** jobs" in [m.value for m in at.markdown]


@pytest.mark.parametrize(
    ("act", "expected", "url"),
    [
        (lambda at: at.text_input(key="jobs_q").input("backend berlin"), {"a1", "c2"},
         {"q": "backend berlin"}),
        (lambda at: at.multiselect(key="jobs_workplace").select("remote").select("unknown"),
         {"a1", "a4", "b1", "c2"}, {"workplace": "remote,unknown"}),
        (lambda at: at.text_input(key="jobs_loc").input("Berlin"), {"a1", "b2", "c2"},
         {"loc": "Berlin"}),
        (lambda at: at.selectbox(key="jobs_days").select(7), {"a1", "a4", "b2", "c1", "c2"},
         {"days": "7"}),
        (lambda at: at.multiselect(key="jobs_status").select("applied"), {"a2", "b1"},
         {"status": "applied"}),
        (lambda at: at.checkbox(key="jobs_starred").check(), {"a4"}, {"starred": "1"}),
        (lambda at: at.checkbox(key="jobs_closed").check(), OPEN | {"a3"}, {"closed": "1"}),
        (lambda at: at.selectbox(key="jobs_new").select("run"), {"a4", "c2"}, {"new": "run"}),
        (lambda at: at.selectbox(key="jobs_new").select("closed"), {"a3"}, {"new": "closed"}),
        (lambda at: (at.number_input(key="jobs_min_salary").set_value(100000),
                     at.selectbox(key="jobs_currency").select("USD")),
         {"a4", "b2"}, {"min_salary": "100000", "currency": "USD"}),
    ],
)
def test_each_filter_narrows_the_table_and_lands_in_the_url(
    seeded: Path, act: Callable[[AppTest], object], expected: set[str], url: dict[str, str]
) -> None:
    at = open_jobs()
    act(at)
    at.run()
    assert not at.exception
    assert set(shown(at)) == expected
    assert dict(at.query_params) == url


def test_company_filter_narrows_the_table(seeded: Path) -> None:
    at = open_jobs()
    beta = next(o for o in at.multiselect(key="jobs_company").options if o == "Beta")
    at.multiselect(key="jobs_company").select(beta).run()
    assert set(shown(at)) == {"b1", "b2"}
    assert not at.exception


def test_url_restores_filters_sort_and_widgets(seeded: Path) -> None:
    at = open_jobs({"q": "backend", "workplace": "remote", "sort": "title", "asc": "1"})
    assert shown(at) == ["a4", "a1"]
    assert at.text_input(key="jobs_q").value == "backend"
    assert at.multiselect(key="jobs_workplace").value == ["remote"]
    assert at.selectbox(key="jobs_sort").value == "title"


def test_url_with_unknown_values_falls_back_to_defaults(seeded: Path) -> None:
    at = open_jobs({"workplace": "moon", "status": "'; DROP", "sort": "evil", "page": "x"})
    assert shown(at) == ["c2", "a4", "a1", "c1", "b2", "a2", "b1"]


def test_selecting_a_row_shows_its_detail(seeded: Path) -> None:
    at = open_jobs()
    table = at.dataframe[0]
    at.session_state[table.key] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Backend Engineer (Go)"]
    assert at.query_params["job"] == _IDS["a4"]
    assert [t.value for t in at.text_area] == ["ask about visa"]


def test_team_fields_saved_in_one_session_are_seen_by_a_new_one(seeded: Path) -> None:
    at = open_jobs({"job": _IDS["b2"]}, name=None)
    status = next(s for s in at.selectbox if s.key and s.key.startswith("jobs_edit_status"))
    star = next(t for t in at.toggle if t.key and t.key.startswith("jobs_edit_star"))
    notes = next(t for t in at.text_area if t.key and t.key.startswith("jobs_edit_notes"))
    status.select("interviewing")
    star.set_value(True)
    notes.input("Call on Monday")
    # With no login configured, the first edit asks who is editing.
    next(t for t in at.text_input if t.label == "Your name").input("Robin")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved: everyone now sees this status, star and notes."]
    assert ":material/person: Robin (unverified)" in at.sidebar.caption.values
    assert not [t for t in at.text_input if t.label == "Your name"], "asked once"

    other = open_jobs({"status": "interviewing", "starred": "1"})
    assert shown(other) == ["b2"]
    other = open_jobs({"job": _IDS["b2"]})
    assert [s.value for s in other.selectbox if s.key and s.key.startswith("jobs_edit_status")] \
        == ["interviewing"]
    assert [t.value for t in other.toggle if t.key and t.key.startswith("jobs_edit_star")] == [True]
    assert [t.value for t in other.text_area if t.key and t.key.startswith("jobs_edit_notes")] \
        == ["Call on Monday"]


def test_export_holds_exactly_the_filtered_rows(
    seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: dict[str, Callable[[], bytes]] = {}
    register = MediaFileManager.add_deferred

    def capture(self: MediaFileManager, data: Callable[[], bytes], *args: Any, **kw: Any) -> str:
        built[kw["file_name"]] = data
        return register(self, data, *args, **kw)

    # The files are built on click, outside the script: catch the builders as registered.
    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    open_jobs({"loc": "berlin", "closed": "1"})
    csv = pl.read_csv(io.BytesIO(built["jobs.csv"]()))
    parquet = pl.read_parquet(io.BytesIO(built["jobs.parquet"]()))
    assert set(short(csv["job_id"])) == {"a1", "b2", "c2"}
    assert parquet["job_id"].to_list() == csv["job_id"].to_list()


def _save_one_job(db_path: Path, **fields: object) -> str:
    con = connect(db_path)
    (acme,) = store.save_companies(con, [Company("Acme", "greenhouse", "acme", "https://x.test")])
    job = Job(source="greenhouse", board="acme", external_id="x1", title="Evil", company="Acme",
              url="https://x.test/1", **fields)  # type: ignore[arg-type]
    run_id = store.start_run(con, "test", 1)
    store.save_company_results(con, run_id, [CompanyResult(acme, "ok", jobs=(job,))])
    con.close()
    return job.job_id


def test_hostile_description_renders_inert(db_path: Path) -> None:
    job_id = _save_one_job(
        db_path,
        description_html=(
            '<p>Hello</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
            '<a href="javascript:alert(3)">x</a>'
        ),
    )
    at = open_jobs({"job": job_id})
    bodies = [h.value for h in at.html if not h.value.startswith("<style>")]
    assert len(bodies) == 1 and "<p>Hello</p>" in bodies[0]
    for bad in ("<script", "onerror", "javascript:"):
        assert bad not in bodies[0].lower()


def seed_150_jobs(db_path: Path) -> None:
    """One company with jobs "Job 000" to "Job 149": two pages of 100."""
    con = connect(db_path)
    (acme,) = store.save_companies(con, [Company("Acme", "greenhouse", "acme", "https://x.test")])
    jobs = tuple(
        Job(source="greenhouse", board="acme", external_id=f"{i:03d}", title=f"Job {i:03d}",
            company="Acme", url=f"https://x.test/{i}")
        for i in range(150)
    )
    store.save_company_results(con, store.start_run(con, "test", 1),
                               [CompanyResult(acme, "ok", jobs=jobs)])
    con.close()


def test_paging_moves_through_the_whole_set(db_path: Path) -> None:
    seed_150_jobs(db_path)
    at = open_jobs({"sort": "title", "asc": "1"})
    assert len(shown(at)) == 100 and shown(at)[0] == "000"
    at.button(key="jobs_next").click().run()
    assert shown(at)[0] == "100" and len(shown(at)) == 50
    assert "**101–150 of 150** jobs" in [m.value for m in at.markdown]
    assert at.query_params["page"] == "2"
    assert open_jobs({"sort": "title", "asc": "1", "page": "2"}).dataframe[0].value.shape[0] == 50


def test_empty_database_shows_what_to_do_next(db_path: Path) -> None:
    at = open_jobs()
    assert "No jobs yet" in at.info[0].value
    links = [p.proto.label for p in at.get("page_link")]
    assert links == ["1. Add companies on the Companies page",
                     "2. Start a scrape on the Scraping page"]
    assert not at.dataframe


def _select(at: AppTest, row: int) -> None:
    table = at.dataframe[0]
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception


def _row(at: AppTest, ext: str) -> dict[str, Any]:
    frame = at.dataframe[0].value
    return frame[frame["job_id"] == _IDS[ext]].iloc[0].to_dict()  # type: ignore[no-any-return]


def test_table_cells_show_a_dash_not_none(seeded: Path) -> None:
    at = open_jobs()
    b1 = _row(at, "b1")
    assert [b1[c] for c in ("workplace", "salary", "posted_at")] == ["—", "—", "—"]
    assert _row(at, "a4")["salary"] == "60–80 USD/hr ≈166k/yr"


def test_include_closed_shows_the_closed_date_column(seeded: Path) -> None:
    at = open_jobs({"closed": "1", "sort": "closed"})
    assert "closed_at" not in open_jobs().dataframe[0].proto.column_order
    # Issue 15 item 10: the triage columns come first so a window of any width shows them.
    assert list(at.dataframe[0].proto.column_order)[:10] == [
        "starred", "status", "title", "url", "company", "location", "workplace", "salary",
        "posted_at", "closed_at"
    ]
    assert shown(at)[0] == "a3"
    assert _row(at, "a3")["closed_at"] != "—" and _row(at, "a1")["closed_at"] == "—"


def test_closed_in_latest_run_shows_the_closed_date_column(seeded: Path) -> None:
    at = open_jobs({"new": "closed"})
    assert "closed_at" in at.dataframe[0].proto.column_order
    assert shown(at) == ["a3"] and _row(at, "a3")["closed_at"] != "—"


def test_closed_job_detail_says_it_closed(seeded: Path) -> None:
    at = open_jobs({"closed": "1", "job": _IDS["a3"]})
    closed_day = _row(at, "a3")["closed_at"]
    assert f":red-badge[:material/block: Closed {closed_day}: no longer on the board]" in [
        m.value for m in at.markdown
    ]
    facts = open_jobs({"job": _IDS["a1"]}).markdown
    assert any("- **Closed:** — (still open)" in m.value for m in facts)


def test_detail_salary_gives_the_annual_amount_and_its_source(seeded: Path) -> None:
    at = open_jobs({"job": _IDS["a2"]})
    assert any(
        "- **Salary:** 5,000–6,000 EUR / month (≈ 60,000–72,000 EUR / year), "
        "read from the description" in m.value
        for m in at.markdown
    )


def test_paging_closes_the_detail_of_a_job_on_the_previous_page(db_path: Path) -> None:
    seed_150_jobs(db_path)
    at = open_jobs({"sort": "title", "asc": "1"})
    _select(at, 0)
    assert [s.value for s in at.subheader] == ["Job 000"]
    at.button(key="jobs_next").click().run()
    assert not at.subheader
    assert "job" not in at.query_params


def test_saving_a_job_out_of_the_filter_keeps_its_detail_and_confirmation(seeded: Path) -> None:
    at = open_jobs({"status": "new"})
    assert shown(at) == ["c2", "a4", "a1", "b2"]
    _select(at, 0)
    status = next(s for s in at.selectbox if s.key and s.key.startswith("jobs_edit_status"))
    status.select("applied")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert shown(at) == ["a4", "a1", "b2"]
    # The selected row number now points at a4: the detail must stay on the saved job.
    assert [s.value for s in at.subheader] == ["Backend Intern"]
    assert [s.value for s in at.success] == ["Saved: everyone now sees this status, star and notes."]
    assert at.query_params["job"] == _IDS["c2"]


def test_min_salary_from_the_url_is_a_whole_amount(seeded: Path) -> None:
    at = open_jobs({"min_salary": "100000.7", "currency": "USD"})
    assert at.number_input(key="jobs_min_salary").value == 100000
    assert set(shown(at)) == {"a4", "b2"}
    assert at.query_params["min_salary"] == "100000"


def test_salary_sort_keeps_the_chosen_currency_together(seeded: Path) -> None:
    """Issue 15 item 1: the salary sort never compares amounts across currencies."""
    at = open_jobs({"sort": "salary"})
    at.selectbox(key="jobs_currency").select("EUR").run()
    assert shown(at) == ["a1", "a2", "c2", "b2", "a4", "c1", "b1"]
    assert any("never compared" in c for c in at.sidebar.caption.values)


def test_export_follows_the_chosen_sort(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15 item 10: Export ignored the sort."""
    built: dict[str, Callable[[], bytes]] = {}
    register = MediaFileManager.add_deferred

    def capture(self: MediaFileManager, data: Callable[[], bytes], *args: Any, **kw: Any) -> str:
        built[kw["file_name"]] = data
        return register(self, data, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    at = open_jobs({"sort": "title", "asc": "1"})
    csv = pl.read_csv(io.BytesIO(built["jobs.csv"]()))
    assert short(csv["job_id"]) == shown(at)


def test_detail_of_a_job_kept_from_a_deleted_company_says_why_it_closed(db_path: Path) -> None:
    job_id = _save_one_job(db_path)
    con = connect(db_path)
    store.delete_company(con, store.companies(con)[0].company_id or 0, keep_jobs=True)
    con.close()
    at = open_jobs({"job": job_id})
    assert any("its company was deleted" in m.value for m in at.markdown)
    assert not open_jobs().dataframe[0].value.shape[0], "no longer listed as open"


def test_department_and_employment_type_filters_narrow_and_land_in_the_url(
    db_path: Path,
) -> None:
    """Issue 15 item 8: filter by the normalized employment type and by department."""
    con = connect(db_path)
    (acme,) = store.save_companies(con, [Company("Acme", "greenhouse", "acme", "https://x.test")])
    jobs = tuple(
        Job(source="greenhouse", board="acme", external_id=ext, title=ext, company="Acme",
            url=f"https://x.test/{ext}", employment_type=kind, department=dept)
        for ext, kind, dept in (("j1", "FULL_TIME", "Sales, EMEA"), ("j2", "fulltime_permanent",
                                "R&D"), ("j3", "Contractor", "R&D"), ("j4", None, None)))
    store.save_company_results(con, store.start_run(con, "test", 1),
                               [CompanyResult(acme, "ok", jobs=jobs)])
    con.close()
    at = open_jobs()
    at.multiselect(key="jobs_employment").select("full-time").run()
    assert set(short(at.dataframe[0].value["job_id"])) == {"j1", "j2"}
    assert at.query_params["employment"] == "full-time"
    at.multiselect(key="jobs_department").select("Sales, EMEA").run()
    assert short(at.dataframe[0].value["job_id"]) == ["j1"]
    assert at.query_params["department"] == "Sales, EMEA"
    again = open_jobs({"employment": "unknown,contract", "department": "R&D|Sales, EMEA"})
    assert set(short(again.dataframe[0].value["job_id"])) == {"j3"}
    assert again.multiselect(key="jobs_department").value == ["R&D", "Sales, EMEA"]


def test_clear_filters_goes_back_to_every_open_job_and_keeps_the_sort(seeded: Path) -> None:
    """Issue 15 item 9: no way back from filters."""
    at = open_jobs({"q": "backend", "workplace": "remote", "starred": "1", "sort": "title"})
    assert shown(at) == ["a4"]
    at.button(key="jobs_clear").click().run()
    assert not at.exception
    assert set(shown(at)) == OPEN
    assert dict(at.query_params) == {"sort": "title"}
    assert at.button(key="jobs_clear").disabled


def test_an_empty_result_names_the_filters_to_loosen(seeded: Path) -> None:
    """Issue 15 item 9: an empty result says which filters to loosen."""
    at = open_jobs({"q": "backend", "status": "rejected"})
    assert not shown(at)
    [warning] = at.warning
    assert warning.value == ("No job matches all of these filters: loosen one of them, or "
                             "clear them.\n\n- Search “backend”\n- Status: rejected")
    at.button(key="jobs_clear_empty").click().run()
    assert set(shown(at)) == OPEN and not at.warning


def test_dismissing_the_detail_closes_it_and_it_stays_closed(seeded: Path) -> None:
    """Issue 15 item 10: the detail opens in a side panel; closing it must not reopen it
    from the row still selected in the table."""
    at = open_jobs()
    _select(at, 1)
    assert [s.value for s in at.subheader] == ["Backend Engineer (Go)"]
    [dialog] = at.get("dialog")
    assert "position: RIGHT" in repr(dialog.proto.dialog) and dialog.proto.dialog.is_open
    at.session_state["jobs_job"] = None  # what on_dismiss does, with a fresh table
    at.session_state["jobs_closes"] = 1
    at.run()
    assert not at.subheader and "job" not in at.query_params
    at.run()
    assert not at.subheader


def test_the_grids_own_page_only_download_is_hidden(seeded: Path) -> None:
    """Issue 15 item 10: the grid's download icon saved only the current page, beside an
    Export that saves them all."""
    at = open_jobs()
    styles = [h.value for h in at.html if h.value.startswith("<style>")]
    assert any("[aria-label='Download as CSV'] {display: none;}" in s for s in styles)


def test_tables_go_to_streamlit_as_arrow_with_plain_lists() -> None:
    import pyarrow as pa

    frame = pl.DataFrame({"title": ["a", None], "locations": [["Berlin"], ["Paris", "Remote"]]})
    table = ui.table_data(frame)
    assert isinstance(table, pa.Table)
    assert table.schema.field("locations").type == pa.list_(pa.large_string())
    assert table.to_pylist() == frame.to_dicts()
