"""Salary from prose: real-world phrasings and the exact Salary (or None) each must give."""

from __future__ import annotations

import pytest

from scraper.normalize import Salary, parse_salary_text, salary_period, structured_salary

USD, EUR, GBP = "USD", "EUR", "GBP"

PHRASINGS: list[tuple[str | None, Salary | None]] = [
    # ranges
    ("$120,000 - $150,000", Salary(120000, 150000, USD, "year")),
    ("The base salary range for this role is $150,000 - $200,000 USD.", Salary(150000, 200000, USD, "year")),
    ("$95.4K–$190K annually", Salary(95400, 190000, USD, "year")),
    ("€60k–75k", Salary(60000, 75000, EUR, "year")),
    ("USD 180000-220000", Salary(180000, 220000, USD, "year")),
    ("74,000 – 106,000 USD", Salary(74000, 106000, USD, "year")),
    ("$74,000 — $106,000 per year", Salary(74000, 106000, USD, "year")),
    ("$120-150K plus equity", Salary(120000, 150000, USD, "year")),
    ("between $80,000 and $100,000 a year", Salary(80000, 100000, USD, "year")),
    ("$130,000 to $160,000 /yr", Salary(130000, 160000, USD, "year")),
    ("Salary: 60.000 € - 75.000 € brutto per year", Salary(60000, 75000, EUR, "year")),
    ("CHF 110'000", Salary(110000, 110000, "CHF", "year")),
    ("CHF 120000 - 140000 per annum", Salary(120000, 140000, "CHF", "year")),
    ("CA$120,000 - CA$140,000", Salary(120000, 140000, "CAD", "year")),
    ("$150,000 - $200,000 CAD + equity", Salary(150000, 200000, "CAD", "year")),
    ("£55k - £65k DOE", Salary(55000, 65000, GBP, "year")),
    ("The range is $189K – $330K • Offers Equity", Salary(189000, 330000, USD, "year")),
    # single values and bounds
    ("£45,000 per annum", Salary(45000, 45000, GBP, "year")),
    ("up to $90,000", Salary(None, 90000, USD, "year")),
    ("Up to €4,500 monthly", Salary(None, 4500, EUR, "month")),
    ("starting at $70,000", Salary(70000, None, USD, "year")),
    ("from £30,000 p.a.", Salary(30000, None, GBP, "year")),
    ("$3,500 per month", Salary(3500, 3500, USD, "month")),
    ("€1.200 / month", Salary(1200, 1200, EUR, "month")),
    ("$2,000 weekly", Salary(2000, 2000, USD, "week")),
    ("Day rate: £450 per day", Salary(450, 450, GBP, "day")),
    ("€600/day outside IR35", Salary(600, 600, EUR, "day")),
    # hourly
    ("$50-$65/hr", Salary(50, 65, USD, "hour")),
    ("$25 per hour", Salary(25, 25, USD, "hour")),
    ("Hourly rate: $30 - $40", Salary(30, 40, USD, "hour")),
    ("€13.50 an hour", Salary(13.5, 13.5, EUR, "hour")),
    ("$18.75/hour plus tips", Salary(18.75, 18.75, USD, "hour")),
    ("Pay: $22 - $28 hourly", Salary(22, 28, USD, "hour")),
    # prose from real ads
    ("The base salary range for this role is $150,000—$200,000 USD", Salary(150000, 200000, USD, "year")),
    ("$65/hour", Salary(65, 65, USD, "hour")),
    ("Salary: 55.000 € - 65.000 € brutto/Jahr", Salary(55000, 65000, EUR, "year")),
    ("Gehalt: 70.000 € – 85.000 € p.a.", Salary(70000, 85000, EUR, "year")),
    ("€ 50.000,- bis € 60.000,- brutto", Salary(50000, 60000, EUR, "year")),
    ("CHF 120'000 – 140'000", Salary(120000, 140000, "CHF", "year")),
    ("£45k-£55k + bonus", Salary(45000, 55000, GBP, "year")),
    ("Pay range: $24.00 - $30.00 per hour", Salary(24, 30, USD, "hour")),
    ("$19/hr - $22/hr", Salary(19, 22, USD, "hour")),
    ("$120,000.00/yr - $140,000.00/yr", Salary(120000, 140000, USD, "year")),
    ("OTE $200K", Salary(200000, 200000, USD, "year")),
    ("$120K–$150K + equity", Salary(120000, 150000, USD, "year")),
    ("compensation: 140 000 – 160 000 EUR", Salary(140000, 160000, EUR, "year")),
    ("Pay: $60,000.00 - $75,000.00 per year", Salary(60000, 75000, USD, "year")),
    ("$120K - $150K USD annually, plus a $10,000 signing bonus", Salary(120000, 150000, USD, "year")),
    ("Base salary: $145,000 - $175,000. Bonus: up to 20%", Salary(145000, 175000, USD, "year")),
    ("$150K+ base", Salary(150000, None, USD, "year")),
    ("$150,000+ DOE", Salary(150000, None, USD, "year")),
    ("$120,000 + bonus", Salary(120000, 120000, USD, "year")),
    # Indian lakh grouping: 25,00,000 is 2.5 million
    ("₹25,00,000 - ₹35,00,000 per annum", Salary(2500000, 3500000, "INR", "year")),
    ("₹18,00,000 per annum", Salary(1800000, 1800000, "INR", "year")),
    ("INR 1,200,000 - 1,800,000", Salary(1200000, 1800000, "INR", "year")),
    # amounts that must not become a salary
    ("401(k) matching", None),
    ("Generous 401(k) with a 4% match", None),
    ("5+ years of experience", None),
    ("Founded in 2015", None),
    ("We are a team of 200 engineers", None),
    ("20% bonus", None),
    ("We raised $50M from top investors", None),
    ("Backed by $120 million in funding", None),
    ("$1,000 learning budget per year", None),
    ("$5,000 signing bonus", None),
    ("$100/month wellness stipend", None),
    ("Competitive salary", None),
    ("Salary: 120000", None),
    ("$25", None),
    ("competitive salary", None),
    ("$2M seed round", None),
    ("$1.2M", None),
    ("Up to 30% bonus", None),
    ("$10,000 relocation bonus", None),
    # A lone amount under 10,000 without a period is not pay: a bonus, a perk, a fee.
    ("$1,000 signing bonus", None),
    ("$1,000", None),
    ("Applications close 2026-12-01", None),
    ("Call 555-1234 between 9 and 5", None),
    ("Serving 40,000 merchants in 30 countries", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[str(t) for t, _ in PHRASINGS])
def test_salary_phrasing_gives_exact_salary(text: str | None, expected: Salary | None) -> None:
    assert parse_salary_text(text) == expected


def test_first_plausible_salary_in_a_long_description_wins() -> None:
    text = (
        "We raised $40M last year and offer a $2,000 home office stipend.\n"
        "Compensation: $140,000 - $170,000 per year. Bonus up to 15%."
    )
    assert parse_salary_text(text) == Salary(140000, 170000, USD, "year")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("per-year-salary", "year"),
        ("per-month-salary", "month"),
        ("per-hour-wage", "hour"),
        ("1 YEAR", "year"),
        ("1 HOUR", "hour"),
        ("YEAR", "year"),
        ("Week", "week"),
        ("daily", "day"),
        ("annually", "year"),
        ("2 WEEK", None),
        ("bi-weekly", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_salary_period_names(value: object, expected: str | None) -> None:
    assert salary_period(value) == expected


def test_structured_salary_orders_bounds_and_infers_a_year() -> None:
    assert structured_salary(200000, "150000", "usd", None) == Salary(150000, 200000, USD, "year")


def test_structured_salary_without_numbers_is_none() -> None:
    assert structured_salary(None, "n/a", "USD", "per-year-salary") is None


def test_structured_salary_of_zero_is_a_placeholder() -> None:
    assert structured_salary(0, 0, "EUR", "year") is None
    assert structured_salary(0, 90000, "EUR", "year") == Salary(None, 90000, EUR, "year")
