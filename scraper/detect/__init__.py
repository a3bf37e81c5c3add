"""Tell a board from its URL (and a careers page from its HTML) without network.

``detect(url)`` knows the careers and API URL shapes of FORMATS.md and returns the exact
API endpoint to fetch; ``resolve(company)`` applies a configured ``ats``; ``detect_in_html``
finds an ATS embedded in a careers page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from scraper.detect.more import MORE_DETECTORS
from scraper.detect.url import (
    LOCALE,
    SUBDOMAIN_RESERVED,
    UNKNOWN_HOST,
    Target,
    Url,
    need,
    q,
    split_url,
)
from scraper.errors import DetectError
from scraper.models import SOURCES, Company

__all__ = ["GREENHOUSE_QUERY", "UNKNOWN_HOST", "Target", "detect", "detect_in_html", "resolve"]

# content: descriptions, departments, offices; pay_transparency: pay_input_ranges.
GREENHOUSE_QUERY = "content=true&pay_transparency=true"
_WORKDAY_HOST = re.compile(r"^(?P<tenant>[\w-]+)\.(?P<wd>wd\d+)\.myworkdayjobs\.com$")
_WORKDAY_SITE_HOST = re.compile(r"^(?P<wd>wd\d+)\.myworkdaysite\.com$")


def _greenhouse(u: Url) -> Target | None:
    m = re.fullmatch(r"(boards|job-boards)(\.eu)?\.greenhouse\.io", u.host)
    api = re.fullmatch(r"(boards-api|api)(\.eu)?\.greenhouse\.io", u.host)
    if m:
        eu = m.group(2) or ""
        first = u.segment(0)
        token = u.param("for") if first == "embed" else first
    elif api:
        eu = api.group(2) or ""
        token = u.segment(2) if u.segments[:2] == ["v1", "boards"] else None
    else:
        return None
    token = need(token, u, "Greenhouse board token")
    return Target(
        "greenhouse", token, f"https://boards-api{eu}.greenhouse.io/v1/boards/{q(token)}/jobs"
        f"?{GREENHOUSE_QUERY}",
    )


def _lever(u: Url) -> Target | None:
    m = re.fullmatch(r"(jobs|api)(\.eu)?\.lever\.co", u.host)
    if not m:
        return None
    eu = m.group(2) or ""
    if m.group(1) == "api":
        site = u.segment(2) if u.segments[:2] == ["v0", "postings"] else None
    else:
        site = u.segment(0)
    site = need(site, u, "Lever site name")
    return Target("lever", site, f"https://api{eu}.lever.co/v0/postings/{q(site)}?mode=json")


def _ashby(u: Url) -> Target | None:
    if u.host == "jobs.ashbyhq.com":
        name = u.segment(0)
    elif u.host == "api.ashbyhq.com":
        ok = u.segments[:2] == ["posting-api", "job-board"]
        name = u.segment(2) if ok else None
    else:
        return None
    name = need(name, u, "Ashby job board name")
    return Target(
        "ashby",
        name,
        f"https://api.ashbyhq.com/posting-api/job-board/{q(name)}?includeCompensation=true",
    )


def _workable(u: Url) -> Target | None:
    if u.host == "apply.workable.com":
        if u.segments[:4] == ["api", "v1", "widget", "accounts"]:
            slug = u.segment(4)
        elif u.segment(0) in ("api", "j"):
            slug = None
        else:
            slug = u.segment(0)
    elif u.host.endswith(".workable.com") and u.host.count(".") == 2:
        slug = u.host.split(".")[0]
        slug = None if slug in SUBDOMAIN_RESERVED else slug
    else:
        return None
    slug = need(slug, u, "Workable account slug")
    return Target(
        "workable",
        slug,
        f"https://apply.workable.com/api/v1/widget/accounts/{q(slug)}?details=true",
    )


def _smartrecruiters(u: Url) -> Target | None:
    if u.host in ("careers.smartrecruiters.com", "jobs.smartrecruiters.com"):
        company = u.segment(0)
    elif u.host == "api.smartrecruiters.com":
        company = u.segment(2) if u.segments[:2] == ["v1", "companies"] else None
    else:
        return None
    company = need(company, u, "SmartRecruiters company id")
    return Target(
        "smartrecruiters",
        company,
        f"https://api.smartrecruiters.com/v1/companies/{q(company)}/postings?limit=100",
    )


def _recruitee(u: Url) -> Target | None:
    m = re.fullmatch(r"([\w-]+)\.recruitee\.com", u.host)
    if not m or m.group(1) in SUBDOMAIN_RESERVED:
        return None
    company = m.group(1)
    return Target("recruitee", company, f"https://{company}.recruitee.com/api/offers/")


def _personio(u: Url) -> Target | None:
    m = re.fullmatch(r"([\w-]+)\.jobs\.personio\.(de|com)", u.host)
    if not m:
        return None
    company, tld = m.groups()
    return Target("personio", company, f"https://{company}.jobs.personio.{tld}/xml?language=en")


def _nth(items: list[str], i: int) -> str | None:
    return items[i] if len(items) > i else None


def _workday(u: Url) -> Target | None:
    segments = list(u.segments)
    m = _WORKDAY_HOST.fullmatch(u.host)
    s = _WORKDAY_SITE_HOST.fullmatch(u.host)
    if segments[:2] == ["wday", "cxs"] and (m or s):
        tenant, site = u.segment(2), u.segment(3)
    elif m:
        if segments and LOCALE.match(segments[0]):
            segments.pop(0)
        tenant, site = m.group("tenant"), (segments[0] if segments else None)
    elif s:
        if segments and LOCALE.match(segments[0]):
            segments.pop(0)
        if segments[:1] != ["recruiting"]:
            segments = []
        tenant, site = _nth(segments, 1), _nth(segments, 2)
    else:
        return None
    tenant = need(tenant, u, "Workday tenant")
    site = need(site, u, "Workday career site (https://TENANT.wdN.myworkdayjobs.com/SITE)")
    host = u.host
    return Target("workday", tenant, f"https://{host}/wday/cxs/{q(tenant)}/{q(site)}/jobs")


_DETECTORS: tuple[Callable[[Url], Target | None], ...] = (
    _greenhouse,
    _lever,
    _ashby,
    _workable,
    _smartrecruiters,
    _recruitee,
    _personio,
    _workday,
    *MORE_DETECTORS,
)


def detect(url: str) -> Target:
    """Careers URL or API URL of any supported ATS -> Target. DetectError when it can't tell
    (bad scheme, unknown host: say so and suggest giving ``ats``)."""
    u = split_url(url)
    for detector in _DETECTORS:
        target = detector(u)
        if target is not None:
            return target
    raise DetectError(url, UNKNOWN_HOST)


def _host_ats(url: str) -> str | None:
    """The ATS whose own host ``url`` is on, or None for any other host."""
    try:
        u = split_url(url)
    except DetectError:
        return None
    for detector in _DETECTORS:
        try:
            target = detector(u)
        except DetectError:
            # Right host, incomplete path: still that ATS's own host.
            return _ats_name(detector)
        if target is not None:
            return target.ats
    return None


def _ats_name(detector: Callable[[Url], Target | None]) -> str:
    return detector.__name__.lstrip("_")


def resolve(company: Company) -> Target:
    """The Target a configured company is fetched through. With ``ats`` given and a host that
    is not that ATS's own (a mirror, the simulator), ``url`` is the endpoint as-is; ``jsonld``
    companies fetch their careers page."""
    ats = (company.ats or "").strip()
    if not ats:
        return detect(company.url)
    if ats not in SOURCES:
        raise DetectError(company.url, f"unknown ats {ats!r} (known: {', '.join(SOURCES)})")
    if ats == "jsonld":
        split_url(company.url)
        return Target("jsonld", company.board or urlsplit(company.url).hostname or "", company.url)
    own = _host_ats(company.url)
    if own is None:
        if not company.board:
            raise DetectError(company.url, f'give board = "..." for a {ats} board on this host')
        split_url(company.url)
        return Target(ats, company.board, company.url)
    target = detect(company.url)
    if target.ats != ats:
        raise DetectError(
            company.url, f"this is a {target.ats} URL but the company says ats = {ats!r}"
        )
    return target


_ABSOLUTE_URL = re.compile(r"""https?://[^\s"'<>\\)]+""")
_URL_ATTRIBUTES = ("href", "src", "action", "data-src", "data-url")
_GH_TOKEN = re.compile(
    r"""(?:[?&]for=|boardToken["']?\s*[:=]\s*["']|grnhse_board\s*=\s*["'])([\w-]+)"""
)


def _page_urls(html: str, base_url: str) -> Iterator[str]:
    """Every URL a page points at: element attributes first, then URLs written in its text."""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        root = None
    if root is not None:
        for element in root.iter():
            for name in _URL_ATTRIBUTES:
                value = element.get(name) if isinstance(element.tag, str) else None
                if value and not value.startswith(("#", "mailto:", "javascript:")):
                    yield urljoin(base_url, value.strip())
    yield from _ABSOLUTE_URL.findall(html)


def detect_in_html(html: str, base_url: str) -> Target | None:
    """An ATS embedded in a careers page (links, iframes, scripts, ``gh_jid=``), or None."""
    if not html or not html.strip():
        return None
    for candidate in _page_urls(html, base_url):
        try:
            return detect(candidate)
        except DetectError:
            continue
    if "gh_jid=" in html or "gh_jid=" in base_url:
        m = _GH_TOKEN.search(html)
        if m:
            return detect(f"https://boards.greenhouse.io/{m.group(1)}")
    return None
