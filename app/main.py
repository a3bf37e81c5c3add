"""Entrypoint: page config, navigation over the four pages, sidebar run indicator."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import connection, sidebar_run_indicator

PAGES = Path(__file__).resolve().parent.parent / "pages"

st.set_page_config(page_title="Job dashboard", page_icon="🧭", layout="wide")

page = st.navigation(
    [
        st.Page(PAGES / "scraping.py", title="Scraping", icon="🔄", default=True),
        st.Page(PAGES / "jobs.py", title="Jobs", icon="💼"),
        st.Page(PAGES / "analytics.py", title="Analytics", icon="📊"),
        st.Page(PAGES / "companies.py", title="Companies", icon="🏢"),
    ]
)
connection()
with st.sidebar:
    sidebar_run_indicator()
page.run()
