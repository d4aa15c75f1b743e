"""One script file for the layers' browser code, loaded by every map page like Leaflet itself.

The layers' page code (the compact-geometry decoder, the marker builder and its clustering, the
legend with its placement, the live-update hook) and their style sheets are the same on every
map. Written into each page, they were ~19 kB of every coverage map (more than the unit shapes).
Here they are one static file, ``static/vendor/geomap/geomap-layers.js``, generated from the
Python constants that define them (:func:`geomap.layers.page_script.script_text`;
``python scripts/build_layer_script.py`` writes it, and a test checks the file is current). The browser caches it like Leaflet; a file
export inlines it (:func:`geomap.layers.assets.standalone_html`). Its URL carries a digest of
the file (``?v=``), so a changed script is never taken from an old cache.

The file defines ``window.geomapGeoLayer(c, options)``, ``window.geomapMarkers(target, d)``,
``window.geomapLegend(target, d)`` and ``window.geomapLive(map, units, markers)``; each adds
its style sheet to the page once, when first called (a layer swapped into a page brings no
header). The elements that call them add the link (:class:`SharedScript`); streamlit-folium
loads it with the map's other script links.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geomap.layers.assets import DEFAULT_ASSET_BASE, VENDOR_DIR, asset_base_of, local_links

__all__ = ["SCRIPT_FILE", "SCRIPT_PATH", "SharedScript", "needs_script", "script_url"]

#: Where the file lives under ``static/vendor`` (and under a map's asset base).
SCRIPT_PATH = "geomap/geomap-layers.js"
#: The file in this checkout.
SCRIPT_FILE = VENDOR_DIR / SCRIPT_PATH
#: folium's resource name of the link (one per page, whoever adds it).
_LINK_NAME = "geomap_layers"


@functools.lru_cache(maxsize=1)
def _version() -> str:
    """Digest of the file as it is on disk (``"missing"`` when it is not: run the build script)."""
    if not SCRIPT_FILE.is_file():
        return "missing"
    return hashlib.sha256(SCRIPT_FILE.read_bytes()).hexdigest()[:12]


def script_url(asset_base: str = DEFAULT_ASSET_BASE) -> str:
    """The file's URL under ``asset_base``, with the digest of its text (``?v=``)."""
    ((_name, url),) = local_links([(_LINK_NAME, SCRIPT_PATH)], asset_base)
    return f"{url}?v={_version()}"


class SharedScript(JSCSSMixin):
    """Adds the link to the shared script to the page (once, whoever adds it); draws nothing.

    The URL follows the asset base of the map it is drawn on (resolved at render time), and
    is :data:`~geomap.layers.assets.DEFAULT_ASSET_BASE`'s before that.
    """

    _template = Template("")

    def __init__(self) -> None:
        super().__init__()
        self._name = "SharedScript"
        self.default_js = [(_LINK_NAME, script_url())]

    def render(self, **kwargs: Any) -> None:
        """Point the link at the asset base of the map, then add it to the page header."""
        self.default_js = [(_LINK_NAME, script_url(asset_base_of(self)))]
        super().render(**kwargs)


def needs_script(element: MacroElement) -> None:
    """Make ``element``'s page load the shared script (adds a :class:`SharedScript` child)."""
    SharedScript().add_to(element)
