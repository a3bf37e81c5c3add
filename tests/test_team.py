"""People, permissions, versioned field-level saves and the activity they record, without
the UI (issue 14)."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import datetime

import duckdb
import pytest

from app import activity, saved_searches, team
from app import companies as co
from app.jobs_view import Filters
from app.people import ANONYMOUS, PermissionDenied, parse_admins, resolve
from app.registry import ScrapeRegistry
from app.store import StoreError
from tests.test_registry import blocking_pipeline
from tests.test_store import DAY1, acme, make_job, scrape  # noqa: F401 - acme is a fixture

ADMINS = parse_admins("alice@example.com, Dana")
ALICE = resolve("oidc", user={"is_logged_in": True, "email": "alice@example.com", "name": "Alice"},
                admins=ADMINS)
BOB = resolve("oidc", user={"is_logged_in": True, "email": "bob@example.com", "name": "Bob"},
              admins=ADMINS)
T1 = datetime(2026, 12, 1, 10, 0)
T2 = datetime(2026, 12, 1, 10, 5)
START = {"status": "new", "starred": False, "notes": ""}


@pytest.fixture
def job(fresh_db: duckdb.DuckDBPyConnection, acme: co.Company) -> str:  # noqa: F811
    scrape(fresh_db, acme, [make_job(1), make_job(2), make_job(3)], DAY1)
    return "greenhouse:acme:1"


def rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT who, kind, target, old, new FROM activity ORDER BY activity_id").fetchall()


def team_fields(con: duckdb.DuckDBPyConnection, job_id: str) -> tuple[object, ...]:
    return con.execute("SELECT team_version, status, starred, notes FROM jobs WHERE job_id = ?",
                       [job_id]).fetchall()[0]


# -- who is here ---------------------------------------------------------------------------


def test_oidc_person_is_verified_by_email_and_admin_when_listed() -> None:
    assert (ALICE.key, ALICE.name, ALICE.verified, ALICE.admin) == (
        "alice@example.com", "Alice", True, True)
    assert (BOB.admin, BOB.label) == (False, "Bob (bob@example.com)")
    assert resolve("oidc", user={"is_logged_in": False, "email": "x@y"}) == ANONYMOUS


def test_trusted_header_is_read_case_insensitively() -> None:
    person = resolve("header", headers={"x-forwarded-email": "dana@example.com"},
                     user_header="X-Forwarded-Email", admins=ADMINS)
    assert (person.key, person.verified, person.admin) == ("dana@example.com", True, False)
    assert resolve("header", headers={}, user_header="X-Forwarded-Email") == ANONYMOUS


def test_given_name_is_unverified_and_everyone_is_admin_without_verified_identity() -> None:
    person = resolve("name", given_name="  Carol \n Smith ", admins=ADMINS)
    assert (person.key, person.label, person.admin) == ("Carol Smith", "Carol Smith (unverified)", True)
    nobody = resolve("name")
    assert nobody.anonymous and nobody.admin


def test_no_admins_listed_means_everyone_manages() -> None:
    person = resolve("oidc", user={"is_logged_in": True, "email": "eve@example.com"})
    assert person.admin


# -- field-level saves ------------------------------------------------------------------------


def test_lost_notes_sequence_keeps_both_changes(fresh_db: duckdb.DuckDBPyConnection, job: str) -> None:
    """A saves notes; B, still at the old version, changes only the status: both survive."""
    a = team.save_job(fresh_db, ALICE, job, base_version=0, base=START,
                      mine={**START, "notes": "Called the recruiter"}, at=T1)
    assert (a.saved, a.version) == (("notes",), 1)
    b = team.save_job(fresh_db, BOB, job, base_version=0, base=START,
                      mine={**START, "status": "applied"}, at=T2)
    assert b.ok and b.saved == ("status",)
    assert [(c.field, c.who, c.new) for c in b.others] == [("notes", "Alice", "Called the recruiter")]
    assert team_fields(fresh_db, job) == (2, "applied", False, "Called the recruiter")
    assert rows(fresh_db) == [("Alice", "job.notes", job, None, "Called the recruiter"),
                              ("Bob", "job.status", job, "new", "applied")]


def test_same_field_conflict_writes_nothing_and_says_who_when_what(
    fresh_db: duckdb.DuckDBPyConnection, job: str
) -> None:
    team.save_job(fresh_db, ALICE, job, base_version=0, base=START,
                  mine={**START, "notes": "Theirs"}, at=T1)
    result = team.save_job(fresh_db, BOB, job, base_version=0, base=START,
                           mine={**START, "notes": "Mine", "starred": True}, at=T2)
    assert not result.ok and result.saved == ()
    [conflict] = result.conflicts
    assert (conflict.field, conflict.base, conflict.theirs, conflict.mine) == ("notes", "", "Theirs", "Mine")
    assert conflict.change is not None
    assert (conflict.change.who, conflict.change.at, conflict.change.new) == ("Alice", T1, "Theirs")
    assert team_fields(fresh_db, job) == (1, "new", False, "Theirs"), "the star waits too"
    assert len(rows(fresh_db)) == 1


@pytest.mark.parametrize(
    ("choice", "notes"),
    [("theirs", "Theirs"), ("mine", "Mine"), ("both", "Theirs\n\nMine")],
)
def test_conflict_resolved_by_saving_again_from_the_current_version(
    fresh_db: duckdb.DuckDBPyConnection, job: str, choice: str, notes: str
) -> None:
    team.save_job(fresh_db, ALICE, job, base_version=0, base=START,
                  mine={**START, "notes": "Theirs"}, at=T1)
    mine = {**START, "notes": "Mine", "starred": True}
    result = team.save_job(fresh_db, BOB, job, base_version=0, base=START, mine=mine)
    [conflict] = result.conflicts
    chosen = {"theirs": conflict.theirs, "mine": conflict.mine,
              "both": team.merged_notes(conflict.theirs, conflict.mine)}[choice]
    again = team.save_job(fresh_db, BOB, job, base_version=result.version, base=result.current,
                          mine={**mine, "notes": chosen})
    assert again.ok
    assert team_fields(fresh_db, job)[1:] == ("new", True, notes)


def test_a_save_that_changes_nothing_writes_nothing(fresh_db: duckdb.DuckDBPyConnection, job: str) -> None:
    result = team.save_job(fresh_db, ALICE, job, base_version=0, base=START, mine=START)
    assert (result.saved, result.version) == ((), 0)
    assert rows(fresh_db) == []


def test_two_people_setting_the_same_value_is_no_conflict(
    fresh_db: duckdb.DuckDBPyConnection, job: str
) -> None:
    team.save_job(fresh_db, ALICE, job, base_version=0, base=START, mine={**START, "status": "saved"})
    result = team.save_job(fresh_db, BOB, job, base_version=0, base=START,
                           mine={**START, "status": "saved"})
    assert result.ok and result.saved == ()


def test_bad_values_are_refused_before_anything_is_written(
    fresh_db: duckdb.DuckDBPyConnection, job: str
) -> None:
    with pytest.raises(StoreError, match="unknown status 'hired'"):
        team.save_job(fresh_db, ALICE, job, base_version=0, base=START,
                      mine={**START, "status": "hired", "notes": "x"})
    with pytest.raises(StoreError, match="limited to 20,000"):
        team.save_job(fresh_db, ALICE, job, base_version=0, base=START,
                      mine={**START, "notes": "x" * 20_001})
    with pytest.raises(StoreError, match="no job 'nope'"):
        team.save_job(fresh_db, ALICE, "nope", base_version=0, base=START,
                      mine={**START, "notes": "x"})
    assert team_fields(fresh_db, job) == (0, "new", False, None)
    assert rows(fresh_db) == []


def test_anonymous_cannot_edit_a_job(fresh_db: duckdb.DuckDBPyConnection, job: str) -> None:
    with pytest.raises(PermissionDenied, match="give your name"):
        team.save_job(fresh_db, resolve("name"), job, base_version=0, base=START,
                      mine={**START, "notes": "x"})
    assert team_fields(fresh_db, job) == (0, "new", False, None)


def test_bulk_triage_records_one_row_per_changed_field(
    fresh_db: duckdb.DuckDBPyConnection, job: str
) -> None:
    ids = ["greenhouse:acme:1", "greenhouse:acme:2", "greenhouse:acme:3", "missing"]
    team.save_job(fresh_db, ALICE, ids[2], base_version=0, base=START,
                  mine={**START, "status": "applied"})
    changed = team.triage_jobs(fresh_db, BOB, ids, status="applied", starred=True)
    assert changed == 3
    got = fresh_db.execute(
        "SELECT job_id, team_version, status, starred FROM jobs ORDER BY job_id").fetchall()
    assert got == [(ids[0], 1, "applied", True), (ids[1], 1, "applied", True),
                   (ids[2], 2, "applied", True)]
    bob = [r[1:] for r in rows(fresh_db) if r[0] == "Bob"]
    assert sorted(bob) == sorted([
        ("job.status", ids[0], "new", "applied"), ("job.starred", ids[0], "false", "true"),
        ("job.status", ids[1], "new", "applied"), ("job.starred", ids[1], "false", "true"),
        ("job.starred", ids[2], "false", "true"),
    ])


# -- companies ---------------------------------------------------------------------------------


def test_company_rename_conflict(fresh_db: duckdb.DuckDBPyConnection, acme: co.Company) -> None:  # noqa: F811
    base = {"name": "Acme", "enabled": True}
    dana = resolve("name", given_name="Dana")
    first = team.edit_company(fresh_db, ALICE, acme.company_id, base_version=0, base=base,
                              mine={"name": "Acme Corp"}, at=T1)
    assert first.saved == ("name",)
    stale = team.edit_company(fresh_db, dana, acme.company_id, base_version=0, base=base,
                              mine={"name": "ACME Inc"})
    [conflict] = stale.conflicts
    assert (conflict.theirs, conflict.mine, conflict.change and conflict.change.who) == (
        "Acme Corp", "ACME Inc", "Alice")
    other_field = team.edit_company(fresh_db, dana, acme.company_id, base_version=0, base=base,
                                    mine={"enabled": False})
    assert other_field.ok and other_field.saved == ("enabled",)
    assert fresh_db.execute("SELECT name, enabled, version FROM companies").fetchall() == [
        ("Acme Corp", False, 2)]


def company_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM companies").fetchall()[0][0])


def test_non_admin_is_refused_in_app_and_nothing_is_done(
    fresh_db: duckdb.DuckDBPyConnection, job: str, acme: co.Company  # noqa: F811
) -> None:
    assert acme.company_id is not None
    with pytest.raises(PermissionDenied, match=re.escape("Bob (bob@example.com) may not delete companies")):
        team.delete_company(fresh_db, BOB, acme.company_id, keep_jobs=False)
    with pytest.raises(PermissionDenied, match="JOBSCRAPER_ADMINS"):
        team.edit_company(fresh_db, BOB, acme.company_id, base_version=0,
                          base={"name": "Acme"}, mine={"name": "Mine now"})
    with pytest.raises(PermissionDenied):
        team.edit_company(fresh_db, BOB, acme.company_id, base_version=0,
                          base={"enabled": True}, mine={"enabled": False})
    entries = co.parse_paste("https://boards.greenhouse.io/other")
    with pytest.raises(PermissionDenied, match="may not add companies"):
        team.add_companies(fresh_db, BOB, entries)
    with pytest.raises(PermissionDenied, match="may not import companies"):
        team.add_companies(fresh_db, BOB, entries, imported_from="list.toml")
    release = threading.Event()
    release.set()
    reg = ScrapeRegistry(fresh_db, poll_s=60, pipeline=blocking_pipeline(release))
    try:
        with pytest.raises(PermissionDenied, match="may not change the schedule"):
            reg.set_schedule(30, BOB)
        assert reg.schedule_minutes() is None
        assert reg.start("manual", BOB), "everyone may start a scrape"
        reg.join(30)
    finally:
        reg.close()
    assert fresh_db.execute("SELECT name, enabled FROM companies").fetchall() == [("Acme", True)]
    assert fresh_db.execute("SELECT count(*) FROM jobs").fetchall() == [(3,)]
    assert fresh_db.execute("SELECT value FROM app_settings").fetchall() == []
    assert [r[:2] for r in rows(fresh_db)] == [("Bob", "scrape.start")]


def test_admin_delete_removes_company_and_records_it(
    fresh_db: duckdb.DuckDBPyConnection, job: str, acme: co.Company  # noqa: F811
) -> None:
    assert acme.company_id is not None
    assert team.delete_company(fresh_db, ALICE, acme.company_id, keep_jobs=True) == "Acme"
    assert company_count(fresh_db) == 0
    assert rows(fresh_db) == [("Alice", "company.delete", str(acme.company_id), "Acme",
                               "its jobs kept")]


# -- one row per kind --------------------------------------------------------------------------


def _kinds(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[1] for r in rows(con)]


def test_every_kind_of_change_writes_exactly_one_activity_row(
    fresh_db: duckdb.DuckDBPyConnection, job: str, acme: co.Company, tmp_path: object  # noqa: F811
) -> None:
    con = fresh_db
    assert acme.company_id is not None
    seen: list[str] = []

    def step(kind: str) -> None:
        seen.append(kind)
        assert _kinds(con) == seen, f"after {kind}"

    version, fields = team.team_state(con, job) or (0, {})
    for name, value in (("status", "applied"), ("starred", True), ("notes", "n")):
        result = team.save_job(con, ALICE, job, base_version=version, base=fields,
                               mine={**fields, name: value})
        version, fields = result.version, result.current
        step(f"job.{name}")
    report = team.add_companies(con, ALICE, co.parse_paste("https://boards.greenhouse.io/other"))
    step("company.add")
    [other] = report.added
    assert other.company_id is not None
    cv, cf = team.company_state(con, other.company_id) or (0, {})
    r = team.edit_company(con, ALICE, other.company_id, base_version=cv, base=cf,
                          mine={"name": "Other Inc"})
    step("company.rename")
    r = team.edit_company(con, ALICE, other.company_id, base_version=r.version, base=r.current,
                          mine={"enabled": False})
    step("company.disable")
    team.edit_company(con, ALICE, other.company_id, base_version=r.version, base=r.current,
                      mine={"enabled": True})
    step("company.enable")
    toml = b'[[company]]\nname = "Third"\nurl = "https://jobs.lever.co/third"\n'
    team.add_companies(con, ALICE, co.parse_import("list.toml", toml), imported_from="list.toml")
    step("company.import")
    team.delete_company(con, ALICE, other.company_id, keep_jobs=False)
    step("company.delete")
    saved = saved_searches.save_search(con, ALICE, "Backend", Filters(q="backend"))
    step("search.save")
    saved_searches.update_search(con, ALICE, saved.search_id, name="Backend, Berlin")
    step("search.edit")
    saved_searches.delete_search(con, ALICE, saved.search_id)
    step("search.delete")
    reg = ScrapeRegistry(con, poll_s=60, pipeline=blocking_pipeline(threading.Event()))
    try:
        reg.set_schedule(60, ALICE)
        step("schedule.set")
        assert reg.start("manual", ANONYMOUS)
        step("scrape.start")
        reg.cancel(BOB)
        step("scrape.cancel")
        reg.join(30)
    finally:
        reg.close()
    assert set(seen) == set(activity.KINDS)
    feed = activity.feed(con)
    assert feed.height == len(seen) and feed["kind"][0] == "scrape.cancel"
    assert [r["who"] for r in feed.iter_rows(named=True)][:2] == ["Bob", "anonymous"]


def test_feed_filters_and_csv(fresh_db: duckdb.DuckDBPyConnection, job: str) -> None:
    team.save_job(fresh_db, ALICE, job, base_version=0, base=START, mine={**START, "status": "saved"},
                  at=T1)
    team.save_job(fresh_db, BOB, "greenhouse:acme:2", base_version=0, base=START,
                  mine={**START, "notes": "bob's, \"quoted\""}, at=T2)
    only_bob = activity.feed(fresh_db, activity.FeedFilters(people=("bob@example.com",)))
    assert only_bob["who"].to_list() == ["Bob"]
    by_kind = activity.feed(fresh_db, activity.FeedFilters(kinds=("job.status",)))
    assert by_kind["who"].to_list() == ["Alice"]
    assert activity.people(fresh_db) == {"alice@example.com": "Alice", "bob@example.com": "Bob"}
    text = activity.feed_csv(activity.feed(fresh_db)).decode()
    records = list(csv.DictReader(io.StringIO(text)))
    assert [(r["at"], r["who"], r["kind"], r["new"]) for r in records] == [
        ("2026-12-01 10:05:00", "Bob", "Job notes", "bob's, \"quoted\""),
        ("2026-12-01 10:00:00", "Alice", "Job status", "saved"),
    ]
    history = activity.job_history(fresh_db, job)
    assert history.select("who", "kind", "old", "new").rows() == [("Alice", "job.status", "new", "saved")]


def test_visits_return_the_previous_one_per_person(fresh_db: duckdb.DuckDBPyConnection) -> None:
    assert team.begin_visit(fresh_db, ALICE, T1) is None
    assert team.begin_visit(fresh_db, BOB, T1) is None
    assert team.begin_visit(fresh_db, ALICE, T2) == T1
    assert team.begin_visit(fresh_db, ANONYMOUS, T2) is None


def test_an_import_that_renames_makes_an_older_rename_a_conflict(
    fresh_db: duckdb.DuckDBPyConnection, acme: co.Company  # noqa: F811
) -> None:
    assert acme.company_id is not None
    toml = b'[[company]]\nname = "Acme Imported"\nurl = "https://boards.greenhouse.io/acme"\n'
    team.add_companies(fresh_db, ALICE, co.parse_import("list.toml", toml), imported_from="list.toml")
    stale = team.edit_company(fresh_db, ALICE, acme.company_id, base_version=0,
                              base={"name": "Acme"}, mine={"name": "Acme Typed"})
    [conflict] = stale.conflicts
    assert (conflict.theirs, conflict.change) == ("Acme Imported", None)
