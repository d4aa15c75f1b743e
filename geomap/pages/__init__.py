"""Streamlit pages: widgets and calls only, no analysis logic."""

#: The app's page icon (``app.py``; the start-up's warm-up loads Streamlit's emoji catalogue with it).
PAGE_ICON = "🗺️"
