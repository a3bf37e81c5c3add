"""Jobs: find, read, triage and export the scraped jobs. Filters live in the URL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from app import activity, jobs_view, people, queries, search, store, team, ui
from app import saved_searches as saved
from app.edit_form import EditForm
from app.jobs_view import DAY_CHOICES, NEW_CHOICES, NEW_LABELS, PAGE_SIZE, SORT_LABELS, Filters
from app.people import PermissionDenied, Person
from app.plain import md_escape, md_line
from app.queries import WORKPLACES, JobFilters, SearchHits

PAGES = Path(__file__).resolve().parent


# -- cached reads (keyed by the data version so edits and new results show at once) -----


@st.cache_data(show_spinner=False, max_entries=8)
def _has_jobs(_con: duckdb.DuckDBPyConnection, version: str) -> bool:
    return queries.has_jobs(_con)


@st.cache_data(show_spinner=False, max_entries=8)
def _companies(_con: duckdb.DuckDBPyConnection, version: str) -> dict[int, str]:
    return dict(queries.company_options(_con).iter_rows())


@st.cache_data(show_spinner=False, max_entries=8)
def _departments(_con: duckdb.DuckDBPyConnection, version: str) -> list[str]:
    return queries.department_options(_con)


@st.cache_data(show_spinner=False, max_entries=8)
def _currencies(_con: duckdb.DuckDBPyConnection, version: str) -> list[str]:
    return queries.currency_options(_con)


# ``_hits`` are the search index's matches for ``filters.search`` (None: scan instead);
# ``searched`` keys them: the index's generation, or "scan".


@st.cache_data(show_spinner=False, max_entries=64)
def _count(_con: duckdb.DuckDBPyConnection, filters: JobFilters, version: str,
           _hits: SearchHits | None, searched: str) -> int:
    return queries.jobs_count(_con, filters, hits=_hits)


@st.cache_data(show_spinner=False, max_entries=64)
def _page(
    _con: duckdb.DuckDBPyConnection,
    filters: JobFilters,
    sort: str,
    descending: bool,
    offset: int,
    version: str,
    _hits: SearchHits | None,
    searched: str,
) -> pl.DataFrame:
    frame = queries.jobs_page(
        _con, filters, sort=sort, descending=descending, offset=offset, limit=PAGE_SIZE,
        hits=_hits,
    )
    table = queries.page_for_table(frame)
    if _hits is None:
        return table
    where = search.snippets(_con, search.parse(filters.search), table["job_id"].to_list())
    return table.with_columns(
        pl.Series("snippet", [where.get(j) for j in table["job_id"]], dtype=pl.String)
        .fill_null(queries.BLANK))


@st.cache_data(show_spinner=False, max_entries=64)
def _detail(_con: duckdb.DuckDBPyConnection, job_id: str, version: str) -> dict[str, Any] | None:
    return queries.job_detail(_con, job_id)


# -- URL <-> widgets ---------------------------------------------------------------------


def _init_state(companies: dict[int, str], currencies: list[str]) -> None:
    """Seed each widget from the URL the first time this session shows the page."""
    params = st.query_params.to_dict()
    opened = _saved_from_url(params)
    if opened is not None and set(params) <= {"saved", "job"}:
        # A link to the saved search itself (a notification's): its view as saved now.
        params = {**opened.params, **params}
    wanted = Filters.from_url(params, companies=companies, currencies=currencies)
    if "jobs_q" not in st.session_state or "jobs_saved_id" not in st.session_state:
        # The widgets are seeded from this URL: so is the saved search it names.
        st.session_state["jobs_saved_id"] = opened.search_id if opened else None
    for key, value in wanted.to_widgets().items():
        if key not in st.session_state:
            st.session_state[key] = value
    if "jobs_job" not in st.session_state:
        st.session_state["jobs_job"] = params.get("job")


def _saved_from_url(params: dict[str, str]) -> saved.SavedSearch | None:
    raw = params.get("saved", "")
    return saved.get_search(ui.cursor(), int(raw)) if raw.isdigit() else None


def _sync_url(filters: Filters) -> None:
    """Write the view to the URL so a copied link reopens it (and the job it shows)."""
    wanted = filters.to_url()
    if st.session_state.get("jobs_saved_id"):
        wanted["saved"] = str(st.session_state["jobs_saved_id"])
    if st.session_state.get("jobs_job"):
        wanted["job"] = st.session_state["jobs_job"]
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


# -- saved searches ---------------------------------------------------------------------


def _open_saved(search_id: int, only_new: bool = False) -> None:
    """Show a saved search's view (``only_new``: just its new matches of the latest run)."""
    ss = st.session_state
    found = saved.get_search(ui.cursor(), search_id)
    if found is None:
        ss["jobs_saved_msg"] = ("warning", "That saved search was deleted meanwhile.")
        return
    companies = _companies(ui.cursor(), ui.data_version())
    view = Filters.from_url(found.params, companies=companies,
                            currencies=_currencies(ui.cursor(), ui.data_version()))
    for key, value in view.to_widgets().items():
        ss[key] = value
    if only_new:
        ss["jobs_new"] = "run"
    ss["jobs_saved_id"], ss["jobs_job"] = search_id, None


