"""Activity: the team feed of who did what, filtered by person, kind and company, as CSV too."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import activity, queries, ui

LIMIT = 500

st.title("Activity")
st.caption("Who changed what, newest first: job status, star and notes; companies; scrapes; "
           "the schedule. Names marked (unverified) were typed, not logged in.")
con = ui.cursor()
everyone = activity.people(con)
companies = dict(queries.company_options(con).iter_rows())
who_col, kind_col, company_col = st.columns(3)
picked_people = who_col.multiselect("People", list(everyone), key="feed_people",
                                    format_func=lambda k: everyone.get(k) or "anonymous")
picked_kinds = kind_col.multiselect("Kinds", list(activity.KINDS), key="feed_kinds",
                                    format_func=activity.kind_label)
picked_companies = company_col.multiselect("Companies", list(companies), key="feed_companies",
                                           format_func=companies.__getitem__)
filters = activity.FeedFilters(tuple(picked_people), tuple(picked_kinds), tuple(picked_companies))
frame = activity.feed(con, filters, limit=LIMIT)

if frame.is_empty():
    st.info("Nothing recorded yet for these filters." if everyone else
            "Nothing recorded yet: changes to jobs and companies, scrapes and the schedule "
            "appear here with who made them.")
else:
    shown = frame.with_columns(
        pl.when(pl.col("verified")).then(pl.col("who"))
        .otherwise(pl.col("who") + pl.lit(" (unverified)")).alias("who"),
        pl.col("kind").replace_strict(activity.KINDS, default=pl.col("kind")),
    )
    st.dataframe(
        shown, hide_index=True, width="stretch", placeholder="",
        column_order=["at", "who", "kind", "label", "old", "new"],
        column_config={
            "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "who": st.column_config.TextColumn("Who", width="medium"),
            "kind": st.column_config.TextColumn("What", width="medium"),
            "label": st.column_config.TextColumn("Of", width="medium"),
            "old": st.column_config.TextColumn("Was", width="medium"),
            "new": st.column_config.TextColumn("Now", width="large"),
        },
    )
    more = f" (the latest {LIMIT})" if frame.height == LIMIT else ""
    st.download_button(f"Download CSV{more}", activity.feed_csv(frame),
                       file_name="activity.csv", mime="text/csv", on_click="ignore",
                       icon=":material/download:")
