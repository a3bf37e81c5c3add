"""The Analytics page through AppTest: exact metrics, chart data from the Vega-Lite specs,
filters kept in the URL, and the empty states."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from app import store, ui
from app.db import connect
from scraper.models import Company, CompanyResult
from tests.conftest import MAIN
from tests.test_analytics import seed, seed_jobs

PAGE = "../pages/analytics.py"  # relative to app/main.py
RANGE = {"a_from": "2026-02-25", "a_to": "2026-03-10"}


def _open(params: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _seeded(db_path: Path) -> None:
    con = connect(db_path)
    seed(con)
    con.close()


def _charts(at: AppTest) -> dict[str, tuple[dict[str, Any], pl.DataFrame]]:
    """Each Altair chart on the page by title: its Vega-Lite spec and its data."""
    charts = {}
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        spec = json.loads(proto.spec)
        [dataset] = proto.datasets
        frame = pl.from_arrow(pa.ipc.open_stream(dataset.data.data).read_all())
        assert isinstance(frame, pl.DataFrame)
        charts[spec["title"]] = (spec, frame)
    return charts


def test_headline_metrics_are_exact(db_path):
    _seeded(db_path)
    at = _open(RANGE)
    assert [(m.label, m.value, m.delta) for m in at.metric] == [
        ("Open jobs", "7", "2"),
        # Issue 15 item 6: the week before was the first scrape's, so no delta for these.
        ("New this week", "4", ""),
        ("Closed this week", "2", ""),
        ("Companies hiring", "3", "1"),
        ("Remote share", "57%", "+17 pp"),
        ("Median salary (USD)", "104,000", ""),
        ("Median salary (EUR)", "70,000", ""),
        ("Median salary (GBP)", "55,000", ""),
    ]


def test_charts_carry_the_exact_data_with_titled_axes(db_path):
    _seeded(db_path)
    charts = _charts(_open(RANGE))
    assert sorted(charts) == [
        "Annual salary ranges by department (USD)",
        "Median days open of closed postings",
        "New vs. closed postings per day",
        "Open jobs by company (top 20)",
        "Scrape success, last 10 runs",
        "Top departments of open jobs",
        "Top locations of open jobs",
        "Workplace mix of open jobs",
    ]
    spec, flow = charts["New vs. closed postings per day"]
    assert (spec["encoding"]["x"]["title"], spec["encoding"]["y"]["title"]) == ("Day", "Postings")
    assert flow.height == 28
    assert flow.filter(pl.col("jobs") > 0).rows() == [
        (date(2026, 2, 26), "new", 5),
        (date(2026, 3, 5), "new", 3),
        (date(2026, 3, 5), "closed", 1),
        (date(2026, 3, 9), "new", 1),
        (date(2026, 3, 9), "closed", 1),
    ]
    spec, by_company = charts["Open jobs by company (top 20)"]
    assert (spec["encoding"]["x"]["title"], spec["encoding"]["y"]["title"]) == (
        "Open jobs", "Company")
    assert by_company.rows() == [("Beta", 3), ("Acme", 2), ("Gamma", 2)]
    assert charts["Workplace mix of open jobs"][1].rows() == [
        ("remote", 4), ("hybrid", 1), ("onsite", 1), ("unknown", 1)]
    assert charts["Top locations of open jobs"][1].rows() == [
        ("Berlin", 2), ("London", 2), ("Remote", 2), ("New York", 1)]
    assert charts["Top departments of open jobs"][1].rows() == [
        ("Engineering", 3), ("Design", 2), ("Sales", 1)]
    assert charts["Annual salary ranges by department (USD)"][1].rows() == [
        ("Engineering", 2, 102000.0, 112000.0, 122000.0),
        ("Sales", 1, 90000.0, 100000.0, 110000.0),
    ]
    assert charts["Median days open of closed postings"][1].rows() == [
        ("Acme", 2, 9.0)]
    health = charts["Scrape success, last 10 runs"][1]
    assert health.select("company", "ok", "last_error").rows() == [
        ("Beta", 2, "timeout"), ("Gamma", 2, "HTTP 404"), ("Acme", 3, None)]


def test_url_filters_open_the_same_view(db_path):
    _seeded(db_path)
    at = _open({**RANGE, "a_company": ["1"], "a_workplace": ["remote"]})
    assert at.multiselect(key="a_company").value == [1]
    assert at.multiselect(key="a_workplace").value == ["remote"]
    assert at.metric[0].value == "2"  # Acme's remote open jobs: a1 and a4


def test_changing_a_filter_updates_the_url_and_the_numbers(db_path):
    _seeded(db_path)
    at = _open(RANGE)
    at.multiselect(key="a_workplace").set_value(["unknown"]).run()
    assert not at.exception
    # AppTest gives a single value as a str (st.query_params would give a list of one).
    assert {k: at.query_params[k] for k in ("a_from", "a_to", "a_workplace")} == {
        **RANGE, "a_workplace": "unknown"}
    assert [(m.label, m.value) for m in at.metric[:2]] == [("Open jobs", "1"),
                                                           ("New this week", "0")]


def test_new_results_show_at_once(db_path):
    _seeded(db_path)
    at = _open(RANGE)
    assert at.metric[0].value == "7"
    # The app holds the file: write through its own cached connection, as the scrape does.
    con = ui.connection()
    acme, beta, gamma = store.companies(con)
    a4 = seed_jobs(acme, beta, gamma)["a4"]
    run_id = store.start_run(con, "test", 1, at=datetime(2026, 3, 10, 8))
    store.save_company_results(con, run_id, [CompanyResult(acme, "ok", (a4,))],
                               datetime(2026, 3, 10, 8))
    at.run()
    assert [(m.label, m.value) for m in at.metric[:3]] == [
        ("Open jobs", "6"), ("New this week", "4"), ("Closed this week", "3")]


def test_empty_database_links_to_companies(db_path):
    at = _open({})
    assert [i.value for i in at.info] == [
        "No companies are tracked yet. Add the career boards you want to watch."]
    assert not at.metric


def test_companies_without_jobs_link_to_scraping(db_path):
    con = connect(db_path)
    store.save_companies(con, [Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme")])
    con.close()
    at = _open({})
    assert [i.value for i in at.info] == [
        "1 company is tracked but no jobs have been scraped yet."]


def test_workplace_axis_reads_on_site_and_unknown(db_path):
    _seeded(db_path)
    spec, _ = _charts(_open(RANGE))["Workplace mix of open jobs"]
    assert spec["encoding"]["y"]["axis"] == {
        "labelExpr": "{'remote': 'Remote', 'hybrid': 'Hybrid', 'onsite': 'On-site', "
        "'unknown': 'Unknown'}[datum.value] || datum.value"}


def test_health_chart_stacks_ok_and_failed_runs_so_a_dead_board_shows(db_path):
    _seeded(db_path)
    spec, _ = _charts(_open(RANGE))["Scrape success, last 10 runs"]
    assert spec["transform"] == [{"fold": ["ok", "failed"], "as": ["outcome", "count"]}]
    assert (spec["encoding"]["x"]["title"], spec["encoding"]["color"]["scale"]["domain"]) == (
        "Runs (that reached the company)", ["ok", "failed"])


def test_health_chart_counts_whole_runs(db_path):
    """Issue 15 item 14: the axis showed 0.1, 0.2 ... runs."""
    _seeded(db_path)
    spec, _ = _charts(_open(RANGE))["Scrape success, last 10 runs"]
    assert spec["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1}


def test_health_table_shows_a_blank_not_none_without_an_error(db_path):
    _seeded(db_path)
    [table] = _open(RANGE).dataframe
    assert list(zip(table.value["company"], table.value["last_error"], strict=True)) == [
        ("Beta", "timeout"), ("Gamma", "HTTP 404"), ("Acme", "")]


def test_days_open_under_a_day_says_so_and_keeps_a_readable_axis(db_path):
    con = connect(db_path)
    [acme] = store.save_companies(
        con, [Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme")])
    jobs = seed_jobs(acme, acme, acme)
    for hour, seen in ((8, ("a1", "a2")), (9, ("a1",))):
        at = datetime(2026, 3, 9, hour)
        run_id = store.start_run(con, "test", 1, at=at)
        store.save_company_results(
            con, run_id, [CompanyResult(acme, "ok", tuple(jobs[i] for i in seen))], at)
        store.finish_run(con, run_id, "finished", at=at)
    con.close()
    at = _open(RANGE)
    spec, frame = _charts(at)["Median days open of closed postings"]
    assert frame.rows() == [("Acme", 1, 0.0)]
    assert spec["encoding"]["x"]["scale"] == {"domain": [0, 1.0]}
    assert "Postings closed in this range were open for less than a day (median)." in [
        c.value for c in at.caption]


def _titles(spec: Any) -> list[str]:
    """Every chart and axis title in a Vega-Lite spec (layers included)."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_titles(value))
    elif isinstance(spec, list):
        for item in spec:
            found.extend(_titles(item))
    return found


def test_chart_titles_fit_a_400_px_window(db_path):
    """Issue 15 item 13: at 400 px chart and axis titles were cut off (about 40 characters
    fit beside a 400 px chart)."""
    _seeded(db_path)
    long = [t for spec, _ in _charts(_open(RANGE)).values() for t in _titles(spec) if len(t) > 40]
    assert long == []
