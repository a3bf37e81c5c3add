"""Saved searches on the Jobs page through AppTest (issue 18): save, open, edit, delete a
view; the sidebar's counts after a run; a view opened by URL in another session; the
Scraping page's outcome listing the saved searches with news."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import notify, store
from app import saved_searches as ss
from app.db import connect
from app.jobs_view import Filters
from app.people import Person
from tests.conftest import MAIN
from tests.test_jobs_page import open_jobs, shown

ALICE = Person("alice@example.com", "Alice", True, "header", True)


@pytest.fixture
def seeded(db_path: Path) -> Path:
    from tests.test_queries import seed_known_jobs

    con = connect(db_path)
    seed_known_jobs(con)
    con.close()
    return db_path


def saved_button(at: AppTest, search_id: int) -> str:
    return str(at.button(key=f"jobs_saved_open_{search_id}").label)


def test_save_open_edit_and_delete_a_view(seeded: Path) -> None:
    at = open_jobs()
    at.text_input(key="jobs_q").input("backend").run()
    at.text_input(key="jobs_saved_name").input("Backend").run()
    at.button(key="jobs_saved_save").click().run()
    assert not at.exception
    con = connect(seeded)
    [found] = ss.saved_searches(con)
    con.close()
    assert (found.name, found.params, found.created_by) == ("Backend", {"q": "backend"}, "Tester")
    assert saved_button(at, found.search_id) == "Backend"
    assert at.query_params["saved"] == str(found.search_id)

    # Open it from a cleared view.
    at.button(key="jobs_clear").click().run()
    assert set(shown(at)) == {"a1", "a2", "a4", "b1", "b2", "c1", "c2"}
    at.button(key=f"jobs_saved_open_{found.search_id}").click().run()
    assert at.text_input(key="jobs_q").value == "backend"
    assert set(shown(at)) == {"a1", "a4", "c2"}

    # Edit: narrow it, save the change, rename it.
    at.text_input(key="jobs_loc").input("Berlin").run()
    at.button(key=f"jobs_saved_update_{found.search_id}").click().run()
    at.text_input(key=f"jobs_saved_rename_{found.search_id}").input("Backend, Berlin").run()
    at.button(key=f"jobs_saved_do_rename_{found.search_id}").click().run()
    assert not at.exception
    con = connect(seeded)
    edited = ss.get_search(con, found.search_id)
    con.close()
    assert edited is not None
    assert (edited.name, edited.params) == ("Backend, Berlin", {"q": "backend", "loc": "Berlin"})
    assert saved_button(at, found.search_id) == "Backend, Berlin"

    # Delete (after saying so).
    assert at.button(key=f"jobs_saved_delete_{found.search_id}").disabled
    at.checkbox(key=f"jobs_saved_sure_{found.search_id}").check().run()
    at.button(key=f"jobs_saved_delete_{found.search_id}").click().run()
    assert not at.exception
    con = connect(seeded)
    assert ss.saved_searches(con) == []
    con.close()
    assert not [b for b in at.button if b.key == f"jobs_saved_open_{found.search_id}"]


def test_saving_asks_an_unnamed_person_for_a_name(seeded: Path) -> None:
    at = open_jobs(name=None)
    at.text_input(key="jobs_saved_name").input("Mine").run()
    at.button(key="jobs_saved_save").click().run()
    assert any("anonymously" in e.value for e in at.error)
    at.text_input(key="jobs_saved_person").input("Dana").run()
    at.button(key="jobs_saved_save").click().run()
    con = connect(seeded)
    [found] = ss.saved_searches(con)
    con.close()
    assert found.created_by == "Dana"


def test_sidebar_counts_the_new_matches_after_a_run(seeded: Path) -> None:
    con = connect(seeded)
    berlin = ss.save_search(con, ALICE, "Backend, Berlin", Filters(q="backend", loc="Berlin"))
    backend = ss.save_search(con, ALICE, "Backend", Filters(q="backend"))
    quiet = ss.save_search(con, ALICE, "Designers", Filters(q="designer"))
    # What the registry does once run 2 (which found a4 and c2, closed a3) saved its results.
    notify.after_run(con, None, 2)
    con.close()
    at = open_jobs()
    assert saved_button(at, berlin.search_id) == "Backend, Berlin · 1 new"
    assert saved_button(at, backend.search_id) == "Backend · 2 new"
    assert saved_button(at, quiet.search_id) == "Designers"
    at.button(key=f"jobs_saved_open_{backend.search_id}").click().run()
    at.button(key=f"jobs_saved_only_new_{backend.search_id}").click().run()
    assert set(shown(at)) == {"a4", "c2"}


def test_a_view_opened_by_url_in_another_session_shows_the_same_jobs(seeded: Path) -> None:
    con = connect(seeded)
    found = ss.save_search(con, ALICE, "Remote backend",
                           Filters(q="backend", workplace=("remote",), sort="title", asc=True))
    con.close()
    first = open_jobs()
    first.button(key=f"jobs_saved_open_{found.search_id}").click().run()
    jobs = shown(first)
    assert jobs == ["a4", "a1"]
    link = {k: str(first.query_params[k]) for k in first.query_params}
    assert link["saved"] == str(found.search_id)
    assert shown(open_jobs(link)) == jobs
    # The notification's link names only the saved search: it opens its view as saved.
    only_id = open_jobs({"saved": str(found.search_id)})
    assert shown(only_id) == jobs
    assert only_id.text_input(key="jobs_q").value == "backend"


def test_targets_are_shown_masked_with_their_last_outcome(seeded: Path) -> None:
    con = connect(seeded)
    secret = "json://me:t0psecret@127.0.0.1:9/"
    found = ss.save_search(con, ALICE, "Hooked", Filters(), targets=[secret])
    con.execute('INSERT INTO saved_search_deliveries (search_id, target_key, target, "at", '
                "reason, ok, error) VALUES (?, ?, ?, ?, 'run', false, ?)",
                [found.search_id, notify.target_key(secret), notify.mask(secret), store.utcnow(),
                 "Failed to send JSON POST notification: error=500."])
    con.close()
    at = open_jobs({"saved": str(found.search_id)})
    texts = " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    assert "t0psecret" not in texts and "127.0.0.1" in texts
    assert "last notification failed" in texts and "500" in texts


def test_scraping_outcome_lists_saved_searches_with_news(seeded: Path) -> None:
    con = connect(seeded)
    ss.save_search(con, ALICE, "Backend", Filters(q="backend"))
    notify.after_run(con, None, 2)
    con.close()
    at = AppTest.from_file(MAIN, default_timeout=30)
    at.run()
    assert not at.exception
    labels = [str(p.label) for p in at.get("page_link")]
    assert "Backend · 2 new" in labels


def test_a_scrape_started_on_the_page_counts_new_matches_in_the_sidebar(
        db_path: Path) -> None:
    from app import registry
    from app.pipeline import run_scrape
    from scraper.fetch import FetchSettings
    from scraper.models import Company
    from scraper.simulator import Simulator

    with Simulator(boards=4, failures=False) as sim:
        con = connect(db_path)
        companies = store.save_companies(con, [Company(d["name"], d["ats"], d["board"],
                                                       d["url"]) for d in sim.companies()])
        first = store.start_run(con, "test", len(companies))
        run_scrape(con, first, companies, settings=FetchSettings(timeout_s=3.0, backoff_s=0.05))
        everything = ss.save_search(con, ALICE, "Everything", Filters())
        con.close()
        sim.set_day(1)
        at = AppTest.from_file(MAIN, default_timeout=30).run()
        next(b for b in at.button if b.label == "Start scrape").click().run()
        reg = registry.holder()
        try:
            assert reg.join(60) and reg.snapshot().state == "finished"
        finally:
            reg.close()
        at.run()
    con = connect(db_path)
    [(new, closed)] = con.execute(
        "SELECT count(*) FILTER (WHERE first_seen_run = 2), "
        "count(*) FILTER (WHERE closed_run = 2) FROM jobs").fetchall()
    con.close()
    assert new and closed
    outcome = [str(p.label) for p in at.get("page_link")]
    assert f"Everything · {new} new, {closed} closed" in outcome
    jobs = open_jobs()
    assert saved_button(jobs, everything.search_id) == f"Everything · {new} new · {closed} closed"
