"""One script file for the layers' browser code, loaded by every map page like Leaflet itself.

The layers' page code (the compact-geometry decoder, the marker builder and its clustering, the
legend with its placement, the live-update hook) and their style sheets are the same on every
map. Written into each page, they were ~19 kB of every coverage map (more than the unit shapes).
Here they are one static file, ``static/vendor/geomap/geomap-layers.js``, generated from the
Python constants that define them (:func:`script_text`; ``python scripts/build_layer_script.py``
writes it, and a test checks the file is current). The browser caches it like Leaflet; a file
export inlines it (:func:`geomap.layers.assets.standalone_html`). Its URL carries a digest of
its text (``?v=``), so a changed script is never taken from an old cache.

The file defines ``window.geomapGeoLayer(c, options)``, ``window.geomapMarkers(target, d)``,
``window.geomapLegend(target, d)`` and ``window.geomapLive(map, units, markers)``; each adds
its style sheet to the page once, when first called (a layer swapped into a page brings no
header). The elements that call them add the link (:class:`SharedScript`); streamlit-folium
loads it with the map's other script links.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geomap.layers.assets import DEFAULT_ASSET_BASE, VENDOR_DIR, asset_base_of, local_links

__all__ = ["SCRIPT_FILE", "SCRIPT_PATH", "SharedScript", "needs_script", "script_text", "script_url", "write_script"]

#: Where the file lives under ``static/vendor`` (and under a map's asset base).
SCRIPT_PATH = "geomap/geomap-layers.js"
#: The file in this checkout.
SCRIPT_FILE = VENDOR_DIR / SCRIPT_PATH
#: folium's resource name of the link (one per page, whoever adds it).
_LINK_NAME = "geomap_layers"


@functools.lru_cache(maxsize=1)
def script_text() -> str:
    """The file's text, made from the layers' script constants (pure: same text every call)."""
    from geomap.layers import encoding, legend, live, markers

    def with_css(name: str, css: str, style_id: str, js: str) -> str:
        style = encoding.style_script(encoding.compact_css(css), style_id=style_id)
        return f"window.{name}=function(a,b,c,d){{{style}return({encoding.one_line(js)})(a,b,c,d);}};"

    return "".join(
        [
            "/* geomap's map layers, generated from geomap/layers by scripts/build_layer_script.py: do not edit. */\n",
            encoding.one_line(encoding.DECODER_JS),
            "\n",
            with_css("geomapMarkers", markers._CSS, "geomap-marker-css", markers._MARKERS_JS),
            "\n",
            with_css("geomapLegend", legend.LEGEND_CSS, "geomap-legend-css", legend.LEGEND_JS),
            "\n",
            f"window.geomapLive=function(a,b,c){{return({encoding.one_line(live._APPLY_JS)})(a,b,c,window.geomapLegend);}};",
            "\n",
        ]
    )


@functools.lru_cache(maxsize=1)
def _version() -> str:
    return hashlib.sha256(script_text().encode("utf-8")).hexdigest()[:12]


def script_url(asset_base: str = DEFAULT_ASSET_BASE) -> str:
    """The file's URL under ``asset_base``, with the digest of its text (``?v=``)."""
    ((_name, url),) = local_links([(_LINK_NAME, SCRIPT_PATH)], asset_base)
    return f"{url}?v={_version()}"


def write_script(path: Path = SCRIPT_FILE) -> Path:
    """Write :func:`script_text` to ``path`` (the repository's copy by default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script_text(), encoding="utf-8")
    return path


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
