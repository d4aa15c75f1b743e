"""geomap — the Streamlit app.

Run with ``python -m streamlit run app.py``. This file only lays out the navigation and the
shared sidebar (country, directory in use, partner sign-in); each page lives in
``geomap/pages/`` and holds widgets and calls only.
"""

from __future__ import annotations

import streamlit as st

from geomap.pages import _sidebar, coverage, data, footprint, gaps, referral

st.set_page_config(page_title="geomap — who serves survivors where", page_icon="🗺️", layout="wide")

nav = st.navigation(
    [
        st.Page(coverage.render, title="Coverage", url_path="coverage", default=True),
        st.Page(gaps.render, title="Gaps", url_path="gaps"),
        st.Page(referral.render, title="Referral", url_path="referral"),
        st.Page(footprint.render, title="Footprint", url_path="footprint"),
        st.Page(data.render, title="Data", url_path="data"),
    ]
)
_sidebar.render()
nav.run()
