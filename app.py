"""geomap — the Streamlit app.

Run with ``python -m streamlit run app.py``. This file only lays out the navigation and the
shared sidebar (country, directory in use, partner sign-in); each page lives in
``geomap/pages/`` and holds widgets and calls only.
"""

from __future__ import annotations

import gc
import math

import streamlit as st
from streamlit import config as st_config

from geomap.i18n import _
from geomap.pages import _sidebar, _state, _url, _widgets, admin, coverage, data, footprint, gaps, records, referral
from geomap.settings import get_settings

# Streamlit's upload limit follows geomap's one setting (GEOMAP_MAX_UPLOAD_MB, the config file,
# else the default that .streamlit/config.toml repeats), so the uploader and the readers agree.
st_config.set_option("server.maxUploadSize", math.ceil(get_settings().max_upload_mb))

# The language of this run (?lang=, else the session's, else GEOMAP_LANG/LANG): set for this
# script run only, never for the process.
_state.activate_language()
st.set_page_config(page_title=_("geomap — who serves survivors where"), page_icon="🗺️", layout="wide")
_widgets.page_direction()

# Every page opens by its own path (/coverage, /gaps, …). Streamlit serves its default page at
# "/" only, so the default is a hidden page that shows Coverage under its own path, keeping the
# link's parameters.
_coverage_page = st.Page(coverage.render, title=_("Coverage"), url_path="coverage")


def _home() -> None:
    st.switch_page(_coverage_page, query_params=st.query_params.to_dict())


nav = st.navigation(
    [
        st.Page(_home, title="geomap", url_path="home", default=True, visibility="hidden"),
        _coverage_page,
        st.Page(gaps.render, title=_("Gaps"), url_path="gaps"),
        st.Page(referral.render, title=_("Referral"), url_path="referral"),
        st.Page(footprint.render, title=_("Footprint"), url_path="footprint"),
        st.Page(data.render, title=_("Data"), url_path="data"),
        st.Page(records.render, title=_("Records"), url_path="records"),
        # Listed for admins only (asked of the store on each run); the page checks again.
        *([st.Page(admin.render, title=_("Admin"), url_path="admin")] if admin.is_admin() else []),
    ]
)
# A link's ?country= decides the country before the page runs (a fresh browser shows the view
# the link was copied from).
_url.apply_country(_state.DEFAULT_COUNTRY, set_country=_state.switch_country)
# The page first, then the shared sidebar: the browser loads and draws elements in the order
# they arrive, and the map is what people wait for (see geomap/pages/_sidebar.py).
try:
    nav.run()
finally:
    _sidebar.render()  # also when the page fails, so the country and sign-in stay at hand

# Once per server process, after its first page: the objects alive now (modules, loaded
# boundaries and caches) live as long as the server, so they are moved out of the garbage
# collector's reach. Otherwise each full collection walks them all and stalls every session,
# its map and its filter changes, for 100-200 ms (measured in benchmarks/).
if gc.get_freeze_count() == 0:
    gc.collect()
    gc.freeze()