def _saved_action(action: Callable[[Person], Any], done: str) -> None:
    """Run a saved-search change as the person editing; say how it went."""
    ss = st.session_state
    try:
        person = ui.editor("jobs_saved_person")
        result = action(ui.editor("jobs_saved_editor") if person.anonymous else person)
    except (PermissionDenied, store.StoreError) as exc:
        ss["jobs_saved_msg"] = ("error", str(exc))
        return
    ui.note_write()
    ss["jobs_saved_msg"] = ("success", done)
    if isinstance(result, saved.SavedSearch):
        ss["jobs_saved_id"] = result.search_id


def _save_new() -> None:
    view = Filters.from_widgets(st.session_state)
    name = st.session_state.get("jobs_saved_name", "")
    _saved_action(lambda p: saved.save_search(ui.cursor(), p, name, view),
                  f"Saved “{name.strip()}”: the team sees it in this list.")
    if st.session_state["jobs_saved_msg"][0] == "success":
        st.session_state["jobs_saved_name"] = ""


def _save_changes(search_id: int) -> None:
    view = Filters.from_widgets(st.session_state)
    _saved_action(lambda p: saved.update_search(ui.cursor(), p, search_id, view=view),
                  "Saved the changed filters to this saved search.")


def _rename(search_id: int) -> None:
    name = st.session_state.get(f"jobs_saved_rename_{search_id}", "")
    _saved_action(lambda p: saved.update_search(ui.cursor(), p, search_id, name=name),
                  f"Renamed to “{name.strip()}”.")


def _set_notify(search_id: int) -> None:
    mode = st.session_state[f"jobs_saved_notify_{search_id}"]
    _saved_action(lambda p: saved.update_search(ui.cursor(), p, search_id, notify=mode),
                  f"Notifications: {saved.NOTIFY_MODES[mode]}.")


def _add_target(found: saved.SavedSearch) -> None:
    key = f"jobs_saved_target_{found.search_id}"
    url = st.session_state.get(key, "").strip()
    _saved_action(lambda p: saved.update_search(ui.cursor(), p, found.search_id,
                                                targets=[*found.targets, url]),
                  "Target added (its address is shown with its secrets hidden).")
    if st.session_state["jobs_saved_msg"][0] == "success":
        st.session_state[key] = ""


def _remove_target(found: saved.SavedSearch, url: str) -> None:
    rest = [t for t in found.targets if t != url]
    _saved_action(lambda p: saved.update_search(ui.cursor(), p, found.search_id, targets=rest),
                  "Target removed.")


def _send_test(found: saved.SavedSearch, url: str) -> None:
    outcome = ui.notifier().send_test(found, url)
    st.session_state["jobs_saved_msg"] = (
        ("success", f"Test sent to {outcome.target}.") if outcome.ok
        else ("error", f"Test failed: {outcome.error}"))


def _delete(search_id: int) -> None:
    _saved_action(lambda p: saved.delete_search(ui.cursor(), p, search_id),
                  "Saved search deleted.")
    if st.session_state["jobs_saved_msg"][0] == "success":
        st.session_state["jobs_saved_id"] = None


