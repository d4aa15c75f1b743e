"""geomap — the Streamlit app.

Run with ``python -m streamlit run app.py``. This file only lays out the navigation and the
shared sidebar (country, directory in use, partner sign-in); each page lives in
``geomap/pages/`` and holds widgets and calls only.

Streamlit runs this file as the page script (``__name__ == "__main__"``) for every run of every
session. ``streamlit run app.py`` first imports it as a module to find the ``app`` it defines: an
``st.App`` serving this same file, whose start-up builds what a first session needs
(``geomap/pages/_startup.py``) before the server accepts its first visitor.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable

import streamlit as st


def _later(module: str) -> Callable[[], None]:
    """A page whose module is imported when it is first shown, not when the server starts.

    The other pages bring their own libraries (raster I/O, streamlit-folium, the store's
    import tools, …): a server that only ever shows Coverage never loads them, and the first
    map does not wait for them.
    """

    def render() -> None:
        importlib.import_module(f"geomap.pages.{module}").render()

    render.__name__ = render.__qualname__ = f"{module}_page"
    return render


def main() -> None:
    """One run of the app: navigation, the page, then the shared sidebar."""
    from streamlit import config as st_config
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

    from geomap.i18n import _
    from geomap.pages import PAGE_ICON, _sidebar, _state, _url, _widgets, coverage
    from geomap.settings import get_settings

    # Streamlit's upload limit follows geomap's one setting (GEOMAP_MAX_UPLOAD_MB, the config
    # file, else the default that .streamlit/config.toml repeats), so the uploader and the
    # readers agree.
    st_config.set_option("server.maxUploadSize", math.ceil(get_settings().max_upload_mb))

    # The language of this run (?lang=, else the session's, else GEOMAP_LANG/LANG): set for this
    # script run only, never for the process.
    _state.activate_language()
    st.set_page_config(page_title=_("geomap — who serves survivors where"), page_icon=PAGE_ICON, layout="wide")
    _widgets.page_direction()

    # Every page opens by its own path (/coverage, /gaps, …). Streamlit serves its default page
    # at "/" only, so the default is a hidden page that shows Coverage under its own path,
    # keeping the link's parameters.
    coverage_page = st.Page(coverage.render, title=_("Coverage"), url_path="coverage")

    def home() -> None:
        st.switch_page(coverage_page, query_params=st.query_params.to_dict())

    nav = st.navigation(
        [
            st.Page(home, title="geomap", url_path="home", default=True, visibility="hidden"),
            coverage_page,
            st.Page(_later("gaps"), title=_("Gaps"), url_path="gaps"),
            st.Page(_later("referral"), title=_("Referral"), url_path="referral"),
            st.Page(_later("footprint"), title=_("Footprint"), url_path="footprint"),
            st.Page(_later("data"), title=_("Data"), url_path="data"),
            st.Page(_later("records"), title=_("Records"), url_path="records"),
            # Listed for admin accounts only (asked of the store on each signed-in run); the page checks again.
            *([st.Page(_later("admin"), title=_("Admin"), url_path="admin")] if _state.is_admin() else []),
        ]
    )
    _state.note_page(nav.url_path)
    # A link's ?country= decides the country before the page runs (a fresh browser shows the
    # view the link was copied from).
    _url.apply_country(_state.DEFAULT_COUNTRY, set_country=_state.switch_country)
    # The page first, then the shared sidebar: the browser loads and draws elements in the order
    # they arrive, and the map is what people wait for (see geomap/pages/_sidebar.py).
    _sidebar.signed_in_note()
    rerun = False
    try:
        nav.run()
    except RerunException:
        # The default page's switch to /coverage, or a page's st.rerun(): the next run draws the
        # sidebar. Drawn in this one, it would reach the browser ahead of the first map.
        rerun = True
        raise
    finally:
        if not rerun:  # also when the page fails, so the country and sign-in stay at hand
            _sidebar.render()

    # Once per server process, after its first page (or the start-up's warm-up): the objects
    # alive now (modules, loaded boundaries and caches) live as long as the server, so they are
    # moved out of the garbage collector's reach. Otherwise each full collection walks them all
    # and stalls every session, its map and its filter changes, for 100-200 ms (measured in
    # benchmarks/). (Asked through a cached function: counting the frozen objects walks them
    # all, ~50 ms a run.)
    _widgets.freeze_long_lived()


if __name__ == "__main__":  # a run of the page script
    main()
else:  # imported by `streamlit run app.py`, which then serves this `app` (Streamlit's ASGI mode)
    from geomap.pages import _startup

    app = st.App(__file__, lifespan=_startup.lifespan)
