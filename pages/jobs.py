"""Jobs: find, read, triage and export the scraped jobs. Filters live in the URL."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from app import queries, store, ui
from app.queries import WORKPLACES, JobFilters

PAGES = Path(__file__).resolve().parent
PAGE_SIZE = 100
SORT_LABELS = {
    "posted": "Posted",
    "first_seen": "First seen",
    "salary": "Salary (annualized)",
    "company": "Company",
    "title": "Title",
    "closed": "Closed (with closed jobs)",
}
DAY_CHOICES = (0, 1, 3, 7, 14, 30, 90)  # 0: any time (a None option would show as unset)
NEW_CHOICES = ("", "run", "1", "7", "30", "closed")
NEW_LABELS = {
    "": "All jobs",
    "run": "New in the latest run",
    "1": "New in the last day",
    "7": "New in the last 7 days",
    "30": "New in the last 30 days",
    "closed": "Closed in the latest run",
}
# Widget key -> URL parameter. Lists travel comma-separated.
URL_KEYS = {
    "jobs_q": "q", "jobs_company": "company", "jobs_workplace": "workplace", "jobs_loc": "loc",
    "jobs_days": "days", "jobs_min_salary": "min_salary", "jobs_currency": "currency",
    "jobs_status": "status", "jobs_starred": "starred", "jobs_closed": "closed",
    "jobs_new": "new", "jobs_sort": "sort", "jobs_asc": "asc", "jobs_page": "page",
}


# -- cached reads (keyed by the data version so edits and new results show at once) -----


@st.cache_data(show_spinner=False, max_entries=8)
def _has_jobs(_con: duckdb.DuckDBPyConnection, version: str) -> bool:
    return queries.has_jobs(_con)


@st.cache_data(show_spinner=False, max_entries=8)
def _companies(_con: duckdb.DuckDBPyConnection, version: str) -> dict[int, str]:
    return dict(queries.company_options(_con).iter_rows())


@st.cache_data(show_spinner=False, max_entries=8)
def _currencies(_con: duckdb.DuckDBPyConnection, version: str) -> list[str]:
    return queries.currency_options(_con)


@st.cache_data(show_spinner=False, max_entries=64)
def _count(_con: duckdb.DuckDBPyConnection, filters: JobFilters, version: str) -> int:
    return queries.jobs_count(_con, filters)


@st.cache_data(show_spinner=False, max_entries=64)
def _page(
    _con: duckdb.DuckDBPyConnection,
    filters: JobFilters,
    sort: str,
    descending: bool,
    offset: int,
    version: str,
) -> pl.DataFrame:
    frame = queries.jobs_page(
        _con, filters, sort=sort, descending=descending, offset=offset, limit=PAGE_SIZE
    )
    return queries.page_for_table(frame)


@st.cache_data(show_spinner=False, max_entries=64)
def _detail(_con: duckdb.DuckDBPyConnection, job_id: str, version: str) -> dict[str, Any] | None:
    return queries.job_detail(_con, job_id)


# -- URL <-> widgets ---------------------------------------------------------------------


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _money(text: str | None) -> int | None:
    """A whole non-negative amount from URL text, or None."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return int(value) if value is not None and math.isfinite(value) and value >= 0 else None


def _listed(text: str | None) -> list[str]:
    return [p for p in (text or "").split(",") if p]


def _state_from_url(companies: dict[int, str], currencies: list[str]) -> dict[str, Any]:
    """Widget values from the URL; anything unknown falls back to the default."""
    qp = st.query_params
    company_ids = [i for i in (_int(p) for p in _listed(qp.get("company"))) if i in companies]
    days = _int(qp.get("days"))
    return {
        "jobs_q": qp.get("q", ""),
        "jobs_company": company_ids,
        "jobs_workplace": [w for w in _listed(qp.get("workplace")) if w in WORKPLACES],
        "jobs_loc": qp.get("loc", ""),
        "jobs_days": days if days in DAY_CHOICES else 0,
        "jobs_min_salary": _money(qp.get("min_salary")),
        "jobs_currency": qp.get("currency") if qp.get("currency") in currencies
        else (currencies[0] if currencies else None),
        "jobs_status": [s for s in _listed(qp.get("status")) if s in store.JOB_STATUSES],
        "jobs_starred": qp.get("starred") == "1",
        "jobs_closed": qp.get("closed") == "1",
        "jobs_new": qp.get("new") if qp.get("new") in NEW_CHOICES else "",
        "jobs_sort": qp.get("sort") if qp.get("sort") in SORT_LABELS else "posted",
        "jobs_asc": qp.get("asc") == "1",
        "jobs_page": max(_int(qp.get("page")) or 1, 1),
    }


