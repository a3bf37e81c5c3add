"""Scraping page (content comes with its own issue)."""

from __future__ import annotations

import streamlit as st

st.title("Scraping")
