"""Local board server: realistic generated boards of all nine formats, for demos, tests and benchmarks.

Every board is served in its ATS's real shape (see FORMATS.md) under the real API path on
127.0.0.1; boards are spread over a few ports so per-host limits apply. Content is
deterministic from ``seed`` and from the simulator's current ``day``: between days some
jobs close, a few are new, and a job missing one day may come back the next.

    with Simulator(boards=27, failures=True) as sim:
        sim.write_companies("companies.toml")   # then scrape it
        sim.set_day(1)                          # or POST /_control/day {"day": 1}

Failure boards (``failures=True``) misbehave in one way each; their slugs say how.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from aiohttp import web

from scraper.models import SOURCES

FORMATS = SOURCES

# (slug, failure kind, format it pretends to be)
FAILURE_BOARDS = (
    ("broken-404", "404", "greenhouse"),
    ("flaky-500", "500-then-ok", "lever"),
    ("rate-limited-429", "429", "ashby"),
    ("slow-timeout", "slow", "workable"),
    ("oversized-body", "oversized", "greenhouse"),
    ("malformed-json", "malformed", "lever"),
    ("redirect-loop", "redirect-loop", "recruitee"),
    ("connection-reset", "reset", "smartrecruiters"),
)
# Failure boards that end up serving their jobs to a patient or retrying client.
RECOVERING = frozenset({"500-then-ok", "429", "slow"})
FLAKY_FAILURES_PER_DAY = 1
OVERSIZED_BYTES = 22 * 1024 * 1024
WORKDAY_PAGE_MAX = 20
SMARTRECRUITERS_PAGE_MAX = 100
CACHE_MAX_BYTES = 64 * 1024 * 1024

DAY0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EASTERN = timezone(timedelta(hours=-4))

NAME_HEADS = (
    "Northwind", "Bluefin", "Quartzline", "Harborview", "Lumen", "Copperleaf", "Brightpath",
    "Ironbark", "Tidewater", "Silverpine", "Redwood", "Kestrel", "Foxglove", "Meridian",
    "Polaris", "Sable", "Juniper", "Halcyon", "Cobalt", "Wren", "Orchid", "Basalt", "Cirrus",
    "Ember", "Fjord", "Granite", "Heron", "Indigo", "Jasper", "Kite", "Larkspur", "Mistral",
)  # fmt: skip
NAME_TAILS = (
    "Labs", "Systems", "Robotics", "Health", "Analytics", "Energy", "Logistics", "Bank",
    "Games", "Bio", "Software", "Cloud", "Foods", "Mobility", "Security", "AI",
)  # fmt: skip

ROLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Engineering", "Platform", (
        "Software Engineer", "Senior Backend Engineer", "Staff Frontend Engineer",
        "Site Reliability Engineer", "Data Engineer", "Machine Learning Engineer",
        "Engineering Manager, Platform", "iOS Engineer", "Security Engineer",
        "Développeur Backend Python", "Senior Software Engineer - Payments",
    )),
    ("Product", "Product & Design", (
        "Product Manager", "Senior Product Designer", "UX Researcher", "Group Product Manager",
    )),
    ("Sales", "Go To Market", (
        "Account Executive", "Sales Development Representative", "Solutions Engineer",
        "Enterprise Account Executive, DACH",
    )),
    ("Marketing", "Growth", (
        "Content Marketing Manager", "Growth Marketing Lead", "Werkstudent (m/w/d) Marketing",
    )),
    ("Operations", "G&A", (
        "People Partner", "Technical Recruiter", "Finance Analyst", "Office Manager",
    )),
    ("Customer Success", "Support", (
        "Customer Success Manager", "Support Specialist", "Implementation Consultant",
    )),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    region: str
    country_code: str
    country: str
    currency: str


PLACES = (
    Place("San Francisco", "CA", "US", "United States", "USD"),
    Place("New York City", "NY", "US", "United States", "USD"),
    Place("Seattle", "WA", "US", "United States", "USD"),
    Place("Austin", "TX", "US", "United States", "USD"),
    Place("Chicago", "IL", "US", "United States", "USD"),
    Place("Toronto", "ON", "CA", "Canada", "CAD"),
    Place("London", "England", "GB", "United Kingdom", "GBP"),
    Place("Berlin", "Berlin", "DE", "Germany", "EUR"),
    Place("Munich", "Bavaria", "DE", "Germany", "EUR"),
    Place("Paris", "Île-de-France", "FR", "France", "EUR"),
    Place("Amsterdam", "North Holland", "NL", "Netherlands", "EUR"),
    Place("Dublin", "Leinster", "IE", "Ireland", "EUR"),
    Place("Warsaw", "", "PL", "Poland", "PLN"),
    Place("Bangalore", "Karnataka", "IN", "India", "INR"),
    Place("Sydney", "NSW", "AU", "Australia", "AUD"),
    Place("São Paulo", "SP", "BR", "Brazil", "BRL"),
)
# Remote labels with the place whose country and currency they imply ("Anywhere": none).
REMOTE_LABELS = (
    ("Remote - US", PLACES[0]),
    ("Anywhere", None),
    ("Remote (Europe)", PLACES[7]),
    ("Remote - Canada", PLACES[5]),
    ("Remote - UK", PLACES[6]),
)
ANNUAL_BASE = {"USD": 140_000, "CAD": 120_000, "GBP": 70_000, "EUR": 65_000, "PLN": 180_000,
               "INR": 2_400_000, "AUD": 140_000, "BRL": 180_000}  # fmt: skip
SYMBOLS = {"USD": "$", "CAD": "CA$", "GBP": "£", "EUR": "€", "AUD": "A$"}

EMPLOYMENT = ("full_time", "full_time", "full_time", "full_time", "part_time", "contract", "intern")
BULLETS = (
    "Design, build and run services that handle millions of requests a day",
    "Work closely with product, design and data to ship features customers love",
    "Own problems end to end, from discovery to production &amp; beyond",
    "Mentor teammates and raise the bar on code review and testing",
    "Improve observability, reliability and cost of our infrastructure",
    "Talk to customers every week and turn what you learn into plans",
    "Write clear documents and make decisions that others can follow",
    "3+ years of experience in a similar role",
    "Fluency in English; German or French is a plus",
    "Experience with Python, Go or TypeScript, SQL and cloud platforms",
    "Comfort with ambiguity and a bias for action",
    "A track record of shipping in small, frequent increments",
)
BENEFITS = (
    "Competitive salary and meaningful equity",
    "Health, dental and vision insurance",
    "30 days of paid vacation",
    "A yearly learning budget of €1,500",
    "Flexible hours and a home-office stipend",
    "Parental leave of 16 weeks",
)


@dataclass(frozen=True, slots=True)
class Salary:
    low: int | float
    high: int | float
    currency: str
    period: str  # year, month, hour


@dataclass(frozen=True, slots=True)
class SimJob:
    """One generated posting, format-neutral; renderers shape it per ATS."""

    k: int
    born: int
    title: str
    department: str
    team: str
    places: tuple[Place, ...]
    workplace: str | None
    remote_label: str | None
    employment: str
    posted: datetime
    updated: datetime
    salary: Salary | None
    salary_structured: bool
    intro: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    closing: str
    uid: str
    code: str

    @property
    def location(self) -> str:
        """One display string, as a careers page would show it."""
        if self.workplace == "remote" and self.remote_label:
            return self.remote_label
        text = ", ".join(p.city for p in self.places) if len(self.places) > 1 else _city_line(self.places[0])
        return f"{text} (Hybrid)" if self.workplace == "hybrid" else text

    @property
    def description(self) -> str:
        """The whole description as HTML."""
        body = "".join(f"<h3>{h}</h3><ul>{''.join(f'<li>{b}</li>' for b in items)}</ul>"
                       for h, items in self.sections)  # fmt: skip
        return self.intro + body + self.closing

    @property
    def place(self) -> Place:
        return self.places[0]


@dataclass(frozen=True, slots=True)
class Board:
    """One simulated board. ``slug`` is unique over all boards and formats."""

    index: int
    ats: str
    slug: str
    name: str
    size: int
    flavor: int
    failure: str | None = None
    site: str = ""
    variant: str = ""

    @property
    def per_day(self) -> int:
        return max(1, self.size // 25)

    @property
    def mean_life(self) -> int:
        return max(10, self.size // self.per_day)


def _city_line(p: Place) -> str:
    return f"{p.city}, {p.region}" if p.country_code in ("US", "CA", "AU") else f"{p.city}, {p.country}"


def _h(*parts: object) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _plain(fragment: str) -> str:
    """HTML -> text, good enough for the ``*Plain`` fields."""
    text = re.sub(r"</(p|li|h\d)>", "\n", fragment)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _iso_z(dt: datetime, ms: bool = False) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z" if ms else "%Y-%m-%dT%H:%M:%SZ")


def _money(amount: float, currency: str, style: int) -> str:
    sym = SYMBOLS.get(currency, "")
    if style == 1:
        short = f"{amount / 1000:.1f}".rstrip("0").rstrip(".")
        return f"{sym}{short}K"
    if style == 2:
        return f"{sym}{amount / 1000:.0f}k"
    return f"{sym}{amount:,.0f}"


def salary_prose(s: Salary, style: int) -> str:
    """Salary as careers pages write it: '$120,000 - $150,000', '€60k–75k', '$50-$65/hr'..."""
    sym = SYMBOLS.get(s.currency, "")
    if s.period == "hour":
        return f"{sym}{s.low:g}-{sym}{s.high:g}/hr"
    if s.period == "month":
        return f"{_money(s.low, s.currency, 0)} - {_money(s.high, s.currency, 0)} per month"
    style %= 6
    if not sym or style == 0:
        return f"{s.currency} {s.low:.0f}-{s.high:.0f}"
    if style == 1:
        return f"{_money(s.low, s.currency, 1)}–{_money(s.high, s.currency, 1)} annually"
    if style == 2:
        return f"{_money(s.low, s.currency, 2)}–{s.high / 1000:.0f}k"
    if style == 3 and s.currency == "GBP":
        return f"{_money(s.low, s.currency, 0)} per annum"
    if style == 4:
        return f"up to {_money(s.high, s.currency, 0)}"
    return f"{_money(s.low, s.currency, 0)} - {_money(s.high, s.currency, 0)}"


class _Generator:
    """Deterministic boards and jobs from (seed, board, day), computed lazily and cached."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._jobs: dict[tuple[str, int], SimJob] = {}
        self._day_sets: dict[tuple[str, int], list[SimJob]] = {}

    def make_boards(self, count: int, failures: bool) -> list[Board]:
        boards: list[Board] = []
        used: set[str] = set()
        seen_formats: dict[str, int] = {}
        for i in range(count):
            ats = FORMATS[i % len(FORMATS)]
            nth = seen_formats.get(ats, 0)
            seen_formats[ats] = nth + 1
            boards.append(self._good_board(i, ats, nth, used))
        if failures:
            for j, (slug, kind, ats) in enumerate(FAILURE_BOARDS):
                name = slug.replace("-", " ").title()
                boards.append(Board(count + j, ats, slug, name, 12, _h(self.seed, slug), kind))
        return boards

    def _good_board(self, i: int, ats: str, nth: int, used: set[str]) -> Board:
        rng = random.Random(f"{self.seed}:board:{i}")
        name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)}"
        for _ in range(20):  # prefer a fresh name; past ~500 boards the slugs get a number
            if self._board_slug(ats, name).lower() not in used and name not in used:
                break
            name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)}"
        slug = self._board_slug(ats, name)
        base, n = slug, 2
        while slug.lower() in used:
            slug, n = f"{base}{n}" if ats in ("smartrecruiters", "workday") else f"{base}-{n}", n + 1
        used.update((slug.lower(), name))
        size = int(5 + 55 * rng.random() ** 1.7)
        variant = ("inline", "listing", "embed")[nth % 3] if ats == "jsonld" else ""
        if ats == "smartrecruiters" and nth == 0:
            size = 135  # forces paging at limit=100
        elif ats == "workday" and nth == 0:
            size = 52  # three pages of 20
        elif variant == "listing":
            size = min(size, 12)  # scrapers cap detail-page follows
        site = ("External", "Careers")[nth % 2] if ats == "workday" else ""
        return Board(i, ats, slug, name, size, rng.getrandbits(16), None, site, variant)

    @staticmethod
    def _board_slug(ats: str, name: str) -> str:
        words = name.split()
        if ats == "smartrecruiters":
            return "".join(words)  # case-sensitive company id
        if ats in ("lever", "ashby", "workable", "jsonld"):
            return _slugify(name)
        return "".join(w.lower() for w in words)

    def jobs_on(self, board: Board, day: int) -> list[SimJob]:
        """The jobs the board lists on ``day``, oldest first."""
        key = (board.slug, day)
        if key not in self._day_sets:
            self._day_sets[key] = [self.job(board, k, born) for k, born in self._alive(board, day)]
        return self._day_sets[key]

    def _alive(self, board: Board, day: int) -> Iterator[tuple[int, int]]:
        span = 2 * board.mean_life
        for k in range(board.size):
            posted = -(_h(self.seed, board.slug, k, "age") % 60)
            left = 1 + _h(self.seed, board.slug, k, "life") % span
            if day < left and self._present(board, k, day):
                yield k, posted
        for born in range(max(1, day - span), day + 1):
            for j in range(board.per_day):
                k = board.size + (born - 1) * board.per_day + j
                life = 1 + _h(self.seed, board.slug, k, "life") % span
                if born <= day < born + life and self._present(board, k, day):
                    yield k, born

    def _present(self, board: Board, k: int, day: int) -> bool:
        # ~3% of open jobs are missing on any given day and come back the next: reopen cases
        return _h(self.seed, board.slug, k, day, "flicker") % 100 >= 3

    def job(self, board: Board, k: int, born: int) -> SimJob:
        key = (board.slug, k)
        if key not in self._jobs:
            self._jobs[key] = self._make_job(board, k, born)
        return self._jobs[key]

    def _make_job(self, board: Board, k: int, born: int) -> SimJob:
        rng = random.Random(f"{self.seed}:{board.slug}:{k}")
        department, team, titles = rng.choice(ROLES)
        title = rng.choice(titles)
        roll = rng.random()
        workplace = "remote" if roll < 0.25 else "hybrid" if roll < 0.5 else "onsite" if roll < 0.9 else None
        remote_label = None
        places = tuple(rng.sample(PLACES[:5], rng.choice((2, 3)))) if rng.random() < 0.12 else (rng.choice(PLACES),)
        if workplace == "remote":
            remote_label, implied = rng.choice(REMOTE_LABELS)
            places = (implied or places[0],)
        employment = rng.choice(EMPLOYMENT)
        posted = DAY0 + timedelta(days=born, hours=rng.randrange(0, 10), minutes=rng.randrange(60))
        updated = posted + timedelta(days=rng.randrange(0, 5), hours=rng.randrange(24))
        salary = self._salary(rng, places[0], employment)
        structured = salary is not None and rng.random() < 0.6
        intro, sections, closing = self._description(rng, board, title, salary, structured)
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        code = format(rng.getrandbits(40), "010X")
        return SimJob(k, born, title, department, team, places, workplace, remote_label, employment,
                      posted, updated, salary, structured, intro, sections, closing, uid, code)  # fmt: skip

    @staticmethod
    def _salary(rng: random.Random, place: Place, employment: str) -> Salary | None:
        if rng.random() < 0.4:
            return None
        if employment in ("contract", "intern") and place.currency == "USD":
            low = rng.randrange(30, 80)
            return Salary(low, low + rng.randrange(10, 30), "USD", "hour")
        base = ANNUAL_BASE[place.currency] * rng.uniform(0.7, 1.4)
        step = 1000 if base < 1_000_000 else 10_000
        low = int(base // step * step)
        return Salary(low, int(low * rng.uniform(1.15, 1.4) // step * step), place.currency, "year")

    @staticmethod
    def _description(
        rng: random.Random, board: Board, title: str, salary: Salary | None, structured: bool
    ) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...], str]:
        paragraphs = rng.randrange(1, 4)
        intro = f"<p>At <strong>{html.escape(board.name)}</strong> we build tools people rely on every day.</p>"
        intro += "".join(
            f"<p>As our new {html.escape(title)} you will join a team of {rng.randrange(4, 30)} "
            "people who care about craft, kindness and shipping.&nbsp;We value clear writing, "
            "small steps and fast feedback.</p>"
            for _ in range(paragraphs)
        )
        sections = (
            ("What you'll do", tuple(rng.sample(BULLETS[:7], rng.randrange(2, 6)))),
            ("What you bring", tuple(rng.sample(BULLETS[7:], rng.randrange(2, 5)))),
        )
        closing = "<h3>Benefits</h3><ul>" + "".join(
            f"<li>{html.escape(b)}</li>" for b in rng.sample(BENEFITS, rng.randrange(2, 6))
        ) + "</ul>"
        if salary is not None and not structured:
            prose = salary_prose(salary, rng.randrange(6))
            closing += f"<p><strong>Compensation:</strong> the pay range for this role is {html.escape(prose)}.</p>"
        return intro, sections, closing


# Renderers: jobs -> the ATS's real payload. Pure functions of (board, jobs, context).


def greenhouse_id(board: Board, job: SimJob) -> int:
    return 4_000_000_000 + board.index * 100_000 + job.k


def _greenhouse_job(board: Board, job: SimJob, content: bool, pay: bool) -> dict[str, Any]:
    jid = greenhouse_id(board, job)
    custom_domain = board.flavor % 3 == 0
    url = (f"https://www.{board.slug}.example.com/careers?gh_jid={jid}" if custom_domain
           else f"https://job-boards.greenhouse.io/{board.slug}/jobs/{jid}")  # fmt: skip
    dept_id = 40_000 + _h(job.department) % 10_000
    d: dict[str, Any] = {
        "absolute_url": url,
        "data_compliance": [{"type": "gdpr", "requires_consent": False, "retention_period": None}],
        "internal_job_id": jid - 1_000_000,
        "location": {"name": job.location},
        "metadata": None if job.k % 3 else [
            {"id": 1234, "name": "Employment Type", "value": job.employment.replace("_", "-").title(),
             "value_type": "single_select"},
        ],
        "id": jid,
        "updated_at": job.updated.astimezone(EASTERN).isoformat(),
        "requisition_id": f"REQ-{job.k:04d}",
        "title": job.title + (" " if job.k % 5 == 0 else ""),
        "company_name": board.name,
        "first_published": job.posted.astimezone(EASTERN).isoformat(),
        "departments": [{"id": dept_id, "name": job.department, "parent_id": None, "child_ids": []}],
        "offices": [
            {"id": 50_000 + _h(p.city) % 10_000, "name": p.city, "location": _city_line(p),
             "parent_id": None, "child_ids": []}
            for p in job.places
        ],
    }  # fmt: skip
    if content:
        # Greenhouse escapes its HTML once; "&nbsp;" in the source arrives as "&amp;nbsp;"
        d["content"] = html.escape(job.description, quote=True)
    if pay and job.salary is not None and job.salary_structured and job.salary.period == "year":
        d["pay_input_ranges"] = [{
            "min_cents": int(job.salary.low * 100), "max_cents": int(job.salary.high * 100),
            "currency_type": job.salary.currency, "title": "Base salary",
            "blurb": "The range for this role across all locations.", "description": None,
        }]  # fmt: skip
    return d


def render_greenhouse(board: Board, jobs: list[SimJob], content: bool, pay: bool) -> dict[str, Any]:
    items = [_greenhouse_job(board, j, content, pay and board.flavor % 2 == 0) for j in jobs]
    return {"jobs": items, "meta": {"total": len(items)}}


LEVER_INTERVALS = {"year": "per-year-salary", "month": "per-month-salary", "hour": "per-hour-wage"}
LEVER_COMMITMENT = {"full_time": "Full-time", "part_time": "Part-time", "contract": "Contract",
                    "intern": "Internship"}  # fmt: skip


def render_lever(board: Board, jobs: list[SimJob]) -> list[dict[str, Any]]:
    out = []
    for job in jobs:
        lists = [{"text": h, "content": "".join(f"<li>{b}</li>" for b in items)} for h, items in job.sections]
        d: dict[str, Any] = {
            "additional": job.closing,
            "additionalPlain": _plain(job.closing),
            "categories": {
                "commitment": LEVER_COMMITMENT[job.employment],
                "department": job.department,
                "location": job.location,
                "team": job.team,
                "allLocations": [job.location] if len(job.places) == 1 else [_city_line(p) for p in job.places],
            },
            "createdAt": int(job.posted.timestamp() * 1000),
            "descriptionPlain": _plain(job.intro),
            "description": job.intro,
            "id": job.uid,
            "lists": lists,
            "text": job.title,
            "country": job.place.country_code,
            "workplaceType": job.workplace or "unspecified",
            "opening": "",
            "openingPlain": "",
            "hostedUrl": f"https://jobs.lever.co/{board.slug}/{job.uid}",
            "applyUrl": f"https://jobs.lever.co/{board.slug}/{job.uid}/apply",
        }  # fmt: skip
        if job.salary is not None and job.salary_structured:
            d["salaryRange"] = {"min": job.salary.low, "max": job.salary.high,
                                "currency": job.salary.currency,
                                "interval": LEVER_INTERVALS[job.salary.period]}  # fmt: skip
        out.append(d)
    return out


ASHBY_EMPLOYMENT = {"full_time": "FullTime", "part_time": "PartTime", "contract": "Contract",
                    "intern": "Intern"}  # fmt: skip
ASHBY_WORKPLACE = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "OnSite", None: None}


