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


# Issue 17: classes of real-ad phrasing that were missed or misread. Each list is one class.
BASE_BEATS_COMMISSION: list[tuple[str, Salary | None]] = [
    ("Base salary £40,000 - £45,000 plus commission £15,000 - £20,000", Salary(40000, 45000, GBP, "year")),
    ("Commission: $20,000 - $40,000 annually. Base salary: $60,000 - $70,000.", Salary(60000, 70000, USD, "year")),
    ("OTE £80,000 (£45,000 base + £35,000 commission)", Salary(45000, 45000, GBP, "year")),
    ("£28,000 - £32,000 + £5,000 car allowance", Salary(28000, 32000, GBP, "year")),
    ("Car allowance of £6,000 - £8,000 per annum; salary £50,000", Salary(50000, 50000, GBP, "year")),
    ("£25,000 basic + £10,000 commission", Salary(25000, 25000, GBP, "year")),
    ("$60,000 - $70,000 base plus $20,000 - $30,000 in commissions", Salary(60000, 70000, USD, "year")),
    ("$40k base, $80k OTE", Salary(40000, 40000, USD, "year")),
    ("Base salary: $60k; OTE: $120k", Salary(60000, 60000, USD, "year")),
    ("Uncapped commission of $30,000 - $50,000 per year on top of base pay of $55,000 - $65,000",
     Salary(55000, 65000, USD, "year")),
    ("Bonus potential $10,000 - $15,000; base salary $90,000 - $100,000", Salary(90000, 100000, USD, "year")),
    ("£35,000 - £40,000 + car allowance (£4,800) + bonus", Salary(35000, 40000, GBP, "year")),
    ("Salary: $50,000 - $60,000 + commission", Salary(50000, 60000, USD, "year")),
    ("Salary $95,000 - $105,000 plus bonus and commission", Salary(95000, 105000, USD, "year")),
    ("£30,000 - £35,000 plus commission (OTE £50,000)", Salary(30000, 35000, GBP, "year")),
    ("OTE of $120,000 - $150,000 (50/50 split)", Salary(120000, 150000, USD, "year")),
    ("Base salary plus commission: $45,000 - $55,000", Salary(45000, 55000, USD, "year")),
    # commission, bonus or allowance alone is never the salary
    ("Earn up to $30,000 in commission per year", None),
    ("Uncapped commission of $30,000 - $50,000 per year", None),
    ("First-year commission typically £20,000 - £30,000", None),
    ("This is a commission-only role: top performers earn $150,000 - $250,000 per year.", None),
    ("100% commission. Average earnings $60,000 - $90,000 annually", None),
    ("Bonus: $10,000 - $15,000 per year", None),
    ("car allowance £5,000 - £6,000 per annum", None),
]
RANGE_SEPARATORS: list[tuple[str, Salary | None]] = [
    ("$50,000_$60,000", Salary(50000, 60000, USD, "year")),
    ("$50,000_60,000", Salary(50000, 60000, USD, "year")),
    ("$50,000 __ $60,000 per year", Salary(50000, 60000, USD, "year")),
    ("£30,000  £35,000 per annum", Salary(30000, 35000, GBP, "year")),
    ("$50,000  -  $60,000", Salary(50000, 60000, USD, "year")),
    ("$50,000 to $60,000", Salary(50000, 60000, USD, "year")),
    ("$80K TO $95K", Salary(80000, 95000, USD, "year")),
    ("€45.000 – €55.000", Salary(45000, 55000, EUR, "year")),
    ("$90,000 — 110,000", Salary(90000, 110000, USD, "year")),
    ("$50,000/$60,000", Salary(50000, 60000, USD, "year")),
    ("$25 / $30 per hour", Salary(25, 30, USD, "hour")),
    ("£30,000 -- £35,000", Salary(30000, 35000, GBP, "year")),
    ("$50,000 per year to $60,000 per year", Salary(50000, 60000, USD, "year")),
    ("$18 to $22 an hour", Salary(18, 22, USD, "hour")),
    # bare spaces between amounts that are no range (table columns): the first amount
    ("$120,000    $10,000", Salary(120000, 120000, USD, "year")),
]
ZERO_LOWER_BOUND: list[tuple[str, Salary | None]] = [
    ("$0 - $50,000 per year", Salary(0, 50000, USD, "year")),
    ("£0-£25,000 pro rata", Salary(0, 25000, GBP, "year")),
    ("Pay: $0.00 - $30.00 per hour", Salary(0, 30, USD, "hour")),
    ("$0", None),
    ("$0 - $0", None),
]
PERIOD_ABBREVIATIONS: list[tuple[str, Salary | None]] = [
    ("£12.50ph", Salary(12.5, 12.5, GBP, "hour")),
    ("£12.50 ph", Salary(12.5, 12.5, GBP, "hour")),
    ("£15 p/h", Salary(15, 15, GBP, "hour")),
    ("£15 p.h.", Salary(15, 15, GBP, "hour")),
    ("£14 - £16 p.h. depending on experience", Salary(14, 16, GBP, "hour")),
    ("$45 per hr", Salary(45, 45, USD, "hour")),
    ("£600 pw", Salary(600, 600, GBP, "week")),
    ("£600 p/w", Salary(600, 600, GBP, "week")),
    ("£2,100 pcm", Salary(2100, 2100, GBP, "month")),
    ("£1,900 - £2,200 pcm", Salary(1900, 2200, GBP, "month")),
    ("£2,000 p.m.", Salary(2000, 2000, GBP, "month")),
    ("€3.000 per calendar month", Salary(3000, 3000, EUR, "month")),
    ("£28,000 p.a.", Salary(28000, 28000, GBP, "year")),
    ("£28,000pa", Salary(28000, 28000, GBP, "year")),
    ("£32,000 per annum", Salary(32000, 32000, GBP, "year")),
    ("£24,000 pro rata", Salary(24000, 24000, GBP, "year")),
    ("£24,000 - £26,000 pro-rata (3 days a week)", Salary(24000, 26000, GBP, "year")),
    ("£450 pd", Salary(450, 450, GBP, "day")),
]
LEVEL_RANGES: list[tuple[str, Salary | None]] = [
    ("The range is $120,000 - $140,000 for Level 3, and $150,000 - $175,000 for Level 4.",
     Salary(120000, 175000, USD, "year")),
    ("Level 2: $95,000–$110,000; Level 3: $115,000–$135,000; Level 4: $140,000–$160,000",
     Salary(95000, 160000, USD, "year")),
    ("Senior: £70k - £85k. Staff: £90k - £105k.", Salary(70000, 105000, GBP, "year")),
    ("Zone A: $150,000 - $180,000 per year. Zone B: $130,000 - $160,000 per year.",
     Salary(130000, 180000, USD, "year")),
    # another currency or period is another figure, not a level
    ("$140,000 - $170,000 per year; contractors $70 - $85 per hour", Salary(140000, 170000, USD, "year")),
]
CURRENCY_NAMED_ELSEWHERE: list[tuple[str, Salary | None]] = [
    ("The salary for this role is 85,000 per year, paid in EUR.", Salary(85000, 85000, EUR, "year")),
    ("Salary (USD): 120,000 - 140,000 per annum", Salary(120000, 140000, USD, "year")),
    ("All our salaries are in Canadian dollars: this one is 95,000 per year.",
     Salary(95000, 95000, "CAD", "year")),
    ("We pay 60,000 euros per year.", Salary(60000, 60000, EUR, "year")),
    ("Compensation in GBP of 45,000 per annum plus benefits", Salary(45000, 45000, GBP, "year")),
    ("Salary 70,000 - 80,000 per year (paid in Swiss francs)", Salary(70000, 80000, "CHF", "year")),
    # the currency in another sentence, two currencies, or no stated period: not pay
    ("We have 85,000 customers per year. Salaries in USD are competitive.", None),
    ("We have 2,000,000 users per year, paying in EUR and USD", None),
    ("USD budget of 50,000 per year for conferences", None),
    ("Salary: 85,000, paid in EUR", None),
]
RETIREMENT_PLAN_TRAPS: list[tuple[str, Salary | None]] = [
    ("401(k) with 4% match per year, in USD", None),
    ("Our 401(k) plan: we match up to 401 USD per year", None),
    ("USD 401(k) per hour match", None),
    ("401(k) and 403(b) plans; salary paid in USD", None),
    ("$401(k) matching", None),
    ("Salary $90,000 - $110,000 plus a 401(k) match", Salary(90000, 110000, USD, "year")),
]
ISSUE_17 = (BASE_BEATS_COMMISSION + RANGE_SEPARATORS + ZERO_LOWER_BOUND + PERIOD_ABBREVIATIONS
            + LEVEL_RANGES + CURRENCY_NAMED_ELSEWHERE + RETIREMENT_PLAN_TRAPS)


@pytest.mark.parametrize(("text", "expected"), ISSUE_17, ids=[t for t, _ in ISSUE_17])
def test_salary_class_from_real_ads_gives_exact_salary(text: str, expected: Salary | None) -> None:
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
