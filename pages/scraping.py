"""Scraping: start or cancel the shared scrape, watch it live, set the schedule, read history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from app import registry, runs, saved_searches, store, ui
from app import scrape_view as view
from app.people import PermissionDenied
from app.plain import md_escape, md_line
from app.registry import RunSnapshot

JOBS_PAGE = Path(__file__).resolve().parent / "jobs.py"

STARTED_TOAST = "_scraping_started_toast"

st.title("Scraping")
reg = registry.holder()
person = ui.current_person()
if st.session_state.pop(STARTED_TOAST, False):
    st.toast("Scrape started", icon=":material/play_circle:")

left, right, _ = st.columns([1, 1, 4])
if left.button("Start scrape", type="primary"):
    if reg.start("manual", person):
        # The sidebar indicator was drawn before this click was handled: redraw the whole
        # page so it shows the run at once; the toast is carried over the rerun.
        st.session_state[STARTED_TOAST] = True
        st.rerun()
    else:
        st.toast("A scrape is already running", icon=":material/hourglass_top:")
if right.button("Cancel"):
    if reg.cancel(person):
        st.toast("Cancelling the scrape…", icon=":material/cancel:")
    else:
        st.toast("No scrape is running", icon=":material/info:")


# Per-company tables (live and history) share labels and pixel widths that fit a wide
# layout; Error takes what is left (its full text is listed under the live table).
COMPANY_LAYOUT = (("Company", 150), ("State", 75), ("Error", 300), ("ATS", 110),
                  ("Jobs", 55), ("New", 55), ("Closed", 60), ("Duration (s)", 95))
RESULT_NAMES = ("company", "state", "error", "ats", "jobs_seen", "jobs_new", "jobs_closed",
                "duration_s")


def company_columns(names: Sequence[str]) -> dict[str, Any]:
    """Column config for a per-company table whose columns ``names`` follow COMPANY_LAYOUT."""
    config: dict[str, Any] = {name: st.column_config.Column(label, width=width)
                              for name, (label, width) in zip(names, COMPANY_LAYOUT, strict=True)}
    config[names[-1]] = st.column_config.NumberColumn("Duration (s)", format="%.1f", width=95)
    return config



def failed_list(rows: Iterable[tuple[str, str, str, str | None]]) -> str | None:
    """Markdown listing each failed (name, ats, state, error) row with its whole error, or
    None when none failed: the tables cut long errors off."""
    lines = [f"- **{md_escape(name)}** ({ats}): {md_escape(error or 'failed')}"
             for name, ats, state, error in rows if state == "failed"]
    return "**Failed companies**\n\n" + "\n".join(lines) if lines else None


def render_status(snap: RunSnapshot) -> None:
    # Not `with st.status(...)`: leaving the block would mark a live run complete.
    status = st.status(view.status_label(snap), state=view.status_state(snap), expanded=True)
    status.progress(snap.fraction, text=view.progress_text(snap))
    status.markdown(view.counters(snap))
    if snap.error:
        status.error(md_escape(snap.error))
    now = store.utcnow()
    if snap.running_now:
        status.markdown(f"**Running now** ({len(snap.running_now)}), longest first")
        status.dataframe(ui.table_data(view.running_frame(snap.running_now, now)), hide_index=True,
                         width="stretch", column_config={
                             "Running for (s)": st.column_config.NumberColumn(format="%.0f")})
    if snap.recent:
        status.markdown("**Recently finished**")
        frame = view.company_frame(snap.recent)
        status.dataframe(ui.table_data(frame), hide_index=True, width="stretch",
                         column_config=company_columns(frame.columns[: len(COMPANY_LAYOUT)]))
    shown = snap.failed[:view.FAILED_SHOWN]
    failed = failed_list((r.name, r.ats, r.state, r.error) for r in shown)
    if failed:
        more = len(snap.failed) - len(shown)
        status.markdown(failed + (f"\n\n…and {more} more: filter the table below by state "
                                  f"*failed*." if more else ""))


def all_companies(snap: RunSnapshot) -> None:
    """Every company of the run, behind a filter and in pages (not thousands of rows)."""
    st.subheader("Companies in this run")
    left, mid, right = st.columns([2, 2, 3])
    states = left.multiselect("State", view.STATES, key="scrape_filter_states",
                              placeholder="any state")
    ats = mid.multiselect("ATS", view.ats_choices(snap.companies), key="scrape_filter_ats",
                          placeholder="any ATS")
    name = right.text_input("Company name", key="scrape_filter_name",
                            placeholder="part of a name")
    rows = view.filter_rows(snap.companies, view.TableFilter(tuple(states), tuple(ats), name))
    pages = view.page_count(len(rows))
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages,
                                   value=1, step=1, key="scrape_filter_page"))
    shown = view.page_of(rows, page)
    frame = view.company_frame(shown, store.utcnow())
    st.dataframe(ui.table_data(frame), hide_index=True, width="stretch",
                 column_config=company_columns(frame.columns[: len(COMPANY_LAYOUT)]))
    first = (min(page, pages) - 1) * view.PAGE_SIZE
    st.caption(f"{len(rows)} of {len(snap.companies)} companies match"
               + (f"; showing {first + 1}–{first + len(shown)}" if len(rows) > len(shown) else ""))


def render_outcome(snap: RunSnapshot) -> None:
    # A snapshot rebuilt after a restart has no per-company rows: the run's results have.
    outcomes = [(r.state, r.error) for r in snap.companies] or (
        runs.run_results(ui.cursor(), snap.run_id).select("state", "error").rows()
        if snap.run_id is not None else [])
    hint = runs.offline_hint(outcomes)
    if hint:
        st.warning(hint, icon=":material/wifi_off:")
    kind, text = view.outcome(snap)
    {"success": st.success, "warning": st.warning, "error": st.error}[kind](text)
    if snap.jobs_new:
        # The Jobs page reads its filters from the URL: new=run is "new in the latest run".
        st.page_link(JOBS_PAGE, label=f"See the {snap.jobs_new} new jobs", icon=":material/fiber_new:",
                     query_params={"new": "run"})
    if snap.jobs_closed:
        st.page_link(JOBS_PAGE, label=f"See the {snap.jobs_closed} closed jobs",
                     icon=":material/event_busy:", query_params={"new": "closed"})
    st.page_link(JOBS_PAGE, label="All jobs", icon=":material/work:")
    _saved_outcome(snap)


def _saved_outcome(snap: RunSnapshot) -> None:
    """The saved searches this run brought new (or closed) matches to, each a link to it."""
    if snap.run_id is None:
        return
    found = saved_searches.run_outcome(ui.cursor(), snap.run_id)
    if found.is_empty():
        return
    st.markdown("**Saved searches with news from this run**")
    for r in found.iter_rows(named=True):
        counts = ", ".join(f"{n} {what}" for n, what in ((r["new"], "new"),
                                                          (r["closed"], "closed")) if n)
        st.page_link(JOBS_PAGE, label=f"{md_line(r['name'])} · {counts}",
                     icon=":material/bookmark:", query_params={"saved": str(r["search_id"])})


def live_panel(was_running: bool) -> None:
    snap = reg.snapshot()
    if snap.running != was_running:
        # A run started or ended since the page was drawn: redraw it all (history, interval).
        st.rerun()
    if snap.run_id is None:
        st.info("No scrape has run yet: press **Start scrape**.")
        return
    render_status(snap)
    if snap.ended:
        render_outcome(snap)


# The table of every company redraws less often than the status above it: with 20 tabs open
# during a run, redrawing its 100 rows every second in every tab slowed the run (issue 11).
COMPANIES_EVERY_S = 5.0


def companies_panel() -> None:
    snap = reg.snapshot()
    if snap.companies:
        all_companies(snap)


def workers_panel() -> None:
    """On Celery workers: the broker and the workers online now."""
    st.caption(f"Scrapes run on **{md_escape(reg.mode)}**.")
    workers, error = reg.workers()
    if error:
        st.error(md_escape(error))
    elif not workers:
        st.warning("No Celery worker is online: start one with `jobscraper worker --broker URL`.")
    else:
        now = datetime.now(UTC)
        st.dataframe(
            pl.DataFrame([(w.name, w.concurrency, (now - w.last_seen).total_seconds())
                          for w in workers],
                         schema={"Worker": pl.String, "Concurrency": pl.Int64,
                                 "Last seen (s ago)": pl.Float64}, orient="row"),
            hide_index=True, column_config={
                "Last seen (s ago)": st.column_config.NumberColumn(format="%.1f")},
        )


SCHEDULE_KEY = "scraping_schedule"


def _apply_schedule() -> None:
    minutes = int(st.session_state[SCHEDULE_KEY])
    try:
        reg.set_schedule(minutes, ui.editor("schedule_name"))
    except PermissionDenied as exc:
        st.session_state[SCHEDULE_KEY + "_refused"] = str(exc)
        st.session_state[SCHEDULE_KEY + "_shown"] = None  # show the saved interval again
        return
    st.session_state[SCHEDULE_KEY + "_shown"] = minutes


def schedule_panel() -> None:
    # Keyed, applied on change: an unkeyed widget whose ``value`` follows the saved interval
    # is a new widget each time the interval changes, and the old one's state came back.
    current = reg.schedule_minutes() or 0
    ui.name_input("schedule_name")
    if st.session_state.get(SCHEDULE_KEY + "_shown") != current:  # first show, or another tab
        st.session_state[SCHEDULE_KEY] = current
        st.session_state[SCHEDULE_KEY + "_shown"] = current
    st.number_input("Scheduled refresh every (minutes, 0 = off)", min_value=0,
                    max_value=7 * 24 * 60, step=15, key=SCHEDULE_KEY, on_change=_apply_schedule,
                    disabled=not person.admin,
                    help=None if person.admin else "Only admins change the schedule.")
    refused = st.session_state.pop(SCHEDULE_KEY + "_refused", None)
    if refused:
        st.error(refused)
    due = reg.next_due()
    st.caption(f"Next scheduled scrape: {due:%Y-%m-%d %H:%M} UTC" if due
               else "Scheduled refresh is off.")


TIME = "YYYY-MM-DD HH:mm:ss"
HISTORY_ROWS = 500  # per-company results of a past run drawn at once
HISTORY_COLUMNS = {
    "run_id": st.column_config.NumberColumn("Run", format="%d", width="small"),
    "trigger": st.column_config.TextColumn("Trigger", width="small"),
    "state": st.column_config.TextColumn("State", width="small"),
    "started_at": st.column_config.DatetimeColumn("Started", format=TIME),
    "duration_s": st.column_config.NumberColumn("Duration", format="%.1f s"),
    "companies_ok": st.column_config.NumberColumn("OK", width="small"),
    "companies_failed": st.column_config.NumberColumn("Failed", width="small"),
    "companies_cancelled": st.column_config.NumberColumn("Cancelled", width="small"),
    "companies_not_reached": st.column_config.NumberColumn("Not reached", width="small"),
    "jobs_new": st.column_config.NumberColumn("New", width="small"),
    "jobs_closed": st.column_config.NumberColumn("Closed", width="small"),
    "error": st.column_config.TextColumn("Error", width="large"),
}

def table(frame: pl.DataFrame, columns: dict[str, Any]) -> None:
    """``frame`` with only ``columns``, in their order and labels; missing values blank."""
    st.dataframe(ui.table_data(frame), hide_index=True, width="stretch", column_order=list(columns),
                 column_config=columns, placeholder="")


def history_panel() -> None:
    st.subheader("Run history")
    history = runs.recent_runs(ui.cursor())
    if history.is_empty():
        st.caption("No runs yet.")
        return
    table(history, HISTORY_COLUMNS)
    labels = {r["run_id"]: f"#{r['run_id']} · {r['trigger']} · {r['state']} · {r['started_at']:%Y-%m-%d %H:%M}"
              for r in history.iter_rows(named=True)}
    run_id = st.selectbox("Per-company results of run", list(labels), format_func=labels.__getitem__)
    if run_id is not None:
        results = runs.run_results(ui.cursor(), run_id, limit=HISTORY_ROWS)
        table(results, company_columns(RESULT_NAMES))
        total = runs.run_result_count(ui.cursor(), run_id)
        if total > results.height:
            st.caption(f"The first {results.height} of {total} companies (failed first, then "
                       f"cancelled); the table above lists every company of the latest run.")
        failed = failed_list(results.select("company", "ats", "state", "error").iter_rows())
        if failed:
            st.markdown(failed)


running = reg.snapshot().running
if ui.settings().broker_url:
    st.fragment(run_every=3.0)(workers_panel)()
else:
    st.caption("Scrapes run **in-process** (set `JOBSCRAPER_BROKER` to use Celery workers).")
st.fragment(run_every=1.0 if running else 2.0)(live_panel)(running)
# Idle, the table changes only when a run starts or ends, and live_panel reruns the page then.
st.fragment(run_every=COMPANIES_EVERY_S if running else None)(companies_panel)()
with st.expander("Schedule", expanded=reg.schedule_minutes() is not None):
    schedule_panel()
history_panel()
