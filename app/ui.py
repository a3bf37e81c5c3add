"""Shared Streamlit pieces: the one cached DuckDB connection, the data version that keys
cached queries, and small widgets every page uses."""

from __future__ import annotations

import threading

import duckdb
import streamlit as st

from app import store
from app.db import DatabaseLockedError, connect
from app.settings import Settings, SettingsError, load_settings

_edits = 0
_edits_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The process's settings (environment is read once)."""
    return load_settings()


@st.cache_resource(show_spinner="Opening the database…")
def _connection() -> duckdb.DuckDBPyConnection:
    conf = settings()
    con = connect(conf.db_path)
    # One process holds the file, so a run still marked running belongs to a dead process.
    store.interrupt_stale_runs(con)
    if conf.companies_path.exists() and not store.companies(con):
        store.save_companies(con, store.load_companies_toml(conf.companies_path))
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """The process-wide connection; stops the page with a clear message when it can't open."""
    try:
        return _connection()
    except (DatabaseLockedError, SettingsError, store.StoreError) as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared connection, for one use on this thread."""
    return connection().cursor()


def note_write() -> None:
    """Call after a write from the UI so cached reads see it."""
    global _edits
    with _edits_lock:
        _edits += 1


def data_version() -> str:
    """Changes whenever data that pages show may have changed (results landed, team edits)."""
    row = cursor().execute(
        "SELECT (SELECT count(*) FROM run_results), (SELECT max(finished_at) FROM run_results), "
        "(SELECT count(*) FROM companies), (SELECT max(finished_at) FROM runs)"
    ).fetchone()
    return f"{row}|{_edits}"


def sidebar_run_indicator() -> None:
    """A small live indicator of the running scrape, shown in every page's sidebar."""
    # Filled in by the registry (app/registry.py) work.