def _targets(found: saved.SavedSearch) -> None:
    """Each target (secrets hidden) with its latest outcome, Send test and Remove."""
    from app.notify import mask, target_key

    outcomes = {r["target_key"]: r for r in
                saved.last_deliveries(ui.cursor(), found.search_id).iter_rows(named=True)}
    for i, url in enumerate(found.targets):
        st.markdown(f"`{mask(url)}`")
        last = outcomes.get(target_key(url))
        if last is not None:
            icon = ":material/check:" if last["ok"] else ":material/error:"
            st.caption(f"{icon} {md_line(saved.delivery_text(last))}")
        test, remove = st.columns(2)
        test.button("Send test", key=f"jobs_saved_test_{found.search_id}_{i}",
                    on_click=_send_test, args=(found, url))
        remove.button("Remove", key=f"jobs_saved_rm_{found.search_id}_{i}",
                      on_click=_remove_target, args=(found, url))
    st.text_input("Add a target (Apprise URL)", key=f"jobs_saved_target_{found.search_id}",
                  type="password", placeholder="slack://… mailto://… json://…",
                  help="Any Apprise URL: slack://TokenA/TokenB/TokenC/#channel, "
                       "mailto://user:pass@example.com, msteams://…, discord://…, ntfy://topic, "
                       "json://host/path. Secrets in it are never shown again.")
    st.button("Add target", key=f"jobs_saved_add_{found.search_id}", on_click=_add_target,
              args=(found,))


def _manage(found: saved.SavedSearch, view: Filters) -> None:
    """The open saved search: who made it, its news, save changes, rename, notify, delete."""
    sid = found.search_id
    if found.last_new and found.last_run_id == queries.latest_results_run(ui.cursor()):
        st.button(f"Show only its {found.last_new} new (run #{found.last_run_id})",
                  key=f"jobs_saved_only_new_{sid}", on_click=_open_saved, args=(sid, True),
                  icon=":material/fiber_new:")
    if saved.differs(found, view):
        st.caption(f"The filters below differ from those saved in “{md_line(found.name)}”.")
        st.button("Save changes to it", key=f"jobs_saved_update_{sid}",
                  on_click=_save_changes, args=(sid,), type="primary")
    failed = saved.last_deliveries(ui.cursor(), sid).filter(~pl.col("ok"))
    with st.expander(f"Edit “{md_line(found.name)}”: name, notifications, delete"
                     + (" · :red[a notification failed]" if failed.height else "")):
        st.caption(f"Made by {md_line(found.created_by)}"
                   + (f", last changed by {md_line(found.updated_by)}"
                      if found.updated_at != found.created_at else "")
                   + f" ({found.updated_at:%Y-%m-%d %H:%M} UTC).")
        st.text_input("Name", value=found.name, key=f"jobs_saved_rename_{sid}",
                      max_chars=saved.MAX_NAME)
        st.button("Rename", key=f"jobs_saved_do_rename_{sid}", on_click=_rename, args=(sid,))
        st.selectbox("Notify", list(saved.NOTIFY_MODES), key=f"jobs_saved_notify_{sid}",
                     index=list(saved.NOTIFY_MODES).index(found.notify),
                     format_func=saved.NOTIFY_MODES.__getitem__, on_change=_set_notify,
                     args=(sid,))
        _targets(found)
        _name_field("jobs_saved_editor")
        sure = st.checkbox("Delete it for everyone", key=f"jobs_saved_sure_{sid}")
        st.button("Delete saved search", key=f"jobs_saved_delete_{sid}", on_click=_delete,
                  args=(sid,), disabled=not sure, icon=":material/delete:")


def _name_field(key: str) -> None:
    """Who is saving, until the person has given a name (like an edit form's "Your name")."""
    if ui.needs_name():
        st.text_input("Your name (shown with the saved search)", key=key,
                      max_chars=people.MAX_NAME, placeholder="not verified")


