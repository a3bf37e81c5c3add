"""Companies, fetch settings and results as JSON-ready dicts (never pickle), both ways.

Decoding is strict about shape: a result that is not what a worker sends raises WireError."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from scraper.fetch import FetchSettings
from scraper.models import JOB_FIELDS, Company, CompanyResult, Job

STATES = ("ok", "failed", "cancelled")


class WireError(ValueError):
    """A message from the other side is not in the expected shape."""


def encode_company(c: Company) -> dict[str, Any]:
    return asdict(c)


def decode_company(d: Any) -> Company:
    if not isinstance(d, dict):
        raise WireError("a company must be an object")
    try:
        return Company(str(d["name"]), str(d["ats"]), str(d["board"]), str(d["url"]),
                       d.get("company_id"))
    except KeyError as exc:
        raise WireError(f"a company lacks {exc}") from None


def encode_settings(s: FetchSettings) -> dict[str, Any]:
    return asdict(s)


def decode_settings(d: Any) -> FetchSettings:
    """FetchSettings from ``d``, ignoring names this side does not know (a newer app)."""
    if not isinstance(d, dict):
        raise WireError("fetch settings must be an object")
    known = {f.name for f in fields(FetchSettings)}
    return FetchSettings(**{k: v for k, v in d.items() if k in known})


_LOCATIONS = JOB_FIELDS.index("locations")


def encode_result(r: CompanyResult) -> dict[str, Any]:
    """The result without its company (the app knows which company each task was); each job
    is a row of its fields' values in the order of ``fields`` (shorter than an object each)."""
    return {
        "state": r.state,
        "fields": JOB_FIELDS,
        "jobs": [[getattr(j, f) for f in JOB_FIELDS] for j in r.jobs],
        "error": r.error,
        "duration_ms": r.duration_ms,
        "requests": r.requests,
    }


def decode_result(d: Any, company: Company) -> CompanyResult:
    if not isinstance(d, dict) or d.get("state") not in STATES:
        raise WireError("a result must be an object with a state of ok, failed or cancelled")
    jobs = d.get("jobs")
    if not isinstance(jobs, list):
        raise WireError('a result\'s "jobs" must be a list')
    if jobs and d.get("fields") != list(JOB_FIELDS):
        raise WireError(f'a result\'s "fields" must be {list(JOB_FIELDS)}')
    return CompanyResult(
        company,
        d["state"],
        tuple(_job(j) for j in jobs),
        d.get("error") if isinstance(d.get("error"), str) else None,
        int(d.get("duration_ms") or 0),
        int(d.get("requests") or 0),
    )


def _job(row: Any) -> Job:
    if not isinstance(row, list) or len(row) != len(JOB_FIELDS):
        raise WireError(f"a job must be a list of {len(JOB_FIELDS)} values")
    row[_LOCATIONS] = tuple(row[_LOCATIONS] or ())
    try:
        return Job(*row)
    except TypeError as exc:
        raise WireError(f"a job is malformed: {exc}") from None
