"""The records that flow from boards to the store: Job, Company, CompanyResult, ScrapeEvent."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from scraper.normalize.employment import EMPLOYMENT_KINDS, normalize_employment_type

SOURCES = (
    "greenhouse",
    "lever",
    "ashby",
    "workable",
    "smartrecruiters",
    "recruitee",
    "personio",
    "workday",
    "jsonld",
    "bamboohr",
    "join",
    "jazzhr",
    "icims",
    "teamtailor",
    "breezy",
    "pinpoint",
    "oracle",
    "rippling",
    "gem",
)

Workplace = Literal["remote", "hybrid", "onsite"]
SalaryPeriod = Literal["year", "month", "week", "day", "hour"]


@dataclass(frozen=True, slots=True)
class Job:
    """One posting, in the fields of DESIGN.md. Missing is None; dates are ISO 8601 UTC strings
    of the form ``2026-09-25T20:45:00Z``."""

    source: str
    board: str
    external_id: str
    title: str
    company: str | None
    url: str
    location: str | None = None
    locations: tuple[str, ...] = ()
    workplace: str | None = None
    department: str | None = None
    employment_type: str | None = None
    # One of EMPLOYMENT_KINDS; left None, it is derived from employment_type.
    employment_kind: str | None = None
    posted_at: str | None = None
    updated_at: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_period: str | None = None
    salary_source: str | None = None
    description_text: str | None = None
    description_html: str | None = None

    def __post_init__(self) -> None:
        if self.employment_kind is None:
            kind = normalize_employment_type(self.employment_type)
            object.__setattr__(self, "employment_kind", kind)
        elif self.employment_kind not in EMPLOYMENT_KINDS:
            raise ValueError(
                f"employment_kind {self.employment_kind!r} is not one of {', '.join(EMPLOYMENT_KINDS)}"
            )

    @property
    def job_id(self) -> str:
        return f"{self.source}:{self.board}:{self.external_id}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``locations`` as a list)."""
        d = asdict(self)
        d["locations"] = list(self.locations)
        return d


JOB_FIELDS: tuple[str, ...] = tuple(Job.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Company:
    """A tracked board. ``url`` is the configured careers URL or API endpoint."""

    name: str
    ats: str
    board: str
    url: str
    company_id: int | None = None


@dataclass(frozen=True, slots=True)
class CompanyResult:
    """The outcome of one company's scrape. ``state`` is ok, failed or cancelled."""

    company: Company
    state: Literal["ok", "failed", "cancelled"]
    jobs: tuple[Job, ...] = ()
    error: str | None = None
    duration_ms: int = 0
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.state == "ok"


@dataclass(frozen=True, slots=True)
class ScrapeEvent:
    """What the runner reports: a company ``started``, or ended (``finished`` / ``failed`` /
    ``cancelled``, with its result), or ``queued`` again (a remote runner resending a lost
    worker's company). ``worker`` names the Celery worker running it (None in-process)."""

    kind: Literal["queued", "started", "finished", "failed", "cancelled"]
    company: Company
    result: CompanyResult | None = None
    worker: str | None = None
