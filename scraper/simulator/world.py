"""The simulated world every format renders: places, roles, boards, jobs and text helpers."""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

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
        text = ", ".join(p.city for p in self.places) if len(self.places) > 1 else city_line(self.places[0])
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


def city_line(p: Place) -> str:
    return f"{p.city}, {p.region}" if p.country_code in ("US", "CA", "AU") else f"{p.city}, {p.country}"


def stable_hash(*parts: object) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def plain_text(fragment: str) -> str:
    """HTML -> text, good enough for the ``*Plain`` fields."""
    text = re.sub(r"</(p|li|h\d)>", "\n", fragment)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def iso_z(dt: datetime, ms: bool = False) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z" if ms else "%Y-%m-%dT%H:%M:%SZ")


def money(amount: float, currency: str, style: int) -> str:
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
        return f"{money(s.low, s.currency, 0)} - {money(s.high, s.currency, 0)} per month"
    style %= 6
    if not sym or style == 0:
        return f"{s.currency} {s.low:.0f}-{s.high:.0f}"
    if style == 1:
        return f"{money(s.low, s.currency, 1)}–{money(s.high, s.currency, 1)} annually"
    if style == 2:
        return f"{money(s.low, s.currency, 2)}–{s.high / 1000:.0f}k"
    if style == 3 and s.currency == "GBP":
        return f"{money(s.low, s.currency, 0)} per annum"
    if style == 4:
        return f"up to {money(s.high, s.currency, 0)}"
    return f"{money(s.low, s.currency, 0)} - {money(s.high, s.currency, 0)}"


def ld_script(data: Any, raw_newlines: bool = False) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if raw_newlines:
        # a real-world break: raw newlines inside JSON strings (invalid JSON, browsers shrug)
        text = text.replace("</p><p>", "</p>\n<p>")
    text = text.replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def page_html(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"{head}</head><body>{body}</body></html>\n")  # fmt: skip


def int_param(value: str | None, default: int) -> int:
    """A query parameter as an int, ``default`` when absent or not a number."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
