"""The app's live map: a Streamlit component that keeps its map while the filters change.

``streamlit-folium`` re-sends and re-runs the whole map script on every rerun. Here the page
(:func:`geomap.layers.live.page_html` of a base map, with its first state) is drawn once per
``base`` id; while that id stays, each rerun's ``update`` (:func:`geomap.layers.live.update_json`)
is applied in place in the browser (``window.geomapApply``): the units are re-shaded, the
legend redrawn and markers shown or hidden, with no new Leaflet map. The frontend is one static
``frontend/index.html`` (no build step, no CDN); the map page it shows loads Leaflet from the
app's ``static/vendor``. The component returns nothing (map events never rerun the app).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from geomap.layers import live

__all__ = ["forget", "live_map"]

_FRONTEND = Path(__file__).resolve().parent / "frontend"


def _component(**kwargs: Any) -> Any:
    # Declared on each call: declaring registers the component with the running server only
    # inside a script run, and this module may first be imported outside one (the server's
    # start-up warm-up, geomap.pages._startup); its frame would then be refused (404).
    # Registering again is one dictionary entry.
    return components.declare_component("live_map", path=str(_FRONTEND))(**kwargs)


def _sent_key(key: str) -> str:
    return f"{key}__base_sent"


#: Bases the component keeps besides the one it shows (``KEEP`` in ``frontend/index.html``,
#: which keeps one more than this: a base the server thinks kept is always there).
_KEPT = 2


def forget(key: str) -> None:
    """Send the map's base page again at the next :func:`live_map` call with this ``key``.

    Call it when the component may have been unmounted (the page is shown after another page).
    Reruns that keep it (a fragment's, or a full run of the same page: a country switch) need
    not: the component keeps the bases it was sent last and puts one back when its id returns.
    """
    st.session_state.pop(_sent_key(key), None)


def live_map(base_html: str, update: str, *, base_id: str, height: int = 560, title: str = "Map", key: str) -> None:
    """Show a live map.

    The base page travels once per base: while ``base_id`` stays and :func:`forget` was not
    called, a rerun sends only ``update`` (a few kB instead of the whole map). The component
    keeps the last few bases it showed, so a base sent recently (a country switched back to)
    is not sent again either: the component puts its kept map back. A component that lacks
    the base anyway (e.g. it was re-mounted) asks for it, and the next rerun sends it.

    Parameters
    ----------
    base_html
        :func:`geomap.layers.live.page_html` of a base map (e.g.
        :func:`geomap.layers.coverage_map.coverage_base`).
    update
        The state to show, :func:`geomap.layers.live.update_json`.
    base_id
        Changes exactly when ``base_html`` does (a digest of what it is built from): a new id
        draws a new map, the same id applies ``update`` to the map already drawn.
    height
        Pixels.
    title
        Accessible name of the map's frame.
    key
        Streamlit element key.
    """
    asked = st.session_state.get(key)
    answered_key = f"{key}__answered"
    needed = isinstance(asked, dict) and asked.get("need") == base_id and asked.get("n") != st.session_state.get(answered_key)
    if needed:
        st.session_state[answered_key] = asked.get("n")
    sent = st.session_state.get(_sent_key(key), ())
    send = needed or base_id not in sent
    # the bases the component holds: this one, and the last _KEPT before it
    st.session_state[_sent_key(key)] = (*[b for b in sent if b != base_id][-_KEPT:], base_id)
    _component(
        html=live.page_with_update(base_html, update) if send else "",
        update=update,
        base=base_id,
        height=int(height),
        title=title,
        key=key,
        default=None,
    )
