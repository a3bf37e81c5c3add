"""Two people in the shared instance, through AppTest (issue 14): the lost-notes sequence,
different fields, the same field, a company rename, the feed, bulk triage, the visits, and
the OIDC login as Streamlit hands it to the app (``st.user``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import store
from app.db import connect
from app.plain import md_escape
from tests.conftest import MAIN, named
from tests.test_companies_page import ACME, GLOBEX
from tests.test_queries import _IDS, seed_known_jobs, short

B2 = _IDS["b2"]
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "jobs", "client_secret": "s",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture
def seeded(db_path: Path) -> Path:
    con = connect(db_path)
    seed_known_jobs(con)
    con.close()
    return db_path


def session(page: str, name: str | None, query: dict[str, str] | None = None,
            user: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=30)
    if name:
        named(at, name)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.run()
    at.switch_page(f"../pages/{page}.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def field(at: AppTest, kind: str, prefix: str) -> Any:
    return next(w for w in getattr(at, kind) if w.key and w.key.startswith(prefix))


def save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def team_fields(db_path: Path, job_id: str) -> tuple[Any, ...]:
    con = duckdb.connect(str(db_path))
    try:
        return con.execute("SELECT status, starred, notes FROM jobs WHERE job_id = ?",
                           [job_id]).fetchall()[0]
    finally:
        con.close()


def activity_rows(db_path: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db_path))
    try:
        return con.execute("SELECT who, kind, old, new FROM activity ORDER BY activity_id").fetchall()
    finally:
        con.close()


def test_lost_notes_sequence_keeps_the_notes_and_tells_b(seeded: Path) -> None:
    """Issue 14's report: A saves notes; B, who had the job open from before, changes only
    the status and saves. A's notes used to be replaced by B's stale text."""
    a = session("jobs", "Ann", {"job": B2})
    b = session("jobs", "Ben", {"job": B2})
    field(a, "text_area", "jobs_edit_notes").input("Recruiter called: onsite next week")
    save(a)
    field(b, "selectbox", "jobs_edit_status").select("applied")
    save(b)
    assert team_fields(seeded, B2) == ("applied", False, "Recruiter called: onsite next week")
    [info] = b.info
    assert info.value.startswith("Kept Ann (unverified)'s change made meanwhile at ")
    assert info.value.endswith("Notes → “Recruiter called: onsite next week”.")
    assert field(b, "text_area", "jobs_edit_notes").value == "Recruiter called: onsite next week"
    assert activity_rows(seeded) == [
        ("Ann", "job.notes", None, "Recruiter called: onsite next week"),
        ("Ben", "job.status", "new", "applied"),
    ]


def test_different_fields_both_survive(seeded: Path) -> None:
    a = session("jobs", "Ann", {"job": B2})
    b = session("jobs", "Ben", {"job": B2})
    field(a, "selectbox", "jobs_edit_status").select("interviewing")
    save(a)
    field(b, "toggle", "jobs_edit_star").set_value(True)
    field(b, "text_area", "jobs_edit_notes").input("Ben's notes")
    save(b)
    assert not b.warning
    assert team_fields(seeded, B2) == ("interviewing", True, "Ben's notes")


def test_same_field_shows_the_conflict_and_keep_both_merges(seeded: Path) -> None:
    a = session("jobs", "Ann", {"job": B2})
    b = session("jobs", "Ben", {"job": B2})
    field(a, "text_area", "jobs_edit_notes").input("Ann: salary is negotiable")
    save(a)
    field(b, "text_area", "jobs_edit_notes").input("Ben: team lead is nice")
    save(b)
    [warning] = b.warning
    assert warning.value.startswith("Not saved: Ann (unverified) changed Notes at ")
    assert "to “Ann: salary is negotiable” while you edited it. Yours: “Ben: team lead is nice”." \
        in warning.value
    assert team_fields(seeded, B2)[2] == "Ann: salary is negotiable", "nothing overwritten"
    assert {"Keep theirs", "Apply mine", "Keep both"} <= {x.label for x in b.button}
    click(b, "Keep both")
    assert not b.warning
    assert team_fields(seeded, B2)[2] == "Ann: salary is negotiable\n\nBen: team lead is nice"
    assert field(b, "text_area", "jobs_edit_notes").value == team_fields(seeded, B2)[2]


@pytest.mark.parametrize(("choice", "status"), [("Keep theirs", "rejected"),
                                                 ("Apply mine", "saved")])
def test_same_field_keep_theirs_or_apply_mine(seeded: Path, choice: str, status: str) -> None:
    a = session("jobs", "Ann", {"job": B2})
    b = session("jobs", "Ben", {"job": B2})
    field(a, "selectbox", "jobs_edit_status").select("rejected")
    save(a)
    field(b, "selectbox", "jobs_edit_status").select("saved")
    field(b, "toggle", "jobs_edit_star").set_value(True)
    save(b)
    assert "Keep both" not in {x.label for x in b.button}, "keep both is for notes"
    assert team_fields(seeded, B2) == ("rejected", False, None)
    click(b, choice)
    assert team_fields(seeded, B2) == (status, True, None), "the star is saved either way"


def test_job_history_lists_who_changed_what(seeded: Path) -> None:
    a = session("jobs", "Ann", {"job": B2})
    field(a, "selectbox", "jobs_edit_status").select("applied")
    save(a)
    [history] = [e for e in a.expander if e.label.startswith("History")]
    assert history.label == "History (1)"
    assert history.markdown[0].value.endswith(" · **Ann (unverified)** · Status: **new** → **applied**")


def test_company_rename_conflict(db_path: Path) -> None:
    con = connect(db_path)
    [acme, _] = store.save_companies(con, [ACME, GLOBEX])
    con.close()
    a = session("companies", "Ann")
    b = session("companies", "Ben")
    a.text_input(key=f"name_{acme.company_id}").input("Acme Robotics")
    click(a, "Rename")
    b.text_input(key=f"name_{acme.company_id}").input("ACME Inc")
    click(b, "Rename")
    [warning] = b.warning
    assert warning.value.startswith("Not renamed: Ann (unverified) renamed it to **Acme Robotics** at ")
    assert warning.value.endswith("Yours: **ACME Inc**.")
    con = duckdb.connect(str(db_path))
    assert con.execute("SELECT name FROM companies WHERE company_id = ?",
                       [acme.company_id]).fetchall() == [("Acme Robotics",)]
    con.close()
    click(b, "Keep theirs")
    assert b.text_input(key=f"name_{acme.company_id}").value == "Acme Robotics"
    assert not b.warning
    # Ben's toggle of the other field, from the version he now sees, goes through.
    b.toggle(key=f"enabled_{acme.company_id}").set_value(False).run()
    assert [(r[0], r[1]) for r in activity_rows(db_path)] == [
        ("Ann", "company.rename"), ("Ben", "company.disable")]


def test_feed_filters_by_person_and_exports_csv(seeded: Path) -> None:
    a = session("jobs", "Ann", {"job": B2})
    field(a, "selectbox", "jobs_edit_status").select("applied")
    save(a)
    b = session("jobs", "Ben", {"job": _IDS["a1"]})
    field(b, "toggle", "jobs_edit_star").set_value(True)
    save(b)
    feed = session("activity", None)
    table = feed.dataframe[0].value
    assert table["who"].tolist() == ["Ben (unverified)", "Ann (unverified)"]
    assert table["kind"].tolist() == ["Job star", "Job status"]
    feed.multiselect(key="feed_people").select("Ann").run()
    assert feed.dataframe[0].value["who"].tolist() == ["Ann (unverified)"]
    [download] = [d for d in feed.get("download_button")]
    assert download.proto.label == "Download CSV"


def test_bulk_triage_sets_status_of_every_selected_row(seeded: Path) -> None:
    at = session("jobs", "Ann", {"status": "new"})
    assert short(at.dataframe[0].value["job_id"]) == ["c2", "a4", "a1", "b2"]
    table = at.dataframe[0]
    at.session_state[table.key] = {"selection": {"rows": [0, 2, 3], "columns": [], "cells": []}}
    at.run()
    assert any(m.value == "**3 jobs selected**: set for all of them" for m in at.markdown)
    at.selectbox(key="jobs_bulk_status").select("archived")
    click(at, "Apply status")
    assert [s.value for s in at.success] == ["3 of 3 jobs set to status archived"]
    assert short(at.dataframe[0].value["job_id"]) == ["a4"]
    kinds = [r[:2] for r in activity_rows(seeded)]
    assert kinds == [("Ann", "job.status")] * 3


def test_new_since_my_last_visit_is_kept_per_person(seeded: Path) -> None:
    session("jobs", "Ann")  # Ann's first visit: now
    con = connect(seeded)
    con.execute("UPDATE visits SET last_visit_at = last_visit_at - INTERVAL 36 HOUR")
    con.close()
    again = session("jobs", "Ann", {"new": "visit"})
    # seed_known_jobs' second run (a day ago) found a4 and c2.
    assert sorted(short(again.dataframe[0].value["job_id"])) == ["a4", "c2"]
    assert any(c.value.startswith("Jobs first seen since your last visit") for c in again.caption)
    first = session("jobs", "Ben", {"new": "visit"})
    assert "Your first visit: every job is new to you." in first.caption.values
    assert len(first.dataframe[0].value) == 7


def test_oidc_login_screen_then_the_person_and_log_out(seeded: Path) -> None:
    out = AppTest.from_file(MAIN, default_timeout=30)
    out.secrets["auth"] = AUTH
    out.user = {"is_logged_in": False}
    out.run()
    assert not out.exception
    assert [b.label for b in out.button] == ["Log in"]
    assert not out.dataframe and [t.value for t in out.title] == ["Job dashboard"]

    alice = session("jobs", None, {"job": B2},
                    user={"is_logged_in": True, "email": "alice@example.com", "name": "Alice"})
    # The e-mail gets an invisible word joiner, so Markdown does not make it a mailto: link.
    assert f":material/verified_user: {md_escape('Alice (alice@example.com)')}" \
        in alice.sidebar.caption.values
    assert "Log out" in [b.label for b in alice.sidebar.button]
    assert not [t for t in alice.text_input if t.label == "Your name"], "no name asked"
    field(alice, "selectbox", "jobs_edit_status").select("saved")
    save(alice)
    con = duckdb.connect(str(seeded))
    assert con.execute("SELECT who, who_key, verified FROM activity").fetchall() == [
        ("Alice", "alice@example.com", True)]
    con.close()


def test_non_admin_sees_why_and_a_refused_rename_changes_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBSCRAPER_ADMINS", "alice@example.com")
    con = connect(db_path)
    [acme, _] = store.save_companies(con, [ACME, GLOBEX])
    con.close()
    bob = session("companies", None,
                  user={"is_logged_in": True, "email": "bob@example.com", "name": "Bob"})
    assert any("Only the admins" in c.value for c in bob.caption)
    bob.text_input(key=f"name_{acme.company_id}").input("Bob's company")
    click(bob, "Rename")
    assert [e.value for e in bob.error] == [md_escape(
        "Bob (bob@example.com) may not rename, enable or disable companies: only the admins "
        "listed in JOBSCRAPER_ADMINS manage companies, the schedule and deletions. Ask one of them.")]
    assert activity_rows(db_path) == []
    con = duckdb.connect(str(db_path))
    assert con.execute("SELECT name FROM companies ORDER BY company_id").fetchall() == [
        ("Acme",), ("Globex",)]
    con.close()
