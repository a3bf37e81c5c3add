"""Shared fixtures: a fresh database per test, Streamlit caches cleared between tests, and
private targets allowed (the simulator and local test servers listen on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.db import connect
from app.ui import NAME_KEY
from scraper.netguard import ALLOW_PRIVATE_ENV

# Redis, Celery workers and the `mode` fixture (in-process / 1 worker / 2 workers).
pytest_plugins = ["tests.remote_services"]

ROOT = Path(__file__).resolve().parent.parent
MAIN = str(ROOT / "app" / "main.py")


def named(at: AppTest, name: str = "Tester") -> AppTest:
    """The session as someone who gave their name (with no login configured, the app asks
    for one at the first edit; tests of other behaviour skip the asking)."""
    at.session_state[NAME_KEY] = name
    return at


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


@pytest.fixture(autouse=True)
def _allow_private_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test may fetch 127.0.0.1 (the simulator); the guard's own tests use
    ``private_refused`` to see the default."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")


@pytest.fixture
def private_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped default: loopback, link-local and private targets are refused."""
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