def _saved_panel(view: Filters) -> None:
    """The sidebar's saved searches: one button each ("Backend, Berlin · 3 new"), saving the
    current view, and the open one's settings."""
    ss = st.session_state
    searches = saved.saved_searches(ui.cursor())
    with st.sidebar:
        st.header("Saved searches")
        if not searches:
            st.caption("None yet: set the filters below, then save them for the team.")
        for found in searches:
            current = ss.get("jobs_saved_id") == found.search_id
            st.button(md_line(found.label), key=f"jobs_saved_open_{found.search_id}",
                      on_click=_open_saved, args=(found.search_id,), type="tertiary",
                      icon=":material/bookmark:" if current else ":material/bookmark_border:",
                      help=f"Open this view (made by {found.created_by})")
        with st.popover("Save this view", icon=":material/bookmark_add:"):
            st.text_input("Name", key="jobs_saved_name", max_chars=saved.MAX_NAME,
                          placeholder="e.g. Backend, Berlin")
            _name_field("jobs_saved_person")
            st.button("Save search", key="jobs_saved_save", on_click=_save_new, type="primary")
        kind, text = ss.pop("jobs_saved_msg", (None, None))
        if kind:
            getattr(st, kind)(text)
        found = next((s for s in searches if s.search_id == ss.get("jobs_saved_id")), None)
        if found is not None:
            _manage(found, view)


# -- widgets ------------------------------------------------------------------------------


def _clear_filters() -> None:
    cleared = Filters.from_widgets(st.session_state).cleared()
    for key, value in cleared.to_widgets().items():
        st.session_state[key] = value


def _filter_widgets(companies: dict[int, str], currencies: list[str],
                    departments: list[str]) -> None:
    """The sidebar filters (each keyed ``jobs_<Filters field>``)."""
    narrowing = jobs_view.active_filters(Filters.from_widgets(st.session_state), companies)
    with st.sidebar:
        st.header("Find jobs")
        st.button("Clear filters", key="jobs_clear", on_click=_clear_filters,
                  disabled=not narrowing, icon=":material/filter_alt_off:",
                  help="Back to every open job (the sort is kept)")
        st.text_input("Search", key="jobs_q", placeholder='words, "a phrase", -not, title:word',
                      help=search.HELP)
        for hint in search.parse(st.session_state.get("jobs_q", "")).hints:
            st.caption(f":material/info: {hint}")
        st.selectbox("Show", NEW_CHOICES, key="jobs_new", format_func=NEW_LABELS.__getitem__)
        st.multiselect(
            "Companies", list(companies), key="jobs_company", format_func=companies.__getitem__
        )
        st.multiselect("Workplace", WORKPLACES, key="jobs_workplace")
        st.multiselect("Employment type", jobs_view.EMPLOYMENT_CHOICES, key="jobs_employment",
                       help="Normalized from each board's own wording (shown in a job's "
                            "detail); unknown: the board gave none.")
        # A department from a link stays choosable even when no open job has it any more.
        chosen = st.session_state.get("jobs_department", [])
        st.multiselect("Department", list(dict.fromkeys([*chosen, *departments])),
                       key="jobs_department")
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
        right.selectbox("Currency", currency_choices, key="jobs_currency",
                        help="The currency a minimum salary and the salary sort use.")
        st.multiselect("Status", store.JOB_STATUSES, key="jobs_status")
        st.checkbox("Starred only", key="jobs_starred")
        st.checkbox("Include closed jobs", key="jobs_closed")
        st.selectbox("Sort by", list(SORT_LABELS), key="jobs_sort",
                     format_func=SORT_LABELS.__getitem__)
        st.checkbox("Ascending", key="jobs_asc")
        if st.session_state["jobs_sort"] == "salary":
            st.caption(f"Salaries in {st.session_state['jobs_currency'] or 'one currency'} come "
                       "first, then each other currency on its own: amounts in different "
                       "currencies are never compared.")


def _move_page(step: int) -> None:
    st.session_state["jobs_page"] = max(st.session_state["jobs_page"] + step, 1)


def _typed_page(key: str) -> None:
    st.session_state["jobs_page"] = st.session_state[key]


def _pager(total: int, view: Filters, filters: JobFilters, hits: SearchHits | None) -> int:
    """Export, the count and page navigation on one line that wraps on a narrow window;
    returns the 0-based offset of the page shown."""
    pages = jobs_view.page_count(total)
    st.session_state["jobs_page"] = min(max(st.session_state["jobs_page"], 1), pages)
    page = st.session_state["jobs_page"]
    first = jobs_view.page_offset(page, total)
    # The box is keyed by the page count: when filters shrink the set, a fresh box shows the
    # page in range instead of keeping the old, now invalid, number typed in it.
    box = f"jobs_page_box_{pages}"
    st.session_state[box] = page
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        _export(view, filters, hits, total)
        st.markdown(f"**{jobs_view.shown_text(first, total)}** jobs", width="content")
        st.button("‹ Prev", key="jobs_prev", disabled=page <= 1, on_click=_move_page, args=(-1,))
        st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, key=box,
                        on_change=_typed_page, args=(box,), width=90,
                        label_visibility="collapsed")
        st.markdown(f"of {pages:,}", width="content")
        st.button("Next ›", key="jobs_next", disabled=page >= pages, on_click=_move_page,
                  args=(1,))
    return first


