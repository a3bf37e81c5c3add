"""Companies page: the boards the team tracks, adding them by pasting careers URLs, Check,
enable / rename / delete, and import / export of the list (TOML or CSV)."""

from __future__ import annotations

import duckdb
import polars as pl
import streamlit as st

from app import companies as co
from app import store, team
from app.people import PermissionDenied
from app.plain import md_escape, md_line
from app.ui import (
    current_person,
    cursor,
    data_version,
    editor,
    name_input,
    note_write,
    settings,
    table_data,
)
from scraper.models import SOURCES, Company

AUTO = "none (only URLs whose host tells)"
KEEP_JOBS = "Keep its jobs, closed (listed in Jobs with closed jobs, without a company)"
DROP_JOBS = "Delete its jobs too"


@st.cache_data(show_spinner=False)
def _overview(_con: duckdb.DuckDBPyConnection, version: str) -> pl.DataFrame:
    return co.overview(_con)


def _flash(where: str, kind: str, text: str) -> None:
    """Say ``text`` next to the section (``add``, ``manage``, ``import``) the person used."""
    st.session_state.setdefault(f"companies_flash_{where}", []).append((kind, text))


def _show_flash(where: str) -> None:
    for kind, text in st.session_state.pop(f"companies_flash_{where}", []):
        getattr(st, kind)(md_escape(text))  # names and URLs from pasted lists: text


def _fallback_ats() -> str:
    picked = st.session_state.get("paste_ats", AUTO)
    return "" if picked == AUTO else str(picked)


def _companies(n: int) -> str:
    return f"{n} {'company' if n == 1 else 'companies'}"


def _names(companies: list[Company], shown: int = 8) -> str:
    """``A, B, C and 27 more``: a re-import of the whole list stays one readable line."""
    names = ", ".join(c.name for c in companies[:shown])
    rest = len(companies) - shown
    return f"{names} and {rest} more" if rest > 0 else names


def _report(where: str, report: co.SaveReport, verb: str,
            rejected: list[co.Entry] | None = None) -> None:
    if report.added:
        _flash(where, "success",
               f"{verb} {_companies(len(report.added))}: {_names(report.added)}")
    if report.updated:
        _flash(where, "info", f"Updated {_companies(len(report.updated))} already tracked: "
               f"{_names(report.updated)}")
    if report.unchanged:
        _flash(where, "info", f"{_companies(len(report.unchanged))} already tracked, unchanged: "
               f"{_names(report.unchanged)}")
    for entry in report.rejected if rejected is None else rejected:
        _flash(where, "error", entry.message)


def _refused(where: str, exc: PermissionDenied) -> None:
    _flash(where, "error", str(exc))


def _add() -> None:
    con = cursor()
    text = st.session_state.get("paste", "")
    entries = co.parse_paste(text, store.companies(con), fallback_ats=_fallback_ats())
    if not entries:
        _flash("add", "warning", "Paste one careers URL per line first.")
        return
    try:
        report = team.add_companies(con, editor("companies_name_add"), entries)
    except PermissionDenied as exc:
        _refused("add", exc)
        return
    note_write()
    # Leave only the rejected lines in the box, to fix and add again, numbered as left there.
    st.session_state.paste, rejected = co.left_in_box(con, report, fallback_ats=_fallback_ats())
    _report("add", report, "Added", rejected)


def _upload_limit_mb() -> int:
    return int(st.get_option("server.maxUploadSize"))


def _import() -> None:
    upload = st.session_state.get("import_file")
    refusal = co.upload_refusal(upload.name if upload else "", upload.size if upload else None,
                                _upload_limit_mb())
    if refusal:
        _flash("import", "warning" if upload is None else "error", refusal)
        return
    entries = co.parse_import(upload.name, upload.getvalue())
    try:
        report = team.add_companies(cursor(), editor("companies_name_import"), entries,
                                    imported_from=upload.name)
    except PermissionDenied as exc:
        _refused("import", exc)
        return
    _report("import", report, "Imported")
    note_write()


def _base_key(company_id: int) -> str:
    return f"company_base_{company_id}"


def _track(company_id: int) -> None:
    """Seed the Name and Enabled widgets from the database, remembering the version they show
    (the base a later edit is checked against). Untouched widgets follow others' changes."""
    ss = st.session_state
    state = team.company_state(cursor(), company_id)
    if state is None:
        return
    version, fields = state
    name_key, flag_key, base_key = f"name_{company_id}", f"enabled_{company_id}", _base_key(company_id)
    base = ss.get(base_key)
    untouched = base is not None and ss.get(name_key) == base[1]["name"]
    if base is None or name_key not in ss or (untouched and base[0] != version):
        ss[name_key] = fields["name"]
        ss[base_key] = (version, fields)
    if base is None or flag_key not in ss or base[0] != version:
        ss[flag_key] = fields["enabled"]
        ss[base_key] = (version, {**ss[base_key][1], "enabled": fields["enabled"]})


