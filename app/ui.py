"""Shared Streamlit pieces: the one cached DuckDB connection, the data version that keys
cached queries, and small widgets every page uses."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from urllib.parse import quote, unquote

import duckdb
import polars as pl
import pyarrow as pa
import streamlit as st

from app import people, queries, search, store
from app.db import DatabaseLockedError, connect
from app.notify import Notifier
from app.people import Person
from app.plain import md_line
from app.queries import SearchHits
from app.search import ParsedQuery, SearchIndex, SearchIndexError, open_index
from app.settings import Settings, SettingsError, load_settings
from scraper.normalize import sanitize_html

log = logging.getLogger(__name__)

# Up to this many jobs the index catches up while the page waits (a second or two);
# beyond, on a thread of its own with a progress bar.
SMALL_CATCH_UP = 5_000
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


@st.cache_resource(show_spinner=False)
def _notifier(_con: duckdb.DuckDBPyConnection) -> Notifier:
    return Notifier(_con, settings().public_url)


def notifier() -> Notifier:
    """The process's sender of saved searches' notifications (a small thread pool)."""
    return _notifier(connection())


@st.cache_resource(show_spinner=False)
def _search_index(_con: duckdb.DuckDBPyConnection) -> SearchIndex:
    conf = settings()
    return open_index(conf.db_path, conf.index_path)


def search_index() -> SearchIndex | None:
    """The database's search index (None, with a warning, when it cannot be opened)."""
    try:
        return _search_index(connection())
    except SearchIndexError as exc:
        st.warning(f"Search index unavailable, searching by scanning instead: {exc}")
        return None


def searchable_index() -> SearchIndex | None:
    """The search index for this rerun, or None while it has nothing to search yet (the
    caller scans instead). When it is behind the database it catches up on a thread of its
    own, with a progress bar here; until then it answers as of its last update."""
    index = search_index()
    if index is None:
        return None
    version = data_version()
    if not index.catching_up and index.checked_version != version:
        # A batch the scrape's writer just committed is being indexed: give it a moment.
        index.flush(1.0)
        if index.is_current(cursor()):
            index.checked_version = version
        elif queries.job_count(cursor()) <= SMALL_CATCH_UP:
            with st.spinner("Updating the search index…"):
                index.catch_up(cursor())
            index.checked_version = version
        else:
            index.catch_up_in_background(connection())
            index.wait(1.0)
    if index.catching_up:
        _search_progress(index)
    elif index.error:
        st.warning(f"The search index could not catch up ({index.error}); results may miss "
                   "the latest jobs. `jobscraper reindex` rebuilds it.")
    return index if index.docs or not index.catching_up else None


def search_hits(text: str) -> tuple[ParsedQuery, SearchHits | None, str]:
    """The search box's ``text`` parsed, the index's hits for it (None: no search, or scan
    instead) and a key naming what answered ("index <generation>" or "scan") for caches."""
    index = searchable_index()
    try:
        parsed, hits = search.search_hits(index, text)
    except SearchIndexError as exc:
        st.warning(f"{exc}. Searching by scanning meanwhile.")
        index = None
        parsed, hits = search.search_hits(None, text)
    return parsed, hits, f"index {index.generation}" if index is not None else "scan"


def _search_progress(index: SearchIndex) -> None:
    """A live progress bar of the index catching up; reruns the page when it is done."""

    @st.fragment(run_every=1.0)
    def progress() -> None:
        if not index.catching_up:
            st.rerun(scope="app")
        done, total = index.progress
        st.progress(done / total if total else 0.0,
                    text=f"Updating the search index: {done:,} of {total:,} jobs. Searches "
                    "use the previous index (or a slower scan) until it is done.")

    progress()


