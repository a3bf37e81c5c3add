"""app.companies: paste parsing, import/export round trips, the overview query, the Check
action, and the real default companies list."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from aiohttp import web

from app import companies as co
from app import store
from app.db import connect
from scraper.fetch import FetchSettings
from scraper.models import SOURCES, Company, CompanyResult, Job

ROOT = Path(__file__).resolve().parent.parent

STRIPE = Company("Stripe", "greenhouse", "stripe", "https://boards.greenhouse.io/stripe")


def outcomes(entries: list[co.Entry]) -> list[tuple[str, Company | None, str | None]]:
    return [(e.where, e.company, e.error) for e in entries]


def test_paste_adds_valid_lines_and_names_each_bad_line() -> None:
    text = "\n".join(
        [
            "https://jobs.lever.co/acme-robotics",
            "",
            "# a comment",
            "Globex | https://jobs.ashbyhq.com/globex",
            "ftp://example.com/jobs",
            "https://careers.initech.example/open-roles",
            "https://apply.workable.com/acme-robotics",
        ]
    )
    assert outcomes(co.parse_paste(text)) == [
        (
            "line 1",
            Company(
                "Acme Robotics", "lever", "acme-robotics", "https://jobs.lever.co/acme-robotics"
            ),
            None,
        ),
        ("line 4", Company("Globex", "ashby", "globex", "https://jobs.ashbyhq.com/globex"), None),
        ("line 5", None, "only http and https URLs can be detected"),
        ("line 6", None, co.PASTE_UNKNOWN_HOST),
        (
            "line 7",
            Company(
                "Acme Robotics",
                "workable",
                "acme-robotics",
                "https://apply.workable.com/acme-robotics",
            ),
            None,
        ),
    ]


def test_paste_rejects_tracked_boards_and_repeated_lines() -> None:
    text = "https://boards.greenhouse.io/Stripe\nhttps://acme.recruitee.com/\nhttps://acme.recruitee.com/o/x"
    entries = co.parse_paste(text, [STRIPE])
    assert outcomes(entries) == [
        ("line 1", None, "duplicate: already tracked as Stripe"),
        ("line 2", Company("Acme", "recruitee", "acme", "https://acme.recruitee.com/"), None),
        ("line 3", None, "duplicate: same board as line 2"),
    ]
    assert entries[0].message == (
        "Line 1 (https://boards.greenhouse.io/Stripe): duplicate: already tracked as Stripe"
    )


def test_paste_uses_the_picked_ats_only_for_hosts_that_tell_none() -> None:
    text = "https://careers.initech.example/open-roles\nhttps://jobs.lever.co/globex"
    assert outcomes(co.parse_paste(text, fallback_ats="jsonld")) == [
        (
            "line 1",
            Company(
                "Initech",
                "jsonld",
                "careers.initech.example",
                "https://careers.initech.example/open-roles",
            ),
            None,
        ),
        ("line 2", Company("Globex", "lever", "globex", "https://jobs.lever.co/globex"), None),
    ]


def test_paste_with_an_unknown_picked_ats_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ATS 'taleo'"):
        co.parse_paste("https://x.example", fallback_ats="taleo")


def test_default_name_title_cases_the_board() -> None:
    assert co.default_name(Company("", "workday", "acme_corp-eu", "https://x")) == "Acme Corp Eu"
    assert (
        co.default_name(Company("", "jsonld", "jobs.globex.co.uk", "https://jobs.globex.co.uk/x"))
        == "Globex"
    )


def test_save_entries_adds_valid_ones_in_one_go(fresh_db: duckdb.DuckDBPyConnection) -> None:
    entries = co.parse_paste("https://jobs.lever.co/acme\nnot a url\nhttps://jobs.lever.co/globex")
    report = co.save_entries(fresh_db, entries)
    assert [c.name for c in report.added] == ["Acme", "Globex"]
    assert report.updated == []
    assert [e.where for e in report.rejected] == ["line 2"]
    assert [c.board for c in store.companies(fresh_db)] == ["acme", "globex"]


def seed(con: duckdb.DuckDBPyConnection) -> list[Company]:
    saved = store.save_companies(
        con,
        [
            STRIPE,
            Company(
                'Initech "Careers"',
                "jsonld",
                "careers.initech.example",
                "https://careers.initech.example/jobs",
            ),
            Company("Globex, Inc", "lever", "globex", "https://jobs.lever.co/globex"),
        ],
    )
    assert saved[1].company_id is not None
    store.set_company_enabled(con, saved[1].company_id, False)
    return saved


def test_toml_export_then_import_round_trips(fresh_db: duckdb.DuckDBPyConnection) -> None:
    seed(fresh_db)
    exported = co.to_toml(co.export_rows(fresh_db))
    other = connect(":memory:")
    report = co.save_entries(other, co.parse_toml(exported))
    assert (len(report.added), report.rejected) == (3, [])
    assert co.export_rows(other) == co.export_rows(fresh_db)
    assert co.to_toml(co.export_rows(other)) == exported


def test_csv_export_then_import_round_trips(fresh_db: duckdb.DuckDBPyConnection) -> None:
    seed(fresh_db)
    exported = co.to_csv(co.export_rows(fresh_db))
    assert exported == (
        "name,url,ats,board,enabled\n"
        '"Globex, Inc",https://jobs.lever.co/globex,lever,globex,true\n'
        '"Initech ""Careers""",https://careers.initech.example/jobs,jsonld,careers.initech.example,false\n'
        "Stripe,https://boards.greenhouse.io/stripe,greenhouse,stripe,true\n"
    )
    other = connect(":memory:")
    co.save_entries(other, co.parse_import("companies.csv", exported.encode()))
    assert co.export_rows(other) == co.export_rows(fresh_db)