def ashby_listed(job: SimJob) -> bool:
    return job.k % 11 != 4


def _ashby_address(p: Place) -> dict[str, Any]:
    return {"postalAddress": {"addressLocality": p.city, "addressRegion": p.region,
                              "addressCountry": p.country}}  # fmt: skip


def _ashby_compensation(job: SimJob) -> tuple[bool, dict[str, Any] | None]:
    s = job.salary
    if s is None or not job.salary_structured:
        return False, None
    display = job.k % 4 != 1  # some boards keep the numbers but hide them: respect the flag
    interval = {"year": "1 YEAR", "month": "1 MONTH", "hour": "1 HOUR"}[s.period]
    salary = {"compensationType": "Salary", "interval": interval, "currencyCode": s.currency,
              "minValue": s.low, "maxValue": s.high}  # fmt: skip
    equity = {"compensationType": "EquityPercentage", "interval": "NONE", "currencyCode": None,
              "minValue": 0.01, "maxValue": 0.05}  # fmt: skip
    summary = f"{_money(s.low, s.currency, 1)} – {_money(s.high, s.currency, 1)}"
    return display, {
        "compensationTierSummary": f"{summary} • Offers Equity",
        "scrapeableCompensationSalarySummary": summary.replace("–", "-"),
        "compensationTiers": [{"id": job.uid[:8], "tierSummary": summary, "title": "Zone A",
                               "components": [salary, equity]}],
        "summaryComponents": [salary, equity],
    }  # fmt: skip