# Triage first (star, status), then what identifies the job: what a narrow window shows.
_COLUMNS = {
    "starred": st.column_config.CheckboxColumn("★", width=32),
    "status": st.column_config.TextColumn("Status", width=96),
    "title": st.column_config.TextColumn("Title", width=240),
    "snippet": st.column_config.TextColumn("Matched", width=320,
                                           help="Where the description matches the search"),
    "url": st.column_config.LinkColumn("Posting", display_text="Open ↗", width=64),
    "company": st.column_config.TextColumn("Company", width=120),
    "location": st.column_config.TextColumn("Location", width=140),
    "workplace": st.column_config.TextColumn("Workplace", width=80),
    "salary": st.column_config.TextColumn(
        "Salary", width=130, help="As published; ≈ the annual amount that sorting uses"),
    "posted_at": st.column_config.TextColumn("Posted", width=88),
    "closed_at": st.column_config.TextColumn("Closed", width=88),
    "first_seen_at": st.column_config.TextColumn("First seen", width=88),
    "employment_kind": st.column_config.TextColumn("Type", width=80),
    "department": st.column_config.TextColumn("Department", width=120),
}
ROW_PX, HEADER_PX, MAX_ROWS = 35, 38, 20


def _table(frame: pl.DataFrame, key: str, show_closed: bool) -> list[str]:
    """The page of jobs with row selection; returns the selected job ids (one opens its
    detail, several offer bulk triage)."""
    columns = [c for c in _COLUMNS if (show_closed or c != "closed_at") and c in frame.columns]
    event = st.dataframe(
        ui.table_data(frame),
        key=key,
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        column_order=columns,
        column_config=_COLUMNS,
        # Twenty rows in view (not ten): the rest of the page of 100 scrolls inside the grid.
        height=HEADER_PX + ROW_PX * max(min(frame.height, MAX_ROWS), 1) + 2,
    )
    return [str(frame["job_id"][r]) for r in event.selection.rows if r < frame.height]


def _bulk_apply(job_ids: list[str], what: str) -> None:
    ss = st.session_state
    status = ss.get("jobs_bulk_status") if what == "status" else None
    starred = {"star": True, "unstar": False}.get(what)
    try:
        n = team.triage_jobs(ui.cursor(), ui.editor("jobs_bulk_name"), job_ids,
                             status=status, starred=starred)
    except (PermissionDenied, store.StoreError) as exc:
        ss["jobs_bulk_msg"] = ("error", str(exc))
        return
    ui.note_write()
    done = f"status {status}" if status else ("starred" if starred else "not starred")
    ss["jobs_bulk_msg"] = ("success", f"{n} of {len(job_ids)} jobs set to {done}"
                           + ("" if n == len(job_ids) else " (the others already were)"))


def _bulk(job_ids: list[str]) -> None:
    """Set the status or star of every selected job at once."""
    with st.container(border=True):
        st.markdown(f"**{len(job_ids)} jobs selected**: set for all of them")
        ui.name_input("jobs_bulk_name")
        pick, apply, star, unstar = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
        pick.selectbox("Set status", store.JOB_STATUSES, key="jobs_bulk_status")
        apply.button("Apply status", on_click=_bulk_apply, args=(job_ids, "status"))
        star.button("Star all", on_click=_bulk_apply, args=(job_ids, "star"))
        unstar.button("Unstar all", on_click=_bulk_apply, args=(job_ids, "unstar"))


def _bulk_message() -> None:
    kind, text = st.session_state.pop("jobs_bulk_msg", (None, None))
    if kind:
        getattr(st, kind)(text)


