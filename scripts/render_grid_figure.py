#!/usr/bin/env python3
"""Render the README's population-grid figure: the overview map geomap draws on the Gaps page.

    python scripts/render_grid_figure.py RASTER --country GH --out docs/grid_overview.png

It computes, for three **fictional** providers placed by the script at fixed fractions of the
raster's extent, the classed distance overview (:func:`geomap.grids.overview.distance_overview`)
and the map layer (:func:`geomap.layers.grid.grid_overview_map`), writes the map as a
standalone page and screenshots it with Debian's Chromium (``/usr/bin/chromium``) through
Playwright. The README's figure was made from the WorldPop Ghana 2015 clip of Accra
(``../shared/realdata/worldpop/GHA15adj_040213_accra_clip.tif``, CC BY 4.0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point


def main(argv: list[str] | None = None) -> int:
    from geomap import boundaries
    from geomap.grids import io, overview
    from geomap.layers import assets
    from geomap.layers import grid as grid_layer

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("raster")
    p.add_argument("--country", default="GH")
    p.add_argument("--out", type=Path, default=Path("docs/grid_overview.png"))
    args = p.parse_args(argv)
    info = io.describe_raster(args.raster)
    t = info.affine
    west, north = t.c, t.f
    east, south = west + t.a * info.width, north + t.e * info.height
    spots = [(0.25, 0.2), (0.7, 0.35), (0.45, 0.75)]  # fractions of the extent: fictional sites
    prov = gpd.GeoDataFrame(
        {"name": [f"Sample provider {i} (fictional)" for i in range(len(spots))], "confidential": [False] * len(spots)},
        geometry=[Point(west + fx * (east - west), north - fy * (north - south)) for fx, fy in spots], crs=4326,
    )
    ov = overview.distance_overview(info, prov, max_side=300)
    units = boundaries.load_boundaries(args.country)
    m = grid_layer.grid_overview_map(ov, units, boundary_source=units.attrs.get("source"))
    html = assets.standalone_html(m, title="geomap: distance over a population grid")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "map.html"
        page_path.write_text(html, encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            page = browser.new_page(viewport={"width": 900, "height": 620})
            page.goto(page_path.as_uri())
            page.wait_for_timeout(1500)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