def table_data(frame: pl.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table ``st.dataframe`` serializes as it is. Given a polars frame,
    Streamlit converts it to pandas and back to Arrow first: a fifth of the server's time
    with 10 tabs on Scraping during a run (issue 11)."""
    table = frame.to_arrow()
    fields = [pa.field(f.name, pa.list_(f.type.value_type)) if pa.types.is_large_list(f.type)
              else f for f in table.schema]
    return table.cast(pa.schema(fields)) if fields != list(table.schema) else table


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


# -- who is here (app.people does the resolving; this feeds it the session's facts) ---------

NAME_KEY = "_person_name"
NAME_FIELD = "Your name"
# The given name is kept in this browser (a cookie) so it is asked once, not every visit.
NAME_COOKIE = "jobscraper_name"
_REMEMBER = "_person_name_remember"


def auth_configured() -> bool:
    """An ``[auth]`` section in ``.streamlit/secrets.toml``: Streamlit's OIDC login is on."""
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def identity_mode() -> people.Mode:
    return people.mode_of(auth_configured=auth_configured(), user_header=settings().user_header)


def current_person() -> Person:
    """The person behind this session: the OIDC login, else the trusted proxy header, else
    the name they gave (unverified), else anonymous. Every page and app call uses this."""
    conf = settings()
    mode = identity_mode()
    if mode == "name" and NAME_KEY not in st.session_state:
        st.session_state[NAME_KEY] = _remembered_name()
    return people.resolve(
        mode,
        user=st.user.to_dict() if mode == "oidc" else None,
        headers=st.context.headers if mode == "header" else None,
        user_header=conf.user_header,
        given_name=st.session_state.get(NAME_KEY),
        admins=conf.admins,
    )


def needs_name() -> bool:
    """In the no-login mode, the person has not given a name yet (asked at the first edit)."""
    return identity_mode() == "name" and not st.session_state.get(NAME_KEY)


def name_input(key: str) -> None:
    """The "Your name" field an edit form shows until the person has given one."""
    if needs_name():
        st.text_input(NAME_FIELD, key=key, max_chars=people.MAX_NAME,
                      placeholder="shown with your changes (not verified)")


def editor(key: str | None = None) -> Person:
    """The person making an edit, taking the name typed in ``key``'s field first (call from
    the edit's callback). Still anonymous when no name was typed: the app call refuses."""
    typed = st.session_state.get(key, "") if key else ""
    if typed and needs_name():
        with contextlib.suppress(ValueError):
            st.session_state[NAME_KEY] = st.session_state[_REMEMBER] = people.clean_name(typed)
    return current_person()


def _remembered_name() -> str | None:
    raw = st.context.cookies.get(NAME_COOKIE)
    if not isinstance(raw, str) or not raw:  # AppTest has no browser, hence no cookies
        return None
    try:
        return people.clean_name(unquote(raw))
    except ValueError:
        return None


def _remember_name() -> None:
    """Set (or, for "", clear) the name cookie in this browser, once after a change."""
    name = st.session_state.pop(_REMEMBER, None)
    if name is None:
        return
    value = json.dumps(quote(name, safe=""))  # percent-encoded: no quote, <, ; or space left
    age = 400 * 24 * 3600 if name else 0
    st.html(f"<script>document.cookie = '{NAME_COOKIE}=' + {value} + "
            f"'; path=/; max-age={age}; SameSite=Lax';</script>", unsafe_allow_javascript=True)


def _forget_name() -> None:
    st.session_state[NAME_KEY] = None
    st.session_state[_REMEMBER] = ""


def sidebar_identity() -> Person:
    """Who you are, in the sidebar, with a log-out where there is one; returns the person."""
    person = current_person()
    mode = identity_mode()
    conf = settings()
    if person.anonymous and mode == "header":
        st.warning(f"Your request carried no {conf.user_header} header, so you can look but "
                   "not edit: open the app through the team's login proxy.")
    elif person.anonymous:
        st.caption(":material/person: Not named yet: you'll be asked for your name when you "
                   "first edit.")
    else:
        icon = ":material/verified_user:" if person.verified else ":material/person:"
        st.caption(f"{icon} {md_line(person.label)}" + (" · admin" if person.admin and conf.admins else ""))
    if mode == "oidc" and not person.anonymous:
        if st.button("Log out", key="_log_out", icon=":material/logout:"):
            st.logout()
    elif mode == "name" and not person.anonymous:
        st.button("Not you? Change name", key="_change_name", on_click=_forget_name)
    if mode == "name":
        _remember_name()
    return person


def login_screen() -> None:
    """With OIDC configured, the app is behind the login: this is all a logged-out visitor sees."""
    st.title("Job dashboard")
    st.info("Log in to see the team's jobs: the team sees your name next to your changes.")
    if st.button("Log in", type="primary", icon=":material/login:"):
        st.login()


def safe_html(html: str) -> None:
    """Render scraped HTML through the scraper's sanitizer (the same allow-list it stores
    with), so a row written by an older version or by hand still renders inert."""
    st.html(sanitize_html(html) or "")


def sidebar_run_indicator(live: bool = True) -> None:
    """A small live indicator of the running scrape, shown in every page's sidebar; each
    session gets one toast with the outcome of every run that ends while it is open.
    ``live=False`` (the Scraping page, whose own live panel reruns the page when a run starts
    or ends) draws it once per page run instead of polling: one fragment rerun a second
    less per tab there, which 20 tabs during a run feel."""
    from app import registry  # registry imports this module

    reg = registry.holder()

    def indicator() -> None:
        snap = reg.snapshot()
        if snap.running and not live:
            st.caption(":material/sync: Scrape running: its progress is on this page")
        elif snap.running:
            st.caption(f":material/sync: Scrape running: {snap.companies_done}/{snap.companies_total} companies")
            st.progress(snap.fraction)
        elif snap.ended:
            undone = [f"{n} {what}" for n, what in ((snap.companies_cancelled, "cancelled"),
                                                    (snap.companies_not_reached, "not reached"))
                      if n]
            st.caption(f"Last scrape {snap.state}: {snap.jobs_new} new, {snap.jobs_closed} closed "
                       f"({snap.companies_failed} of {snap.companies_total} companies failed"
                       + "".join(f", {u}" for u in undone) + ")")
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

    if not live:
        indicator()
        return
    # Idle ticks only read the in-memory snapshot, so a 2 s poll is cheap and a run started
    # in another tab shows here within 2 s.
    st.fragment(run_every=1.0 if reg.snapshot().running else 2.0)(indicator)()