def _table_key(view: str, frame: pl.DataFrame) -> str:
    """A key that changes with the rows shown: a selection is a row number, so when a save
    or a scrape moves the rows, the old number must not pick another job."""
    rows = hashlib.sha1("\n".join(frame["job_id"]).encode()).hexdigest()[:12]
    return f"jobs_table_{view}_{rows}_{st.session_state.get('jobs_closes', 0)}"


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


def _close_detail() -> None:
    """The detail panel was dismissed: forget the job and start a fresh table (its row
    selection would open the job again)."""
    st.session_state["jobs_job"] = None
    st.session_state["jobs_closes"] = st.session_state.get("jobs_closes", 0) + 1


FIELD_LABELS = {"status": "Status", "starred": "Starred", "notes": "Notes"}


def _form(job_id: str) -> EditForm:
    suffix = hashlib.sha1(job_id.encode()).hexdigest()[:12]
    return EditForm(f"jobs_edit_{suffix}", {"status": f"jobs_edit_status_{suffix}",
                                            "starred": f"jobs_edit_star_{suffix}",
                                            "notes": f"jobs_edit_notes_{suffix}"})


def _value(name: str, value: Any) -> str:
    if name == "starred":
        return "starred" if value in (True, "true") else "not starred"
    text = str(value or "")
    if name == "notes":
        return f"“{md_line(text[:200])}{'…' if len(text) > 200 else ''}”" if text else "(empty)"
    return f"**{md_line(text)}**"


def _save(job_id: str, form: EditForm, version: int, base: dict[str, Any],
          mine: dict[str, Any]) -> None:
    ss = st.session_state
    try:
        result = team.save_job(ui.cursor(), ui.editor(f"{form.prefix}_name"), job_id,
                               base_version=version, base=base, mine=mine)
    except (PermissionDenied, store.StoreError) as exc:
        ss[f"{form.prefix}_error"] = str(exc)
        return
    ui.note_write()
    form.after(ss, result, mine)
    if result.ok:
        ss["jobs_saved"] = (job_id, bool(result.saved))
    ss["jobs_refresh"] = True


def _save_annotations(job_id: str) -> None:
    form = _form(job_id)
    version, base = form.base(st.session_state)
    _save(job_id, form, version, base, form.mine(st.session_state))


def _resolve(job_id: str, choice: str) -> None:
    form = _form(job_id)
    again = form.resolve(st.session_state, choice)
    if again is None:
        st.session_state["jobs_saved"] = (job_id, False)
        return
    _save(job_id, form, *again)


def _conflicts(job_id: str, form: EditForm) -> None:
    """Who changed what meanwhile: a conflict waits for a choice; others' changes to fields
    left alone were kept and are said so."""
    ss = st.session_state
    for c in ss.pop(form.others_key, ()):
        when = f" at {c.at:%H:%M} UTC" if c.at else ""
        st.info(f"Kept {md_line(c.by)}'s change made meanwhile{when}: {FIELD_LABELS[c.field]} → "
                f"{_value(c.field, c.new)}.")
    pending = ss.get(form.conflict_key)
    if pending is None:
        return
    result, _mine = pending
    for c in result.conflicts:
        who, when = md_line(c.by), c.when
        st.warning(f"Not saved: {who} changed {FIELD_LABELS[c.field]}{when} to "
                   f"{_value(c.field, c.theirs)} while you edited it. Yours: "
                   f"{_value(c.field, c.mine)}.", icon=":material/merge_type:")
    buttons = [("Keep theirs", "theirs"), ("Apply mine", "mine")]
    if any(c.field == "notes" for c in result.conflicts):
        buttons.append(("Keep both", "both"))
    for col, (label, choice) in zip(st.columns(len(buttons)), buttons, strict=True):
        col.button(label, key=f"{form.prefix}_{choice}", on_click=_resolve,
                   args=(job_id, choice))


