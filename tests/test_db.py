"""The database file: migrations and the single-writer lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.db import MIGRATIONS, DatabaseLockedError, connect, migrate


def test_migrations_are_idempotent_on_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "jobs.duckdb"
    con = connect(path)
    con.execute("INSERT INTO companies (name, ats, board, url) VALUES ('A', 'lever', 'a', 'https://a')")
    con.close()

    con = connect(path)
    assert migrate(con) == []
    names = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert names == sorted(name for name, _ in MIGRATIONS)  # names, not positions, are recorded
    assert con.execute("SELECT name FROM companies").fetchall() == [("A",)]


def test_connect_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "jobs.duckdb"
    connect(path).close()
    assert path.exists()


def test_second_process_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "jobs.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); "
         "print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLockedError, match="open in another process"):
            connect(path)
    finally:
        holder.communicate("")


def test_closed_reason_migration_closes_jobs_left_open_by_a_deleted_company(
    tmp_path: Path,
) -> None:
    """Issue 15 item 5: jobs kept from a deleted company stayed open before 0015."""
    path = tmp_path / "jobs.duckdb"
    con = connect(path)
    con.execute("DELETE FROM schema_migrations WHERE name = '0015_jobs_closed_reason'")
    con.execute("ALTER TABLE jobs DROP COLUMN closed_reason")
    con.execute(
        "INSERT INTO jobs (job_id, company_id, source, board, external_id, title, url, "
        "first_seen_at, last_seen_at) VALUES ('lever:a:1', NULL, 'lever', 'a', '1', 'T', "
        "'https://a/1', now(), now()), ('lever:b:1', 7, 'lever', 'b', '1', 'T', 'https://b/1', "
        "now(), now())"
    )
    assert migrate(con) == ["0015_jobs_closed_reason"]
    rows = con.execute("SELECT job_id, closed_at IS NOT NULL, closed_reason FROM jobs "
                       "ORDER BY job_id").fetchall()
    assert rows == [("lever:a:1", True, "its company was deleted"), ("lever:b:1", False, None)]
