"""Fetch and parse public job boards. No Streamlit, no DuckDB, no `app` imports."""