def _annotations(job: dict[str, Any]) -> None:
    """The team's status, star and notes for one job; a save writes the fields changed."""
    job_id = job["job_id"]
    form = _form(job_id)
    state = team.team_state(ui.cursor(), job_id)
    if state is None:
        return
    form.track(st.session_state, *state)
    with st.form(form.prefix, border=True):
        st.markdown("**Team notes**")
        st.selectbox("Status", store.JOB_STATUSES, key=form.keys["status"])
        st.toggle("Starred", key=form.keys["starred"])
        st.text_area("Notes", key=form.keys["notes"], max_chars=team.MAX_NOTES)
        ui.name_input(f"{form.prefix}_name")
        st.form_submit_button("Save", type="primary", on_click=_save_annotations,
                              args=(job_id,))
    if error := st.session_state.pop(f"{form.prefix}_error", None):
        st.error(md_escape(error))
    if st.session_state.pop("jobs_refresh", False):
        # The panel reruns alone (it is a dialog): rerun the page so the table shows the save.
        st.rerun()
    _conflicts(job_id, form)
    saved = st.session_state.pop("jobs_saved", None)
    if saved and saved[0] == job_id:
        if saved[1]:
            st.success("Saved: everyone now sees this status, star and notes.")
            st.toast("Saved")
        else:
            st.caption("Nothing to save: these are the team's current values.")
    _history(job_id)


def _history(job_id: str) -> None:
    history = activity.job_history(ui.cursor(), job_id)
    with st.expander(f"History ({history.height})", expanded=False):
        if history.is_empty():
            st.caption("No changes yet.")
        for r in history.iter_rows(named=True):
            who = r["who"] if r["verified"] else f"{r['who']} (unverified)"
            name = r["kind"].removeprefix("job.")
            st.markdown(f"{r['at']:%Y-%m-%d %H:%M} · **{md_line(who)}** · {FIELD_LABELS.get(name, name)}: "
                        f"{_value(name, r['old'])} → {_value(name, r['new'])}")


def _description(job: dict[str, Any], parsed: search.ParsedQuery) -> None:
    # The scraper sanitizes already; cleaning again at render keeps a bad row inert (the
    # highlighting sanitizes its output too).
    if job["description_html"] and not parsed.empty:
        st.html(search.highlight_html(job["description_html"], parsed))
    elif job["description_html"]:
        ui.safe_html(job["description_html"])
    elif job["description_text"] and not parsed.empty:
        st.html(search.highlight_text(job["description_text"], parsed))
    elif job["description_text"]:
        st.text(job["description_text"])
    else:
        st.caption("No description was published.")


def _detail_view(job: dict[str, Any], parsed: search.ParsedQuery) -> None:
    """The job in a side panel over the table, so it opens in view wherever the row was."""
    st.dialog(md_line(job["company"]) or "Job", width=720, position="right",
              on_dismiss=_close_detail)(_detail_body)(job, parsed)


def _detail_body(job: dict[str, Any], parsed: search.ParsedQuery) -> None:
    st.subheader(md_line(job["title"]), anchor=False)
    if job["closed_at"]:
        why = job["closed_reason"] or "no longer on the board"
        st.badge(f"Closed {job['closed_at']:%Y-%m-%d}: {why}",
                 icon=":material/block:", color="red")
    st.caption(" · ".join(md_line(p) for p in (job["company"], job["location"], job["department"]) if p))
    facts = jobs_view.detail_facts(job)
    st.link_button("Open the posting", job["url"], icon=":material/open_in_new:")
    _annotations(job)
    st.markdown("\n".join(f"- **{k}:** {md_line(str(v))}" for k, v in facts.items()))
    with st.container(border=True):
        _description(job, parsed)


# -- export -------------------------------------------------------------------------------


def _export_data(
    con: duckdb.DuckDBPyConnection, view: Filters, filters: JobFilters,
    hits: SearchHits | None, fmt: str
) -> Callable[[], bytes]:
    """The bytes of the whole filtered set in the table's order, built only when the download
    is clicked (it runs outside the script, on a thread of its own: hence a cursor of its own)."""

    def build() -> bytes:
        frame = queries.export_jobs(con.cursor(), filters, hits=hits, sort=view.sort,
                                    descending=not view.asc)
        return queries.csv_bytes(frame) if fmt == "csv" else queries.parquet_bytes(frame)

    return build


