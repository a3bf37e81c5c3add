"""Bulk upsert of jobs through the real store path vs. row-by-row executemany, in one run.

    python benchmarks/ingest.py [--jobs 100000] [--sample 2000]

Prints the cost per row of each path and their ratio. Both write the same generated jobs
into fresh in-memory databases with the same schema.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime

from app import store
from app.db import connect
from scraper.models import Company, CompanyResult, Job


def generate_jobs(n: int, *, seed: int = 1) -> list[Job]:
    rng = random.Random(seed)
    cities = ["Berlin", "Remote - US", "London", "New York, NY", "Paris", "Anywhere"]
    return [
        Job(
            source="greenhouse", board="bench", external_id=str(i),
            title=f"{rng.choice(['Senior', 'Staff', ''])} Engineer {i}".strip(),
            company="Bench", url=f"https://example.com/jobs/{i}",
            location=(city := rng.choice(cities)), locations=(city,),
            workplace=rng.choice(["remote", "hybrid", "onsite", None]),
            department=rng.choice(["Engineering", "Sales", "Design"]),
            posted_at="2026-10-01T08:30:00Z",
            salary_min=float(rng.randrange(60, 150) * 1000), salary_max=None,
            salary_currency="USD", salary_period="year", salary_source="text",
            description_text="Build things. " * 60,
        )
        for i in range(n)
    ]


def bulk_seconds(jobs: list[Job]) -> float:
    con = connect(":memory:")
    [company] = store.save_companies(con, [Company("Bench", "greenhouse", "bench", "https://x")])
    run_id = store.start_run(con, "bench", 1)
    start = time.perf_counter()
    store.save_company_results(con, run_id, [CompanyResult(company, "ok", tuple(jobs))], datetime(2026, 11, 1))
    elapsed = time.perf_counter() - start
    assert con.execute("SELECT count(*) FROM jobs").fetchone() == (len(jobs),)
    return elapsed


def executemany_seconds(jobs: list[Job]) -> float:
    con = connect(":memory:")
    [company] = store.save_companies(con, [Company("Bench", "greenhouse", "bench", "https://x")])
    frame = store.jobs_frame(jobs, company.company_id or 0)
    columns = frame.columns
    seen = datetime(2026, 11, 1)
    sql = (
        f"INSERT INTO jobs ({', '.join(columns)}, first_seen_at, last_seen_at) "
        f"VALUES ({', '.join('?' for _ in columns)}, ?, ?) "
        f"ON CONFLICT (job_id) DO UPDATE SET title = excluded.title, last_seen_at = excluded.last_seen_at"
    )
    rows = [list(r) + [seen, seen] for r in frame.iter_rows()]
    start = time.perf_counter()
    con.executemany(sql, rows)
    elapsed = time.perf_counter() - start
    assert con.execute("SELECT count(*) FROM jobs").fetchone() == (len(jobs),)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()

    jobs = generate_jobs(args.jobs)
    bulk = bulk_seconds(jobs)
    many = executemany_seconds(jobs[: args.sample])
    bulk_per_row = bulk / args.jobs
    many_per_row = many / args.sample
    print(f"bulk upsert (store.save_company_results): {args.jobs:,} rows in {bulk:.2f} s "
          f"= {bulk_per_row * 1e6:.1f} µs/row")
    print(f"executemany baseline:                     {args.sample:,} rows in {many:.2f} s "
          f"= {many_per_row * 1e6:.1f} µs/row")
    print(f"ratio: bulk is {many_per_row / bulk_per_row:.0f}x cheaper per row")


if __name__ == "__main__":
    main()
