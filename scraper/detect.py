"""Tell a board from its URL (and a careers page from its HTML) without network.

INTERFACE FIXED; implementation in progress (parsers helper).
"""

from __future__ import annotations

from dataclasses import dataclass

from scraper.models import Company


@dataclass(frozen=True, slots=True)
class Target:
    """What to fetch for a board: its format, its slug, and the API endpoint."""

    ats: str
    board: str
    endpoint: str


def detect(url: str) -> Target:
    """Careers URL or API URL of any supported ATS -> Target. DetectError when it can't tell
    (bad scheme, unknown host: say so and suggest giving ``ats``)."""
    raise NotImplementedError


def resolve(company: Company) -> Target:
    """The Target a configured company is fetched through. With ``ats`` given and a host that
    is not that ATS's own (a mirror, the simulator), ``url`` is the endpoint as-is; ``jsonld``
    companies fetch their careers page."""
    raise NotImplementedError


def detect_in_html(html: str, base_url: str) -> Target | None:
    """An ATS embedded in a careers page (links, iframes, scripts, ``gh_jid=``), or None."""
    raise NotImplementedError