def _export(view: Filters, filters: JobFilters, hits: SearchHits | None, total: int) -> None:
    """CSV and Parquet downloads of every job matching the filters, not only this page."""
    with st.popover("Export", icon=":material/download:", disabled=not total,
                    help=f"Download all {total:,} jobs matching the filters"):
        st.caption(f"Each file holds all {total:,} jobs matching the filters, not only this "
                   "page, in the table's order; it is built when you click.")
        con = ui.connection()
        csv_col, parquet_col = st.columns(2)
        csv_col.download_button(
            "Download CSV", _export_data(con, view, filters, hits, "csv"), file_name="jobs.csv",
            mime="text/csv", on_click="ignore", key="jobs_dl_csv", disabled=not total,
        )
        parquet_col.download_button(
            "Download Parquet", _export_data(con, view, filters, hits, "parquet"), file_name="jobs.parquet",
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


def _nothing_matches(view: Filters, companies: dict[int, str]) -> None:
    narrowing = jobs_view.active_filters(view, companies)
    if not narrowing:
        st.caption("No open job right now: include closed jobs to see the others.")
        return
    st.warning("No job matches all of these filters: loosen one of them, or clear them.\n\n"
               + "\n".join(f"- {_md(text)}" for text in narrowing), icon=":material/filter_alt:")
    st.button("Clear filters", key="jobs_clear_empty", on_click=_clear_filters)


def _md(text: str) -> str:
    """``text`` shown literally in Markdown (search words and names carry *, _, [ ...)."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>$~|#" else c for c in text)


# -- the page -----------------------------------------------------------------------------


def _last_visit(person: Person) -> datetime | None:
    """This person's visit before this session (recorded once per session and person)."""
    ss = st.session_state
    if ss.get("jobs_visit_of") != person.key:
        ss["jobs_visit_of"] = person.key
        ss["jobs_last_visit"] = team.begin_visit(ui.cursor(), person)
    return ss.get("jobs_last_visit")


def _visit_caption(person: Person, last_visit: datetime | None) -> str:
    if person.anonymous:
        return ("Visits are kept per person: give your name (or log in) and your next visit "
                "lists only what is new since this one.")
    if last_visit is None:
        return "Your first visit: every job is new to you."
    return f"Jobs first seen since your last visit ({last_visit:%Y-%m-%d %H:%M} UTC)."



# The grid's own download icon saves only the page shown, next to an Export that saves the
# whole filtered set: hide it so the one download offered does what it says.
_NO_GRID_DOWNLOAD = ("<style>[data-testid='stMain'] button[data-testid='stBaseButton-elementToolbar']"
                     "[aria-label='Download as CSV'] {display: none;}</style>")


def main() -> None:
    st.title("Jobs")
    st.html(_NO_GRID_DOWNLOAD)
    con = ui.cursor()
    version = ui.data_version()
    if not _has_jobs(con, version):
        _empty_state()
        return
    companies = _companies(con, version)
    currencies = _currencies(con, version)
    _init_state(companies, currencies)
    _saved_panel(Filters.from_widgets(st.session_state))
    _filter_widgets(companies, currencies, _departments(con, version))
    view = Filters.from_widgets(st.session_state)
    if st.session_state.get("jobs_sig", view.view_key()) != view.view_key():
        st.session_state["jobs_page"] = 1
    st.session_state["jobs_sig"] = view.view_key()
    person = ui.current_person()
    last_visit = _last_visit(person)
    filters = jobs_view.job_filters(view, last_visit)
    parsed, hits, searched = ui.search_hits(filters.search)
    filters = search.effective_filters(filters, parsed)

    total = _count(con, filters, version, hits, searched)
    offset = _pager(total, view, filters, hits)
    view = Filters.from_widgets(st.session_state)  # the pager may have moved the page
    frame = _page(con, filters, view.sort, not view.asc, offset, version, hits, searched)
    shown_key = f"{view.view_key()}_{offset}"
    table_key = _table_key(shown_key, frame)
    with_closed = filters.include_closed or filters.closed_in_latest_run
    picked = _table(frame, table_key, with_closed)
    _follow_selection(picked[0] if len(picked) == 1 else None, shown_key, table_key)
    if len(picked) > 1:
        _bulk(picked)
    _bulk_message()
    if view.new == "visit":
        st.caption(_visit_caption(person, last_visit))
    if not total:
        _nothing_matches(view, companies)
    _sync_url(view)

    job_id = st.session_state.get("jobs_job")
    job = _detail(con, job_id, version) if job_id else None
    if job is not None:
        _detail_view(job, parsed)
    elif total:
        st.caption("Select a row to read the job and note what the team makes of it.")


main()
