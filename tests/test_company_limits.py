"""Issue 11, items 4 and 5: a careers page whose job pages could not all be read closes
nothing (it fails and says so); a company past its overall deadline ends failed, saying what
it was waiting for, while the others finish."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from app import store
from app.db import connect
from app.pipeline import run_scrape
from app.settings import load_settings
from scraper.fetch import FetchSettings
from scraper.models import Company
from scraper.runner import scrape

FAST = FetchSettings(timeout_s=1.0, backoff_s=0.01, retries=1)
WORKDAY_POSTINGS = 5


def _posting(n: int, base: str) -> str:
    data = {"@context": "https://schema.org", "@type": "JobPosting", "title": f"Job {n}",
            "identifier": {"@type": "PropertyValue", "value": str(n)},
            "hiringOrganization": {"@type": "Organization", "name": "Acme"},
            "url": f"{base}/jobs/{n}"}
    return f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head></html>'


class Site:
    """A careers page linking /jobs/1..10, where the job pages in ``hang`` never answer,
    and a Workday board whose detail pages all hang."""

    def __init__(self) -> None:
        self.base = ""
        self.hang: set[int] = set()
        self.gone: set[int] = set()

    async def careers(self, request: web.Request) -> web.Response:
        links = "".join(f'<a href="/jobs/{n}">Job {n}</a>' for n in range(1, 11))
        return web.Response(text=f"<html><body>{links}</body></html>", content_type="text/html")

    async def job(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n in self.hang:
            await asyncio.sleep(30)
        if n in self.gone:
            raise web.HTTPNotFound()
        return web.Response(text=_posting(n, self.base), content_type="text/html")

    async def workday_list(self, request: web.Request) -> web.Response:
        body = await request.json()
        offset = body.get("offset", 0)
        postings = [{"title": f"Role {i}", "externalPath": f"/job/Remote/Role_{i}",
                     "locationsText": "Remote", "postedOn": "Posted Today",
                     "bulletFields": [f"R-{i}"]}
                    for i in range(WORKDAY_POSTINGS)] if offset == 0 else []
        return web.json_response({"total": WORKDAY_POSTINGS, "jobPostings": postings})

    async def workday_detail(self, request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response({})


@contextlib.asynccontextmanager
async def serve() -> AsyncIterator[Site]:
    site = Site()
    app = web.Application()
    app.router.add_get("/careers", site.careers)
    app.router.add_get("/jobs/{n}", site.job)
    app.router.add_post("/wday/cxs/acme/External/jobs", site.workday_list)
    app.router.add_get("/wday/cxs/acme/External/job/{loc}/{slug}", site.workday_detail)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.base = f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        yield site
    finally:
        await runner.cleanup()


def careers(site: Site) -> Company:
    return Company("Acme", "jsonld", "acme", f"{site.base}/careers", company_id=1)


async def test_unread_job_pages_fail_the_company_saying_how_many() -> None:
    async with serve() as site:
        site.hang = {2, 4, 6, 8, 10}
        [r] = await scrape([careers(site)], on_event=lambda e: None, settings=FAST)
    assert (r.state, r.jobs) == ("failed", ())
    assert r.error is not None
    assert r.error.startswith("5 of 10 job pages could not be read (first: ")
    assert r.error.endswith("timed out after 1 s), so no job was closed")


async def test_job_pages_that_are_gone_do_not_fail_the_company() -> None:
    async with serve() as site:
        site.gone = {3, 7}
        [r] = await scrape([careers(site)], on_event=lambda e: None, settings=FAST)
    assert r.state == "ok"
    assert sorted(int(j.external_id) for j in r.jobs) == [1, 2, 4, 5, 6, 8, 9, 10]


def test_half_unreadable_careers_page_closes_nothing(tmp_path: Path) -> None:
    con = connect(tmp_path / "jobs.duckdb")

    async def run(hang: set[int]) -> None:
        async with serve() as site:
            site.hang = hang
            [company] = store.save_companies(con, [careers(site)])
            run_id = store.start_run(con, "manual", 1)
            await asyncio.to_thread(run_scrape, con, run_id, [company], settings=FAST)

    asyncio.run(run(set()))
    asyncio.run(run({2, 4, 6, 8, 10}))
    rows = con.execute("SELECT run_id, state, jobs_seen, jobs_closed FROM run_results "
                       "ORDER BY run_id").fetchall()
    open_jobs = con.execute("SELECT count(*) FROM jobs WHERE closed_at IS NULL").fetchone()
    con.close()
    assert [r[:2] for r in rows] == [(1, "ok"), (2, "failed")]
    assert rows[1][2:] == (0, 0)
    assert open_jobs == (10,)


async def test_more_job_pages_than_the_cap_fail_the_company_saying_so() -> None:
    async with serve() as site:
        [r] = await scrape([careers(site)], on_event=lambda e: None,
                           settings=replace(FAST, jsonld_follow_cap=9))
    assert (r.state, r.jobs) == ("failed", ())
    assert r.error is not None
    assert r.error.startswith("the careers page links 10 job pages, more than the 9 that are "
                              "followed, so no job was closed")


def test_careers_page_over_the_follow_cap_closes_nothing(tmp_path: Path) -> None:
    con = connect(tmp_path / "jobs.duckdb")

    async def run(cap: int) -> None:
        async with serve() as site:
            [company] = store.save_companies(con, [careers(site)])
            run_id = store.start_run(con, "manual", 1)
            await asyncio.to_thread(run_scrape, con, run_id, [company],
                                    settings=replace(FAST, jsonld_follow_cap=cap))

    asyncio.run(run(10))
    asyncio.run(run(9))  # the same page, now linking one job page more than is followed
    rows = con.execute("SELECT run_id, state, jobs_closed FROM run_results ORDER BY run_id").fetchall()
    open_jobs = con.execute("SELECT count(*) FROM jobs WHERE closed_at IS NULL").fetchone()
    con.close()
    assert rows == [(1, "ok", 0), (2, "failed", 0)]
    assert open_jobs == (10,)


async def test_a_company_past_its_deadline_fails_saying_what_it_waited_for() -> None:
    settings = FetchSettings(timeout_s=20.0, backoff_s=0.01, per_host=10, company_deadline_s=1.0)
    async with serve() as site:
        workday = Company("Acme Workday", "workday", "acme",
                          f"{site.base}/wday/cxs/acme/External/jobs", company_id=2)
        quick = Company("Acme careers", "jsonld", "acme-careers", f"{site.base}/careers",
                        company_id=3)
        results = await scrape([workday, quick], on_event=lambda e: None, settings=settings)
    slow, fine = results
    assert (slow.state, slow.jobs) == ("failed", ())
    assert slow.error is not None
    assert slow.error.startswith("gave up after 1 s, the deadline of one company "
                                 "(JOBSCRAPER_COMPANY_TIMEOUT_S): ")
    assert f"{WORKDAY_POSTINGS} waiting for an answer (e.g. GET {site.base}/wday/cxs/acme/External/job/" \
        in slow.error
    assert (fine.state, len(fine.jobs)) == ("ok", 10)


@pytest.mark.parametrize(("raw", "seconds"), [("", 300.0), ("45", 45.0), ("0", 0.0)])
def test_company_deadline_is_configurable(raw: str, seconds: float) -> None:
    conf = load_settings({"JOBSCRAPER_COMPANY_TIMEOUT_S": raw})
    assert conf.fetch_settings().company_deadline_s == seconds
