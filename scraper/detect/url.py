"""What every detector shares: the Target it returns and a URL split into host, path and query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from scraper.errors import DetectError


@dataclass(frozen=True, slots=True)
class Target:
    """What to fetch for a board: its format, its slug, and the API endpoint."""

    ats: str
    board: str
    endpoint: str


UNKNOWN_HOST = (
    'no ATS recognised in this URL; give ats = "..." or use the jsonld format for a careers page'
)
SCHEMELESS = re.compile(r"^[\w-]+(\.[\w-]+)+(/|$)")
LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")
SUBDOMAIN_RESERVED = {"www", "api", "app", "apply", "jobs", "careers", "help", "support"}


@dataclass(frozen=True, slots=True)
class Url:
    host: str
    segments: list[str]
    query: dict[str, list[str]]
    raw: str

    def segment(self, i: int) -> str | None:
        return self.segments[i] if len(self.segments) > i else None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0].strip() or None if values else None


def split_url(url: str) -> Url:
    """The host, path segments and query of an http(s) URL; DetectError for anything else."""
    text = (url or "").strip()
    if not text:
        raise DetectError(url, "empty URL")
    if "://" not in text and SCHEMELESS.match(text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise DetectError(url, f"not a URL ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise DetectError(url, "only http and https URLs can be detected")
    if not host or " " in text:
        raise DetectError(url, "not a URL")
    host = host.removeprefix("www.")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    return Url(host, segments, parse_qs(parts.query), text)


def need(value: str | None, url: Url, what: str) -> str:
    if not value:
        raise DetectError(url.raw, f"this URL has no {what}")
    return value


def q(slug: str) -> str:
    return quote(slug, safe="")
