"""Entrypoint: page config, the login when OIDC is configured, navigation over the pages,
who you are and the run indicator in the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import (
    connection,
    current_person,
    identity_mode,
    login_screen,
    sidebar_identity,
    sidebar_run_indicator,
)

PAGES = Path(__file__).resolve().parent.parent / "pages"

st.set_page_config(page_title="Job dashboard", page_icon=":material/travel_explore:", layout="wide")
if identity_mode() == "oidc" and current_person().anonymous:
    login_screen()
    st.stop()

page = st.navigation(
    [
        st.Page(PAGES / "scraping.py", title="Scraping", icon=":material/sync:", default=True),
        st.Page(PAGES / "jobs.py", title="Jobs", icon=":material/work:"),
        st.Page(PAGES / "analytics.py", title="Analytics", icon=":material/monitoring:"),
        st.Page(PAGES / "companies.py", title="Companies", icon=":material/domain:"),
        st.Page(PAGES / "activity.py", title="Activity", icon=":material/history:"),
    ]
)
connection()
with st.sidebar:
    sidebar_run_indicator(live=page.title != "Scraping")
    sidebar_identity()
page.run()
