"""A one-line Streamlit page for benchmarks/load.py: what loading any Streamlit page in many
Chromium tabs costs on this machine, before the app does any work."""

import streamlit as st

st.write("Floor page drawn")
