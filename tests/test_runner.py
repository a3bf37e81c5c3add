"""scrape() against the local board simulator: every format, every failure mode, cancel."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import scraper.runner as runner
from scraper.fetch import FetchSettings
from scraper.models import SOURCES, Company, CompanyResult, ScrapeEvent
from scraper.runner import job_links, mirrored_api, scrape
from scraper.simulator import Simulator

# Generous: the simulator shares this process (and its GIL) with the scrape.
FAST = FetchSettings(timeout_s=3.0, backoff_s=0.05)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(boards=27, failures=True, slow_s=5.0).start()
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
    }
    assert str(outcome["malformed-json"][1]).startswith("invalid JSON at line 1 column ")
    for r in results:
        if r.ok:
            assert {j.external_id for j in r.jobs} == sim.expected_job_ids(r.company.board)


async def test_failures_do_not_stop_the_other_companies(sim: Simulator) -> None:
    everyone = [as_company(d, i) for i, d in enumerate(sim.companies())]
    results = await scrape(everyone, on_event=lambda e: None, settings=FAST)
    assert [r.company for r in results] == everyone
    failed = sorted(r.company.board for r in results if not r.ok)
    assert failed == [
        "broken-404", "connection-reset", "malformed-json", "oversized-body",
        "redirect-loop", "slow-timeout",
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
    real_parse = runner.parse

    def parse(fmt: str, payload: Any, **kw: Any) -> Any:
        if fmt == "greenhouse":
            raise KeyError("boom")
        return real_parse(fmt, payload, **kw)

    monkeypatch.setattr(runner, "parse", parse)
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
