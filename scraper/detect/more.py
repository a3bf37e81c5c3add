"""Detectors of the second ten formats: careers and API URLs -> Target (see FORMATS-NEXT.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from scraper.detect.url import LOCALE, SUBDOMAIN_RESERVED, Target, Url, need, q


def _subdomain(u: Url, domain: str) -> str | None:
    """The first host label of ``{label}.{domain}``, or None (another host, or a reserved label)."""
    m = re.fullmatch(rf"([\w-]+)\.{re.escape(domain)}", u.host)
    return m.group(1) if m and m.group(1) not in SUBDOMAIN_RESERVED else None


def _bamboohr(u: Url) -> Target | None:
    slug = _subdomain(u, "bamboohr.com")
    if slug is None:
        return None
    return Target("bamboohr", slug, f"https://{slug}.bamboohr.com/careers/list")


def _teamtailor(u: Url) -> Target | None:
    m = re.fullmatch(r"([\w-]+)\.(?:na\.)?teamtailor\.com", u.host)
    if not m or m.group(1) in SUBDOMAIN_RESERVED or m.group(1) == "na":
        return None
    return Target("teamtailor", u.host, f"https://{u.host}/jobs.rss")


def _breezy(u: Url) -> Target | None:
    slug = _subdomain(u, "breezy.hr")
    if slug is None:
        return None
    return Target("breezy", slug, f"https://{slug}.breezy.hr/json")


def _gem(u: Url) -> Target | None:
    if u.host == "jobs.gem.com":
        vanity = u.segment(0)
    elif u.host == "api.gem.com":
        vanity = u.segment(2) if u.segments[:2] == ["job_board", "v0"] else None
    else:
        return None
    vanity = need(vanity, u, "Gem job board name")  # case-sensitive: kept as written
    return Target("gem", vanity, f"https://api.gem.com/job_board/v0/{q(vanity)}/job_posts/")


def _pinpoint(u: Url) -> Target | None:
    slug = _subdomain(u, "pinpointhq.com")
    if slug is None:
        return None
    return Target("pinpoint", slug, f"https://{slug}.pinpointhq.com/postings.json")


def _rippling(u: Url) -> Target | None:
    segments = list(u.segments)
    if u.host == "api.rippling.com":
        ok = segments[:5] == ["platform", "api", "ats", "v1", "board"]
        slug = segments[5] if ok and len(segments) > 5 else None
    elif u.host == "ats.rippling.com":
        if segments[:2] == ["api", "v2"]:
            segments = segments[3:]  # /api/v2/board/{slug}/jobs
        elif segments and LOCALE.match(segments[0]):
            segments.pop(0)
        slug = segments[0] if segments else None
    else:
        return None
    slug = need(slug, u, "Rippling board name")
    return Target("rippling", slug, f"https://api.rippling.com/platform/api/ats/v1/board/{q(slug)}/jobs")


_ORACLE_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*\.oraclecloud\.(?:com|eu)")
_ORACLE_API = "/hcmRestApi/resources/latest/recruitingCEJobRequisitions"
_ORACLE_SITE = re.compile(r"siteNumber=([\w-]+)")


def _oracle(u: Url) -> Target | None:
    if not _ORACLE_HOST.fullmatch(u.host):
        return None
    segments = u.segments
    if "sites" in segments and segments[:2] == ["hcmUI", "CandidateExperience"]:
        i = segments.index("sites")
        site = segments[i + 1] if len(segments) > i + 1 else None
    elif "/" + "/".join(segments) == _ORACLE_API:
        found = _ORACLE_SITE.search(u.param("finder") or "")
        site = found.group(1) if found else None
    else:
        return None
    site = need(site, u, "Oracle career site (…/CandidateExperience/en/sites/SITE/jobs)")
    finder = f"findReqs;siteNumber={site},limit=100,offset=0,sortBy=POSTING_DATES_DESC"
    endpoint = (f"https://{u.host}{_ORACLE_API}?onlyData=true&expand=requisitionList.secondaryLocations"
                f"&finder={quote(finder, safe=';,=_')}")
    return Target("oracle", f"{u.host}/{site}", endpoint)


def _join(u: Url) -> Target | None:
    if u.host != "join.com":
        return None
    if u.segments[:3] == ["api", "public", "companies"]:
        cid = need(u.segment(3), u, "JOIN company id")
        return Target("join", cid, f"https://join.com/api/public/companies/{q(cid)}/jobs")
    slug = u.segment(1) if u.segment(0) == "companies" else None
    slug = need(slug, u, "JOIN company (https://join.com/companies/NAME)")
    return Target("join", slug, f"https://join.com/companies/{q(slug)}")


def _jazzhr(u: Url) -> Target | None:
    slug = _subdomain(u, "applytojob.com")
    if slug is None:
        return None
    return Target("jazzhr", slug, f"https://{slug}.applytojob.com/apply/jobs")


def _icims(u: Url) -> Target | None:
    label = _subdomain(u, "icims.com")
    if label is None:
        return None
    return Target("icims", label, f"https://{label}.icims.com/jobs/search?ss=1&in_iframe=1")


MORE_DETECTORS: tuple[Callable[[Url], Target | None], ...] = (
    _bamboohr,
    _join,
    _jazzhr,
    _icims,
    _teamtailor,
    _breezy,
    _pinpoint,
    _oracle,
    _rippling,
    _gem,
)