def _init_state(companies: dict[int, str], currencies: list[str]) -> None:
    """Seed each widget from the URL the first time this session shows the page."""
    for key, value in _state_from_url(companies, currencies).items():
        if key not in st.session_state:
            st.session_state[key] = value
    if "jobs_job" not in st.session_state:
        st.session_state["jobs_job"] = st.query_params.get("job")


def _url_value(value: Any) -> str | None:
    """A widget value as URL text; None for an empty/default value."""
    if value is None or value is False or value in ("", []):
        return None
    if value is True:
        return "1"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sync_url() -> None:
    """Write the current filters (non-defaults only) to the URL so a copied link reopens them."""
    wanted: dict[str, str] = {}
    for key, param in URL_KEYS.items():
        text = _url_value(st.session_state.get(key))
        if text is not None:
            wanted[param] = text
    if "min_salary" not in wanted:
        wanted.pop("currency", None)
    if wanted.get("sort") == "posted":
        del wanted["sort"]
    for param, default in (("page", "1"), ("days", "0")):
        if wanted.get(param) == default:
            del wanted[param]
    if st.session_state.get("jobs_job"):
        wanted["job"] = st.session_state["jobs_job"]
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


# -- widgets ------------------------------------------------------------------------------


def _filter_widgets(companies: dict[int, str], currencies: list[str]) -> JobFilters:
    """The sidebar filters; returns what they select."""
    with st.sidebar:
        st.header("Find jobs")
        st.text_input("Search", key="jobs_q", placeholder="every word must match")
        st.selectbox("Show", NEW_CHOICES, key="jobs_new", format_func=NEW_LABELS.__getitem__)
        st.multiselect(
            "Companies", list(companies), key="jobs_company", format_func=companies.__getitem__
        )
        st.multiselect("Workplace", WORKPLACES, key="jobs_workplace")
        st.text_input("Location contains", key="jobs_loc")
        st.selectbox(
            "Posted within",
            DAY_CHOICES,
            key="jobs_days",
            format_func=lambda d: f"Last {d} day{'s' * (d > 1)}" if d else "Any time",
        )
        left, right = st.columns([3, 2])
        left.number_input("Min. annual salary", min_value=0, step=10000, key="jobs_min_salary",
                          help="Annualized; only salaries in the chosen currency are compared.")
        currency_choices: list[str | None] = [*currencies] or [None]
        right.selectbox("Currency", currency_choices, key="jobs_currency")
        st.multiselect("Status", store.JOB_STATUSES, key="jobs_status")
        st.checkbox("Starred only", key="jobs_starred")
        st.checkbox("Include closed jobs", key="jobs_closed")
        st.selectbox("Sort by", list(SORT_LABELS), key="jobs_sort",
                     format_func=SORT_LABELS.__getitem__)
        st.checkbox("Ascending", key="jobs_asc")
    return _filters_from_state()


def _filters_from_state() -> JobFilters:
    ss = st.session_state
    new = ss["jobs_new"]
    return JobFilters(
        search=ss["jobs_q"].strip(),
        company_ids=tuple(ss["jobs_company"]),
        workplaces=tuple(ss["jobs_workplace"]),
        location=ss["jobs_loc"].strip(),
        posted_within_days=ss["jobs_days"] or None,
        min_salary=ss["jobs_min_salary"] if ss["jobs_currency"] else None,
        currency=ss["jobs_currency"],
        statuses=tuple(ss["jobs_status"]),
        starred_only=ss["jobs_starred"],
        include_closed=ss["jobs_closed"],
        new_in_latest_run=new == "run",
        new_within_days=int(new) if new not in ("", "run", "closed") else None,
        closed_in_latest_run=new == "closed",
    )


def _signature(filters: JobFilters) -> str:
    key = repr((filters, st.session_state["jobs_sort"], st.session_state["jobs_asc"]))
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def _move_page(step: int) -> None:
    st.session_state["jobs_page"] = max(st.session_state["jobs_page"] + step, 1)


def _pager(total: int, filters: JobFilters) -> int:
    """Page navigation; returns the 0-based offset of the page shown."""
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    st.session_state["jobs_page"] = min(max(st.session_state["jobs_page"], 1), pages)
    page = st.session_state["jobs_page"]
    prev, number, nxt, summary, export = st.columns([1, 2, 1, 3, 2], vertical_alignment="bottom")
    prev.button("‹ Prev", key="jobs_prev", disabled=page <= 1, on_click=_move_page, args=(-1,))
    number.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, key="jobs_page")
    nxt.button("Next ›", key="jobs_next", disabled=page >= pages, on_click=_move_page, args=(1,))
    first = (page - 1) * PAGE_SIZE
    shown = f"{first + 1:,}–{min(first + PAGE_SIZE, total):,} of {total:,}" if total else "0 of 0"
    summary.markdown(f"**{shown}** jobs")
    with export:
        _export(filters, total)
    return first


