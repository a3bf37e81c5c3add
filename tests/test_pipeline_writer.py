"""The pipeline's writer: companies finishing together share a transaction, and one
company's failure to save does not lose the others."""

from __future__ import annotations

from datetime import datetime

import duckdb

from app import store
from app.pipeline import CompanyProgress, _Writer
from scraper.models import Company, CompanyResult, Job


def test_one_unsaveable_company_does_not_lose_its_batch(fresh_db: duckdb.DuckDBPyConnection) -> None:
    [good] = store.save_companies(fresh_db, [Company("Good", "lever", "good", "https://jobs.lever.co/good")])
    orphan = Company("Orphan", "lever", "orphan", "https://jobs.lever.co/orphan")  # never saved: no id
    job = Job(source="lever", board="good", external_id="1", title="Engineer", company="Good",
              url="https://jobs.lever.co/good/1")
    run_id = store.start_run(fresh_db, "test", 2)
    seen: list[CompanyProgress] = []
    writer = _Writer(fresh_db, run_id, datetime(2026, 11, 1), seen.append)
    writer.inbox.put(CompanyResult(good, "ok", (job,)))
    writer.inbox.put(CompanyResult(orphan, "ok", ()))
    writer.inbox.put(None)
    writer.run()

    assert [(p.company.name, p.state, p.jobs_new) for p in seen] == [
        ("Good", "ok", 1),
        ("Orphan", "failed", 0),
    ]
    assert seen[1].error is not None and seen[1].error.startswith("not saved: company Orphan has no id")
    assert fresh_db.execute("SELECT job_id FROM jobs").fetchall() == [("lever:good:1",)]
