"""The scraper's exceptions, caught at the runner and CLI boundaries.

    ScraperError
     ├── FetchError(url, status, reason)   network, HTTP status, size cap, timeout, redirects
     ├── ParseError(source, reason)        a payload the board module cannot read
     └── DetectError(url, reason)          a URL or page whose board cannot be told
"""

from __future__ import annotations


class ScraperError(Exception):
    """Base class of every error the scraper raises on purpose."""


class FetchError(ScraperError):
    """A request failed; the message names the URL and what happened."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        super().__init__(f"{reason} ({url})")


class ParseError(ScraperError):
    """A payload could not be read as the named format."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class DetectError(ScraperError):
    """A URL or careers page whose ATS and board cannot be told."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{reason}: {url}")
