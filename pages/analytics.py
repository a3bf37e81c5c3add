"""Analytics: the hiring picture of the tracked companies, filtered by a shareable URL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

from app import analytics, store, ui
from app.analytics import Dashboard, Filters, Headline

PAGES = Path(__file__).resolve().parent
DEFAULT_DAYS = 30
WORKPLACE_LABELS = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site",
                    "unknown": "Unknown"}


@st.cache_data(show_spinner=False, max_entries=8)
def _companies(version: str) -> pl.DataFrame:
    return analytics.company_options(ui.cursor())


@st.cache_data(show_spinner=False, max_entries=8)
def _counts(version: str) -> tuple[int, int]:
    return analytics.has_data(ui.cursor())


@st.cache_data(show_spinner="Crunching the numbers…", max_entries=32)
def _dashboard(version: str, start: date, end: date, company_ids: tuple[int, ...],
               workplaces: tuple[str, ...]) -> Dashboard:
    # `version` keys the cache: it changes as soon as a company's results land.
    return analytics.dashboard(ui.cursor(), Filters(start, end, company_ids, workplaces))


def _param_date(name: str, default: date) -> date:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return default


def _init_filters(company_ids: list[int]) -> None:
    """Seed the widgets from the URL once per session, so a copied URL opens the same view."""
    if "a_range" in st.session_state:
        return
    today = store.utcnow().date()
    end = _param_date("a_to", today)
    start, end = analytics.clamp_range(
        _param_date("a_from", end - timedelta(days=DEFAULT_DAYS - 1)), end, today)
    chosen = []
    for raw in st.query_params.get_all("a_company"):
        if raw.isdigit() and int(raw) in company_ids:
            chosen.append(int(raw))
    st.session_state["a_range"] = (start, end)
    st.session_state["a_company"] = chosen
    st.session_state["a_workplace"] = [
        w for w in st.query_params.get_all("a_workplace") if w in analytics.WORKPLACES
    ]


def filter_bar(companies: pl.DataFrame) -> Filters:
    """Draw the filter bar and mirror its values into the URL."""
    names = dict(zip(companies["company_id"], companies["name"], strict=True))
    _init_filters(list(names))
    when, who, where = st.columns([2, 3, 2])
    picked = when.date_input("Date range", key="a_range", format="YYYY-MM-DD")
    who.multiselect("Companies", list(names), key="a_company", format_func=names.__getitem__,
                    placeholder="All companies")
    where.multiselect("Workplace", analytics.WORKPLACES, key="a_workplace",
                      format_func=WORKPLACE_LABELS.__getitem__, placeholder="Any workplace")
    dates = list(picked) if isinstance(picked, tuple | list) else [picked]
    # While a range is being picked the widget holds only its first day.
    start = dates[0] if dates else store.utcnow().date()
    end = dates[1] if len(dates) > 1 else start
    start, end = analytics.clamp_range(start, end, store.utcnow().date())
    filters = Filters(start, end, tuple(sorted(st.session_state["a_company"])),
                      tuple(st.session_state["a_workplace"]))
    st.query_params["a_from"] = start.isoformat()
    st.query_params["a_to"] = end.isoformat()
    st.query_params["a_company"] = [str(i) for i in filters.company_ids]
    st.query_params["a_workplace"] = list(filters.workplaces)
    return filters


def _delta(now: int, before: int, known: bool) -> int | None:
    """The change against the previous period, or None (no delta) when scrapes did not cover
    it: against nothing, a delta only repeats the value."""
    return now - before if known else None


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _points(now: float | None, before: float | None, known: bool) -> str | None:
    if now is None or before is None or not known:
        return None
    return f"{(now - before) * 100:+.0f} pp"


def headline_metrics(h: Headline, salaries: pl.DataFrame, end: date) -> None:
    ago, before = h.has_week_ago(), h.has_week_before()
    cols = st.columns(5)
    cols[0].metric("Open jobs", f"{h.open_jobs:,}", _delta(h.open_jobs, h.open_jobs_week_ago, ago),
                   help="Open on the range's last day: first seen by then and not closed; "
                        "delta vs. a week earlier")
    cols[1].metric("New this week", f"{h.new_this_week:,}",
                   _delta(h.new_this_week, h.new_last_week, before),
                   help="First seen by a scrape in the 7 days to the range's last day, "
                        "including those closed since; delta vs. the 7 days before")
    cols[2].metric("Closed this week", f"{h.closed_this_week:,}",
                   _delta(h.closed_this_week, h.closed_last_week, before), delta_color="inverse",
                   help="Gone from their board in the 7 days to the range's last day; "
                        "delta vs. the 7 days before")
    cols[3].metric("Companies hiring", f"{h.companies_hiring:,}",
                   _delta(h.companies_hiring, h.companies_hiring_week_ago, ago),
                   help="Companies with open jobs; delta vs. a week earlier")
    cols[4].metric("Remote share", _percent(h.remote_share),
                   _points(h.remote_share, h.remote_share_week_ago, ago),
                   help="Share of open jobs that are remote; delta vs. a week earlier")
    st.caption(_headline_note(h, end))
    if salaries.is_empty():
        st.caption("No open job in this view states a salary.")
        return
    cols = st.columns(5)
    for col, row in zip(cols, salaries.head(5).iter_rows(named=True), strict=False):
        col.metric(f"Median salary ({row['salary_currency']})", f"{row['median']:,.0f}",
                   help=f"Annualized midpoint over {row['jobs']:,} open jobs with a salary")


def _headline_note(h: Headline, end: date) -> str:
    """What the numbers count, and why a delta is missing."""
    note = (f"Open: on {end:%Y-%m-%d}. New and closed: in the 7 days to then (a new job may "
            "have closed since, so new can exceed open).")
    if h.history_start is None:
        return note
    first = f"The first scrape of these jobs was on {h.history_start:%Y-%m-%d}"
    if not h.has_week_ago():
        return f"{note} {first}: no earlier week to compare with, so no deltas."
    if not h.has_week_before():
        return (f"{note} {first}: the week before was not fully covered, so new and closed "
                "have no delta.")
    return note


def _bars(frame: pl.DataFrame, category: str, value: str, title: str, x_title: str,
          y_title: str) -> alt.Chart:
    """A horizontal bar chart, biggest first."""
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=x_title),
            y=alt.Y(f"{category}:N", title=y_title, sort="-x"),
            tooltip=[category, value],
        )
    )


def _workplace_axis() -> alt.Axis:
    """Axis labels 'On-site', 'Unknown' for the stored codes (the data keeps the codes)."""
    pairs = ", ".join(f"'{k}': '{v}'" for k, v in WORKPLACE_LABELS.items())
    return alt.Axis(labelExpr=f"{{{pairs}}}[datum.value] || datum.value")


def _show(chart: alt.Chart | alt.LayerChart | alt.FacetChart, frame: pl.DataFrame, empty: str) -> None:
    if frame.is_empty():
        st.caption(empty)
    else:
        st.altair_chart(chart, width="stretch")


def flow_chart(board: Dashboard) -> None:
    per = board.bucket
    chart = (
        alt.Chart(board.flow, title=f"New vs. closed postings per {per}")
        .mark_line(point=True)
        .encode(
            # Days are UTC dates: a local-time axis would shift them a day west of UTC.
            x=alt.X("period:T", timeUnit="utcyearmonthdate",
                    title="Day" if per == "day" else "Week starting"),
            y=alt.Y("jobs:Q", title="Postings"),
            color=alt.Color("kind:N", title="", sort=["new", "closed"],
                            scale=alt.Scale(domain=["new", "closed"],
                                            range=["#2e7d32", "#c62828"])),
            tooltip=[alt.Tooltip("period:T", timeUnit="utcyearmonthdate", title="Date"),
                     "kind:N", "jobs:Q"],
        )
    )
    _show(chart, board.flow, "No dates in this range.")
    dated, total = board.flow_dating
    if total:
        st.caption(f"New postings are counted on the day their board says they were posted "
                   f"({dated:,} of {total:,} in this range), on the day a scrape first saw "
                   f"them otherwise ({total - dated:,}).")


def salary_chart(board: Dashboard) -> None:
    frame = board.salary_by_department
    currency = board.main_currency or ""
    base = alt.Chart(frame).encode(
        y=alt.Y("department:N", title="Department", sort="-x"),
        tooltip=["department", "jobs", "low", "median", "high"],
    )
    ranges = base.mark_rule(strokeWidth=6, opacity=0.6).encode(
        x=alt.X("low:Q", title=f"Annual salary ({currency}), median min–max",
                scale=alt.Scale(zero=False)),
        x2="high:Q",
    )
    medians = base.mark_point(filled=True, size=80, color="black").encode(x="median:Q")
    chart = alt.layer(ranges, medians, title=f"Annual salary ranges by department ({currency})")
    _show(chart, frame, "No open job in this view states a salary with a department.")


def days_open_chart(board: Dashboard) -> None:
    frame = board.days_open
    longest = float(frame["median_days"].max() or 0) if frame.height else 0.0
    chart = _bars(frame, "company", "median_days",
                  "Median days open of closed postings", "Days open (median)",
                  "Company").encode(
        # At least one day wide: an all-zero domain draws ticks like 0.000000.
        x=alt.X("median_days:Q", title="Days open (median)",
                scale=alt.Scale(domain=[0, max(1.0, longest)]), axis=alt.Axis(format="~r")),
    )
    _show(chart, frame, "No posting closed in this range.")
    if frame.height and longest < 1:
        st.caption("Postings closed in this range were open for less than a day (median).")


def health_chart(frame: pl.DataFrame) -> alt.Chart:
    """Runs per company split into OK and failed, worst first: a 0% board is a full red bar."""
    return (
        alt.Chart(frame, title="Scrape success, last 10 runs")
        .transform_fold(["ok", "failed"], as_=["outcome", "count"])
        .mark_bar()
        .encode(
            # Whole runs only: a fractional tick (0.1, 0.2 ...) reads as a fraction of a run.
            x=alt.X("count:Q", title="Runs (that reached the company)", stack="zero",
                    axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("company:N", title="Company",
                    sort=alt.EncodingSortField("success_rate", order="ascending")),
            color=alt.Color("outcome:N", title="Outcome", sort=["ok", "failed"],
                            scale=alt.Scale(domain=["ok", "failed"],
                                            range=["#2e7d32", "#c62828"])),
            order=alt.Order("outcome:N", sort="descending"),
            tooltip=["company:N", "outcome:N", "count:Q",
                     alt.Tooltip("success_rate:Q", title="Success rate", format=".0%")],
        )
    )


def health_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The health frame for display: a blank 'Last error' reads better than None."""
    return frame.with_columns(pl.col("last_error").fill_null(""))