# Most useful first: the columns past the table's width need a sideways scroll.
_COLUMNS = {
    "title": st.column_config.TextColumn("Title", width=230),
    "url": st.column_config.LinkColumn("Posting", display_text="Open ↗", width=64),
    "company": st.column_config.TextColumn("Company", width=130),
    "location": st.column_config.TextColumn("Location", width=150),
    "salary": st.column_config.TextColumn(
        "Salary", width=130, help="As published; ≈ the annual amount that sorting uses"),
    "posted_at": st.column_config.TextColumn("Posted", width=88),
    "closed_at": st.column_config.TextColumn("Closed", width=88),
    "first_seen_at": st.column_config.TextColumn("First seen", width=88),
    "status": st.column_config.TextColumn("Status", width=82),
    "starred": st.column_config.CheckboxColumn("★", width=36),
    "workplace": st.column_config.TextColumn("Workplace", width=80),
}


def _table(frame: pl.DataFrame, key: str, show_closed: bool) -> str | None:
    """The page of jobs with single-row selection; returns the selected job id."""
    columns = [c for c in _COLUMNS if show_closed or c != "closed_at"]
    event = st.dataframe(
        frame,
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_order=columns,
        column_config=_COLUMNS,
    )
    rows = event.selection.rows
    return str(frame["job_id"][rows[0]]) if rows and rows[0] < frame.height else None


def _table_key(view: str, frame: pl.DataFrame) -> str:
    """A key that changes with the rows shown: a selection is a row number, so when a save
    or a scrape moves the rows, the old number must not pick another job."""
    rows = hashlib.sha1("\n".join(frame["job_id"]).encode()).hexdigest()[:12]
    return f"jobs_table_{view}_{rows}"


def _follow_selection(selected: str | None, view: str, table_key: str) -> None:
    """The detail shows the selected row. Clearing the selection closes it, and so does
    moving to another page, filter or sort (the job would no longer be in the table);
    a job opened from the URL shows until then."""
    prev_view, prev_key, had_selection = st.session_state.get(
        "jobs_prev_sel", (None, None, False))
    if selected:
        st.session_state["jobs_job"] = selected
    else:
        moved = prev_view is not None and prev_view != view
        unselected = prev_key == table_key and had_selection
        if moved or unselected:
            st.session_state["jobs_job"] = None
    st.session_state["jobs_prev_sel"] = (view, table_key, selected is not None)


# -- detail -------------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _save_annotations(job_id: str, suffix: str) -> None:
    ss = st.session_state
    store.update_job(
        ui.cursor(),
        job_id,
        status=ss[f"jobs_edit_status_{suffix}"],
        starred=ss[f"jobs_edit_star_{suffix}"],
        notes=ss[f"jobs_edit_notes_{suffix}"],
    )
    ui.note_write()
    ss["jobs_saved"] = job_id


def _annotations(job: dict[str, Any]) -> None:
    """The team's status, star and notes for one job, saved together."""
    suffix = hashlib.sha1(job["job_id"].encode()).hexdigest()[:12]
    with st.form(f"jobs_edit_{suffix}", border=True):
        st.markdown("**Team notes**")
        st.selectbox(
            "Status", store.JOB_STATUSES, key=f"jobs_edit_status_{suffix}",
            index=store.JOB_STATUSES.index(job["status"]),
        )
        st.toggle("Starred", value=bool(job["starred"]), key=f"jobs_edit_star_{suffix}")
        st.text_area("Notes", value=job["notes"] or "", key=f"jobs_edit_notes_{suffix}")
        st.form_submit_button(
            "Save", type="primary", on_click=_save_annotations, args=(job["job_id"], suffix)
        )
    if st.session_state.pop("jobs_saved", None) == job["job_id"]:
        st.success("Saved: everyone now sees this status, star and notes.")
        st.toast("Saved")


def _description(job: dict[str, Any]) -> None:
    # The scraper sanitizes already; cleaning again at render keeps a bad row inert.
    if job["description_html"]:
        ui.safe_html(job["description_html"])
    elif job["description_text"]:
        st.text(job["description_text"])
    else:
        st.caption("No description was published.")


SALARY_SOURCES = {"structured": "from the posting's salary field",
                  "text": "read from the description"}


