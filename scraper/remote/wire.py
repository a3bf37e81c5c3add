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


def encode_result(r: CompanyResult) -> dict[str, Any]:
    """The result without its company (the app knows which company each task was)."""
    return {
        "state": r.state,
        "jobs": [j.to_dict() for j in r.jobs],
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
    return CompanyResult(
        company,
        d["state"],
        tuple(_job(j) for j in jobs),
        d.get("error") if isinstance(d.get("error"), str) else None,
        int(d.get("duration_ms") or 0),
        int(d.get("requests") or 0),
    )


def _job(d: Any) -> Job:
    if not isinstance(d, dict):
        raise WireError("a job must be an object")
    values: dict[str, Any] = {k: d.get(k) for k in JOB_FIELDS}
    values["locations"] = tuple(values["locations"] or ())
    try:
        return Job(**values)
    except TypeError as exc:
        raise WireError(f"a job is malformed: {exc}") from None