def health_section(board: Dashboard) -> None:
    frame = board.scrape_health
    if frame.is_empty():
        st.caption("No scrape has run yet.")
        return
    st.altair_chart(health_chart(frame), width="stretch")
    st.dataframe(
        health_table(frame),
        hide_index=True,
        width="stretch",
        column_config={
            "company": "Company", "runs": "Runs", "ok": "OK", "failed": "Failed",
            "success_rate": st.column_config.ProgressColumn(
                "Success", format="percent", min_value=0, max_value=1),
            "last_state": "Last state",
            "last_run_at": st.column_config.DatetimeColumn("Last run (UTC)"),
            # Errors are long sentences: give them the room.
            "last_error": st.column_config.TextColumn("Last error", width="large"),
        },
    )


def charts(board: Dashboard) -> None:
    flow_chart(board)
    left, right = st.columns(2)
    with left:
        _show(_bars(board.open_by_company, "company", "open_jobs",
                    "Open jobs by company (top 20)", "Open jobs", "Company"),
              board.open_by_company, "No open jobs in this view.")
        _show(_bars(board.top_locations, "location", "jobs", "Top locations of open jobs",
                    "Open jobs", "Location"),
              board.top_locations, "No open job in this view has a location.")
        salary_chart(board)
    with right:
        _show(_bars(board.workplace_mix, "workplace", "jobs", "Workplace mix of open jobs",
                    "Open jobs", "Workplace").encode(
                  y=alt.Y("workplace:N", title="Workplace", sort="-x", axis=_workplace_axis())),
              board.workplace_mix, "No open jobs in this view.")
        _show(_bars(board.top_departments, "department", "jobs",
                    "Top departments of open jobs", "Open jobs", "Department"),
              board.top_departments, "No open job in this view has a department.")
        days_open_chart(board)
    st.subheader("Scrape health")
    health_section(board)


def empty_state(companies: int) -> None:
    if companies == 0:
        st.info("No companies are tracked yet. Add the career boards you want to watch.")
        st.page_link(PAGES / "companies.py", label="Add companies", icon=":material/domain:")
    else:
        tracked = "1 company is" if companies == 1 else f"{companies} companies are"
        st.info(f"{tracked} tracked but no jobs have been scraped yet.")
        st.page_link(PAGES / "scraping.py", label="Start a scrape", icon=":material/sync:")


st.title("Analytics")
version = ui.data_version()
n_companies, n_jobs = _counts(version)
if n_jobs == 0:
    empty_state(n_companies)
    st.stop()
view = filter_bar(_companies(version))
board = _dashboard(version, view.start, view.end, view.company_ids, view.workplaces)
headline_metrics(board.headline, board.salary_medians, view.end)
charts(board)
