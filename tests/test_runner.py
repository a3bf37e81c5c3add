"""scrape() against the local board simulator: every format, every failure mode, cancel."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

import scraper.crawl.common as common
from scraper.fetch import FetchSettings
from scraper.models import SOURCES, Company, CompanyResult, ScrapeEvent
from scraper.runner import job_links, mirrored_api, scrape
from scraper.simulator import Simulator
from tests.test_golden import FIXTURES

# Generous: the simulator shares this process (and its GIL) with the scrape.
FAST = FetchSettings(timeout_s=3.0, backoff_s=0.05)
# Formats whose jobs get one detail request each (the per-company cap applies).
DETAILED = ("smartrecruiters", "workday", "rippling", "bamboohr", "breezy", "jazzhr", "icims", "oracle")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(boards=len(SOURCES) + 8, failures=True, slow_s=5.0).start()
    yield s
    s.stop()


def as_company(d: dict[str, Any], i: int) -> Company:
    return Company(d["name"], d["ats"], d["board"], d["url"], company_id=i)


def companies(sim: Simulator, *, failing: bool) -> list[Company]:
    return [
        as_company(d, i)
        for i, d in enumerate(sim.companies())
        if (d["failure"] is not None) == failing
    ]


async def test_every_format_is_scraped_with_the_listed_jobs(sim: Simulator) -> None:
    good = companies(sim, failing=False)
    results = await scrape(good, on_event=lambda e: None, settings=FAST)
    assert {r.company.ats for r in results} == set(SOURCES)
    for r in results:
        assert (r.state, r.error) == ("ok", None), r.company
        expected = sim.expected_job_ids(r.company.board)
        assert expected, r.company
        assert {j.external_id for j in r.jobs} == expected, r.company
        assert all(j.company for j in r.jobs), r.company


async def test_board_without_company_names_gets_the_configured_name(sim: Simulator) -> None:
    lever = [c for c in companies(sim, failing=False) if c.ats == "lever"][:1]
    [result] = await scrape(lever, on_event=lambda e: None, settings=FAST)
    assert {j.company for j in result.jobs} == {lever[0].name}


async def test_each_failure_mode_ends_with_a_readable_error(sim: Simulator) -> None:
    bad = companies(sim, failing=True)
    results = await scrape(bad, on_event=lambda e: None, settings=FAST)
    outcome = {r.company.board: (r.state, r.error) for r in results}
    assert outcome == {
        "broken-404": ("failed", "404 board not found"),
        "flaky-500": ("ok", None),
        "rate-limited-429": ("ok", None),
        "slow-timeout": ("failed", "timed out after 3 s"),
        "oversized-body": ("failed", "response over 20 MB"),
        "malformed-json": ("failed", outcome["malformed-json"][1]),
        "redirect-loop": ("failed", "too many redirects (over 5)"),
        "connection-reset": ("failed", "connection reset after 3 attempts"),
        "pinpoint-flaky-500": ("ok", None),
        "rippling-rate-limited-429": ("ok", None),
        "GemBroken404": ("failed", "404 board not found"),
        "bamboohr-html-200": ("failed", "board not found (BambooHR answered with an HTML page, "
                                        "as it does for an unknown board)"),
        "teamtailor-flaky-500": ("ok", None),
        "breezy-malformed-json": ("failed", outcome["breezy-malformed-json"][1]),
        "join-placeholder-233": ("failed", "board not found (JOIN shows its placeholder company (id 233, "
                                           "not 'join-placeholder-233'))"),
        "oracle-rate-limited-429": ("ok", None),
        "jazzhr-broken-404": ("failed", "404 board not found"),
        "careers-icims-flaky-500": ("ok", None),
    }
    assert str(outcome["malformed-json"][1]).startswith("invalid JSON at line 1 column ")
    assert str(outcome["breezy-malformed-json"][1]).startswith("invalid JSON at line 1 column ")
    for r in results:
        if r.ok:
            assert {j.external_id for j in r.jobs} == sim.expected_job_ids(r.company.board)


async def test_failures_do_not_stop_the_other_companies(sim: Simulator) -> None:
    everyone = [as_company(d, i) for i, d in enumerate(sim.companies())]
    results = await scrape(everyone, on_event=lambda e: None, settings=FAST)
    assert [r.company for r in results] == everyone
    failed = sorted(r.company.board for r in results if not r.ok)
    assert failed == [
        "GemBroken404", "bamboohr-html-200", "breezy-malformed-json", "broken-404", "connection-reset",
        "jazzhr-broken-404", "join-placeholder-233", "malformed-json", "oversized-body", "redirect-loop",
        "slow-timeout",
    ]  # fmt: skip


async def test_events_report_start_then_one_end_per_company(sim: Simulator) -> None:
    cs = companies(sim, failing=False)[:3] + [
        c for c in companies(sim, failing=True) if c.board == "broken-404"
    ]
    events: list[ScrapeEvent] = []
    results = await scrape(cs, on_event=events.append, settings=FAST)
    for c, r in zip(cs, results, strict=True):
        mine = [(e.kind, e.result) for e in events if e.company == c]
        assert mine == [("started", None), ("failed" if c.board == "broken-404" else "finished", r)]
        assert r.requests >= 1 and r.duration_ms >= 0


async def test_unexpected_exception_fails_only_its_company(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_parse = common.parse

    def parse(fmt: str, payload: Any, **kw: Any) -> Any:
        if fmt == "greenhouse":
            raise KeyError("boom")
        return real_parse(fmt, payload, **kw)

    monkeypatch.setattr(common, "parse", parse)  # every list payload is parsed through common
    cs = [c for c in companies(sim, failing=False) if c.ats in ("greenhouse", "lever")]
    results = await scrape(cs, on_event=lambda e: None, settings=FAST)
    assert {(r.company.ats, r.state, r.error) for r in results} == {
        ("greenhouse", "failed", "KeyError: 'boom'"),
        ("lever", "ok", None),
    }


async def test_cancel_ends_unfinished_companies_promptly(sim: Simulator) -> None:
    slow = [c for c in companies(sim, failing=True) if c.board == "slow-timeout"]
    quick = companies(sim, failing=False)[:4]
    cancel = threading.Event()
    ended: list[str] = []

    def on_event(e: ScrapeEvent) -> None:
        if e.kind != "started":
            ended.append(e.company.board)
            if len(ended) == len(quick):
                cancel.set()

    settings = FetchSettings(timeout_s=30.0)
    task = asyncio.create_task(scrape(quick + slow, on_event=on_event, cancel=cancel,
                                      settings=settings))
    while not cancel.is_set():
        await asyncio.sleep(0.01)
    set_at = time.monotonic()
    results: list[CompanyResult] = await task
    assert time.monotonic() - set_at < 1.5
    assert [(r.state, r.error) for r in results] == [("ok", None)] * 4 + [("cancelled", "cancelled")]


async def test_cancel_before_start_sends_no_requests(sim: Simulator) -> None:
    cancel = threading.Event()
    cancel.set()
    results = await scrape(companies(sim, failing=False)[:3], on_event=lambda e: None,
                           cancel=cancel, settings=FAST)
    assert [(r.state, r.requests) for r in results] == [("cancelled", 0)] * 3


def test_job_links_keep_same_site_job_pages_only() -> None:
    page = """<html><body>
      <a href="/careers/acme/jobs/1">One</a> <a href="/careers/acme/jobs/1#apply">One again</a>
      <a href="https://acme.example/positions/2">Two</a> <a href="/about">About</a>
      <a href="https://other.example/jobs/3">Elsewhere</a> <a href="mailto:jobs@acme.example">Mail</a>
      <a href="/careers">This page</a>
    </body></html>"""
    assert job_links(page, "https://acme.example/careers") == [
        "https://acme.example/careers/acme/jobs/1",
        "https://acme.example/positions/2",
    ]


def test_api_link_on_the_page_host_is_taken_as_that_ats() -> None:
    page = '<iframe src="http://127.0.0.1:9000/v1/boards/acme/jobs?content=true"></iframe>'
    target = mirrored_api(page, "http://127.0.0.1:9000/careers/acme")
    assert target is not None
    assert (target.ats, target.board, target.endpoint) == (
        "greenhouse", "acme", "http://127.0.0.1:9000/v1/boards/acme/jobs?content=true",
    )  # fmt: skip


async def test_failing_event_handler_does_not_stop_the_run(sim: Simulator) -> None:
    cs = companies(sim, failing=False)[:4]
    calls: list[str] = []

    def on_event(e: ScrapeEvent) -> None:
        calls.append(e.kind)
        raise RuntimeError("display broke")

    results = await scrape(cs, on_event=on_event, settings=FAST)
    assert [(r.state, r.error) for r in results] == [("ok", None)] * 4
    assert sorted(calls) == ["finished"] * 4 + ["started"] * 4


@pytest.mark.parametrize("cap", [0, 2])
async def test_detail_calls_are_capped_per_company(sim: Simulator, cap: int) -> None:
    cs = [c for c in companies(sim, failing=False) if c.ats in DETAILED]
    # One attempt per request: a retry (a slow answer on a busy machine) in either run
    # would change its request count by one and hide what the cap did.
    once = replace(FAST, retries=1)
    settings = replace(once, detail_cap=cap)
    uncapped = await scrape(cs, on_event=lambda e: None, settings=once)
    capped = await scrape(cs, on_event=lambda e: None, settings=settings)
    for full, r in zip(uncapped, capped, strict=True):
        details = min(len(full.jobs), FAST.detail_cap)
        assert len(full.jobs) > cap, r.company  # the cap is what limits the calls
        assert (r.state, r.requests) == ("ok", full.requests - details + cap), r.company
        assert {j.external_id for j in r.jobs} == {j.external_id for j in full.jobs}


def _posting(n: int, base: str) -> str:
    data = {"@context": "https://schema.org", "@type": "JobPosting", "title": f"Job {n}",
            "identifier": {"@type": "PropertyValue", "value": str(n)},
            "hiringOrganization": {"@type": "Organization", "name": "Acme"},
            "url": f"{base}/jobs/{n}"}
    return f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head></html>'


@contextlib.asynccontextmanager
async def _site(hits: list[str], links: list[str] | None = None) -> AsyncIterator[str]:
    """A careers site on its own port: /careers lists ``links`` (``{base}`` filled in), each
    /jobs/N page holds one JobPosting; every path served is appended to ``hits``."""
    base = ""

    async def careers(request: web.Request) -> web.Response:
        hits.append(request.path)
        body = "".join(f'<a href="{u.format(base=base)}">job</a>' for u in links or [])
        return web.Response(text=f"<html><body>{body}</body></html>", content_type="text/html")

    async def job(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text=_posting(int(request.match_info["n"]), base),
                            content_type="text/html")

    app = web.Application()
    app.router.add_get("/careers", careers)
    app.router.add_get("/jobs/{n}", job)
    run = web.AppRunner(app, shutdown_timeout=0.1)
    await run.setup()
    site = web.TCPSite(run, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        yield base
    finally:
        await run.cleanup()


async def test_jsonld_follows_same_site_job_links_only() -> None:
    other_hits: list[str] = []
    own_hits: list[str] = []
    async with _site(other_hits) as other:
        links = [f"{other}/jobs/99", "http://localhost:{base_port}/jobs/98"]
        links += [f"{{base}}/jobs/{n}" for n in range(1, 6)]
        async with _site(own_hits, links) as own:
            port = own.rsplit(":", 1)[1]
            links[1] = links[1].replace("{base_port}", port)  # same port, other host name
            acme = Company("Acme", "jsonld", "acme", f"{own}/careers", company_id=1)
            [r] = await scrape([acme], on_event=lambda e: None,
                               settings=replace(FAST, jsonld_follow_cap=5))
    assert (r.state, sorted(j.external_id for j in r.jobs)) == ("ok", ["1", "2", "3", "4", "5"])
    assert (other_hits, sorted(own_hits)) == (
        [], ["/careers", "/jobs/1", "/jobs/2", "/jobs/3", "/jobs/4", "/jobs/5"])


async def test_started_is_sent_when_the_first_request_gets_its_slot() -> None:
    release = asyncio.Event()
    served: list[str] = []

    async def board(request: web.Request) -> web.Response:
        served.append(request.path)
        await release.wait()
        return web.json_response({"jobs": []})

    app = web.Application()
    app.router.add_get("/{board}", board)
    run = web.AppRunner(app, shutdown_timeout=0.1)
    await run.setup()
    site = web.TCPSite(run, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    cs = [Company(f"C{i}", "greenhouse", f"c{i}", f"{base}/c{i}", company_id=i) for i in range(3)]
    events: list[tuple[str, str]] = []
    try:
        task = asyncio.create_task(scrape(
            cs, on_event=lambda e: events.append((e.kind, e.company.board)),
            settings=replace(FAST, concurrency=1),
        ))
        while not served:
            await asyncio.sleep(0.01)
        waiting = list(events)  # one slot: the other two are still queued
        release.set()
        results = await task
    finally:
        await run.cleanup()
    assert waiting == [("started", "c0")]
    assert [r.state for r in results] == ["ok"] * 3
    for c in cs:
        mine = [k for k, b in events if b == c.board]
        assert mine == ["started", "finished"], c.board


async def test_company_failing_before_any_request_is_never_started() -> None:
    bad = Company("Nowhere", "jsonld", "nowhere", "ftp://example.org/careers", company_id=1)
    events: list[ScrapeEvent] = []
    [r] = await scrape([bad], on_event=events.append, settings=FAST)
    assert (r.state, r.error, r.requests) == (
        "failed", "only http and https URLs can be detected: ftp://example.org/careers", 0,
    )  # fmt: skip
    assert [e.kind for e in events] == ["failed"]


async def test_greenhouse_boards_are_asked_for_structured_pay() -> None:
    """Issue 17: Greenhouse only sends pay_input_ranges for ?pay_transparency=true."""
    fixture = json.loads((FIXTURES / "greenhouse" / "pay_requested.json").read_text("utf-8"))
    queries: list[dict[str, str]] = []

    async def board(request: web.Request) -> web.Response:
        queries.append(dict(request.query))
        body = copy.deepcopy(fixture)
        for job in body["jobs"]:
            if request.query.get("pay_transparency") != "true":
                del job["pay_input_ranges"]
            if request.query.get("content") != "true":
                del job["content"]
        return web.json_response(body)

    app = web.Application()
    app.router.add_get("/v1/boards/{board}/jobs", board)
    run = web.AppRunner(app, shutdown_timeout=0.1)
    await run.setup()
    site = web.TCPSite(run, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    # A mirror configured as-is, without the query the real API needs.
    mirror = Company("Tidewater", "greenhouse", "tidewater", f"{base}/v1/boards/tidewater/jobs", 1)
    try:
        [r] = await scrape([mirror], on_event=lambda e: None, settings=FAST)
    finally:
        await run.cleanup()
    assert queries == [{"content": "true", "pay_transparency": "true"}]
    paid, prose = r.jobs
    assert (paid.salary_min, paid.salary_max, paid.salary_source) == (155000.0, 190000.0, "structured")
    assert (prose.salary_min, prose.salary_max, prose.salary_source) == (82000.0, 96000.0, "text")
