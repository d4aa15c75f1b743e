"""The population-grid overview as a map layer: one small classed image, never the full raster."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geomap import i18n
from geomap.grids.overview import Overview
from geomap.i18n import _, ngettext
from geomap.layers import assets, basemap, legend
from geomap.layers.choropleth import Classification

__all__ = ["BAND_COLOURS", "band_labels", "grid_overview_layer", "grid_overview_map", "overview_rgba"]

#: Colours of the distance classes, near (green) to far (red): ColorBrewer RdYlGn, 5 classes, reversed.
BAND_COLOURS = ("#1a9641", "#a6d96a", "#fdae61", "#f46d43", "#d7191c")


def band_labels(overview: Overview) -> list[str]:
    """Legend labels of the classes, near to far (e.g. ``"< 10 km"``, ``"10–25 km"``, ``"> 100 km"``)."""
    b = overview.bands_km
    km = i18n.number
    labels = [f"< {km(b[0])} km"] + [f"{km(lo)}–{km(hi)} km" for lo, hi in zip(b[:-1], b[1:])] + [f"> {km(b[-1])} km"]
    return labels


def overview_rgba(overview: Overview, *, opacity: int = 200) -> np.ndarray:
    """The classes as an RGBA uint8 image (transparent where nobody lives)."""
    palette = np.zeros((len(BAND_COLOURS) + 1, 4), dtype=np.uint8)
    for i, hexcol in enumerate(BAND_COLOURS, start=1):
        palette[i] = [int(hexcol[k : k + 2], 16) for k in (1, 3, 5)] + [opacity]
    cls = np.clip(overview.classes, 0, len(BAND_COLOURS))
    return palette[cls]


def _mercator_rows(rgba: np.ndarray, south: float, north: float) -> np.ndarray:
    """Resample rows (nearest) so that equal lat steps become equal Web Mercator steps, colours kept exact."""
    h = rgba.shape[0]

    def merc(lat):
        return np.log(np.tan(np.pi / 4 + np.radians(np.clip(lat, -85.0511, 85.0511)) / 2))

    ys = merc(north) - (np.arange(h) + 0.5) / h * (merc(north) - merc(south))  # output row centres, top down
    lat = np.degrees(2 * np.arctan(np.exp(ys)) - np.pi / 2)
    src = np.clip(((north - lat) / (north - south) * h).astype(int), 0, h - 1)
    return rgba[src]


def grid_overview_layer(overview: Overview, *, name: str = "Distance to the nearest provider (population grid)") -> folium.raster_layers.ImageOverlay:
    """An :class:`folium.raster_layers.ImageOverlay` of the overview (a PNG of a few hundred cells a side)."""
    south, west, north, east = overview.bounds
    # folium's own mercator_project rescales colours channel by channel: project here, keep uint8
    image = _mercator_rows(overview_rgba(overview), south, north)
    return folium.raster_layers.ImageOverlay(
        image=image, bounds=[[south, west], [north, east]], name=name, mercator_project=False, interactive=False, zindex=2,
    )


def _legend(overview: Overview) -> legend.Legend:
    counts = tuple(int((overview.classes == i).sum()) for i in range(1, len(BAND_COLOURS) + 1))
    cls = Classification(
        scheme="bands", bins=overview.bands_km + (float("inf"),), lower=0.0, labels=tuple(band_labels(overview)),
        colors=BAND_COLOURS, counts=counts, classes=pd.Series(dtype=float), no_data_label=_("nobody lives here"),
    )
    caption = _("Population: {population_model}.").format(population_model=overview.population_model)
    if overview.confidential_left_out:
        n = int(overview.confidential_left_out)
        caption += " " + ngettext("{n} confidential site left out of this map (it counts in every figure).",
                                  "{n} confidential sites left out of this map (they count in every figure).", n).format(n=i18n.number(n))
    return legend.legend_element(cls, title=_("Distance to the nearest provider"), caption=caption, show_counts=False)


def grid_overview_map(overview: Overview, units: gpd.GeoDataFrame, *, boundary_source: str | None = None) -> folium.Map:
    """A local-assets map of the overview over the units' context, with its legend."""
    south, west, north, east = overview.bounds
    m = assets.offline_map(bounds=[[south, west], [north, east]], max_zoom=14)
    basemap.add_basemap(m, units, source=boundary_source)
    grid_overview_layer(overview).add_to(m)
    _legend(overview).add_to(m)
    return m
