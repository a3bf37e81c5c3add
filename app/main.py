"""Entrypoint: page config, navigation over the four pages, sidebar run indicator."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import connection, sidebar_run_indicator

PAGES = Path(__file__).resolve().parent.parent / "pages"

st.set_page_config(page_title="Job dashboard", page_icon=":material/travel_explore:", layout="wide")

page = st.navigation(
    [
        st.Page(PAGES / "scraping.py", title="Scraping", icon=":material/sync:", default=True),
        st.Page(PAGES / "jobs.py", title="Jobs", icon=":material/work:"),
        st.Page(PAGES / "analytics.py", title="Analytics", icon=":material/monitoring:"),
        st.Page(PAGES / "companies.py", title="Companies", icon=":material/domain:"),
    ]
)
connection()
with st.sidebar:
    sidebar_run_indicator()
page.run()