def render_ashby(board: Board, jobs: list[SimJob], compensation: bool) -> dict[str, Any]:
    out = []
    for job in jobs:
        display, comp = _ashby_compensation(job)
        workplace = ASHBY_WORKPLACE[job.workplace] if job.k % 7 else None
        is_remote: bool | None = None if job.k % 5 == 2 else job.workplace == "remote"
        if job.workplace == "hybrid" and job.k % 6 == 0:
            is_remote = True  # disagrees with workplaceType: the latter wins
        d: dict[str, Any] = {
            "id": job.uid,
            "title": job.title,
            "department": job.department,
            "team": job.team,
            "employmentType": ASHBY_EMPLOYMENT[job.employment],
            "location": job.location if job.workplace == "remote" else job.place.city,
            "secondaryLocations": [{"location": p.city, "address": _ashby_address(p)} for p in job.places[1:]],
            "address": _ashby_address(job.place),
            "isRemote": is_remote,
            "workplaceType": workplace,
            "isListed": ashby_listed(job),
            "publishedAt": job.posted.astimezone(UTC).isoformat(timespec="milliseconds"),
            "jobUrl": f"https://jobs.ashbyhq.com/{board.slug}/{job.uid}",
            "applyUrl": f"https://jobs.ashbyhq.com/{board.slug}/{job.uid}/application",
            "descriptionHtml": job.description,
            "descriptionPlain": _plain(job.description),
            "shouldDisplayCompensationOnJobPostings": display,
        }  # fmt: skip
        if compensation:
            d["compensation"] = comp
        out.append(d)
    return {"apiVersion": "1", "jobs": out}