def _salary_fact(job: dict[str, Any]) -> str:
    """``64,000–73,000 GBP / year (from ...)``, with the annual amount when paid per month,
    hour...; ``—`` without a salary."""
    text = queries.salary_text(
        job["salary_min"], job["salary_max"], job["salary_currency"], job["salary_period"]
    )
    if text is None:
        return "—"
    yearly = queries.salary_text(job["salary_year_min"], job["salary_year_max"],
                                 job["salary_currency"], "year")
    if yearly and job["salary_period"] not in (None, "year"):
        text += f" (≈ {yearly})"
    return f"{text}, {SALARY_SOURCES.get(job['salary_source'] or '', 'source unknown')}"


def _detail_view(job: dict[str, Any]) -> None:
    st.divider()
    st.subheader(job["title"])
    if job["closed_at"]:
        st.badge(f"Closed {job['closed_at']:%Y-%m-%d}: no longer on the board",
                 icon=":material/block:", color="red")
    st.caption(" · ".join(p for p in (job["company"], job["location"], job["department"]) if p))
    facts = {
        "Locations": ", ".join(job["locations"] or []) or job["location"] or "—",
        "Workplace": job["workplace"] or "unknown",
        "Employment": job["employment_type"] or "—",
        "Salary": _salary_fact(job),
        "Posted": _when(job["posted_at"]),
        "First seen": _when(job["first_seen_at"]),
        "Last seen": _when(job["last_seen_at"]),
        "Closed": _when(job["closed_at"]) if job["closed_at"] else "— (still open)",
    }
    info, notes = st.columns([3, 2])
    with info:
        st.markdown("\n".join(f"- **{k}:** {v}" for k, v in facts.items()))
        st.link_button("Open the posting", job["url"], icon=":material/open_in_new:")
    with notes:
        _annotations(job)
    with st.container(height=480, border=True):
        _description(job)


# -- export -------------------------------------------------------------------------------


def _export_data(
    con: duckdb.DuckDBPyConnection, filters: JobFilters, fmt: str
) -> Callable[[], bytes]:
    """The bytes of the whole filtered set, built only when the download is clicked (it runs
    outside the script, on a thread of its own: hence a cursor of its own)."""

    def build() -> bytes:
        frame = queries.export_jobs(con.cursor(), filters)
        return queries.csv_bytes(frame) if fmt == "csv" else queries.parquet_bytes(frame)

    return build


def _export(filters: JobFilters, total: int) -> None:
    """CSV and Parquet downloads of every job matching the filters, not only this page."""
    with st.popover("Export", icon=":material/download:", disabled=not total,
                    help=f"Download all {total:,} jobs matching the filters"):
        st.caption(f"Each file holds all {total:,} jobs matching the filters, not only this "
                   "page; it is built when you click.")
        con = ui.connection()
        csv_col, parquet_col = st.columns(2)
        csv_col.download_button(
            "Download CSV", _export_data(con, filters, "csv"), file_name="jobs.csv",
            mime="text/csv", on_click="ignore", key="jobs_dl_csv", disabled=not total,
        )
        parquet_col.download_button(
            "Download Parquet", _export_data(con, filters, "parquet"), file_name="jobs.parquet",
            mime="application/vnd.apache.parquet", on_click="ignore", key="jobs_dl_parquet",
            disabled=not total,
        )


def _empty_state() -> None:
    st.info(
        "No jobs yet. Add the companies to track, then start a scrape: the jobs found land here."
    )
    st.page_link(str(PAGES / "companies.py"), label="1. Add companies on the Companies page",
                 icon=":material/domain:")
    st.page_link(str(PAGES / "scraping.py"), label="2. Start a scrape on the Scraping page",
                 icon=":material/sync:")


# -- the page -----------------------------------------------------------------------------


def main() -> None:
    st.title("Jobs")
    con = ui.cursor()
    version = ui.data_version()
    if not _has_jobs(con, version):
        _empty_state()
        return
    companies = _companies(con, version)
    currencies = _currencies(con, version)
    _init_state(companies, currencies)
    filters = _filter_widgets(companies, currencies)
    signature = _signature(filters)
    if st.session_state.get("jobs_sig", signature) != signature:
        st.session_state["jobs_page"] = 1
    st.session_state["jobs_sig"] = signature
    sort, descending = st.session_state["jobs_sort"], not st.session_state["jobs_asc"]

    total = _count(con, filters, version)
    offset = _pager(total, filters)
    frame = _page(con, filters, sort, descending, offset, version)
    view = f"{signature}_{offset}"
    table_key = _table_key(view, frame)
    with_closed = filters.include_closed or filters.closed_in_latest_run
    _follow_selection(_table(frame, table_key, with_closed), view, table_key)
    if not total:
        st.caption("No job matches these filters.")
    _sync_url()

    job_id = st.session_state.get("jobs_job")
    job = _detail(con, job_id, version) if job_id else None
    if job is not None:
        _detail_view(job)
    elif total:
        st.caption("Select a row to read the job and note what the team makes of it.")


main()
