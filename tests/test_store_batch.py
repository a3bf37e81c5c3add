"""Set-based saving (issue 19): a batch of companies is saved with a constant number of
statements and gives exactly the rows and lifecycle that saving them one by one gave."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from app import store
from app.db import connect
from app.pipeline import Saved, Writer
from scraper.fetch import FetchSettings
from scraper.models import Company, CompanyResult, Job
from scraper.runner import scrape
from scraper.simulator import Simulator

DAY0 = datetime(2026, 11, 1, 9, 0)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(boards=27, failures=True, slow_s=0.5).start()
    yield s
    s.stop()


def job(board: str, n: int, **fields: Any) -> Job:
    return Job(**{"source": "lever", "board": board, "external_id": str(n), "title": f"Role {n}",
                  "company": board, "url": f"https://jobs.lever.co/{board}/{n}", **fields})


def tables(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], list[Any], list[Any]]:
    jobs = con.execute("SELECT * EXCLUDE (company_id), company_id FROM jobs ORDER BY job_id").fetchall()
    results = con.execute("SELECT * EXCLUDE (finished_at) FROM run_results "
                          "ORDER BY run_id, company_id").fetchall()
    runs = con.execute("SELECT run_id, companies_ok, companies_failed, jobs_new, jobs_closed "
                       "FROM runs ORDER BY run_id").fetchall()
    return jobs, results, runs


def test_a_batch_saves_the_rows_and_lifecycle_of_one_by_one_over_simulated_days(
    sim: Simulator,
) -> None:
    """The same simulated days, saved once as one batch per day and once company by company."""
    batched, single = connect(":memory:"), connect(":memory:")
    dicts = sim.companies()
    companies = store.save_companies(batched, [Company(d["name"], d["ats"], d["board"], d["url"])
                                               for d in dicts])
    assert store.save_companies(single, companies) == companies
    settings = FetchSettings(timeout_s=0.3, retries=0, backoff_s=0.01)
    reopened = 0
    for day in range(4):
        sim.set_day(day)
        results = asyncio.run(scrape(companies, on_event=lambda e: None, settings=settings))
        if day == 3:  # a board that now lists nothing, and a cancelled one
            results[0] = CompanyResult(results[0].company, "ok", ())
            results[1] = CompanyResult(results[1].company, "cancelled", (), "cancelled")
        at = DAY0 + timedelta(days=day)
        counts = []
        for con, save in ((batched, store.save_company_results),
                          (single, store.save_company_results_one_by_one)):
            run_id = store.start_run(con, "test", len(results), at=at)
            counts.append(save(con, run_id, results, at))
            store.finish_run(con, run_id, "finished", at=at)
        assert counts[0] == counts[1]
        assert [(c.job_ids, c.closed_ids) for c in counts[0]] == [
            (c.job_ids, c.closed_ids) for c in counts[1]]
        assert tables(batched) == tables(single), day
        reopened += batched.execute("SELECT count(*) FROM jobs WHERE last_seen_run = ? AND "
                                    "first_seen_run < ? - 1 AND closed_at IS NULL",
                                    [day + 1, day + 1]).fetchone()[0]  # type: ignore[index]
    states = {c.state for c in counts[0]}
    assert states == {"ok", "failed", "cancelled"}
    assert counts[0][0].state == "failed" and "listed no jobs" in (counts[0][0].error or "")
    assert sum(c.jobs_closed for c in counts[0]) > 0
    assert batched.execute("SELECT count(*) FROM jobs WHERE closed_at IS NOT NULL").fetchone() != (0,)


class CountingConnection:
    """A connection that counts the statements sent through it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.statements = 0

    def execute(self, *args: Any) -> Any:
        self.statements += 1
        return self.con.execute(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


@pytest.mark.parametrize("size", [1, 10, 100])
def test_a_batch_takes_the_same_number_of_statements_whatever_its_size(
    fresh_db: duckdb.DuckDBPyConnection, size: int
) -> None:
    companies = store.save_companies(fresh_db, [
        Company(f"C{i}", "lever", f"c{i}", f"https://jobs.lever.co/c{i}") for i in range(size)])
    counting = CountingConnection(fresh_db)
    for day in range(2):  # day 1 also closes a job of every company
        run_id = store.start_run(fresh_db, "test", size)
        results = [CompanyResult(c, "ok", tuple(job(c.board, n) for n in range(day, 3)))
                   for c in companies]
        counting.statements = 0
        store.save_company_results(counting, run_id, results)  # type: ignore[arg-type]
        # BEGIN, new count, upsert, close, run_results, run counts, COMMIT
        assert counting.statements == 7, (size, day)
    assert fresh_db.execute("SELECT count(*) FROM jobs WHERE closed_at IS NOT NULL").fetchone() == (size,)


def test_a_batch_that_fails_in_the_database_falls_back_company_by_company(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    a, b, c = store.save_companies(fresh_db, [
        Company(n, "lever", n.lower(), f"https://jobs.lever.co/{n.lower()}") for n in "ABC"])
    run_id = store.start_run(fresh_db, "test", 3)
    bad = job("b", 1, title=None)  # jobs.title is NOT NULL: DuckDB refuses the whole upsert
    writer = Writer(fresh_db, run_id, DAY0)
    for company, jobs in ((a, (job("a", 1),)), (b, (bad,)), (c, (job("c", 1), job("c", 2)))):
        writer.submit(CompanyResult(company, "ok", jobs))
    writer.close()
    writer.run()
    assert writer.batches == [3, 1, 1, 1]  # the batch, then each company on its own
    assert fresh_db.execute("SELECT company_id, state, jobs_seen FROM run_results "
                            "ORDER BY company_id").fetchall() == [
        (a.company_id, "ok", 1), (b.company_id, "failed", 0), (c.company_id, "ok", 2)]
    assert fresh_db.execute("SELECT job_id FROM jobs ORDER BY 1").fetchall() == [
        ("lever:a:1",), ("lever:c:1",), ("lever:c:2",)]
    assert writer.error is not None and "NOT NULL" in writer.error


def test_on_committed_gets_each_batch_after_it_is_in_the_database(tmp_path: Any) -> None:
    con = connect(tmp_path / "jobs.duckdb")
    a, b = store.save_companies(con, [
        Company(n, "lever", n.lower(), f"https://jobs.lever.co/{n.lower()}") for n in "AB"])
    seen: list[tuple[list[tuple[str, str, tuple[str, ...], tuple[str, ...]]], int]] = []
    reader = con.cursor()

    def on_committed(saved: list[Saved]) -> None:
        [(in_db,)] = reader.execute("SELECT count(*) FROM jobs").fetchall()
        seen.append(([(s.progress.company.name, s.progress.state, s.job_ids, s.closed_ids)
                      for s in saved], in_db))

    for day, a_jobs in enumerate(((job("a", 1), job("a", 2)), (job("a", 2),))):
        run_id = store.start_run(con, "test", 2)
        writer = Writer(con.cursor(), run_id, DAY0 + timedelta(days=day), on_committed=on_committed)
        writer.submit(CompanyResult(a, "ok", a_jobs))
        writer.submit(CompanyResult(b, "failed", (), "404 board not found"))
        writer.close()
        writer.run()
    assert seen == [
        ([("A", "ok", ("lever:a:1", "lever:a:2"), ()), ("B", "failed", (), ())], 2),
        ([("A", "ok", ("lever:a:2",), ("lever:a:1",)), ("B", "failed", (), ())], 2),
    ]
    con.close()


def test_batches_grow_while_the_writer_is_busy_within_their_bounds(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    companies = store.save_companies(fresh_db, [
        Company(f"C{i}", "lever", f"c{i}", f"https://jobs.lever.co/c{i}") for i in range(25)])
    run_id = store.start_run(fresh_db, "test", 25)
    writer = Writer(fresh_db, run_id, DAY0, max_companies=10, max_jobs=25)
    big = store.save_companies(fresh_db, [Company("Big", "lever", "big", "https://jobs.lever.co/big")])
    for c in companies[:12]:
        writer.submit(CompanyResult(c, "ok", (job(c.board, 1),)))
    writer.submit(CompanyResult(big[0], "ok", tuple(job("big", n) for n in range(40))))
    for c in companies[12:]:
        writer.submit(CompanyResult(c, "ok", (job(c.board, 1),)))
    writer.close()
    writer.run()  # everything queued before it started: as if it had been busy all along
    assert writer.batches == [10, 2, 1, 10, 3]
    assert writer.totals["ok"] == 26 and writer.totals["jobs_seen"] == 65


def test_importing_10000_companies_keeps_every_one(fresh_db: duckdb.DuckDBPyConnection) -> None:
    from app import companies

    lines = ["name,url,ats,board,enabled"] + [
        f"Company {i},https://jobs.lever.co/company-{i},,,{'false' if i % 7 == 0 else 'true'}"
        for i in range(10_000)]
    entries = companies.parse_csv("\n".join(lines))
    assert all(e.ok for e in entries)
    counting = CountingConnection(fresh_db)
    report = companies.save_entries(counting, entries)  # type: ignore[arg-type]
    assert (len(report.added), len(report.updated), report.rejected) == (10_000, 0, [])
    assert counting.statements < 10, "set-based, not a statement per company"
    assert fresh_db.execute("SELECT count(*), count(*) FILTER (WHERE NOT enabled), "
                            "count(DISTINCT board) FROM companies").fetchone() == (10_000, 1429, 10_000)
    again = companies.save_entries(fresh_db, entries)
    # The same file again: every company is tracked and unchanged (issue 15, item 11).
    assert (len(again.added), len(again.updated), len(again.unchanged)) == (0, 0, 10_000)
    assert fresh_db.execute("SELECT count(*) FROM companies").fetchone() == (10_000,)


def test_a_board_given_twice_is_saved_once_with_its_last_name(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    first = Company("Acme", "lever", "acme", "https://jobs.lever.co/acme")
    second = Company("Acme Inc", "lever", "acme", "https://jobs.lever.co/acme")
    a, b = store.save_companies(fresh_db, [first, second], enabled=[False, None])
    assert a.company_id == b.company_id
    assert fresh_db.execute("SELECT name, enabled FROM companies").fetchall() == [("Acme Inc", False)]
