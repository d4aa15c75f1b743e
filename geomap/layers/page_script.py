"""The text of the layers' shared page script (:mod:`geomap.layers.shared`), from their constants.

Kept apart from :mod:`geomap.layers.shared`, which the layers import to link the file: this
module imports the layers to read their scripts and style sheets.
"""

from __future__ import annotations

import functools
from pathlib import Path

from geomap.layers import encoding, legend, live, markers
from geomap.layers.shared import SCRIPT_FILE

__all__ = ["script_text", "write_script"]


def _with_css(name: str, css: str, style_id: str, js: str) -> str:
    style = encoding.style_script(encoding.compact_css(css), style_id=style_id)
    return f"window.{name}=function(a,b,c,d){{{style}return({encoding.one_line(js)})(a,b,c,d);}};"


@functools.lru_cache(maxsize=1)
def script_text() -> str:
    """The file's text: each layer's page function, with its style sheet added once when first called."""
    return "".join(
        [
            "/* geomap's map layers, generated from geomap/layers by scripts/build_layer_script.py: do not edit. */\n",
            encoding.one_line(encoding.DECODER_JS),
            "\n",
            _with_css("geomapMarkers", markers._CSS, "geomap-marker-css", markers._MARKERS_JS),
            "\n",
            _with_css("geomapLegend", legend.LEGEND_CSS, "geomap-legend-css", legend.LEGEND_JS),
            "\n",
            f"window.geomapLive=function(a,b,c){{return({encoding.one_line(live._APPLY_JS)})(a,b,c,window.geomapLegend);}};",
            "\n",
        ]
    )


def write_script(path: Path = SCRIPT_FILE) -> Path:
    """Write :func:`script_text` to ``path`` (the repository's copy by default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script_text(), encoding="utf-8")
    return path