WORKABLE_TYPES = {"full_time": "Full-time", "part_time": "Part-time", "contract": "Contract", "intern": ""}


def render_workable(board: Board, jobs: list[SimJob], details: bool) -> dict[str, Any]:
    out = []
    for job in jobs:
        p = job.place
        d: dict[str, Any] = {
            "title": job.title,
            "shortcode": job.code,
            "code": "",
            "employment_type": WORKABLE_TYPES[job.employment],
            "telecommuting": job.workplace == "remote",
            "department": job.department if job.k % 4 else "",
            "url": f"https://apply.workable.com/j/{job.code}",
            "shortlink": f"https://apply.workable.com/j/{job.code}",
            "application_url": f"https://apply.workable.com/j/{job.code}/apply",
            "published_on": job.posted.date().isoformat(),
            "created_at": (job.posted - timedelta(days=2)).date().isoformat(),
            "country": p.country,
            "city": p.city,
            "state": p.region if p.country_code == "US" else "",
            "education": "",
            "experience": "Mid-Senior level" if job.k % 2 else "",
            "function": "",
            "industry": "Computer Software",
            "locations": [{"country": q.country, "countryCode": q.country_code, "city": q.city,
                           "region": q.region, "hidden": False} for q in job.places],
        }  # fmt: skip
        if details:
            d["description"] = job.description
        out.append(d)
    return {"name": board.name, "description": f"<p>{html.escape(board.name)} is hiring.</p>", "jobs": out}


def sr_id(board: Board, job: SimJob) -> str:
    return str(744_000_000_000 + board.index * 100_000 + job.k)


def _sr_item(board: Board, job: SimJob) -> dict[str, Any]:
    p = job.place
    dept = {} if job.k % 4 == 0 else {"id": str(_h(job.department) % 10**6), "label": job.department}
    pid = sr_id(board, job)
    return {
        "id": pid,
        "name": job.title,
        "uuid": job.uid,
        "jobAdId": job.uid[::-1],
        "defaultLanguage": {"code": "en", "label": "English", "labelNative": "English (US)"},
        "refNumber": f"REF{job.k:04d}{board.slug[:3].upper()}",
        "company": {"identifier": board.slug, "name": board.name},
        "releasedDate": _iso_z(job.posted, ms=True),
        "location": {
            "city": p.city, "region": p.region, "country": p.country_code.lower(),
            "remote": job.workplace == "remote", "hybrid": job.workplace == "hybrid",
            "fullLocation": job.location,
        },
        "industry": {"id": "computer_software", "label": "Computer Software"},
        "department": dept,
        "function": {"id": "engineering", "label": "Engineering"},
        "typeOfEmployment": {"id": job.employment, "label": job.employment.replace("_", "-").title()},
        "experienceLevel": {"id": "mid_senior_level", "label": "Mid-Senior Level"},
        "customField": [],
        "ref": f"https://api.smartrecruiters.com/v1/companies/{board.slug}/postings/{pid}",
        "creator": {"name": "Talent Team"},
        "language": {"code": "en", "label": "English", "labelNative": "English (US)"},
    }  # fmt: skip


def render_sr_page(board: Board, jobs: list[SimJob], offset: int, limit: int) -> dict[str, Any]:
    page = jobs[offset : offset + limit]
    return {"offset": offset, "limit": limit, "totalFound": len(jobs),
            "content": [_sr_item(board, j) for j in page]}  # fmt: skip


def render_sr_detail(board: Board, job: SimJob) -> dict[str, Any]:
    d = _sr_item(board, job)
    (h1, b1), (h2, b2) = job.sections
    d["jobAd"] = {"sections": {
        "companyDescription": {"title": "Company Description", "text": job.intro.split("</p>")[0] + "</p>"},
        "jobDescription": {"title": "Job Description",
                           "text": job.intro + f"<h3>{h1}</h3><ul>{''.join(f'<li>{b}</li>' for b in b1)}</ul>"},
        "qualifications": {"title": "Qualifications",
                           "text": f"<ul>{''.join(f'<li>{b}</li>' for b in b2)}</ul>"},
        "additionalInformation": {"title": "Additional Information", "text": job.closing},
    }}  # fmt: skip
    d["postingUrl"] = f"https://jobs.smartrecruiters.com/{board.slug}/{d['id']}-{_slugify(job.title)}"
    d["applyUrl"] = f"https://jobs.smartrecruiters.com/{board.slug}/{d['id']}-{_slugify(job.title)}?oga=true"
    return d


RECRUITEE_TYPES = {"full_time": "fulltime_permanent", "part_time": "parttime_permanent",
                   "contract": "freelance", "intern": "internship"}  # fmt: skip


def recruitee_id(board: Board, job: SimJob) -> int:
    return 1_000_000 + board.index * 100_000 + job.k


