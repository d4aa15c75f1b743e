"""Analyses: pure functions of (Geo)DataFrames. Never imports Streamlit or folium."""
