"""Shared Streamlit pieces: the one cached DuckDB connection, the data version that keys
cached queries, and small widgets every page uses."""

from __future__ import annotations

import logging
import threading

import duckdb
import streamlit as st

from app import store
from app.db import DatabaseLockedError, connect
from app.settings import Settings, SettingsError, load_settings
from scraper.normalize import sanitize_html

log = logging.getLogger(__name__)

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
    except DatabaseLockedError as exc:
        log.error("cannot open the database: %s", exc)
        st.error(exc.public)
        st.stop()
        raise  # unreachable: st.stop() raises
    except (SettingsError, store.StoreError) as exc:
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
    ).fetchall()[0]
    return f"{row}|{_edits}"


def safe_html(html: str) -> None:
    """Render scraped HTML through the scraper's sanitizer (the same allow-list it stores
    with), so a row written by an older version or by hand still renders inert."""
    st.html(sanitize_html(html) or "")


def sidebar_run_indicator() -> None:
    """A small live indicator of the running scrape, shown in every page's sidebar; each
    session gets one toast with the outcome of every run that ends while it is open."""
    from app import registry  # registry imports this module

    reg = registry.holder()

    # Idle ticks only read the in-memory snapshot, so a 2 s poll is cheap and a run started
    # in another tab shows here within 2 s.
    @st.fragment(run_every=1.0 if reg.snapshot().running else 2.0)
    def indicator() -> None:
        snap = reg.snapshot()
        if snap.running:
            st.caption(f":material/sync: Scrape running: {snap.companies_done}/{snap.companies_total} companies")
            st.progress(snap.fraction)
        elif snap.ended:
            st.caption(f"Last scrape {snap.state}: {snap.jobs_new} new, {snap.jobs_closed} closed "
                       f"({snap.companies_failed} of {snap.companies_total} companies failed)")
        else:
            st.caption("No scrape has run yet.")
        # Runs that ended before this session opened are not news to it.
        toasted: set[int | None] = st.session_state.setdefault(
            "_scrape_toasted", {None if snap.running else snap.run_id})
        if snap.ended and snap.run_id not in toasted:
            toasted.add(snap.run_id)
            st.toast(f"Scrape #{snap.run_id} {snap.state}: {snap.jobs_new} new, "
                     f"{snap.jobs_closed} closed jobs",
                     icon=":material/check_circle:" if snap.state == "finished"
                     else ":material/warning:")

    indicator()