def _edit(company_id: int, mine: dict[str, object], done: str) -> None:
    ss = st.session_state
    version, base = ss[_base_key(company_id)]
    try:
        result = team.edit_company(cursor(), editor(f"companies_name_{company_id}"), company_id,
                                   base_version=version, base=base, mine=mine)
    except PermissionDenied as exc:
        _refused("manage", exc)
        ss[f"enabled_{company_id}"] = base["enabled"]
        return
    except store.StoreError as exc:
        _flash("manage", "error", str(exc))
        return
    note_write()
    if result.conflicts:
        ss[f"company_conflict_{company_id}"] = (result, mine)
        return
    ss[_base_key(company_id)] = (result.version, result.current)
    ss[f"name_{company_id}"] = result.current["name"]
    ss[f"enabled_{company_id}"] = result.current["enabled"]
    if result.saved:
        _flash("manage", "success", done)


def _set_enabled(company_id: int) -> None:
    flag = bool(st.session_state[f"enabled_{company_id}"])
    _edit(company_id, {"enabled": flag}, "Enabled" if flag else "Disabled")


def _rename(company_id: int) -> None:
    name = str(st.session_state[f"name_{company_id}"]).strip()
    _edit(company_id, {"name": name}, f"Renamed to {name}")


def _resolve(company_id: int, keep: str) -> None:
    """Keep theirs (show their name) or apply mine over theirs, from the current version."""
    ss = st.session_state
    result, mine = ss.pop(f"company_conflict_{company_id}")
    ss[_base_key(company_id)] = (result.version, result.current)
    ss[f"name_{company_id}"] = result.current["name"]
    if keep == "mine":
        _edit(company_id, mine, f"Renamed to {mine['name']}")


def _conflict_panel(company_id: int) -> None:
    pending = st.session_state.get(f"company_conflict_{company_id}")
    if pending is None:
        return
    result, _mine = pending
    for c in result.conflicts:
        who, when = md_line(c.by), c.when
        st.warning(f"Not renamed: {who} renamed it to **{md_line(c.theirs)}**{when} while you "
                   f"were editing. Yours: **{md_line(c.mine)}**.")
    theirs, mine = st.columns(2)
    theirs.button("Keep theirs", key=f"company_keep_theirs_{company_id}", on_click=_resolve,
                  args=(company_id, "theirs"))
    mine.button("Apply mine", key=f"company_apply_mine_{company_id}", on_click=_resolve,
                args=(company_id, "mine"))


def _ask_delete(company_id: int | None) -> None:
    st.session_state.confirm_delete = company_id


def _delete(company_id: int, name: str) -> None:
    keep = st.session_state.get("delete_jobs", KEEP_JOBS) == KEEP_JOBS
    st.session_state.confirm_delete = None
    try:
        team.delete_company(cursor(), editor(f"companies_name_{company_id}"), company_id,
                            keep_jobs=keep)
    except (PermissionDenied, store.StoreError) as exc:
        _flash("manage", "error", str(exc))
        return
    note_write()
    _flash("manage", "success", f"Deleted {name}" + (" (its jobs are kept, closed)" if keep else " and its jobs"))


def _check_boards(companies: list[Company]) -> None:
    """Fetch the boards now (nothing is saved) and say how many jobs each would give."""
    conf = settings()
    fetch = co.check_settings(conf.concurrency, conf.per_host, conf.timeout_s)
    with st.spinner(f"Fetching {_companies(len(companies))}…"):
        results = co.check(companies, fetch)
    for r in results:
        (st.success if r.ok else st.error)(md_escape(co.check_message(r)))


def _check_paste() -> None:
    entries = co.parse_paste(st.session_state.get("paste", ""), fallback_ats=_fallback_ats())
    for e in entries:
        if not e.ok:
            st.error(md_escape(e.message))
    valid = [e.company for e in entries if e.company is not None]
    if valid:
        _check_boards(valid)
    elif not entries:
        st.warning("Paste one careers URL per line first.")


def add_section() -> None:
    st.subheader("Add companies")
    st.text_area(
        "Careers URLs, one per line",
        key="paste",
        placeholder="https://boards.greenhouse.io/acme\nAcme Robotics | https://careers.acme.example/jobs",
        help="A line is a careers URL, optionally preceded by a name and a |. Greenhouse, "
        "Lever, Ashby, Workable, SmartRecruiters, Recruitee, Personio and Workday URLs are "
        "recognised; for other hosts pick an ATS below (jsonld for a careers page with "
        "schema.org job postings, or one that embeds an ATS).",
    )
    st.selectbox("ATS for other hosts", [AUTO, *SOURCES], key="paste_ats")
    name_input("companies_name_add")
    add, check = st.columns(2)
    add.button("Add", type="primary", on_click=_add, width="stretch")
    if check.button(
        "Check", width="stretch", help="Fetch the boards and count their jobs, saving nothing"
    ):
        _check_paste()
    _show_flash("add")


