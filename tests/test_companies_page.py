"""AppTest of the Companies page: paste, toggle, rename, delete both ways, import and
export, and the first-start seeding from JOBSCRAPER_COMPANIES."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app import store
from app.db import connect
from app.plain import md_escape
from scraper.models import Company, CompanyResult, Job
from tests.conftest import MAIN, named

PAGE = "../pages/companies.py"  # relative to app/main.py
ROOT = Path(__file__).resolve().parent.parent

ACME = Company("Acme", "lever", "acme", "https://jobs.lever.co/acme")
GLOBEX = Company("Globex", "greenhouse", "globex", "https://boards.greenhouse.io/globex")


def open_page() -> AppTest:
    at = named(AppTest.from_file(MAIN, default_timeout=30))
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Companies"]
    return at


@pytest.fixture
def db(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A second connection to the app's database file (same process: shared instance)."""
    connect(db_path).close()
    con = duckdb.connect(str(db_path))
    yield con
    con.close()


def button(at: AppTest, label: str) -> Any:
    [found] = [b for b in at.button if b.label == label]
    return found


def seed(db_path: Path, with_jobs: bool = False) -> list[Company]:
    con = connect(db_path)
    saved = store.save_companies(con, [ACME, GLOBEX])
    if with_jobs:
        run = store.start_run(con, "manual", 1)
        jobs = tuple(
            Job("lever", "acme", str(i), f"Role {i}", "Acme", f"https://jobs.lever.co/acme/{i}")
            for i in range(3)
        )
        store.save_company_result(
            con, run, CompanyResult(saved[0], "ok", jobs), datetime(2026, 1, 1)
        )
    con.close()
    return saved


