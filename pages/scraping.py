"""Scraping: start or cancel the shared scrape, watch it live, set the schedule, read history."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import polars as pl
import streamlit as st

from app import registry, runs, ui
from app.registry import RunSnapshot

JOBS_PAGE = Path(__file__).resolve().parent / "jobs.py"
StatusState = Literal["running", "complete", "error"]
STATUS_STATE: dict[str, StatusState] = {
    "running": "running", "finished": "complete", "cancelled": "complete"}

st.title("Scraping")
reg = registry.holder()

left, right, _ = st.columns([1, 1, 4])
if left.button("Start scrape", type="primary"):
    if reg.start("manual"):
        st.toast("Scrape started")
    else:
        st.toast("A scrape is already running", icon="⏳")
if right.button("Cancel"):
    st.toast("Cancelling the scrape…" if reg.cancel() else "No scrape is running")


def status_label(snap: RunSnapshot) -> str:
    head = f"Run #{snap.run_id} ({snap.trigger})"
    if snap.running:
        verb = "cancelling" if snap.cancel_requested else "running"
        return f"{head} {verb}: {snap.companies_done}/{snap.companies_total} companies"
    return f"{head} {snap.state}: {snap.companies_done}/{snap.companies_total} companies"


def company_frame(snap: RunSnapshot) -> pl.DataFrame:
    return pl.DataFrame(
        [(r.name, r.ats, r.state, r.jobs, r.new, r.closed, r.duration_ms / 1000, r.error)
         for r in snap.companies],
        schema={"Company": pl.String, "ATS": pl.String, "State": pl.String, "Jobs": pl.Int64,
                "New": pl.Int64, "Closed": pl.Int64, "Duration (s)": pl.Float64,
                "Error": pl.String},
        orient="row",
    )


def render_status(snap: RunSnapshot) -> None:
    # Not `with st.status(...)`: leaving the block would mark a live run complete.
    status = st.status(status_label(snap), state=STATUS_STATE.get(snap.state, "error"),
                       expanded=True)
    status.progress(snap.fraction, text=f"{snap.companies_done} of {snap.companies_total} "
                                        f"companies done, {snap.companies_failed} failed")
    status.markdown(f"Jobs seen **{snap.jobs_seen}** · new **{snap.jobs_new}** · "
                    f"closed **{snap.jobs_closed}**")
    if snap.error:
        status.error(snap.error)
    if snap.companies:
        status.dataframe(company_frame(snap), hide_index=True, width="stretch")


def render_outcome(snap: RunSnapshot) -> None:
    st.success(f"Run #{snap.run_id} {snap.state}: {snap.jobs_new} new and "
               f"{snap.jobs_closed} closed jobs.")
    if snap.jobs_new:
        # The Jobs page reads its filters from the URL: new=run is "new in the latest run".
        st.page_link(JOBS_PAGE, label=f"See the {snap.jobs_new} new jobs", icon="🆕",
                     query_params={"new": "run"})
    st.page_link(JOBS_PAGE, label="All jobs", icon="💼")


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


def schedule_panel() -> None:
    current = reg.schedule_minutes() or 0
    minutes = st.number_input("Scheduled refresh every (minutes, 0 = off)", min_value=0,
                              max_value=7 * 24 * 60, value=current, step=15)
    if minutes != current:
        reg.set_schedule(int(minutes))
    due = reg.next_due()
    st.caption(f"Next scheduled scrape: {due:%Y-%m-%d %H:%M} UTC" if due
               else "Scheduled refresh is off.")


def history_panel() -> None:
    st.subheader("Run history")
    history = runs.recent_runs(ui.cursor())
    if history.is_empty():
        st.caption("No runs yet.")
        return
    st.dataframe(
        history.select("run_id", "trigger", "state", "started_at", "duration_s",
                       "companies_ok", "companies_failed", "jobs_new", "jobs_closed", "error"),
        hide_index=True, width="stretch",
    )
    labels = {r["run_id"]: f"#{r['run_id']} · {r['trigger']} · {r['state']} · {r['started_at']:%Y-%m-%d %H:%M}"
              for r in history.iter_rows(named=True)}
    run_id = st.selectbox("Per-company results of run", list(labels), format_func=labels.__getitem__)
    if run_id is not None:
        st.dataframe(runs.run_results(ui.cursor(), run_id), hide_index=True,
                     width="stretch")


running = reg.snapshot().running
st.fragment(run_every=1.0 if running else 2.0)(live_panel)(running)
with st.expander("Schedule", expanded=reg.schedule_minutes() is not None):
    schedule_panel()
history_panel()
