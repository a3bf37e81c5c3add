"""The Jobs page's state without Streamlit: what the person chose (``Filters``), how it
round-trips with the URL and the page's widgets, and the query it asks for.

    filters = Filters.from_url(params, companies=ids, currencies=codes)  # a link opened
    filters.to_url()          # non-default values only, so a copied link reopens the view
    filters.to_widgets()      # {"jobs_q": ..., ...}: seeds the widgets (key = "jobs_" + field)
    Filters.from_widgets(st.session_state)
    job_filters(filters)      # the queries.JobFilters that filter (sort and page are apart)
    detail_facts(job)         # the facts a job's detail lists

A field's name is its URL parameter; its widget key is ``WIDGET_PREFIX + name``. Adding a
filter is: a field here (with its URL parsing in ``from_url``), its clause in
``job_filters``/``queries``, and one widget on the page.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from app.queries import WORKPLACES, JobFilters, salary_text
from app.store import JOB_STATUSES
from scraper.models import EMPLOYMENT_KINDS

PAGE_SIZE = 100
EMPLOYMENT_CHOICES = (*EMPLOYMENT_KINDS, "unknown")
WIDGET_PREFIX = "jobs_"
SORT_LABELS = {
    "relevance": "Relevance (with a search; else Posted)",
    "posted": "Posted",
    "first_seen": "First seen",
    "salary": "Salary (annualized)",
    "company": "Company",
    "title": "Title",
    "closed": "Closed (with closed jobs)",
}
DAY_CHOICES = (0, 1, 3, 7, 14, 30, 90)  # 0: any time (a None option would show as unset)
NEW_CHOICES = ("", "visit", "run", "1", "7", "30", "closed")
NEW_LABELS = {
    "": "All jobs",
    "visit": "New since my last visit",
    "run": "New in the latest run",
    "1": "New in the last day",
    "7": "New in the last 7 days",
    "30": "New in the last 30 days",
    "closed": "Closed in the latest run",
}


@dataclass(frozen=True, slots=True)
class Filters:
    """Everything the Jobs page's sidebar and pager choose; the defaults show every open job,
    newest posting first, page 1. Lists are tuples so a Filters can key a cache."""

    q: str = ""
    company: tuple[int, ...] = ()
    workplace: tuple[str, ...] = ()
    employment: tuple[str, ...] = ()  # EMPLOYMENT_CHOICES
    department: tuple[str, ...] = ()  # travels "|"-separated: names may hold commas
    loc: str = ""
    days: int = 0  # posted within N days; 0 = any time
    min_salary: int | None = None  # annual, within ``currency`` only
    currency: str | None = None
    status: tuple[str, ...] = ()
    starred: bool = False
    closed: bool = False  # include closed jobs
    new: str = ""  # one of NEW_CHOICES
    sort: str = "relevance"  # best match first with a search, newest posting without
    asc: bool = False
    page: int = 1

    @classmethod
    def from_url(
        cls,
        params: Mapping[str, str],
        *,
        companies: Collection[int] = (),
        currencies: Sequence[str] = (),
    ) -> Filters:
        """The view a link asks for; anything unknown or malformed falls back to the default.
        ``companies`` and ``currencies`` are what exist (the currency defaults to the first)."""
        days = _int(params.get("days"))
        currency = params.get("currency")
        return cls(
            q=params.get("q", ""),
            company=tuple(i for i in map(_int, _listed(params.get("company")))
                          if i is not None and i in companies),
            workplace=tuple(w for w in _listed(params.get("workplace")) if w in WORKPLACES),
            employment=tuple(k for k in _listed(params.get("employment"))
                             if k in EMPLOYMENT_CHOICES),
            department=tuple(d for d in (params.get("department") or "").split("|") if d),
            loc=params.get("loc", ""),
            days=days if days in DAY_CHOICES else 0,
            min_salary=_money(params.get("min_salary")),
            currency=currency if currency in currencies else (currencies[0] if currencies else None),
            status=tuple(s for s in _listed(params.get("status")) if s in JOB_STATUSES),
            starred=params.get("starred") == "1",
            closed=params.get("closed") == "1",
            new=_choice(params.get("new"), NEW_CHOICES, ""),
            sort=_choice(params.get("sort"), SORT_LABELS, "relevance"),
            asc=params.get("asc") == "1",
            page=max(_int(params.get("page")) or 1, 1),
        )

    def to_url(self) -> dict[str, str]:
        """URL parameters for the values that differ from the default (lists comma-separated);
        the currency travels only with a minimum salary, the only thing it applies to."""
        default = Filters()
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value != getattr(default, name) and value not in ("", (), None):
                out[name] = "|".join(value) if name == "department" else _url_text(value)
        if "min_salary" not in out:
            out.pop("currency", None)
        return out

    def to_widgets(self) -> dict[str, Any]:
        """Widget key -> value (lists as lists, as multiselects hold them)."""
        return {
            WIDGET_PREFIX + f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
        }

    @classmethod
    def from_widgets(cls, state: Mapping[str, Any]) -> Filters:
        """The Filters the widgets hold (missing keys keep their default)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = WIDGET_PREFIX + f.name
            if key in state:
                value = state[key]
                values[f.name] = tuple(value) if isinstance(value, list) else value
        if isinstance(values.get("min_salary"), float):
            values["min_salary"] = int(values["min_salary"])
        return cls(**values)

    def cleared(self) -> Filters:
        """The same sort and order with every filter off (back to all open jobs, page 1)."""
        return Filters(sort=self.sort, asc=self.asc, currency=self.currency)

    def view_key(self) -> str:
        """Changes when what is listed changes (filters, sort), not with the page number."""
        return hashlib.sha1(repr(replace(self, page=1)).encode()).hexdigest()[:12]