def table_view(frame: pl.DataFrame) -> pl.DataFrame:
    """The overview for display: 'never', '—' and blanks instead of None before a first scrape."""
    return frame.drop("company_id").with_columns(
        pl.col("last_state").fill_null("never"),
        pl.col("last_scraped_at").dt.strftime("%Y-%m-%d %H:%M").fill_null("—"),
        pl.col("last_jobs_seen").cast(pl.String).fill_null("—"),
        pl.col("last_error").fill_null(""),
    )


def table_section(frame: pl.DataFrame) -> None:
    st.dataframe(
        table_data(table_view(frame)),
        hide_index=True,
        # The long URL goes last so counts and the last outcome stay in view.
        column_order=["name", "ats", "board", "enabled", "open_jobs", "total_jobs", "last_state",
                      "last_scraped_at", "last_error", "last_jobs_seen", "url"],
        column_config={
            "name": "Name",
            # Narrow flags and counts leave the last error room to be read.
            "ats": "ATS",
            "board": "Board",
            "url": st.column_config.LinkColumn("URL"),
            "enabled": st.column_config.CheckboxColumn("Enabled", width="small"),
            "open_jobs": st.column_config.NumberColumn("Open jobs", width="small"),
            "total_jobs": st.column_config.NumberColumn("All jobs", width="small"),
            "last_state": st.column_config.TextColumn("Last scrape", width="small"),
            "last_scraped_at": st.column_config.TextColumn("Last scraped (UTC)"),
            "last_jobs_seen": st.column_config.TextColumn("Jobs seen", width="small"),
            # Errors are sentences: wide enough to read without opening the cell.
            "last_error": st.column_config.TextColumn("Last error", width="large"),
        },
    )


def _remember_pick() -> None:
    st.session_state.manage_pick = st.session_state.manage_id


def manage_section(frame: pl.DataFrame) -> None:
    st.subheader("Manage")
    rows = {r["company_id"]: r for r in frame.iter_rows(named=True)}
    # A rename changes the option labels, which makes the browser reset the box to the first
    # company: restore the pick so a following Delete… hits the company just renamed.
    if st.session_state.get("manage_pick") in rows:
        st.session_state.manage_id = st.session_state.manage_pick
    company_id = st.selectbox(
        "Company",
        list(rows),
        key="manage_id",
        format_func=lambda i: f"{rows[i]['name']} ({rows[i]['ats']}: {rows[i]['board']})",
        on_change=_remember_pick,
    )
    if company_id is None:
        return
    row = rows[company_id]
    _track(company_id)
    if not current_person().admin:
        st.caption("Only the admins (JOBSCRAPER_ADMINS) add, rename, enable, disable or delete "
                   "companies.")
    name_input(f"companies_name_{company_id}")
    st.toggle(
        "Enabled (scraped in each run)",
        key=f"enabled_{company_id}",
        on_change=_set_enabled,
        args=(company_id,),
    )
    st.text_input("Name", key=f"name_{company_id}")
    _conflict_panel(company_id)
    rename, check = st.columns(2)
    rename.button("Rename", on_click=_rename, args=(company_id,))
    if check.button("Check this board", help="Fetch it now and count its jobs, saving nothing"):
        _check_boards([Company(row["name"], row["ats"], row["board"], row["url"], company_id)])
    _show_flash("manage")
    if st.session_state.get("confirm_delete") != company_id:
        st.button("Delete…", on_click=_ask_delete, args=(company_id,))
        return
    st.warning(f"Delete {md_line(row['name'])}? It has {row['total_jobs']} jobs.")
    st.radio("Its jobs", [KEEP_JOBS, DROP_JOBS], key="delete_jobs")
    yes, no = st.columns(2)
    yes.button("Confirm delete", type="primary", on_click=_delete, args=(company_id, row["name"]))
    no.button("Cancel", on_click=_ask_delete, args=(None,))


def import_export_section() -> None:
    st.subheader("Import / export")
    rows = co.export_rows(cursor())
    toml_col, csv_col = st.columns(2)
    toml_col.download_button(
        "Export TOML", co.to_toml(rows), file_name="companies.toml", mime="application/toml"
    )
    csv_col.download_button(
        "Export CSV", co.to_csv(rows), file_name="companies.csv", mime="text/csv"
    )
    st.file_uploader(
        "Import a companies file",
        type=["toml", "csv"],
        key="import_file",
        help="The [[company]] TOML (name, url, optional ats, board, enabled) or a CSV with "
        "the columns name,url,ats,board,enabled, of at most "
        f"{_upload_limit_mb()} MB and {co.MAX_IMPORT_ENTRIES:,} companies. Tracked boards are "
        "updated.",
    )
    name_input("companies_name_import")
    st.button("Import", on_click=_import)
    _show_flash("import")


st.title("Companies")
con = cursor()
frame = _overview(con, data_version())
st.caption(f"{_companies(frame.height)}, {frame['enabled'].sum()} enabled")
if frame.height:
    table_section(frame)
else:
    st.info("No companies yet: paste careers URLs below or import a file.")
add_section()
if frame.height:
    manage_section(frame)
else:
    _show_flash("manage")  # the last company was just deleted
import_export_section()
