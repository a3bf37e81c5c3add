"""The pipeline's writer: companies finishing together share a transaction, and one
company's failure to save does not lose the others."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import duckdb
import pytest

from app import store
from app.pipeline import CompanyProgress, Writer
from scraper.models import Company, CompanyResult, Job


def test_one_unsaveable_company_does_not_lose_its_batch(fresh_db: duckdb.DuckDBPyConnection) -> None:
    [good] = store.save_companies(fresh_db, [Company("Good", "lever", "good", "https://jobs.lever.co/good")])
    orphan = Company("Orphan", "lever", "orphan", "https://jobs.lever.co/orphan")  # never saved: no id
    job = Job(source="lever", board="good", external_id="1", title="Engineer", company="Good",
              url="https://jobs.lever.co/good/1")
    run_id = store.start_run(fresh_db, "test", 2)
    seen: list[CompanyProgress] = []
    writer = Writer(fresh_db, run_id, datetime(2026, 11, 1), seen.append)
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


def test_unexpected_save_error_fails_its_company_and_the_writer_goes_on(
    fresh_db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = store.save_companies(fresh_db, [
        Company("A", "lever", "a", "https://jobs.lever.co/a"),
        Company("B", "lever", "b", "https://jobs.lever.co/b"),
    ])  # fmt: skip
    real_save = store.save_company_results

    def save(con: duckdb.DuckDBPyConnection, run_id: int, batch: list[CompanyResult],
             seen_at: datetime) -> Any:
        if any(r.company == a and r.jobs for r in batch):
            raise ValueError("bad salary")  # a bug in the store, not a DuckDB error
        return real_save(con, run_id, batch, seen_at)

    monkeypatch.setattr(store, "save_company_results", save)
    run_id = store.start_run(fresh_db, "test", 2)
    seen: list[str] = []

    def on_progress(p: CompanyProgress) -> None:
        seen.append(f"{p.company.name} {p.state} {p.error}")
        raise RuntimeError("display broke")  # must not stop the writer either

    writer = Writer(fresh_db, run_id, datetime(2026, 11, 1), on_progress)
    job = Job(source="lever", board="a", external_id="1", title="Engineer", company="A",
              url="https://jobs.lever.co/a/1")
    writer.inbox.put(CompanyResult(a, "ok", (job,)))
    writer.inbox.put(CompanyResult(b, "ok", (replace(job, board="b"),)))
    writer.inbox.put(None)
    writer.run()  # returns: neither error escapes the writer's thread

    assert seen == ["A failed not saved: bad salary", "B ok None"]
    assert writer.error == "saving results failed: bad salary"
    assert fresh_db.execute("SELECT company_id, state, error FROM run_results ORDER BY 1").fetchall() == [
        (a.company_id, "failed", "not saved: bad salary"),
        (b.company_id, "ok", None),
    ]


def test_companies_finishing_one_by_one_share_a_batch_until_the_interval(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    """Issue 19: a batch costs about the same at any size, so the writer saves at most once
    an interval while companies keep finishing; close() does not wait the interval out."""
    companies = store.save_companies(fresh_db, [
        Company(n, "lever", n.lower(), f"https://jobs.lever.co/{n.lower()}") for n in "ABC"])
    run_id = store.start_run(fresh_db, "test", 3)
    first_saved = threading.Event()
    writer = Writer(fresh_db.cursor(), run_id, datetime(2026, 11, 1), interval_s=30,
                    on_committed=lambda saved: first_saved.set()).start()
    a, b, c = (CompanyResult(co, "ok", (Job("lever", co.board, "1", "Engineer", co.name,
                                             f"{co.url}/1"),)) for co in companies)
    writer.submit(a)  # after a quiet spell: saved at once
    assert first_saved.wait(30)
    writer.submit(b)
    time.sleep(0.05)  # b is waiting for the interval when c comes
    writer.submit(c)
    writer.close()

    assert writer.batches == [1, 2]
    assert writer.totals["ok"] == 3
    assert fresh_db.execute("SELECT count(*) FROM run_results WHERE run_id = ?",
                            [run_id]).fetchone() == (3,)