def job_filters(filters: Filters, last_visit: datetime | None = None) -> JobFilters:
    """The query a view asks for (its sort and page are given to the query apart);
    ``last_visit`` is the person's previous visit, for "New since my last visit" (None: a
    first visit, when every job is new to them)."""
    new = filters.new
    return JobFilters(
        search=filters.q.strip(),
        company_ids=filters.company,
        workplaces=filters.workplace,
        location=filters.loc.strip(),
        posted_within_days=filters.days or None,
        min_salary=filters.min_salary if filters.currency else None,
        currency=filters.currency,
        statuses=filters.status,
        starred_only=filters.starred,
        include_closed=filters.closed,
        new_in_latest_run=new == "run",
        new_within_days=int(new) if new.isdigit() else None,
        closed_in_latest_run=new == "closed",
        employment_kinds=filters.employment,
        departments=filters.department,
        first_seen_after=last_visit if new == "visit" else None,
    )


def active_filters(filters: Filters, companies: Mapping[int, str]) -> list[str]:
    """Each filter that narrows the list, in words (``Workplace: remote``), for an empty
    result to say what to loosen."""
    f = filters
    words = [
        (f.q.strip(), f"Search “{f.q.strip()}”"),
        (f.new, NEW_LABELS.get(f.new, "")),
        (f.company, "Companies: " + ", ".join(companies.get(i, str(i)) for i in f.company)),
        (f.workplace, "Workplace: " + ", ".join(f.workplace)),
        (f.employment, "Employment type: " + ", ".join(f.employment)),
        (f.department, "Department: " + ", ".join(f.department)),
        (f.loc.strip(), f"Location contains “{f.loc.strip()}”"),
        (f.days, f"Posted within {f.days} days"),
        (f.min_salary and f.currency, f"Min. salary {f.min_salary or 0:,} {f.currency}"),
        (f.status, "Status: " + ", ".join(f.status)),
        (f.starred, "Starred only"),
    ]
    return [text for on, text in words if on]


SALARY_SOURCES = {"structured": "from the posting's salary field",
                  "text": "read from the description"}


def detail_facts(job: Mapping[str, Any]) -> dict[str, str]:
    """A job's facts as the detail lists them (label -> text), from ``queries.job_detail``."""
    return {
        "Locations": ", ".join(job["locations"] or []) or job["location"] or "—",
        "Workplace": job["workplace"] or "unknown",
        "Employment": _employment(job.get("employment_kind"), job["employment_type"]),
        "Salary": salary_fact(job),
        "Posted": _when(job["posted_at"]),
        "First seen": _when(job["first_seen_at"]),
        "Last seen": _when(job["last_seen_at"]),
        "Closed": (f"{_when(job['closed_at'])} ({job['closed_reason'] or 'left the board'})"
                   if job["closed_at"] else "— (still open)"),
    }


def salary_fact(job: Mapping[str, Any]) -> str:
    """``64,000–73,000 GBP / year, from ...``, with the annual amount when paid per month,
    hour...; ``—`` without a salary."""
    text = salary_text(job["salary_min"], job["salary_max"], job["salary_currency"],
                       job["salary_period"])
    if text is None:
        return "—"
    yearly = salary_text(job["salary_year_min"], job["salary_year_max"],
                         job["salary_currency"], "year")
    if yearly and job["salary_period"] not in (None, "year"):
        text += f" (≈ {yearly})"
    return f"{text}, {SALARY_SOURCES.get(job['salary_source'] or '', 'source unknown')}"


def _employment(kind: str | None, board_text: str | None) -> str:
    """``full-time (the board says "FULL_TIME")``: the vocabulary beside the board's words."""
    if not board_text:
        return kind or "—"
    return f"{kind} (the board says “{board_text}”)" if kind else board_text


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def page_count(total: int) -> int:
    """Pages needed for ``total`` jobs (at least one, so an empty result has a page 1)."""
    return max(math.ceil(total / PAGE_SIZE), 1)


def page_offset(page: int, total: int) -> int:
    """The 0-based first row of ``page``, the page clamped into range."""
    return (min(max(page, 1), page_count(total)) - 1) * PAGE_SIZE


def shown_text(offset: int, total: int) -> str:
    """``101–200 of 1,234``: the rows a page shows."""
    if not total:
        return "0 of 0"
    return f"{offset + 1:,}–{min(offset + PAGE_SIZE, total):,} of {total:,}"


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _money(text: str | None) -> int | None:
    """A whole non-negative amount from URL text, or None."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return int(value) if value is not None and math.isfinite(value) and value >= 0 else None


def _listed(text: str | None) -> list[str]:
    return [p for p in (text or "").split(",") if p]


def _choice(text: str | None, choices: Collection[str], default: str) -> str:
    return text if text is not None and text in choices else default


def _url_text(value: Any) -> str:
    if value is True:
        return "1"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
