"""Shared fixtures: a fresh database per test, and Streamlit caches cleared between tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from app.db import connect

# Redis, Celery workers and the `mode` fixture (in-process / 1 worker / 2 workers).
pytest_plugins = ["tests.remote_services"]

ROOT = Path(__file__).resolve().parent.parent
MAIN = str(ROOT / "app" / "main.py")


@pytest.fixture
def fresh_db() -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(":memory:")
    yield con
    con.close()


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file for the app under test, with no seed companies file."""
    path = tmp_path / "jobs.duckdb"
    monkeypatch.setenv("JOBSCRAPER_DB", str(path))
    monkeypatch.setenv("JOBSCRAPER_COMPANIES", str(tmp_path / "no-companies.toml"))
    return path


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
