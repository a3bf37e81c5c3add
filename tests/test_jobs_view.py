"""The Jobs page's state without Streamlit: URL and widget round trips, and the query."""

from __future__ import annotations

import pytest

from app.jobs_view import (
    Filters,
    active_filters,
    detail_facts,
    job_filters,
    page_offset,
    shown_text,
)
from app.queries import JobFilters

EVERYTHING = Filters(
    q="backend berlin", company=(2, 3), workplace=("remote", "unknown"),
    employment=("full-time", "unknown"), department=("Sales, EMEA", "R&D"), loc="Berlin", days=7,
    min_salary=100000, currency="EUR", status=("new", "applied"), starred=True, closed=True,
    new="run", sort="title", asc=True, page=3,
)


def test_default_view_has_an_empty_url() -> None:
    assert Filters().to_url() == {}
    assert Filters.from_url({}) == Filters()


def test_every_field_round_trips_through_the_url() -> None:
    url = EVERYTHING.to_url()
    assert url == {
        "q": "backend berlin", "company": "2,3", "workplace": "remote,unknown",
        "employment": "full-time,unknown", "department": "Sales, EMEA|R&D", "loc": "Berlin",
        "days": "7", "min_salary": "100000", "currency": "EUR", "status": "new,applied",
        "starred": "1", "closed": "1", "new": "run", "sort": "title", "asc": "1", "page": "3",
    }
    assert Filters.from_url(url, companies={1, 2, 3}, currencies=["USD", "EUR"]) == EVERYTHING


def test_every_field_round_trips_through_the_widgets() -> None:
    widgets = EVERYTHING.to_widgets()
    assert widgets["jobs_company"] == [2, 3] and widgets["jobs_q"] == "backend berlin"
    assert Filters.from_widgets(widgets) == EVERYTHING


@pytest.mark.parametrize(
    "params",
    [
        {"company": "9,x"}, {"workplace": "moon"}, {"days": "5"}, {"days": "x"},
        {"min_salary": "-1"}, {"min_salary": "nan"}, {"min_salary": "inf"},
        {"status": "'; DROP"}, {"new": "2"}, {"employment": "permanent"}, {"department": "|"}, {"sort": "evil"}, {"page": "0"}, {"page": "x"},
        {"starred": "yes"},
    ],
)
def test_unknown_url_values_fall_back_to_the_default(params: dict[str, str]) -> None:
    assert Filters.from_url(params, companies={1}, currencies=[]) == Filters()


def test_currency_defaults_to_the_first_known_and_travels_only_with_a_minimum() -> None:
    view = Filters.from_url({"currency": "XXX"}, currencies=["USD", "EUR"])
    assert view.currency == "USD"
    assert view.to_url() == {}
    assert Filters(min_salary=5, currency="USD").to_url() == {"min_salary": "5", "currency": "USD"}


def test_a_fractional_salary_from_the_url_or_a_widget_is_whole() -> None:
    assert Filters.from_url({"min_salary": "100000.7"}).min_salary == 100000
    assert Filters.from_widgets({"jobs_min_salary": 5.0}).min_salary == 5


def test_view_key_ignores_the_page_but_not_the_sort() -> None:
    assert Filters(page=2).view_key() == Filters().view_key()
    assert Filters(sort="title").view_key() != Filters().view_key()


def test_job_filters_is_the_query_the_view_asks_for() -> None:
    assert job_filters(EVERYTHING) == JobFilters(
        search="backend berlin", company_ids=(2, 3), workplaces=("remote", "unknown"),
        location="Berlin", posted_within_days=7, min_salary=100000, currency="EUR",
        statuses=("new", "applied"), starred_only=True, include_closed=True,
        new_in_latest_run=True, employment_kinds=("full-time", "unknown"),
        departments=("Sales, EMEA", "R&D"),
    )
    assert job_filters(Filters()) == JobFilters()
    assert job_filters(Filters(new="7")).new_within_days == 7
    assert job_filters(Filters(new="closed")).closed_in_latest_run
    assert job_filters(Filters(min_salary=5)).min_salary is None  # no currency to compare in


def test_pages_clamp_into_range() -> None:
    assert page_offset(3, 150) == 100
    assert page_offset(0, 150) == 0
    assert shown_text(100, 150) == "101–150 of 150"
    assert shown_text(0, 0) == "0 of 0"


def test_cleared_keeps_the_sort_and_drops_every_filter() -> None:
    assert EVERYTHING.cleared() == Filters(sort="title", asc=True, currency="EUR")
    assert job_filters(EVERYTHING.cleared()) == JobFilters(currency="EUR")


def test_active_filters_name_what_narrows_the_list() -> None:
    """Issue 15 item 9: an empty result says which filters to loosen."""
    assert active_filters(Filters(sort="title", currency="USD"), {}) == []
    assert active_filters(EVERYTHING, {2: "Acme", 3: "Beta"}) == [
        "Search “backend berlin”", "New in the latest run", "Companies: Acme, Beta",
        "Workplace: remote, unknown", "Employment type: full-time, unknown",
        "Department: Sales, EMEA, R&D", "Location contains “Berlin”", "Posted within 7 days",
        "Min. salary 100,000 EUR", "Status: new, applied", "Starred only",
    ]


def test_detail_gives_the_employment_type_beside_the_boards_words() -> None:
    job = {"locations": None, "location": None, "workplace": None, "employment_kind": "full-time",
           "employment_type": "FULL_TIME", "salary_min": None, "salary_max": None,
           "salary_currency": None, "salary_period": None, "posted_at": None,
           "first_seen_at": None, "last_seen_at": None, "closed_at": None}
    assert detail_facts(job)["Employment"] == "full-time (the board says “FULL_TIME”)"
    assert detail_facts({**job, "employment_type": None, "employment_kind": None})[
        "Employment"] == "—"