def _recruitee_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_recruitee(board: Board, jobs: list[SimJob]) -> dict[str, Any]:
    out = []
    for job in jobs:
        p, s = job.place, job.salary
        structured = s is not None and job.salary_structured
        slug = _slugify(job.title)
        out.append({
            "id": recruitee_id(board, job),
            "slug": slug,
            "title": job.title,
            "company_name": board.name,
            "department": job.department,
            "location": job.location,
            "city": p.city,
            "country": p.country,
            "country_code": p.country_code,
            "state_code": p.region if p.country_code == "US" else None,
            "remote": job.workplace == "remote",
            "hybrid": job.workplace == "hybrid",
            "on_site": job.workplace == "onsite",
            "employment_type_code": RECRUITEE_TYPES[job.employment],
            "salary": {"min": s.low if structured and s else None, "max": s.high if structured and s else None,
                       "period": s.period if structured and s else None,
                       "currency": s.currency if structured and s else None},
            "created_at": _recruitee_time(job.posted - timedelta(hours=3)),
            "published_at": _recruitee_time(job.posted),
            "status": "published",
            "description": job.intro + job.closing,
            "requirements": "".join(f"<h3>{h}</h3><ul>{''.join(f'<li>{b}</li>' for b in items)}</ul>"
                                    for h, items in job.sections),
            "careers_url": f"https://{board.slug}.recruitee.com/o/{slug}",
            "careers_apply_url": f"https://{board.slug}.recruitee.com/o/{slug}/c/new",
            "tags": [],
        })  # fmt: skip
    return {"offers": out}


PERSONIO_TYPES = {"full_time": "permanent", "part_time": "permanent", "contract": "freelance",
                  "intern": "intern"}  # fmt: skip


def personio_id(board: Board, job: SimJob) -> int:
    return 1_000_000 + board.index * 100_000 + job.k


def _xml_text(text: str) -> str:
    # Personio entity-encodes apostrophes the HTML way; both are valid XML references
    return html.escape(text, quote=False).replace("'", "&#039;")


def render_personio(board: Board, jobs: list[SimJob]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<workzag-jobs>']
    for job in jobs:
        sections = [("Your mission", job.intro)] + [
            (h, f"<ul>{''.join(f'<li>{b}</li>' for b in items)}</ul>") for h, items in job.sections
        ] + [("Why you&#039;ll love working here", job.closing)]
        offices = "".join(f"<office>{_xml_text(p.city)}</office>" for p in job.places[1:])
        descriptions = "".join(
            f"<jobDescription><name>{name if '&#039;' in name else _xml_text(name)}</name>"
            f"<value><![CDATA[{value}]]></value></jobDescription>"
            for name, value in sections
        )
        parts.append(
            "<position>"
            f"<id>{personio_id(board, job)}</id>"
            f"<subcompany>{_xml_text(board.name)} GmbH</subcompany>"
            f"<office>{_xml_text(job.place.city)}</office>"
            f"<additionalOffices>{offices}</additionalOffices>"
            f"<department>{_xml_text(job.department)}</department>"
            f"<recruitingCategory>{_xml_text(job.team)}</recruitingCategory>"
            f"<name>{_xml_text(job.title)}</name>"
            f"<jobDescriptions>{descriptions}</jobDescriptions>"
            f"<employmentType>{PERSONIO_TYPES[job.employment]}</employmentType>"
            f"<seniority>experienced</seniority>"
            f"<schedule>{'part-time' if job.employment == 'part_time' else 'full-time'}</schedule>"
            f"<yearsOfExperience>lt-1</yearsOfExperience>"
            f"<keywords>Python,SQL</keywords>"
            f"<occupation>software_and_web_development</occupation>"
            f"<occupationCategory>it_software</occupationCategory>"
            f"<createdAt>{job.posted.astimezone(timezone(timedelta(hours=1))).isoformat()}</createdAt>"
            "</position>"
        )
    parts.append("</workzag-jobs>\n")
    return "\n".join(parts)


def workday_req_id(board: Board, job: SimJob) -> str:
    return f"JR{board.index * 100_000 + job.k + 10_000:07d}"


def workday_path(board: Board, job: SimJob) -> str:
    place = f"{job.place.city}-{job.place.country}".replace(" ", "-")
    return f"/job/{place}/{_slugify(job.title).title()}_{workday_req_id(board, job)}"


def _posted_on(posted: datetime, today: datetime) -> str:
    days = (today.date() - posted.date()).days
    if days <= 0:
        return "Posted Today"
    if days == 1:
        return "Posted Yesterday"
    return "Posted 30+ Days Ago" if days >= 30 else f"Posted {days} Days Ago"


def render_workday_page(board: Board, jobs: list[SimJob], offset: int, limit: int, today: datetime) -> dict[str, Any]:
    postings = []
    for job in jobs[offset : offset + limit]:
        d: dict[str, Any] = {
            "title": job.title,
            "externalPath": workday_path(board, job),
            "locationsText": f"{len(job.places)} Locations" if len(job.places) > 1 else job.location,
            "postedOn": _posted_on(job.posted, today),
            "bulletFields": [workday_req_id(board, job)],
        }
        if job.workplace in ("remote", "hybrid"):
            d["remoteType"] = job.workplace.title()
        postings.append(d)
    return {"total": len(jobs), "jobPostings": postings, "facets": [], "userAuthenticated": False}


def render_workday_detail(board: Board, job: SimJob, today: datetime) -> dict[str, Any]:
    path = workday_path(board, job)
    info: dict[str, Any] = {
        "id": job.uid.replace("-", ""),
        "title": job.title,
        "jobDescription": job.description,
        "location": job.location if len(job.places) == 1 else _city_line(job.place),
        "additionalLocations": [_city_line(p) for p in job.places[1:]],
        "postedOn": _posted_on(job.posted, today),
        "startDate": job.posted.date().isoformat(),
        "timeType": "Part time" if job.employment == "part_time" else "Full time",
        "jobReqId": workday_req_id(board, job),
        "jobPostingId": path.rsplit("/", 1)[1],
        "jobPostingSiteId": board.site,
        "country": {"descriptor": job.place.country, "id": _h(job.place.country) % 10**8},
        "canApply": True,
        "posted": True,
        "externalUrl": f"https://{board.slug}.wd5.myworkdayjobs.com/{board.site}{path}",
    }
    if job.workplace in ("remote", "hybrid"):
        info["remoteType"] = job.workplace.title()
    return {"jobPostingInfo": info, "hiringOrganization": {"name": board.name, "url": ""},
            "similarJobs": [], "userAuthenticated": False}  # fmt: skip


def jsonld_id(board: Board, job: SimJob) -> str:
    return f"CAR-{board.index:03d}-{job.k:05d}"


def _jsonld_posting(board: Board, job: SimJob, base: str) -> dict[str, Any]:
    p = job.place
    address: Any = {"@type": "PostalAddress", "addressLocality": p.city, "addressRegion": p.region,
                    "addressCountry": "" if job.k % 6 == 5 else p.country_code}  # fmt: skip
    if job.k % 9 == 4:
        address = _city_line(p)  # a plain string, as some CMSs write it
    locations: Any = [{"@type": "Place", "address": address}] if job.k % 2 else {"@type": "Place", "address": address}
    d: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": ["JobPosting"] if job.k % 4 == 3 else "JobPosting",
        "title": job.title,
        "description": job.description,
        # some pages drop the timezone
        "datePosted": job.posted.strftime("%Y-%m-%dT%H:%M:%S") if job.k % 3 == 0 else job.posted.isoformat(),
        "validThrough": (job.posted + timedelta(days=90)).date().isoformat(),
        "employmentType": ["FULL_TIME", "TEMPORARY"] if job.employment == "contract"
        else job.employment.upper(),
        "hiringOrganization": {"@type": "Organization", "name": board.name,
                               "sameAs": f"https://www.{board.slug}.example.com"},
        "identifier": {"@type": "PropertyValue", "name": board.name, "value": jsonld_id(board, job)},
        "url": f"{base}/careers/{board.slug}/jobs/{jsonld_id(board, job)}",
        "jobLocation": locations,
    }  # fmt: skip
    if job.workplace == "remote":
        d["jobLocationType"] = "TELECOMMUTE"
        d["applicantLocationRequirements"] = {"@type": "Country", "name": p.country}
    s = job.salary
    if s is not None and job.salary_structured:
        unit = s.period.upper() if job.k % 2 else s.period.title()
        d["baseSalary"] = {"@type": "MonetaryAmount", "currency": s.currency,
                           "value": {"@type": "QuantitativeValue", "minValue": s.low, "maxValue": s.high,
                                     "unitText": unit}}  # fmt: skip
    return d


