"""Settings from environment variables (DESIGN.md, Environment), validated with clear errors."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from app.people import parse_admins
from scraper.fetch import FetchSettings


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use; the message says which."""


DEFAULT_DB = Path("data/jobs.duckdb")
DEFAULT_COMPANIES = Path("data/companies.toml")


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path = DEFAULT_DB
    companies_path: Path = DEFAULT_COMPANIES
    concurrency: int = 16
    per_host: int = 4
    timeout_s: float = 20.0
    schedule_minutes: int | None = None
    detail_cap: int = 200
    index_path: Path | None = None
    user_header: str | None = None
    admins: frozenset[str] = frozenset()
    broker_url: str | None = None  # JOBSCRAPER_BROKER: None scrapes in-process
    max_result_mb: int = 64  # the largest result a Celery worker may send back
    company_timeout_s: float = 300.0  # JOBSCRAPER_COMPANY_TIMEOUT_S; 0: no deadline
    public_url: str | None = None  # JOBSCRAPER_PUBLIC_URL: links in notifications

    @property
    def mode(self) -> str:
        """'in-process', or 'Celery workers via <broker URL without its password>'."""
        if not self.broker_url:
            return "in-process"
        from scraper.remote.common import safe_url

        return f"Celery workers via {safe_url(self.broker_url)}"

    def search_index_path(self, db_path: Path | None = None) -> Path:
        """Where the search index of ``db_path`` (default: this database) lives:
        JOBSCRAPER_INDEX, else ``<db file>.search/`` beside it."""
        from app.search.index import default_path

        return self.index_path or default_path(db_path or self.db_path)

    def fetch_settings(self) -> FetchSettings:
        """The fetch layer's limits for a scrape run with these settings."""
        return FetchSettings(
            concurrency=self.concurrency,
            per_host=self.per_host,
            timeout_s=self.timeout_s,
            detail_cap=self.detail_cap,
            company_deadline_s=self.company_timeout_s,
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number (e.g. {name}={default})") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is out of range: use {low} to {high}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds (e.g. {name}={default:g})") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value:g} is out of range: use {low:g} to {high:g} seconds")
    return value


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw).expanduser()
    if path.exists() and path.is_dir():
        raise SettingsError(f"{name}={raw!r} is a folder: give a file path")
    return path


def _folder(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{name}={raw!r} is a file: give a folder for the search index")
    return path


_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,100}")


def _header(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not _HEADER_NAME.fullmatch(raw):
        raise SettingsError(
            f"{name}={raw!r} is not an HTTP header name: use letters, digits and dashes, "
            f"e.g. {name}=X-Forwarded-Email"
        )
    return raw


def _broker(env: Mapping[str, str]) -> str | None:
    raw = env.get("JOBSCRAPER_BROKER", "").strip()
    if not raw:
        return None
    from scraper.remote.common import BrokerUrlError, check_broker_url

    try:
        return check_broker_url(raw)
    except BrokerUrlError as exc:
        raise SettingsError(f"JOBSCRAPER_BROKER={exc}") from None


def _public_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("JOBSCRAPER_PUBLIC_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(
            f"JOBSCRAPER_PUBLIC_URL={raw!r} is not the app's address: give an http(s) URL "
            "without query, e.g. JOBSCRAPER_PUBLIC_URL=https://jobs.example.com")
    return raw.rstrip("/")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default ``os.environ``); SettingsError names the bad variable."""
    env = os.environ if env is None else env
    schedule = _int(env, "JOBSCRAPER_SCHEDULE", 0, 0, 7 * 24 * 60)
    return Settings(
        db_path=_path(env, "JOBSCRAPER_DB", DEFAULT_DB),
        companies_path=_path(env, "JOBSCRAPER_COMPANIES", DEFAULT_COMPANIES),
        concurrency=_int(env, "JOBSCRAPER_CONCURRENCY", 16, 1, 512),
        per_host=_int(env, "JOBSCRAPER_PER_HOST", 4, 1, 64),
        timeout_s=_float(env, "JOBSCRAPER_TIMEOUT_S", 20.0, 0.1, 600.0),
        schedule_minutes=schedule or None,
        detail_cap=_int(env, "JOBSCRAPER_DETAIL_CAP", 200, 0, 100_000),
        index_path=_folder(env, "JOBSCRAPER_INDEX"),
        user_header=_header(env, "JOBSCRAPER_USER_HEADER"),
        admins=parse_admins(env.get("JOBSCRAPER_ADMINS")),
        broker_url=_broker(env),
        max_result_mb=_int(env, "JOBSCRAPER_MAX_RESULT_MB", 64, 1, 1024),
        company_timeout_s=_float(env, "JOBSCRAPER_COMPANY_TIMEOUT_S", 300.0, 0.0, 86_400.0),
        public_url=_public_url(env),
    )
