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
