"""Write N realistic jobs over ~80 companies through the real store path, for benchmarks.

    python -m benchmarks.seed /tmp/jobs.duckdb 100000 [--seed 1] [--runs 3]

Jobs go through ``app.store.save_companies`` and ``app.store.save_company_results`` run
by run, several companies per transaction, so lifecycle columns (first/last seen, closed,
runs) are the ones a real scrape writes. Some jobs appear only in later runs (new), some
stop appearing (closed). Salaries come in every period and a few currencies; workplaces
are remote / hybrid / onsite / unknown; a few jobs carry a team status or a star.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from app import store
from app.db import connect
from scraper.models import Company, CompanyResult, Job

N_COMPANIES = 80
CHUNK_JOBS = 50_000  # jobs per transaction: several small companies share one
CACHE_DIR = Path("/tmp/jobscraper-bench")

_PREFIXES = ("North", "Blue", "Bright", "Iron", "Silver", "Quantum", "Green", "Red", "Open",
             "Deep", "Swift", "Clear", "Solar", "Nova", "Cloud", "Atlas")
_SUFFIXES = ("wind", "stack", "labs", "works", "forge", "bank", "health", "pay", "ly", "ware")
_ATS = ("greenhouse", "lever", "ashby", "workable", "smartrecruiters", "recruitee", "personio",
        "workday")
_LEVELS = ("", "Senior ", "Staff ", "Junior ", "Lead ", "Principal ")
_ROLES = {
    "Backend Engineer": "Engineering", "Frontend Engineer": "Engineering",
    "Data Engineer": "Data", "Data Scientist": "Data", "ML Engineer": "Data",
    "Site Reliability Engineer": "Engineering", "Security Engineer": "Security",
    "Product Manager": "Product", "Product Designer": "Design",
    "Account Executive": "Sales", "Customer Success Manager": "Customer Success",
    "Recruiter": "People", "Financial Analyst": "Finance",
}
# (location, currency, yearly base) — salaries follow the place.
_PLACES = (
    ("New York, NY", "USD", 160_000), ("San Francisco, CA", "USD", 175_000),
    ("Austin, TX", "USD", 140_000), ("Remote - US", "USD", 150_000),
    ("Toronto, Canada", "CAD", 130_000), ("London, United Kingdom", "GBP", 85_000),
    ("Berlin, Germany", "EUR", 75_000), ("Paris, France", "EUR", 65_000),
    ("Amsterdam, Netherlands", "EUR", 80_000), ("Remote - EU", "EUR", 70_000),
    ("Lisbon, Portugal", "EUR", 45_000), ("Dublin, Ireland", "EUR", 80_000),
)
_PERIODS = (("year", 1.0, 75), ("month", 12.0, 10), ("hour", 2080.0, 10), ("day", 260.0, 3),
            ("week", 52.0, 2))
_WORKPLACES = ("remote", "hybrid", "onsite", None)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    path: Path
    jobs: int
    open_jobs: int
    companies: int
    runs: int
    seconds: float


def company_list(n: int = N_COMPANIES) -> list[Company]:
    """``n`` distinct companies spread over the ATS formats."""
    out = []
    for i in range(n):
        name = f"{_PREFIXES[i % len(_PREFIXES)]}{_SUFFIXES[(i // len(_PREFIXES)) % len(_SUFFIXES)]}"
        if i >= len(_PREFIXES) * len(_SUFFIXES):
            name += f" {i}"
        board = name.lower().replace(" ", "-")
        ats = _ATS[i % len(_ATS)]
        out.append(Company(name, ats, board, f"https://careers.{board}.test/{ats}"))
    return out


def job_counts(n_jobs: int, n_companies: int) -> list[int]:
    """Jobs per company: a few large employers, a long tail; sums to ``n_jobs``."""
    weights = [1 / (i + 1) ** 0.8 for i in range(n_companies)]
    total = sum(weights)
    counts = [int(n_jobs * w / total) for w in weights]
    for i in range(n_jobs - sum(counts)):
        counts[i % n_companies] += 1
    return counts


def _lifespan(rng: random.Random, runs: int) -> tuple[int, int]:
    """(first run, last run) seen, 1-based: most jobs live through every run."""
    first = 1 if rng.random() < 0.9 else rng.randint(min(2, runs), runs)
    last = runs if rng.random() < 0.93 else rng.randint(first, runs)
    return first, last


def _salary(rng: random.Random, currency: str, base: int) -> dict[str, object]:
    if rng.random() < 0.55:
        return {}
    period, factor = rng.choices([(p, f) for p, f, _ in _PERIODS],
                                 weights=[w for *_, w in _PERIODS])[0]
    low = base * rng.uniform(0.7, 1.2) / factor
    high = low * rng.uniform(1.1, 1.4) if rng.random() < 0.85 else None
    rounding = 1000 if period == "year" else 1
    return {
        "salary_min": round(low / rounding) * rounding,
        "salary_max": round(high / rounding) * rounding if high else None,
        "salary_currency": currency,
        "salary_period": period,
        "salary_source": rng.choice(("structured", "text")),
    }


def _job(company: Company, index: int, rng: random.Random, posted: datetime) -> Job:
    level = rng.choice(_LEVELS)
    role = rng.choice(list(_ROLES))
    place, currency, base = rng.choice(_PLACES)
    second = rng.choice(_PLACES)[0] if rng.random() < 0.15 else None
    workplace = "remote" if place.startswith("Remote") else rng.choice(_WORKPLACES)
    base = int(base * {"Senior ": 1.25, "Staff ": 1.45, "Principal ": 1.6, "Lead ": 1.35,
                       "Junior ": 0.7}.get(level, 1.0))
    title = f"{level}{role}"
    text = (f"{company.name} is hiring a {title} in {place}. You will own {role.lower()} work "
            f"end to end with a small team. We offer learning budget and flexible hours.")
    return Job(
        source=company.ats,
        board=company.board,
        external_id=f"{index:07d}",
        title=title,
        company=company.name,
        url=f"https://careers.{company.board}.test/jobs/{index}",
        location=place if not second else f"{place}; {second}",
        locations=(place,) if not second else (place, second),
        workplace=workplace,
        department=_ROLES[role],
        employment_type=rng.choice(("Full-time",) * 8 + ("Part-time", "Contract")),
        posted_at=posted.strftime("%Y-%m-%dT%H:%M:%SZ"),
        description_text=text,
        description_html=f"<p>{text}</p><ul><li>Ship often</li><li>Write tests</li></ul>",
        **_salary(rng, currency, base),  # type: ignore[arg-type]
    )


def company_jobs(
    company: Company, index: int, count: int, *, seed: int, runs: int, first_run_at: datetime
) -> Iterator[tuple[int, int, Job]]:
    """(first run, last run, job) for each of a company's ``count`` jobs, deterministic."""
    rng = random.Random(f"{seed}:{index}")
    for i in range(count):
        first, last = _lifespan(rng, runs)
        posted = first_run_at - timedelta(days=rng.uniform(0, 60)) + timedelta(days=first - 1)
        yield first, last, _job(company, i, rng, posted)


