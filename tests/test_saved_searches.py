"""Saved searches (issue 18): saving and editing them, matching what a run added and closed
with the Jobs page's own rules, and their notifications to local HTTP receivers (Apprise
``json://127.0.0.1:PORT/`` targets), including one that answers 500 and one that hangs.
Days are simulated by the board simulator through the real pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from app import activity, notify, search, store
from app import saved_searches as ss
from app.db import connect
from app.jobs_view import Filters, job_filters
from app.notify import Notifier
from app.people import ANONYMOUS, PermissionDenied, Person
from app.pipeline import run_scrape
from app.registry import ScrapeRegistry
from app.search import SearchIndex
from app.settings import Settings
from scraper.fetch import FetchSettings
from scraper.models import Company
from scraper.simulator import Simulator
from tests.conftest import ROOT

FAST = FetchSettings(timeout_s=3.0, backoff_s=0.05)
ALICE = Person("alice@example.com", "Alice", True, "header", True)
BOB = Person("bob@example.com", "Bob", True, "header", True)


# -- a local HTTP receiver ------------------------------------------------------------------


@dataclass
class Receiver:
    """Records each POST's JSON body; ``status`` is what it answers, ``hang`` holds every
    request until the test ends."""

    status: int = 200
    hang: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def url(self, path: str = "", user: str = "") -> str:
        return f"json://{user}127.0.0.1:{self.port}/{path}"

    def messages(self, title_part: str) -> list[dict[str, Any]]:
        return [p for p in self.posts if title_part in p["title"]]


def _serve(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.posts.append({**json.loads(body), "path": self.path})
            if receiver.hang:
                receiver.release.wait(30)
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver())


@pytest.fixture
def failing_receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver(status=500))


@pytest.fixture
def hanging_receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver(hang=True))


# -- simulated days ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(boards=8, failures=False).start()
    yield s
    s.stop()


@pytest.fixture
def con(tmp_path: Path, sim: Simulator) -> Iterator[duckdb.DuckDBPyConnection]:
    sim.set_day(0)
    c = connect(tmp_path / "jobs.duckdb")
    store.save_companies(c, [Company(d["name"], d["ats"], d["board"], d["url"])
                             for d in sim.companies()])
    yield c
    c.close()


def scrape(con: duckdb.DuckDBPyConnection) -> int:
    companies = store.enabled_companies(con)
    run_id = store.start_run(con, "test", len(companies))
    run_scrape(con, run_id, companies, settings=FAST)
    return run_id


def page_matches(con: duckdb.DuckDBPyConnection, view: Filters, *, closed: bool = False
                 ) -> set[str]:
    """What the Jobs page lists for ``view`` with Show = new (or closed) in the latest run,
    searching with a full index of the database: what a saved search must match."""
    index = SearchIndex(None)
    index.rebuild(con)
    wanted = job_filters(replace(view, new="closed" if closed else "run"))
    page = search.page_search(con, index, wanted, sort="posted", descending=True, offset=0,
                              limit=100_000)
    return set(page.frame["job_id"])


def a_day_later(con: duckdb.DuckDBPyConnection, sim: Simulator) -> int:
    scrape(con)
    sim.set_day(1)
    return scrape(con)


# -- saving, editing, deleting --------------------------------------------------------------


def test_save_records_who_made_it_and_the_view_round_trips(fresh_db: duckdb.DuckDBPyConnection
                                                           ) -> None:
    view = Filters(q="backend", workplace=("remote",), loc="Berlin", sort="posted", page=3)
    saved = ss.save_search(fresh_db, ALICE, "Backend, Berlin", view)
    assert saved.created_by == "Alice" and saved.updated_by == "Alice"
    assert saved.view == Filters(q="backend", workplace=("remote",), loc="Berlin", sort="posted")
    assert saved.params == {"q": "backend", "workplace": "remote", "loc": "Berlin",
                            "sort": "posted"}
    feed = activity.feed(fresh_db, activity.FeedFilters())
    assert feed.select("who", "kind", "label").rows() == [("Alice", "search.save",
                                                           "Backend, Berlin")]


def test_a_saved_company_filter_survives_the_company_being_gone(
        fresh_db: duckdb.DuckDBPyConnection) -> None:
    saved = ss.save_search(fresh_db, ALICE, "Only 42", Filters(company=(42,)))
    assert saved.view.company == (42,)  # not widened to every company


def test_names_are_unique_whatever_the_case(fresh_db: duckdb.DuckDBPyConnection) -> None:
    ss.save_search(fresh_db, ALICE, "Backend", Filters())
    with pytest.raises(ss.SavedSearchError, match="already named"):
        ss.save_search(fresh_db, BOB, "  backend ", Filters(q="x"))
    with pytest.raises(ss.SavedSearchError, match="name"):
        ss.save_search(fresh_db, BOB, "   ", Filters())


def test_anonymous_people_cannot_save(fresh_db: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(PermissionDenied):
        ss.save_search(fresh_db, ANONYMOUS, "Mine", Filters())
    assert ss.saved_searches(fresh_db) == []


def test_edit_renames_and_resaves_recording_each_change(fresh_db: duckdb.DuckDBPyConnection
                                                        ) -> None:
    saved = ss.save_search(fresh_db, ALICE, "Backend", Filters(q="backend"))
    edited = ss.update_search(fresh_db, BOB, saved.search_id, name="Backend (remote)",
                              view=Filters(q="backend", workplace=("remote",)), notify="daily")
    assert (edited.name, edited.view.workplace, edited.notify) == ("Backend (remote)",
                                                                   ("remote",), "daily")
    assert (edited.created_by, edited.updated_by) == ("Alice", "Bob")
    kinds = activity.feed(fresh_db, activity.FeedFilters(kinds=("search.edit",)))
    assert sorted(kinds["old"].to_list()) == ["name: Backend", "notify: run",
                                              "view: q=backend"]


def test_delete_removes_the_search_and_its_history(fresh_db: duckdb.DuckDBPyConnection) -> None:
    saved = ss.save_search(fresh_db, ALICE, "Gone soon", Filters())
    ss.delete_search(fresh_db, BOB, saved.search_id)
    assert ss.get_search(fresh_db, saved.search_id) is None
    assert activity.feed(fresh_db, activity.FeedFilters(kinds=("search.delete",))).height == 1


def test_unknown_targets_are_refused_with_the_forms_to_use(fresh_db: duckdb.DuckDBPyConnection
                                                           ) -> None:
    with pytest.raises(ss.SavedSearchError, match="slack://"):
        ss.save_search(fresh_db, ALICE, "Bad", Filters(), targets=["nope://whatever"])


def test_private_targets_are_refused_by_default(fresh_db: duckdb.DuckDBPyConnection,
                                                private_refused: None) -> None:
    with pytest.raises(ss.SavedSearchError, match="private, loopback"):
        ss.save_search(fresh_db, ALICE, "Local", Filters(), targets=["json://127.0.0.1:9/"])


def test_secrets_in_target_urls_are_masked() -> None:
    slack = notify.mask("slack://TokenA1234/TokenB5678/TokenC9012/#jobs")
    mail = notify.mask("mailto://user:hunter2pass@example.com")
    hook = notify.mask("json://me:s3cretpw@hooks.example.com/path")
    assert "TokenB5678" not in slack and "TokenC9012" not in slack and slack.startswith("slack://")
    assert "hunter2pass" not in mail and "example.com" in mail
    assert "s3cretpw" not in hook and "hooks.example.com" in hook


# -- matching a run -------------------------------------------------------------------------

VIEWS = [
    Filters(q="engineer"),
    Filters(q='"product manager"'),
    Filters(q="-manager"),
    Filters(q="title:engineer OR title:analyst"),
    Filters(q="eng*"),
    Filters(q="!!!"),  # nothing to search for: every job, as on the page
    Filters(workplace=("remote", "unknown")),
    Filters(loc="berlin"),
    Filters(q="manager", employment=("full-time",), days=7),
    Filters(status=("new",), sort="title", asc=True),
]


@pytest.mark.parametrize("with_index", [True, False], ids=["database-index", "run-only-index"])
def test_matches_are_what_the_jobs_page_lists_as_new_in_that_run(
        con: duckdb.DuckDBPyConnection, sim: Simulator, with_index: bool) -> None:
    searches = [ss.save_search(con, ALICE, f"view {i}", v) for i, v in enumerate(VIEWS)]
    run_id = a_day_later(con, sim)
    index = None
    if with_index:
        index = SearchIndex(None)
        index.rebuild(con)
    matches = {m.search.search_id: m for m in ss.match_run(con, run_id, searches, index=index)}
    assert any(m.new for m in matches.values()) and any(m.closed for m in matches.values())
    for s in searches:
        assert set(matches[s.search_id].new) == page_matches(con, s.view), s.view
        assert set(matches[s.search_id].closed) == page_matches(con, s.view, closed=True), s.view


def test_evaluate_records_counts_and_the_run_outcome(con: duckdb.DuckDBPyConnection,
                                                     sim: Simulator) -> None:
    everything = ss.save_search(con, ALICE, "Everything", Filters())
    nothing = ss.save_search(con, ALICE, "Nothing", Filters(q="xylophonist"))
    run_id = a_day_later(con, sim)
    ss.evaluate_run(con, run_id)
    [(new, closed)] = con.execute(
        "SELECT count(*) FILTER (WHERE first_seen_run = ?), "
        "count(*) FILTER (WHERE closed_run = ? AND closed_at IS NOT NULL) FROM jobs",
        [run_id, run_id]).fetchall()
    got = ss.get_search(con, everything.search_id)
    assert got is not None and (got.last_run_id, got.last_new, got.last_closed) == (
        run_id, new, closed)
    assert got.label == f"Everything · {new} new · {closed} closed"
    none = ss.get_search(con, nothing.search_id)
    assert none is not None and (none.last_new, none.label) == (0, "Nothing")
    outcome = ss.run_outcome(con, run_id)
    assert outcome.select("name", "new", "closed").rows() == [("Everything", new, closed)]


# -- notifications ----------------------------------------------------------------------------


def _urls(post: dict[str, Any]) -> set[str]:
    return {line.strip() for line in post["message"].splitlines()
            if line.strip().startswith("http") and "/jobs?saved=" not in line}


def test_a_simulated_day_notifies_each_search_once_with_its_new_matches(
        con: duckdb.DuckDBPyConnection, sim: Simulator, receiver: Receiver) -> None:
    remote = ss.save_search(con, ALICE, "Remote", Filters(workplace=("remote",)),
                            targets=[receiver.url("remote")])
    texted = ss.save_search(con, ALICE, "Managers", Filters(q="manager"),
                            targets=[receiver.url("managers")])
    ss.save_search(con, ALICE, "Nobody", Filters(q="xylophonist"), targets=[receiver.url("x")])
    scrape(con)
    sim.set_day(1)
    notifier = Notifier(con, "https://jobs.example.com", timeout_s=3)
    run_id = scrape(con)
    notify.after_run(con, notifier, run_id)
    assert notifier.wait(20)
    assert {p["path"] for p in receiver.posts} <= {"/remote", "/managers"}
    for s in (remote, texted):
        expected = page_matches(con, s.view)
        sent = [p for p in receiver.posts if p["path"] == f"/{s.name.lower()}"]
        if not expected:
            assert sent == []
            continue
        [post] = sent  # once
        assert post["title"] == f"{s.name}: {len(expected)} new job{'s' * (len(expected) > 1)}"
        urls = {r[0] for r in con.execute("SELECT url FROM jobs WHERE list_contains(?, job_id)",
                                          [sorted(expected)]).fetchall()}
        listed = _urls(post)
        assert listed == urls if len(expected) <= notify.LISTED else listed < urls
        assert f"https://jobs.example.com/jobs?saved={s.search_id}" in post["message"]
    assert receiver.posts, "the simulated day brought no new match at all"


def test_failing_and_hanging_targets_leave_the_run_finished_and_others_served(
        con: duckdb.DuckDBPyConnection, sim: Simulator, receiver: Receiver,
        failing_receiver: Receiver, hanging_receiver: Receiver) -> None:
    scrape(con)
    saved = ss.save_search(con, ALICE, "Everything", Filters(), targets=[
        failing_receiver.url(user="me:t0psecret@"), hanging_receiver.url(), receiver.url()])
    sim.set_day(1)
    notifier = Notifier(con, None, timeout_s=1.0)
    reg = ScrapeRegistry(con, settings=Settings(timeout_s=3.0), notifier=notifier, poll_s=60)
    try:
        assert reg.start()
        assert reg.join(60)
        assert reg.snapshot().state == "finished"
        assert notifier.wait(20)
    finally:
        reg.close()
        notifier.close()
    assert len(receiver.posts) == 1 and len(failing_receiver.posts) == 1
    outcomes = {r["target"]: r for r in ss.last_deliveries(con, saved.search_id).to_dicts()}
    assert len(outcomes) == 3
    ok = [r for r in outcomes.values() if r["ok"]]
    failed = {t: r["error"] for t, r in outcomes.items() if not r["ok"]}
    assert len(ok) == 1 and len(failed) == 2
    assert any("500" in e for e in failed.values())
    assert all("t0psecret" not in t and "t0psecret" not in e for t, e in failed.items())
    [(failing,)] = ss.summary(con).select("failing").rows()
    assert "500" in failing


def test_failure_logs_mask_the_secret(failing_receiver: Receiver,
                                      caplog: pytest.LogCaptureFixture) -> None:
    outcome = notify.send(failing_receiver.url(user="me:t0psecret@"), "t", "b", 2.0)
    assert not outcome.ok and outcome.error and "500" in outcome.error
    assert "t0psecret" not in outcome.error and "t0psecret" not in caplog.text


def test_daily_digest_waits_a_day_then_sends_every_run_since(
        con: duckdb.DuckDBPyConnection, sim: Simulator, receiver: Receiver) -> None:
    saved = ss.save_search(con, ALICE, "Digest", Filters(), targets=[receiver.url()],
                           notify="daily")
    notifier = Notifier(con, None, timeout_s=3)
    first = scrape(con)
    notify.after_run(con, notifier, first)
    sim.set_day(1)
    second = scrape(con)
    assert saved.created_at is not None
    notify.after_run(con, notifier, second, now=saved.created_at + timedelta(hours=25))
    assert notifier.wait(20)
    [post] = receiver.posts
    [(n,)] = con.execute("SELECT count(*) FROM jobs WHERE first_seen_run IN (?, ?)",
                         [first, second]).fetchall()
    assert post["title"] == f"Digest: {n} new jobs" and "in the last day" in post["message"]
    third = scrape(con)  # the next day's digest is not due yet
    notify.after_run(con, notifier, third, now=saved.created_at + timedelta(hours=26))
    assert notifier.wait(20) and len(receiver.posts) == 1


def test_send_test_reports_the_targets_answer(fresh_db: duckdb.DuckDBPyConnection,
                                              receiver: Receiver,
                                              failing_receiver: Receiver) -> None:
    saved = ss.save_search(fresh_db, ALICE, "Try", Filters())
    notifier = Notifier(fresh_db, None, timeout_s=2)
    try:
        assert notifier.send_test(saved, receiver.url()).ok
        bad = notifier.send_test(saved, failing_receiver.url())
    finally:
        notifier.close()
    assert not bad.ok and bad.error and "500" in bad.error
    assert "test notification" in receiver.posts[0]["title"]


def test_cli_lists_saved_searches_with_their_counts(con: duckdb.DuckDBPyConnection,
                                                    sim: Simulator, tmp_path: Path) -> None:
    ss.save_search(con, ALICE, "Everything", Filters(), targets=["json://me:pw@127.0.0.1:9/"])
    run_id = a_day_later(con, sim)
    ss.evaluate_run(con, run_id)
    new = ss.saved_searches(con)[0].last_new
    con.close()
    out = subprocess.run([sys.executable, "-m", "app", "searches", "--db",
                          str(tmp_path / "jobs.duckdb")], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.splitlines()
    assert out[0].split("\t")[:4] == ["id", "name", "last_run", "new"]
    assert out[1].split("\t")[:6] == ["1", "Everything", str(run_id), str(new),
                                      out[1].split("\t")[4], "1"]
    assert "pw@" not in "\n".join(out)


def test_keys_matching_is_the_query_restricted_to_those_keys() -> None:
    words = ("backend engineer", "data analyst", "backend intern", "product manager")
    rows = [{"key": k, "seen": 0, "title": words[k % 4], "company": f"Co {k % 3}",
             "department": None, "location": "Berlin" if k % 5 else "Paris",
             "description": "python" if k % 2 else "go"} for k in range(1, 201)]
    index = SearchIndex.of_rows(rows)
    keys = [*range(40, 90), *range(92, 140, 2), 3, 7, 150, 199]  # runs, a gapped run, strays
    queries = [search.parse(q) for q in ("backend", "-python", "paris OR intern", "title:dat*")]
    for parsed, got in zip(queries, index.keys_matching(queries, keys), strict=True):
        everywhere = set(index.hits(parsed).frame["doc_key"])
        assert sorted(got) == sorted(everywhere & set(keys)), parsed.text
