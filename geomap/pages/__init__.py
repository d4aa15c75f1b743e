"""Streamlit pages: widgets and calls only, no analysis logic."""