def _chunks(results: Iterator[CompanyResult], size: int) -> Iterator[list[CompanyResult]]:
    chunk: list[CompanyResult] = []
    jobs = 0
    for result in results:
        chunk.append(result)
        jobs += len(result.jobs)
        if jobs >= size:
            yield chunk
            chunk, jobs = [], 0
    if chunk:
        yield chunk


def seed_database(path: str | Path, n_jobs: int, *, seed: int = 1, runs: int = 3) -> SeedSummary:
    """Replace the database at ``path`` with ``n_jobs`` jobs over ~80 companies and ``runs``
    daily runs (the last one now). Deterministic for a given seed."""
    start = time.perf_counter()
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = connect(path)
    companies = store.save_companies(con, company_list(min(N_COMPANIES, max(n_jobs, 1))))
    counts = job_counts(n_jobs, len(companies))
    now = store.utcnow()
    first_run_at = now - timedelta(days=runs - 1)
    for run in range(1, runs + 1):
        run_at = first_run_at + timedelta(days=run - 1)
        run_id = store.start_run(con, "benchmark", len(companies), at=run_at)

        def results(run: int = run) -> Iterator[CompanyResult]:
            for i, (company, count) in enumerate(zip(companies, counts, strict=True)):
                jobs = tuple(
                    job for first, last, job in company_jobs(
                        company, i, count, seed=seed, runs=runs, first_run_at=first_run_at)
                    if first <= run <= last
                )
                yield CompanyResult(company, "ok", jobs=jobs, duration_ms=len(jobs) // 10 + 50)

        for chunk in _chunks(results(), CHUNK_JOBS):
            store.save_company_results(con, run_id, chunk, seen_at=run_at)
        store.finish_run(con, run_id, "finished", at=run_at)
    _annotate(con, seed)
    total, open_jobs = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL) FROM jobs"
    ).fetchall()[0]
    con.close()
    return SeedSummary(path, total, open_jobs, len(companies), runs, time.perf_counter() - start)


def _annotate(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """A team's triage: ~3% of jobs get a status, ~1% a star (one bulk statement; the
    per-job store.update_job is what the UI uses, far too slow for a million rows)."""
    con.execute(
        """
        UPDATE jobs SET
            status = CASE WHEN hash(job_id || ?) % 100 < 3
                          THEN (['saved', 'applied', 'interviewing', 'rejected', 'archived'])
                               [1 + (hash(job_id) % 5)::INTEGER]
                          ELSE status END,
            starred = hash(job_id || ?) % 100 = 7
        """,
        [str(seed), str(seed)],
    )


def cached_database(n_jobs: int, *, seed: int = 1, runs: int = 3, keep: bool = True) -> Path:
    """A seeded database under /tmp, reused between benchmark runs when ``keep``."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"jobs-{n_jobs}-s{seed}-r{runs}.duckdb"
    if not (keep and path.exists()):
        summary = seed_database(path, n_jobs, seed=seed, runs=runs)
        print(f"seeded {summary.jobs:,} jobs ({summary.open_jobs:,} open) over "
              f"{summary.companies} companies, {summary.runs} runs in {summary.seconds:.1f} s "
              f"-> {path}", file=sys.stderr)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("jobs", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    s = seed_database(args.path, args.jobs, seed=args.seed, runs=args.runs)
    print(f"{s.jobs:,} jobs ({s.open_jobs:,} open), {s.companies} companies, {s.runs} runs, "
          f"{s.seconds:.1f} s -> {s.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
