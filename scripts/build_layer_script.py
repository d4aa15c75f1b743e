#!/usr/bin/env python3
"""Write static/vendor/geomap/geomap-layers.js, the map layers' shared page script.

Run after changing a layer's page script or style sheet (``geomap.layers.page_script.script_text``);
``tests/layers/test_shared.py`` fails while the file is not current.

    python scripts/build_layer_script.py
"""

from __future__ import annotations

from geomap.layers.page_script import write_script

if __name__ == "__main__":
    print(write_script())