def test_import_updates_tracked_boards_and_reports_bad_entries(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    seed(fresh_db)
    toml = b"""
[[company]]
name = "Stripe Inc"
url = "https://boards.greenhouse.io/stripe"
enabled = false

[[company]]
name = "Nowhere"
url = "https://careers.nowhere.example"

[[company]]
name = "Bad flag"
url = "https://jobs.lever.co/bad"
enabled = "maybe"

[[company]]
name = "Again"
url = "https://job-boards.greenhouse.io/stripe"
"""
    entries = co.parse_import("companies.toml", toml)
    report = co.save_entries(fresh_db, entries)
    assert [c.name for c in report.updated] == ["Stripe Inc"]
    assert report.added == []
    assert [r.message for r in report.rejected] == [
        "Entry 2 (https://careers.nowhere.example): " + co.PASTE_UNKNOWN_HOST,
        "Entry 3 (https://jobs.lever.co/bad): enabled must be true or false, not 'maybe'",
        "Entry 4 (https://job-boards.greenhouse.io/stripe): duplicate: same board as entry 1",
    ]
    stripe = [r for r in co.export_rows(fresh_db) if r["board"] == "stripe"]
    assert stripe == [
        {
            "name": "Stripe Inc",
            "url": "https://boards.greenhouse.io/stripe",
            "ats": "greenhouse",
            "board": "stripe",
            "enabled": False,
        }
    ]


def test_import_of_a_broken_file_is_one_error() -> None:
    assert outcomes(co.parse_import("c.toml", b"[[company]\nname="))[0][:2] == ("file", None)
    assert outcomes(co.parse_import("c.csv", b"name,link\nA,https://x")) == [
        ("file", None, "the CSV needs a url column (name,url,ats,board,enabled)")
    ]
    assert outcomes(co.parse_import("c.toml", b"\xff\xfe")) == [
        ("file", None, "c.toml is not UTF-8 text")
    ]


def test_csv_rows_are_numbered_like_a_spreadsheet() -> None:
    data = b"url,name\nhttps://jobs.lever.co/acme,Acme\nmailto:x@y.z,Bad\n"
    assert outcomes(co.parse_import("c.csv", data)) == [
        ("row 2", Company("Acme", "lever", "acme", "https://jobs.lever.co/acme"), None),
        ("row 3", None, "only http and https URLs can be detected"),
    ]


def job(external_id: str) -> Job:
    return Job(
        "greenhouse", "stripe", external_id, "Engineer", "Stripe", f"https://x/{external_id}"
    )


def test_overview_counts_jobs_and_shows_the_latest_outcome(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    stripe, initech, _ = seed(fresh_db)
    first = store.start_run(fresh_db, "manual", 3)
    store.save_company_result(
        fresh_db, first, CompanyResult(stripe, "ok", (job("1"), job("2"))), datetime(2026, 1, 1)
    )
    second = store.start_run(fresh_db, "manual", 3)
    store.save_company_results(
        fresh_db,
        second,
        [
            CompanyResult(stripe, "ok", (job("1"),)),
            CompanyResult(initech, "failed", error="404 board not found"),
        ],
        datetime(2026, 1, 2),
    )
    rows = (
        co.overview(fresh_db)
        .select(
            "name",
            "enabled",
            "open_jobs",
            "total_jobs",
            "last_state",
            "last_jobs_seen",
            "last_error",
        )
        .rows()
    )
    assert rows == [
        ("Globex, Inc", True, 0, 0, None, None, None),
        ('Initech "Careers"', False, 0, 0, "failed", 0, "404 board not found"),
        ("Stripe", True, 1, 2, "ok", 1, None),
    ]


def test_overview_skips_cancelled_runs_and_keeps_the_real_last_error(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    """Issue 15 item 4: "Last error: cancelled" hid a board's real last error."""
    stripe, initech, _ = seed(fresh_db)
    first = store.start_run(fresh_db, "manual", 2)
    store.save_company_results(fresh_db, first, [
        CompanyResult(stripe, "ok", (job("1"),)),
        CompanyResult(initech, "failed", error="404 board not found"),
    ], datetime(2026, 1, 1))
    second = store.start_run(fresh_db, "manual", 2)
    store.save_company_results(fresh_db, second, [
        CompanyResult(stripe, "cancelled", error="cancelled"),
        CompanyResult(initech, "cancelled", error="cancelled"),
    ], datetime(2026, 1, 2))
    rows = co.overview(fresh_db).select("name", "last_state", "last_error").rows()
    assert rows[1:] == [('Initech "Careers"', "failed", "404 board not found"),
                        ("Stripe", "ok", None)]


def test_default_companies_file_loads_every_format() -> None:
    loaded = store.load_companies_toml(ROOT / "data" / "companies.toml")
    assert len(loaded) >= 24
    assert set(Counter(c.ats for c in loaded)) == set(SOURCES)
    assert len({(c.ats, c.board) for c in loaded}) == len(loaded)


JSONLD_PAGE = """<html><head><script type="application/ld+json">
[{"@context": "https://schema.org", "@type": "JobPosting", "title": "Welder",
  "identifier": {"value": "w1"}, "url": "%(base)s/jobs/w1", "datePosted": "2026-01-02",
  "hiringOrganization": {"name": "Initech"}},
 {"@context": "https://schema.org", "@type": "JobPosting", "title": "Painter",
  "identifier": {"value": "p1"}, "url": "%(base)s/jobs/p1", "datePosted": "2026-01-03",
  "hiringOrganization": {"name": "Initech"}}]
</script></head><body><h1>Careers</h1></body></html>"""


@pytest.fixture
async def careers_site() -> AsyncIterator[str]:
    async def page(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        return web.Response(text=JSONLD_PAGE % {"base": base}, content_type="text/html")

    app = web.Application()
    app.router.add_get("/careers", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


FAST = FetchSettings(timeout_s=5.0, retries=1, detail_cap=0)


async def test_check_counts_the_jobs_of_a_careers_page(careers_site: str) -> None:
    (entry,) = co.parse_paste(f"Initech | {careers_site}/careers", fallback_ats="jsonld")
    assert entry.company is not None
    (result,) = await co.check_async([entry.company], FAST)
    assert co.check_message(result) == "Initech: would find 2 jobs"


async def test_check_reports_a_missing_page_readably(careers_site: str) -> None:
    company = Company("Initech", "jsonld", "127.0.0.1", f"{careers_site}/gone")
    (result,) = await co.check_async([company], FAST)
    assert co.check_message(result) == "Initech: failed: 404 board not found"


def test_paste_of_plain_words_says_it_is_not_a_url() -> None:
    assert outcomes(co.parse_paste("not a url\nftp://x")) == [
        ("line 1", None, co.NOT_A_URL),
        ("line 2", None, "only http and https URLs can be detected"),
    ]
