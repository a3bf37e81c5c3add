"""Employment type: the board's text kept, a normalized kind beside it (issue 17, defect 7)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import polars as pl
import pytest

from app import db, queries, store
from app.cli import main
from scraper.boards import parse
from scraper.models import Company, CompanyResult, Job
from scraper.normalize import EMPLOYMENT_KINDS, normalize_employment_type
from tests.test_golden import FIXTURES

# Spellings seen on real boards (Greenhouse metadata, Lever commitments, Ashby enums, Recruitee
# codes, Personio kinds, JSON-LD lists, SmartRecruiters labels, Workday time types).
PHRASES = [
    ("Full-time", "full-time"),
    ("FULL_TIME", "full-time"),
    ("FullTime", "full-time"),
    ("fulltime", "full-time"),
    ("fulltime_permanent", "full-time"),
    ("permanent, full-time", "full-time"),
    ("Regular Full Time (Salary)", "full-time"),
    ("Full Time - Permanent", "full-time"),
    ("Permanent contract", "full-time"),
    ("Vollzeit", "full-time"),
    ("Part time", "part-time"),
    ("PartTime", "part-time"),
    ("parttime_permanent", "part-time"),
    ("permanent, part-time", "part-time"),
    ("FULL_TIME, PART_TIME", "part-time"),
    ("Teilzeit", "part-time"),
    ("Werkstudent (m/w/d)", "part-time"),
    ("Contract", "contract"),
    ("CONTRACTOR", "contract"),
    ("freelance", "contract"),
    ("Contract to hire", "contract"),
    ("Full-time contract", "contract"),
    ("Temporary", "temporary"),
    ("FULL_TIME, TEMPORARY", "temporary"),
    ("fulltime_fixed_term", "temporary"),
    ("Fixed-term contract", "temporary"),
    ("Seasonal", "temporary"),
    ("Temp to perm", "temporary"),
    ("Intern", "internship"),
    ("INTERN", "internship"),
    ("internship", "internship"),
    ("Full-time Internship", "internship"),
    ("trainee", "internship"),
    ("Apprenticeship", "internship"),
    ("Praktikum", "internship"),
    ("Volunteer", "other"),
    ("PER_DIEM", "other"),
    ("Other", "other"),
    ("Internal transfer", "other"),
    ("International", "other"),
]


@pytest.mark.parametrize(("text", "kind"), PHRASES)
def test_employment_text_maps_to_its_kind(text: str, kind: str) -> None:
    assert normalize_employment_type(text) == kind


@pytest.mark.parametrize("text", [None, "", "   ", "N/A", "\u200b"])
def test_no_employment_text_is_no_kind(text: str | None) -> None:
    assert normalize_employment_type(text) is None


def _job(**fields: object) -> Job:
    base: dict[str, object] = {"source": "lever", "board": "b", "external_id": "1", "title": "T",
                               "company": None, "url": "https://jobs.example/1"}
    return Job(**{**base, **fields})  # type: ignore[arg-type]


def test_job_derives_its_kind_from_the_board_text() -> None:
    job = _job(employment_type="FULL_TIME, TEMPORARY")
    assert (job.employment_type, job.employment_kind) == ("FULL_TIME, TEMPORARY", "temporary")
    assert _job().employment_kind is None


def test_job_refuses_a_kind_outside_the_vocabulary() -> None:
    with pytest.raises(ValueError, match="not one of"):
        _job(employment_type="Full-time", employment_kind="permanent")


def test_smartrecruiters_internship_level_beats_full_time_type() -> None:
    payload = (FIXTURES / "smartrecruiters" / "detail_internship.json").read_bytes()
    [job] = parse("smartrecruiters", payload, board="NordlichtMedia", url="https://x.test/")
    assert (job.employment_type, job.employment_kind) == ("Full-time", "internship")


def test_cli_parse_prints_the_kind(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "smartrecruiters" / "detail_internship.json"
    assert main(["parse", "smartrecruiters", str(path)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["employment_kind"] == "internship"


def test_store_and_export_carry_the_kind(fresh_db: duckdb.DuckDBPyConnection) -> None:
    [company] = store.save_companies(
        fresh_db, [Company("Nordlicht", "smartrecruiters", "n", "https://n.test")]
    )
    payload = (FIXTURES / "smartrecruiters" / "detail_internship.json").read_bytes()
    jobs = parse("smartrecruiters", payload, board="n", url="https://x.test/")
    run_id = store.start_run(fresh_db, "manual", 1)
    store.save_company_result(fresh_db, run_id, CompanyResult(company, "ok", tuple(jobs)))
    exported = queries.export_jobs(fresh_db, queries.JobFilters())
    assert exported["employment_kind"].to_list() == ["internship"]
    assert pl.read_csv(queries.csv_bytes(exported))["employment_kind"].to_list() == ["internship"]
    parquet = pl.read_parquet(queries.parquet_bytes(exported))
    assert parquet["employment_kind"].to_list() == ["internship"]


def test_migration_backfills_kinds_like_the_scraper(monkeypatch: pytest.MonkeyPatch) -> None:
    before = [m for m in db.MIGRATIONS if m[0] != "0017_jobs_employment_kind"]
    con = duckdb.connect(":memory:")
    monkeypatch.setattr(db, "MIGRATIONS", before)
    db.migrate(con)
    texts = [text for text, _ in PHRASES] + [None]
    now = datetime(2026, 12, 1)
    for i, text in enumerate(texts):
        con.execute(
            "INSERT INTO jobs (job_id, source, board, external_id, title, url, employment_type, "
            "first_seen_at, last_seen_at) VALUES (?, 'lever', 'b', ?, 'T', 'https://x.test', ?, ?, ?)",
            [f"lever:b:{i}", str(i), text, now, now],
        )
    monkeypatch.undo()
    assert db.migrate(con) == [
        name for name, _ in db.MIGRATIONS if name not in {n for n, _ in before}
    ]
    rows = con.execute("SELECT employment_type, employment_kind FROM jobs ORDER BY "
                       "CAST(external_id AS INTEGER)").fetchall()
    assert rows == [(text, normalize_employment_type(text)) for text in texts]
    assert {kind for _, kind in rows} <= {*EMPLOYMENT_KINDS, None}