def names(db: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return db.execute("SELECT name, ats, board, enabled FROM companies ORDER BY name").fetchall()


def test_paste_adds_the_valid_lines_and_names_each_rejected_one(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    seed(db_path)
    at = open_page()
    at.text_area(key="paste").input(
        "\n".join(
            [
                "https://jobs.ashbyhq.com/initech",
                "Umbrella Corp | https://umbrella.recruitee.com/",
                "not a url",
                "https://boards.greenhouse.io/globex",
                "https://careers.hooli.example/jobs",
                "https://jobs.ashbyhq.com/initech",
            ]
        )
    ).run()
    button(at, "Add").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Added 2 companies: Initech, Umbrella Corp"]
    # Issue 15 item 11: the errors name the lines as left in the box, not as first pasted.
    assert [e.value for e in at.error] == [md_escape(m) for m in [
        "Line 1 (not a url): not a URL: paste a careers page address starting with https://",
        "Line 2 (https://boards.greenhouse.io/globex): duplicate: already tracked as Globex",
        "Line 3 (https://careers.hooli.example/jobs): no ATS recognised in this URL: pick the "
        "ATS for other hosts (jsonld for a careers page with schema.org job postings)",
        "Line 4 (https://jobs.ashbyhq.com/initech): duplicate: already tracked as Initech",
    ]]
    assert names(db) == [
        ("Acme", "lever", "acme", True),
        ("Globex", "greenhouse", "globex", True),
        ("Initech", "ashby", "initech", True),
        ("Umbrella Corp", "recruitee", "umbrella", True),
    ]
    assert at.dataframe[0].value["name"].tolist() == ["Acme", "Globex", "Initech", "Umbrella Corp"]
    # The rejected lines stay in the box to be fixed.
    assert at.text_area(key="paste").value == (
        "not a url\nhttps://boards.greenhouse.io/globex\nhttps://careers.hooli.example/jobs\n"
        "https://jobs.ashbyhq.com/initech"
    )


def test_a_careers_page_is_added_with_the_picked_ats(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    at = open_page()
    at.text_area(key="paste").input("https://careers.hooli.example/jobs").run()
    at.selectbox(key="paste_ats").select("jsonld").run()
    button(at, "Add").click().run()
    assert not at.exception
    assert names(db) == [("Hooli", "jsonld", "careers.hooli.example", True)]


def test_toggle_disables_and_enables_a_company(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    acme, _ = seed(db_path)
    at = open_page()
    assert at.selectbox(key="manage_id").value == acme.company_id
    at.toggle(key=f"enabled_{acme.company_id}").set_value(False).run()
    assert not at.exception
    assert names(db)[0] == ("Acme", "lever", "acme", False)
    assert at.dataframe[0].value["enabled"].tolist() == [False, True]
    at.toggle(key=f"enabled_{acme.company_id}").set_value(True).run()
    assert names(db)[0] == ("Acme", "lever", "acme", True)


def test_rename_a_company_and_refuse_an_empty_name(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    _, globex = seed(db_path)
    at = open_page()
    at.selectbox(key="manage_id").set_value(globex.company_id).run()
    at.text_input(key=f"name_{globex.company_id}").input("Globex Corporation").run()
    button(at, "Rename").click().run()
    assert not at.exception
    assert [n[0] for n in names(db)] == ["Acme", "Globex Corporation"]
    assert [s.value for s in at.success] == ["Renamed to Globex Corporation"]
    at.text_input(key=f"name_{globex.company_id}").input("  ").run()
    button(at, "Rename").click().run()
    assert [e.value for e in at.error] == ["a company needs a name"]
    assert [n[0] for n in names(db)] == ["Acme", "Globex Corporation"]


def test_rename_refuses_a_name_another_company_has(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    """Issue 15 item 7: a duplicate name showed as two identical choices in the Jobs filter."""
    _, globex = seed(db_path)
    at = open_page()
    at.selectbox(key="manage_id").set_value(globex.company_id).run()
    at.text_input(key=f"name_{globex.company_id}").input(" acme ").run()
    button(at, "Rename").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "another company is already named Acme: pick a name that tells them apart (two "
        "identical names can't be told apart in filters)"]
    assert [n[0] for n in names(db)] == ["Acme", "Globex"]


@pytest.mark.parametrize(
    ("choice", "jobs_left"),
    [
        ("Keep its jobs, closed (listed in Jobs with closed jobs, without a company)",
         [(None, 3)]),
        ("Delete its jobs too", []),
    ],
)
def test_delete_asks_first_then_keeps_or_drops_the_jobs(
    db_path: Path, db: duckdb.DuckDBPyConnection, choice: str, jobs_left: list[tuple[Any, int]]
) -> None:
    acme, _ = seed(db_path, with_jobs=True)
    at = open_page()
    assert at.dataframe[0].value[["name", "open_jobs", "total_jobs"]].values.tolist() == [
        ["Acme", 3, 3],
        ["Globex", 0, 0],
    ]
    button(at, "Delete…").click().run()
    assert [w.value for w in at.warning] == ["Delete Acme? It has 3 jobs."]
    button(at, "Cancel").click().run()
    assert [n[0] for n in names(db)] == ["Acme", "Globex"]
    button(at, "Delete…").click().run()
    at.radio(key="delete_jobs").set_value(choice).run()
    button(at, "Confirm delete").click().run()
    assert not at.exception
    assert [n[0] for n in names(db)] == ["Globex"]
    assert db.execute("SELECT company_id, count(*) FROM jobs GROUP BY ALL").fetchall() == jobs_left
    assert db.execute("SELECT count(*) FROM run_results").fetchall() == [(0,)]
    assert at.dataframe[0].value["name"].tolist() == ["Globex"]
    # Issue 15 item 5: kept jobs were left open and counted in Open jobs forever.
    assert db.execute("SELECT count(*) FROM jobs WHERE closed_at IS NULL").fetchall() == [(0,)]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What each st.download_button would serve, by file name."""
    served: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self: MediaFileManager, data: Any, mimetype: str, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("file_name"):
            served[kwargs["file_name"]] = data if isinstance(data, bytes) else data.encode()
        return original(self, data, mimetype, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return served


IMPORT_TOML = b"""
[[company]]
name = "Initech"
url = "https://jobs.ashbyhq.com/initech"

[[company]]
name = "Hooli"
url = "https://careers.hooli.example/jobs"
ats = "jsonld"
board = "careers.hooli.example"
enabled = false

[[company]]
name = "Nowhere"
url = "gopher://nowhere"
"""


def test_import_then_export_round_trips(
    db_path: Path, db: duckdb.DuckDBPyConnection, downloads: dict[str, bytes]
) -> None:
    at = open_page()
    at.file_uploader(key="import_file").set_value(
        ("companies.toml", IMPORT_TOML, "application/toml")
    ).run()
    button(at, "Import").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Imported 2 companies: Initech, Hooli"]
    assert [e.value for e in at.error] == [
        md_escape("Entry 3 (gopher://nowhere): only http and https URLs can be detected")
    ]
    assert names(db) == [
        ("Hooli", "jsonld", "careers.hooli.example", False),
        ("Initech", "ashby", "initech", True),
    ]
    exported_toml = downloads["companies.toml"].decode()
    assert exported_toml == (
        '[[company]]\nname = "Hooli"\nurl = "https://careers.hooli.example/jobs"\n'
        'ats = "jsonld"\nboard = "careers.hooli.example"\nenabled = false\n\n'
        '[[company]]\nname = "Initech"\nurl = "https://jobs.ashbyhq.com/initech"\n'
        'ats = "ashby"\nboard = "initech"\nenabled = true\n'
    )
    assert downloads["companies.csv"].decode() == (
        "name,url,ats,board,enabled\n"
        "Hooli,https://careers.hooli.example/jobs,jsonld,careers.hooli.example,false\n"
        "Initech,https://jobs.ashbyhq.com/initech,ashby,initech,true\n"
    )
    # The exported CSV imported again changes nothing.
    at.file_uploader(key="import_file").set_value(
        ("companies.csv", downloads["companies.csv"], "text/csv")
    ).run()
    button(at, "Import").click().run()
    # Issue 15 item 11: an unchanged re-import said "Updated 2 companies".
    assert [i.value for i in at.info] == ["2 companies already tracked, unchanged: Hooli, Initech"]
    assert names(db) == [
        ("Hooli", "jsonld", "careers.hooli.example", False),
        ("Initech", "ashby", "initech", True),
    ]


def test_first_start_seeds_from_the_companies_file(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_file = db_path.parent / "seed.toml"
    seed_file.write_text(
        '[[company]]\nname = "Acme"\nurl = "https://jobs.lever.co/acme"\n\n'
        '[[company]]\nurl = "https://umbrella-labs.recruitee.com/"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(seed_file))
    at = open_page()
    assert at.dataframe[0].value[["name", "ats", "board"]].values.tolist() == [
        ["Acme", "lever", "acme"],
        ["umbrella-labs", "recruitee", "umbrella-labs"],
    ]


def test_the_default_companies_file_seeds_an_empty_database(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(ROOT / "data" / "companies.toml"))
    at = open_page()
    expected = len(store.load_companies_toml(ROOT / "data" / "companies.toml"))
    assert at.dataframe[0].value.shape[0] == expected >= 24


def test_seed_file_is_ignored_once_companies_exist(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path)
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(ROOT / "data" / "companies.toml"))
    at = open_page()
    assert at.dataframe[0].value["name"].tolist() == ["Acme", "Globex"]


CAREERS_PAGE = b"""<html><head><script type="application/ld+json">
[{"@context": "https://schema.org", "@type": "JobPosting", "title": "Welder",
  "identifier": {"value": "w1"}, "url": "https://careers.initech.example/w1",
  "hiringOrganization": {"name": "Initech"}},
 {"@context": "https://schema.org", "@type": "JobPosting", "title": "Painter",
  "identifier": {"value": "p1"}, "url": "https://careers.initech.example/p1",
  "hiringOrganization": {"name": "Initech"}}]
</script></head><body><h1>Careers</h1></body></html>"""


class _Careers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        found = self.path == "/careers"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(CAREERS_PAGE if found else b"not here")

    def log_message(self, *args: Any) -> None:
        """Quiet: tests read results, not access logs."""


@pytest.fixture
def careers_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Careers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_check_counts_the_jobs_of_pasted_boards_without_saving(
    db_path: Path, db: duckdb.DuckDBPyConnection, careers_site: str
) -> None:
    at = open_page()
    at.text_area(key="paste").input(
        # Another host: a jsonld board is its host, so one host is one board.
        f"Initech | {careers_site}/careers\n"
        f"Gone | {careers_site.replace('127.0.0.1', 'localhost')}/gone\nnot a url"
    ).run()
    at.selectbox(key="paste_ats").select("jsonld").run()
    button(at, "Check").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Initech: would find 2 jobs"]
    assert [e.value for e in at.error] == [md_escape(m) for m in (
        "Line 3 (not a url): not a URL: paste a careers page address starting with https://",
        "Gone: failed: 404 board not found",
    )]
    assert names(db) == []


def test_check_this_board_counts_a_tracked_company(
    db_path: Path, db: duckdb.DuckDBPyConnection, careers_site: str
) -> None:
    con = connect(db_path)
    store.save_companies(con, [Company("Initech", "jsonld", "initech", f"{careers_site}/careers")])
    con.close()
    at = open_page()
    button(at, "Check this board").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Initech: would find 2 jobs"]


def test_rename_keeps_the_renamed_company_picked_for_delete(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    acme, globex = seed(db_path)
    at = open_page()
    at.selectbox(key="manage_id").set_value(globex.company_id).run()
    # The browser resets a box to its first option when the labels change (a rename does).
    at.session_state["manage_id"] = acme.company_id
    at.text_input(key=f"name_{globex.company_id}").input("Zeta").run()
    button(at, "Rename").click().run()
    assert at.selectbox(key="manage_id").value == globex.company_id
    button(at, "Delete…").click().run()
    assert [w.value for w in at.warning] == ["Delete Zeta? It has 0 jobs."]


def test_table_shows_never_and_blank_before_a_first_scrape(db_path: Path) -> None:
    seed(db_path)
    table = open_page().dataframe[0].value
    assert table[
        ["name", "last_state", "last_scraped_at", "last_jobs_seen", "last_error"]
    ].values.tolist() == [
        ["Acme", "never", "—", "—", ""],
        ["Globex", "never", "—", "—", ""],
    ]


def test_table_shows_a_scraped_company_to_the_minute(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    seed(db_path, with_jobs=True)
    [(finished,)] = db.execute("SELECT finished_at FROM run_results").fetchall()
    table = open_page().dataframe[0].value
    assert table[
        ["name", "last_state", "last_scraped_at", "last_jobs_seen", "last_error"]
    ].values.tolist() == [
        ["Acme", "ok", finished.strftime("%Y-%m-%d %H:%M"), "3", ""],
        ["Globex", "never", "—", "—", ""],
    ]


def test_adding_many_boards_names_eight_and_counts_the_rest(db_path: Path) -> None:
    seed(db_path)
    at = open_page()
    at.text_area(key="paste").input(
        "\n".join(f"https://jobs.lever.co/board-{i:02d}" for i in range(11))
    ).run()
    button(at, "Add").click().run()
    assert [s.value for s in at.success] == [
        "Added 11 companies: Board 00, Board 01, Board 02, Board 03, Board 04, Board 05, "
        "Board 06, Board 07 and 3 more"
    ]


def test_messages_show_beside_the_section_that_caused_them(
    db_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    """Issue 15 item 11: rename and delete messages appeared at the top of the page."""
    _, globex = seed(db_path)
    at = open_page()
    at.selectbox(key="manage_id").set_value(globex.company_id).run()
    at.text_input(key=f"name_{globex.company_id}").input("Globex Corporation").run()
    button(at, "Rename").click().run()
    order = list(at.main)

    def at_(predicate: Callable[[Any], bool]) -> int:
        return next(i for i, e in enumerate(order) if predicate(e))

    message = at_(lambda e: e.type == "success" and "Renamed to" in str(e.value))
    assert at_(lambda e: getattr(e, "label", None) == "Rename") < message
    assert message < at_(lambda e: e.type == "subheader" and e.value == "Import / export")
    assert at_(lambda e: e.type == "dataframe") < message
