"""Scrape many companies concurrently through one Fetcher; one company's failure never stops
the others. ``scrape()`` reports each company through ``on_event`` when its first request is
sent ('started'; a company waiting for a connection slot is still queued) and when it ends."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from yarl import URL

from scraper.boards import parse
from scraper.crawl import run_step, step_for
from scraper.crawl.common import board_error, board_get, parse_off_loop
from scraper.detect import GREENHOUSE_QUERY, Target, detect_in_html, resolve
from scraper.errors import DetectError, FetchError, ParseError, ScraperError
from scraper.fetch import Cancelled, Fetcher, FetchSettings, HostGate
from scraper.models import Company, CompanyResult, Job, ScrapeEvent

SIMPLE_FORMATS = frozenset(
    {"greenhouse", "lever", "ashby", "workable", "recruitee", "personio", "pinpoint", "gem"}
)
SMARTRECRUITERS_PAGE = 100
WORKDAY_PAGE = 20
MAX_PAGES = 500  # a board that never ends its paging stops at 10k-50k postings
_JOB_LINK = re.compile(
    r"/(jobs?|careers?|positions?|openings?|vacanc\w*|stellen\w*|roles?|postings?)(/|-|\b)",
    re.IGNORECASE,
)
# ATS API paths, for careers pages that link to an API served from their own host.
_API_PATHS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("greenhouse", re.compile(r"^/v1/boards/([\w.-]+)/jobs/?$")),
    ("lever", re.compile(r"^/v0/postings/([\w.-]+)/?$")),
    ("ashby", re.compile(r"^/posting-api/job-board/([\w.-]+)/?$")),
    ("workable", re.compile(r"^/api/v1/widget/accounts/([\w.-]+)/?$")),
    ("smartrecruiters", re.compile(r"^/v1/companies/([\w.-]+)/postings/?$")),
    ("rippling", re.compile(r"^/platform/api/ats/v1/board/([\w.-]+)/jobs/?$")),
    ("gem", re.compile(r"^/job_board/v0/([\w.-]+)/job_posts/$")),
)

log = logging.getLogger(__name__)

EventHandler = Callable[[ScrapeEvent], None]
_EVENT_KINDS: dict[str, Literal["finished", "failed", "cancelled"]] = {
    "ok": "finished",
    "failed": "failed",
    "cancelled": "cancelled",
}


async def scrape(
    companies: Sequence[Company],
    *,
    on_event: EventHandler,
    cancel: threading.Event | None = None,
    settings: FetchSettings | None = None,
    now: datetime | None = None,
    gate: HostGate | None = None,
    keep_results: bool = True,
) -> list[CompanyResult]:
    """Scrape every company at once within the settings' limits; results in input order
    (none with ``keep_results=False``: a caller that takes them from ``on_event`` lets each
    go once handled, so a large run's memory stays bounded).
    Once ``cancel`` is set, companies not yet done end ``cancelled`` within a second.
    ``gate``: a per-host limit shared with other processes (see scraper.remote)."""
    settings = settings or FetchSettings()
    now = now or datetime.now(UTC)

    async def one(company: Company) -> CompanyResult | None:
        result = await _run_company(fetcher, company, on_event, now)
        return result if keep_results else None

    async with Fetcher(settings, cancel, gate=gate) as fetcher:
        tasks = [asyncio.create_task(one(c)) for c in companies]
        return [r for r in await asyncio.gather(*tasks) if r is not None]


async def scrape_one(
    fetcher: Fetcher, company: Company, *, on_event: EventHandler, now: datetime
) -> CompanyResult:
    """One company through a Fetcher shared with others (a Celery worker's): the same events,
    boundary and result as each company of ``scrape``."""
    return await _run_company(fetcher, company, on_event, now)


def _emit(on_event: EventHandler, event: ScrapeEvent) -> None:
    """Report ``event``; a failing handler is logged, never allowed to end the run."""
    try:
        on_event(event)
    except Exception:  # noqa: BLE001 - a display problem must not lose the scrape
        log.exception("event handler failed on %s of %s", event.kind, event.company.name)


async def _run_company(
    run_fetcher: Fetcher, company: Company, on_event: EventHandler, now: datetime
) -> CompanyResult:
    """One company, start to end; every failure becomes a result (this is the boundary).
    'started' is sent when its first request gets a connection slot, not while it queues."""
    started = [time.monotonic()]
    deadline_s = run_fetcher.settings.company_deadline_s
    budget = asyncio.timeout(None)

    def on_first_request() -> None:
        started[0] = time.monotonic()  # the duration excludes the wait for a slot
        if deadline_s > 0:  # and so does the deadline: a queued company has not started
            budget.reschedule(asyncio.get_running_loop().time() + deadline_s)
        _emit(on_event, ScrapeEvent("started", company))

    fetcher = run_fetcher.scope(on_first_request)

    def result(state: Any, jobs: Sequence[Job] = (), error: str | None = None) -> CompanyResult:
        ms = int((time.monotonic() - started[0]) * 1000)
        return CompanyResult(company, state, tuple(jobs), error, ms, fetcher.requests)

    try:
        async with budget:
            jobs = await scrape_company(fetcher, company, now=now)
        res = result("ok", [_with_company(j, company) for j in jobs])
    except TimeoutError as exc:  # a request's own timeout is a FetchError: this is the deadline
        why = (f"gave up after {deadline_s:g} s, the deadline of one company "
               f"(JOBSCRAPER_COMPANY_TIMEOUT_S): {fetcher.activity()}")
        res = result("failed", error=why if budget.expired() else f"TimeoutError: {exc}")
    except Cancelled:
        res = result("cancelled", error="cancelled")
    except ScraperError as exc:
        res = result("failed", error=error_text(exc))
    except Exception as exc:  # noqa: BLE001 - a bug in one board must not end the run
        res = result("failed", error=f"{type(exc).__name__}: {exc}")
    _emit(on_event, ScrapeEvent(_EVENT_KINDS[res.state], company, res))
    return res


def error_text(exc: ScraperError) -> str:
    """What a user reads for a failed company: the reason, without the repeated URL."""
    if isinstance(exc, FetchError | ParseError):
        return exc.reason
    return str(exc)


def _with_company(job: Job, company: Company) -> Job:
    return job if job.company else replace(job, company=company.name)


async def scrape_company(fetcher: Fetcher, company: Company, *, now: datetime) -> list[Job]:
    """The jobs of one company: resolve its target, fetch what its format needs, parse."""
    return await scrape_target(fetcher, resolve(company), now=now, settings=fetcher.settings)


async def scrape_target(
    fetcher: Fetcher, target: Target, *, now: datetime, settings: FetchSettings
) -> list[Job]:
    if target.ats in SIMPLE_FORMATS:
        endpoint = greenhouse_endpoint(target.endpoint) if target.ats == "greenhouse" else None
        text = await board_get(fetcher, endpoint or target.endpoint)
        return await parse_off_loop(target.ats, text, board=target.board, url=target.endpoint, now=now)
    if target.ats == "smartrecruiters":
        return await _smartrecruiters(fetcher, target, now, settings)
    if target.ats == "workday":
        return await _workday(fetcher, target, now, settings)
    if target.ats == "jsonld":
        return await _jsonld(fetcher, target, now, settings)
    step = step_for(target.ats)
    if step is not None:
        return await run_step(step, fetcher, target, now=now, settings=settings)
    raise DetectError(target.endpoint, f"no fetcher for format {target.ats!r}")


async def _details(
    fetcher: Fetcher,
    jobs: list[Job],
    urls: list[str],
    fmt: str,
    board: str,
    now: datetime,
) -> list[Job]:
    """Replace each job with its detail page's Job when that fetch and parse work (the list
    data stays otherwise); ``urls`` may be shorter than ``jobs`` (the detail cap)."""

    async def one(url: str) -> Job | None:
        try:
            data = await fetcher.get_json(url)
            found = parse(fmt, data, board=board, url=url, now=now)
        except (FetchError, ParseError):
            return None  # the posting's list data is still worth keeping
        return found[0] if found else None

    detailed = await asyncio.gather(*(one(u) for u in urls))
    by_id = {j.external_id: j for j in detailed if j is not None}
    return [by_id.get(j.external_id, j) for j in jobs]


async def _smartrecruiters(
    fetcher: Fetcher, target: Target, now: datetime, settings: FetchSettings
) -> list[Job]:
    """Page by offset until totalFound, then one detail call per posting (capped)."""
    endpoint = URL(target.endpoint)
    items: list[dict[str, Any]] = []
    total = 0
    for _ in range(MAX_PAGES):
        page_url = endpoint.update_query(limit=SMARTRECRUITERS_PAGE, offset=len(items))
        try:
            page = await fetcher.get_json(str(page_url))
        except FetchError as exc:
            raise board_error(exc) from None
        content = page.get("content") if isinstance(page, dict) else None
        if not isinstance(content, list):
            raise ParseError("smartrecruiters", 'expected an object with "content"')
        items.extend(content)
        total = _int(page.get("totalFound"), len(items))
        if not content or len(items) >= total:
            break
    payload = {"offset": 0, "limit": len(items), "totalFound": total, "content": items}
    jobs = await parse_off_loop("smartrecruiters", payload, board=target.board, url=target.endpoint,
                                now=now)
    base = str(endpoint.with_query(None)).rstrip("/")
    urls = [f"{base}/{j.external_id}" for j in jobs[: settings.detail_cap]]
    return await _details(fetcher, jobs, urls, "smartrecruiters", target.board, now)


async def _workday(
    fetcher: Fetcher, target: Target, now: datetime, settings: FetchSettings
) -> list[Job]:
    """POST pages of 20 until an empty page, then GET each posting's detail (capped)."""
    postings: list[dict[str, Any]] = []
    total = 0
    for _ in range(MAX_PAGES):
        body = {"appliedFacets": {}, "limit": WORKDAY_PAGE, "offset": len(postings), "searchText": ""}
        try:
            page = await fetcher.post_json(target.endpoint, body)
        except FetchError as exc:
            raise board_error(exc) from None
        batch = page.get("jobPostings") if isinstance(page, dict) else None
        if not isinstance(batch, list):
            raise ParseError("workday", 'expected an object with "jobPostings"')
        if not batch:
            break
        postings.extend(batch)
        total = max(total, _int(page.get("total"), 0))
    payload = {"total": max(total, len(postings)), "jobPostings": postings}
    jobs = await parse_off_loop("workday", payload, board=target.board, url=target.endpoint, now=now)
    base = target.endpoint.rstrip("/").removesuffix("/jobs")
    paths = [p.get("externalPath") for p in postings if isinstance(p, dict)]
    urls = [f"{base}{p}" for p in paths[: settings.detail_cap] if isinstance(p, str) and p]
    return await _details(fetcher, jobs, urls, "workday", target.board, now)


def greenhouse_endpoint(endpoint: str) -> str:
    """``endpoint`` asking for descriptions and structured pay, whatever host serves it
    (a mirror configured as-is, an API link on a careers page)."""
    url = URL(endpoint)
    wanted = {k: v for k, v in parse_qsl(GREENHOUSE_QUERY) if k not in url.query}
    return str(url.update_query(wanted)) if wanted else endpoint


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


async def _jsonld(
    fetcher: Fetcher, target: Target, now: datetime, settings: FetchSettings
) -> list[Job]:
    """A careers page: its embedded ATS if any, else its JobPostings, else those of the
    same-site job pages it links to (at most ``jsonld_follow_cap``: more fails the company)."""
    try:
        page = await fetcher.request("GET", target.endpoint)
    except FetchError as exc:
        raise board_error(exc) from None
    html = page.text()
    embedded = detect_in_html(html, page.url) or mirrored_api(html, page.url)
    if embedded is not None and embedded.ats != "jsonld":
        return await scrape_target(fetcher, embedded, now=now, settings=settings)
    jobs = await asyncio.to_thread(_jsonld_jobs, html, target.board, page.url, now)
    if jobs:
        return jobs
    links = job_links(html, page.url)
    if len(links) > settings.jsonld_follow_cap:
        # The jobs behind the pages not followed are unknown: an 'ok' here would close them.
        raise FetchError(target.endpoint, f"the careers page links {len(links)} job pages, more "
                         f"than the {settings.jsonld_follow_cap} that are followed, so no job "
                         "was closed: add the company by its ATS board URL if it has one")
    pages = await asyncio.gather(*(_follow(fetcher, u, target.board, now) for u in links))
    unread = [(url, found) for url, found in zip(links, pages, strict=True)
              if isinstance(found, FetchError)]
    if unread:
        # The jobs behind the unread pages are unknown: an 'ok' here would close them.
        first_url, first = unread[0]
        raise FetchError(target.endpoint, f"{len(unread)} of {len(links)} job pages could not "
                         f"be read (first: {first_url}: {first.reason}), so no job was closed")
    unique: dict[str, Job] = {}
    for found in pages:
        assert not isinstance(found, FetchError)
        for job in found:
            unique.setdefault(job.job_id, job)
    return list(unique.values())


def _jsonld_jobs(html: str, board: str, url: str, now: datetime) -> list[Job]:
    try:
        return parse("jsonld", html, board=board, url=url, now=now)
    except ParseError:
        return []  # a page without readable JSON-LD may still link to job pages


async def _follow(fetcher: Fetcher, url: str, board: str, now: datetime) -> list[Job] | FetchError:
    """The JobPostings of a linked page; [] when it is gone (404, 410) or holds none; the
    FetchError when it could not be read (timeout, 5xx, reset): its jobs are unknown."""
    try:
        page = await fetcher.request("GET", url)
    except FetchError as exc:
        return [] if exc.status in (404, 410) else exc
    return _jsonld_jobs(page.text(), board, page.url, now)


def mirrored_api(html: str, base_url: str) -> Target | None:
    """An ATS API endpoint the page links to on its own host (a mirror, the simulator), which
    ``detect_in_html`` cannot tell by host name; fetched as-is."""
    for url in _same_site_links(html, base_url):
        path = urlsplit(url).path
        for ats, pattern in _API_PATHS:
            m = pattern.search(path)
            if m:
                return Target(ats, m.group(1), url)
    return None


def job_links(html: str, base_url: str) -> list[str]:
    """Same-site links whose path looks like a job page, in page order, without repeats."""
    return [u for u in _same_site_links(html, base_url) if _JOB_LINK.search(urlsplit(u).path)]


def _same_site_links(html: str, base_url: str) -> list[str]:
    """Links (``<a href>``, ``<iframe src>``) to other pages of the same host, in page order,
    without repeats or fragments."""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    host = urlsplit(base_url).netloc.lower()
    page = urldefrag(base_url)[0]
    seen: dict[str, None] = {}
    for el in root.iter("a", "iframe"):
        href = (el.get("href") or el.get("src") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = urldefrag(urljoin(base_url, href))[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc.lower() == host and url != page:
            seen.setdefault(url, None)
    return list(seen)