def _ld_script(data: Any, raw_newlines: bool = False) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if raw_newlines:
        # a real-world break: raw newlines inside JSON strings (invalid JSON, browsers shrug)
        text = text.replace("</p><p>", "</p>\n<p>")
    text = text.replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"{head}</head><body>{body}</body></html>\n")  # fmt: skip


def render_careers(board: Board, jobs: list[SimJob], base: str) -> str:
    webpage = _ld_script({"@context": "https://schema.org", "@type": "WebPage", "name": f"Careers at {board.name}"})
    header = f"<header><h1>Careers at {html.escape(board.name)}</h1><nav><a href=\"/\">Home</a></nav></header>"
    if board.variant == "embed":
        token = board.slug
        body = (
            f"{header}<p>Join us! Our open roles:</p>"
            f'<div id="grnhse_app"></div>'
            f'<script src="{base}/embed/job_board/js?for={token}"></script>'
            f'<iframe id="grnhse_iframe" src="{base}/embed/job_board?for={token}" width="100%"></iframe>'
            f'<p><a href="{base}/v1/boards/{token}/jobs?content=true">All open positions (JSON)</a></p>'
        )
        return _page(f"Careers - {board.name}", body, webpage)
    if board.variant == "listing":
        items = "".join(
            f'<li><a href="/careers/{board.slug}/jobs/{jsonld_id(board, j)}">{html.escape(j.title)}</a>'
            f" <span>{html.escape(j.location)}</span></li>"
            for j in jobs
        )
        body = (f"{header}<ul class=\"jobs\">{items}</ul>"
                f'<footer><a href="https://www.linkedin.com/company/{board.slug}">LinkedIn</a> '
                f'<a href="/careers/{board.slug}/privacy">Privacy</a></footer>')  # fmt: skip
        return _page(f"Careers - {board.name}", body, webpage)
    postings = [_jsonld_posting(board, j, base) for j in jobs]
    blocks = [webpage]
    # Mix the shapes real pages use: one object per block, an @graph, and a bare array.
    third = max(1, len(postings) // 3)
    for i, posting in enumerate(postings[:third]):
        blocks.append(_ld_script(posting, raw_newlines=i % 4 == 1))
    blocks.append(_ld_script({"@context": "https://schema.org", "@graph": postings[third : 2 * third]}))
    blocks.append(_ld_script(postings[2 * third :]))
    cards = "".join(f"<article><h2>{html.escape(j.title)}</h2><p>{html.escape(j.location)}</p></article>" for j in jobs)
    return _page(f"Careers - {board.name}", header + cards, "".join(blocks))


def render_careers_detail(board: Board, job: SimJob, base: str) -> str:
    posting = _jsonld_posting(board, job, base)
    body = (f"<article><h1>{html.escape(job.title)}</h1><p>{html.escape(job.location)}</p>"
            f"{job.description}<a href=\"/careers/{board.slug}\">All jobs</a></article>")  # fmt: skip
    return _page(f"{job.title} - {board.name}", body, _ld_script(posting))


def render_greenhouse_embed(board: Board, jobs: list[SimJob]) -> str:
    items = "".join(
        f'<div class="opening"><a href="https://www.{board.slug}.example.com/careers?gh_jid={greenhouse_id(board, j)}">'
        f"{html.escape(j.title)}</a><span class=\"location\">{html.escape(j.location)}</span></div>"
        for j in jobs
    )
    return _page(f"Jobs at {board.name}", f"<section class=\"level-0\">{items}</section>")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Simulator:
    """Serves generated boards on 127.0.0.1 from a background thread; see the module docstring."""

    def __init__(
        self,
        boards: int = 27,
        *,
        latency_ms: int = 0,
        seed: int = 1,
        ports: int = 3,
        port: int = 0,
        failures: bool = False,
        day: int = 0,
        slow_s: float = 30.0,
    ) -> None:
        self.latency_ms = latency_ms
        self.seed = seed
        self.slow_s = slow_s
        self.request_count = 0
        self._day = day
        self._port = port
        self._nports = max(1, ports)
        self._gen = _Generator(seed)
        self._boards = self._gen.make_boards(boards, failures)
        self._by_slug = {b.slug: b for b in self._boards}
        self._ports: list[int] = [port + i for i in range(self._nports)] if port else []
        self._hits: dict[tuple[str, int], int] = {}
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._cache_bytes = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closing: asyncio.Event | None = None
        self._runners: list[web.AppRunner] = []
        self._error: BaseException | None = None

    # Python API

    def start(self) -> Simulator:
        """Start serving in a daemon thread; returns once every port listens."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="board-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving; pending slow responses end at once."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def day(self) -> int:
        return self._day

    def set_day(self, day: int) -> None:
        """Make every board list its jobs of ``day`` from now on."""
        self._day = int(day)

    @property
    def ports(self) -> list[int]:
        """The ports served (known before start only when a fixed ``port`` was given)."""
        return list(self._ports)

    def companies(self) -> list[dict[str, Any]]:
        """One dict per board: name, ats, board, url (API endpoint; careers page for jsonld), failure."""
        return [
            {"name": b.name, "ats": b.ats, "board": b.slug, "url": self.url_of(b.slug), "failure": b.failure}
            for b in self._boards
        ]

    def url_of(self, board: str) -> str:
        """The URL a scraper should fetch for ``board``."""
        b = self._board(board)
        return self._base(b) + endpoint_path(b)

    def expected_job_ids(self, board: str, day: int | None = None) -> set[str]:
        """External ids ``board`` lists on ``day`` (default: today) to a patient, retrying client."""
        b = self._board(board)
        if b.failure is not None and b.failure not in RECOVERING:
            return set()
        jobs = self._gen.jobs_on(b, self._day if day is None else day)
        return {external_id(b, j) for j in jobs if b.ats != "ashby" or ashby_listed(j)}

    def write_companies(self, path: str | Path) -> None:
        """Write the companies TOML of DESIGN.md (name, url, ats, board)."""
        lines = ["# Boards served by `jobscraper simulate` (scraper/simulator.py).", ""]
        for c in self.companies():
            lines += ["[[company]]"] + [f"{key} = {json.dumps(c[key])}" for key in ("name", "url", "ats", "board")]
            if c["failure"]:
                lines[-4] += f"  # fails on purpose: {c['failure']}"
            lines.append("")
        Path(path).write_text("\n".join(lines), encoding="utf-8")

    # Internals

    def _board(self, slug: str) -> Board:
        try:
            return self._by_slug[slug]
        except KeyError:
            raise KeyError(f"no simulated board {slug!r}; see Simulator.companies()") from None

    def _base(self, board: Board) -> str:
        if not self._ports:
            raise RuntimeError("ports are chosen at start(): call start() first or pass port=")
        return f"http://127.0.0.1:{self._ports[board.index % len(self._ports)]}"

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except OSError as exc:
            self._error = exc
            loop.run_until_complete(self._shutdown())
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _serve(self) -> None:
        self._closing = asyncio.Event()
        ports: list[int] = []
        for i in range(self._nports):
            app = web.Application(middlewares=[self._middleware], client_max_size=1024**2)
            app.add_routes(self._routes())
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
            await runner.setup()
            self._runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", self._port + i if self._port else 0)
            await site.start()
            ports.append(runner.addresses[0][1])
        self._ports = ports

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()
        for runner in self._runners:
            await runner.cleanup()
        self._runners = []

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self._index),
            web.post("/_control/day", self._control_day),
            web.get("/v1/boards/{token}/jobs", self._greenhouse),
            web.get("/embed/job_board", self._greenhouse_embed),
            web.get("/v0/postings/{site}", self._lever),
            web.get("/posting-api/job-board/{name}", self._ashby),
            web.get("/api/v1/widget/accounts/{slug}", self._workable),
            web.get("/v1/companies/{cid}/postings", self._sr_list),
            web.get("/v1/companies/{cid}/postings/{pid}", self._sr_detail),
            web.get("/recruitee/{company}/api/offers", self._recruitee),
            web.get("/recruitee/{company}/api/offers/", self._recruitee),
            web.get("/personio/{company}/xml", self._personio),
            web.post("/wday/cxs/{tenant}/{site}/jobs", self._workday_list),
            web.get("/wday/cxs/{tenant}/{site}/job/{rest:.+}", self._workday_detail),
            web.get("/careers/{slug}", self._careers),
            web.get("/careers/{slug}/jobs/{jid}", self._careers_detail),
        ]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.request_count += 1
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        return await handler(request)

    def _today(self) -> datetime:
        return DAY0 + timedelta(days=self._day, hours=8)

    def _lookup(self, ats: str, slug: str) -> Board | None:
        board = self._by_slug.get(slug)
        if board is None:
            return None
        if board.ats == ats or (ats == "greenhouse" and board.variant == "embed"):
            return board
        return None

    def _json(self, key: tuple[Any, ...], build: Callable[[], Any]) -> web.Response:
        return web.Response(body=self._cached(key, lambda: json.dumps(build(), ensure_ascii=False).encode()),
                            content_type="application/json", charset="utf-8")  # fmt: skip

    def _cached(self, key: tuple[Any, ...], build: Callable[[], bytes]) -> bytes:
        full = (*key, self._day)
        body = self._cache.get(full)
        if body is None:
            body = build()
            if self._cache_bytes + len(body) > CACHE_MAX_BYTES:
                self._cache.clear()  # a crude bound: rebuilding a payload takes milliseconds
                self._cache_bytes = 0
            self._cache[full] = body
            self._cache_bytes += len(body)
        return body

    async def _failure(self, request: web.Request, board: Board) -> web.StreamResponse | None:
        """The misbehaviour of a failure board, or None when it serves normally this time."""
        kind = board.failure
        if kind is None:
            return None
        if kind == "404":
            return web.json_response({"status": 404, "error": "Job board not found"}, status=404)
        if kind in ("500-then-ok", "429"):
            hits = self._hits[(board.slug, self._day)] = self._hits.get((board.slug, self._day), 0) + 1
            if hits > FLAKY_FAILURES_PER_DAY:
                return None
            if kind == "429":
                return web.json_response({"error": "Too Many Requests"}, status=429, headers={"Retry-After": "1"})
            return web.Response(status=500, text="Internal Server Error")
        if kind == "slow":
            return await self._slow()
        if kind == "oversized":
            return await self._oversized(request)
        if kind == "malformed":
            return web.Response(body=b'[{"id": "0b6e", "text": "Backend Engineer", "categories": {,]',
                                content_type="application/json")  # fmt: skip
        if kind == "redirect-loop":
            target = request.path if request.query.get("hop") else f"{request.path}?hop=1"
            raise web.HTTPFound(target)
        return await self._reset(request)

    async def _slow(self) -> web.StreamResponse | None:
        assert self._closing is not None
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=self.slow_s)
        except TimeoutError:
            return None  # waited it out: serve the board
        return web.Response(status=503, text="simulator shutting down")

    async def _oversized(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        chunk = (b'{"id": 1, "title": "' + b"x" * 65_000 + b'"},')
        try:
            await resp.write(b'{"jobs": [')
            for _ in range(OVERSIZED_BYTES // len(chunk) + 1):
                await resp.write(chunk)
            await resp.write(b'{}], "meta": {"total": 0}}')
        except ConnectionError:
            pass  # the client gave up at its size cap, as it should
        return resp

    async def _reset(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "50000"})
        await resp.prepare(request)
        await resp.write(b'{"offset": 0, "limit": 100, "totalFound": 3, "content": [')
        assert request.transport is not None
        request.transport.abort()
        raise asyncio.CancelledError  # the handler is over: nothing more can be sent

    # Handlers, one per endpoint; each returns the real API's answer for an unknown board.

    async def _index(self, request: web.Request) -> web.StreamResponse:
        rows = "".join(
            f'<li>{html.escape(b.name)} [{b.ats}{", fails: " + b.failure if b.failure else ""}] '
            f'<a href="{self.url_of(b.slug)}">{html.escape(self.url_of(b.slug))}</a></li>'
            for b in self._boards
        )
        body = f"<h1>Board simulator, day {self._day}</h1><ul>{rows}</ul>"
        return web.Response(text=_page("Board simulator", body), content_type="text/html")

    async def _control_day(self, request: web.Request) -> web.StreamResponse:
        try:
            payload = await request.json()
            self.set_day(int(payload["day"]))
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"error": f'expected {{"day": <int>}}: {exc}'}, status=400)
        return web.json_response({"day": self._day})

    async def _greenhouse(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("greenhouse", request.match_info["token"])
        if board is None:
            return web.json_response({"status": 404, "error": "Job board not found"}, status=404)
        if (failed := await self._failure(request, board)) is not None:
            return failed
        content = request.query.get("content") == "true"
        pay = request.query.get("pay_transparency") == "true"
        return self._json(("gh", board.slug, content, pay),
                          lambda: render_greenhouse(board, self._gen.jobs_on(board, self._day), content, pay))

    async def _greenhouse_embed(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("greenhouse", request.query.get("for", ""))
        if board is None:
            raise web.HTTPNotFound(text="Job board not found")
        text = render_greenhouse_embed(board, self._gen.jobs_on(board, self._day))
        return web.Response(text=text, content_type="text/html")

    async def _lever(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("lever", request.match_info["site"])
        if board is None:
            return web.json_response({"ok": False, "error": "Document not found"}, status=404)
        if (failed := await self._failure(request, board)) is not None:
            return failed
        skip = _int(request.query.get("skip"), 0)
        limit = _int(request.query.get("limit"), 0)
        if not skip and not limit:
            return self._json(("lever", board.slug), lambda: render_lever(board, self._gen.jobs_on(board, self._day)))
        jobs = self._gen.jobs_on(board, self._day)[skip : skip + limit if limit else None]
        return web.json_response(render_lever(board, jobs))

    async def _ashby(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("ashby", request.match_info["name"])
        if board is None:
            return web.json_response({"success": False, "error": "Job board not found"}, status=404)
        if (failed := await self._failure(request, board)) is not None:
            return failed
        comp = request.query.get("includeCompensation") == "true"
        return self._json(("ashby", board.slug, comp),
                          lambda: render_ashby(board, self._gen.jobs_on(board, self._day), comp))

    async def _workable(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("workable", request.match_info["slug"])
        if board is None:
            return web.json_response({"error": "Not found"}, status=404)
        if (failed := await self._failure(request, board)) is not None:
            return failed
        details = request.query.get("details") == "true"
        return self._json(("workable", board.slug, details),
                          lambda: render_workable(board, self._gen.jobs_on(board, self._day), details))

    async def _sr_list(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("smartrecruiters", request.match_info["cid"])
        offset = max(0, _int(request.query.get("offset"), 0))
        limit = _int(request.query.get("limit"), 10)
        if not 1 <= limit <= SMARTRECRUITERS_PAGE_MAX:
            return web.json_response({"code": "INVALID_PARAMETER",
                                      "message": f"limit must be between 1 and {SMARTRECRUITERS_PAGE_MAX}"},
                                     status=400)  # fmt: skip
        if board is None:
            return web.json_response({"offset": offset, "limit": limit, "totalFound": 0, "content": []})
        if (failed := await self._failure(request, board)) is not None:
            return failed
        return self._json(("sr", board.slug, offset, limit),
                          lambda: render_sr_page(board, self._gen.jobs_on(board, self._day), offset, limit))

    async def _sr_detail(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("smartrecruiters", request.match_info["cid"])
        pid = request.match_info["pid"]
        jobs = [] if board is None else self._gen.jobs_on(board, self._day)
        job = next((j for j in jobs if board is not None and sr_id(board, j) == pid), None)
        if board is None or job is None:
            return web.json_response({"code": "NOT_FOUND", "message": f"Posting {pid} not found"}, status=404)
        return web.json_response(render_sr_detail(board, job))

    async def _recruitee(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("recruitee", request.match_info["company"])
        if board is None:
            return web.json_response({"error": "Not found"}, status=404)
        if (failed := await self._failure(request, board)) is not None:
            return failed
        return self._json(("recruitee", board.slug),
                          lambda: render_recruitee(board, self._gen.jobs_on(board, self._day)))

    async def _personio(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("personio", request.match_info["company"])
        if board is None:
            raise web.HTTPFound("/")  # Personio sends unknown companies to its home page
        if (failed := await self._failure(request, board)) is not None:
            return failed
        body = self._cached(("personio", board.slug),
                            lambda: render_personio(board, self._gen.jobs_on(board, self._day)).encode())
        return web.Response(body=body, content_type="text/xml", charset="utf-8")

    async def _workday_list(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("workday", request.match_info["tenant"])
        if board is None or request.match_info["site"] != board.site:
            return web.json_response({"errorCode": "HTTP_404", "httpStatus": 404}, status=404)
        try:
            body = await request.json() if request.can_read_body else {}
            offset, limit = int(body.get("offset", 0)), int(body.get("limit", 20))
        except (ValueError, TypeError, AttributeError):
            return web.json_response({"errorCode": "HTTP_400", "message": "Bad request body"}, status=400)
        if not 0 < limit <= WORKDAY_PAGE_MAX or offset < 0:
            return web.json_response({"errorCode": "HTTP_400", "httpStatus": 400,
                                      "message": f"limit must be 1..{WORKDAY_PAGE_MAX}"}, status=400)  # fmt: skip
        if (failed := await self._failure(request, board)) is not None:
            return failed
        return self._json(("wd", board.slug, offset, limit),
                          lambda: render_workday_page(board, self._gen.jobs_on(board, self._day), offset,
                                                      limit, self._today()))  # fmt: skip

    async def _workday_detail(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("workday", request.match_info["tenant"])
        path = "/job/" + request.match_info["rest"]
        jobs = [] if board is None else self._gen.jobs_on(board, self._day)
        job = next((j for j in jobs if board is not None and workday_path(board, j) == path), None)
        if board is None or job is None or request.match_info["site"] != board.site:
            return web.json_response({"errorCode": "HTTP_404", "httpStatus": 404}, status=404)
        return web.json_response(render_workday_detail(board, job, self._today()))

    async def _careers(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("jsonld", request.match_info["slug"])
        if board is None:
            raise web.HTTPNotFound(text="Page not found")
        if (failed := await self._failure(request, board)) is not None:
            return failed
        base = f"http://{request.host}"
        body = self._cached(("careers", board.slug, base),
                            lambda: render_careers(board, self._gen.jobs_on(board, self._day), base).encode())
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    async def _careers_detail(self, request: web.Request) -> web.StreamResponse:
        board = self._lookup("jsonld", request.match_info["slug"])
        jid = request.match_info["jid"]
        jobs = [] if board is None else self._gen.jobs_on(board, self._day)
        job = next((j for j in jobs if board is not None and jsonld_id(board, j) == jid), None)
        if board is None or job is None:
            raise web.HTTPNotFound(text="This job is no longer available")
        text = render_careers_detail(board, job, f"http://{request.host}")
        return web.Response(text=text, content_type="text/html")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def endpoint_path(board: Board) -> str:
    """The path (and query) of ``board``'s API endpoint, as the real API spells it."""
    s = board.slug
    return {
        "greenhouse": f"/v1/boards/{s}/jobs?content=true&pay_transparency=true",
        "lever": f"/v0/postings/{s}?mode=json",
        "ashby": f"/posting-api/job-board/{s}?includeCompensation=true",
        "workable": f"/api/v1/widget/accounts/{s}?details=true",
        "smartrecruiters": f"/v1/companies/{s}/postings",
        "recruitee": f"/recruitee/{s}/api/offers/",
        "personio": f"/personio/{s}/xml?language=en",
        "workday": f"/wday/cxs/{s}/{board.site}/jobs",
        "jsonld": f"/careers/{s}",
    }[board.ats]


def external_id(board: Board, job: SimJob) -> str:
    """The id a parser reads for ``job`` (for the embedding jsonld board: the Greenhouse id)."""
    if board.ats == "greenhouse" or board.variant == "embed":
        return str(greenhouse_id(board, job))
    if board.ats in ("lever", "ashby"):
        return job.uid
    return {
        "workable": lambda: job.code,
        "smartrecruiters": lambda: sr_id(board, job),
        "recruitee": lambda: str(recruitee_id(board, job)),
        "personio": lambda: str(personio_id(board, job)),
        "workday": lambda: workday_req_id(board, job),
        "jsonld": lambda: jsonld_id(board, job),
    }[board.ats]()


def cli_simulate(*, port: int, boards: int, latency_ms: int, seed: int, write_companies: str | None) -> int:
    """`jobscraper simulate`: serve in the foreground until Ctrl-C."""
    sim = Simulator(boards, latency_ms=latency_ms, seed=seed, port=port, failures=True)
    try:
        sim.start()
    except OSError as exc:
        print(f"jobscraper simulate: cannot listen on ports {port}-{port + 2}: {exc.strerror}")
        return 1
    first = f"http://127.0.0.1:{sim.ports[0]}"
    print(f"Simulating {boards} boards (+{len(FAILURE_BOARDS)} failing ones), seed {seed}, "
          f"latency {latency_ms} ms, on {', '.join(f'127.0.0.1:{p}' for p in sim.ports)}")  # fmt: skip
    print(f"  board list:   {first}/")
    if write_companies:
        sim.write_companies(write_companies)
        print(f"  companies:    {write_companies}  ->  jobscraper scrape --companies {write_companies}")
    else:
        print("  companies:    --write-companies FILE, or data/demo_companies.toml for the defaults")
    print(f"  next day:     curl -X POST -d '{{\"day\": 1}}' {first}/_control/day")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping")
    finally:
        sim.stop()
    return 0
