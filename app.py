"""geomap — the Streamlit app.

Run with ``python -m streamlit run app.py``. This file only lays out the navigation and the
shared sidebar (country, directory in use, partner sign-in); each page lives in
``geomap/pages/`` and holds widgets and calls only.
"""

from __future__ import annotations

import streamlit as st

from geomap.pages import _sidebar, coverage, data

st.set_page_config(page_title="geomap — who serves survivors where", page_icon="🗺️", layout="wide")

PAGES = [
    st.Page(coverage.render, title="Coverage", url_path="coverage", default=True),
]
for _module, _title, _path in (
    ("geomap.pages.gaps", "Gaps", "gaps"),
    ("geomap.pages.referral", "Referral", "referral"),
    ("geomap.pages.footprint", "Footprint", "footprint"),
):
    try:
        _mod = __import__(_module, fromlist=["render"])
    except ModuleNotFoundError as _exc:  # a feature page not present in this build
        if _exc.name != _module:
            raise
        continue
    PAGES.append(st.Page(_mod.render, title=_title, url_path=_path))
PAGES.append(st.Page(data.render, title="Data", url_path="data"))

nav = st.navigation(PAGES)
_sidebar.render()
nav.run()
