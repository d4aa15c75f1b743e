"""The donor footprint map: units shaded by a footprint measure, optionally over provider coverage.

Arranges :mod:`geomap.analysis.footprint` results on an offline folium map. The footprint holds
aggregates per unit, never a provider's location: provider numbers enter only as counts per
unit, which are safe to publish.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.analysis import footprint as F
from geomap.i18n import _
from geomap.layers import assets, basemap, choropleth, legend
from geomap.layers.coverage_map import map_bounds

__all__ = ["MEASURE_FORMATS", "footprint_map", "footprint_map_html", "measure_label"]

#: Number formats of the footprint measures.
MEASURE_FORMATS: dict[str, str] = {
    "projects": "{:,.0f}",
    "budget": "{:,.0f}",
    "reached": "{:,.0f}",
    "officials_trained": "{:,.0f}",
}
#: Display simplification of unit outlines (degrees).
_TOLERANCE = 0.004
_UNSERVED_STYLE = {"color": "#b2182b", "weight": 3, "dashArray": "6 4", "fill": False}


def footprint_map(
    units: gpd.GeoDataFrame,
    footprint: pd.DataFrame,
    *,
    measure: str = "projects",
    overlay: bool = False,
    boundary_source: str = "",
    asset_base: str | None = None,
) -> folium.Map:
    """The footprint map: units shaded by ``measure``; units not reached shown as "Not reached".

    Parameters
    ----------
    units
        Admin units (``code``, ``name``, geometry).
    footprint
        :func:`geomap.analysis.footprint.footprint_by_unit`, or its
        :func:`~geomap.analysis.footprint.footprint_overlay` (needed for ``overlay``).
    measure
        A key of :data:`geomap.analysis.footprint.MEASURES`.
    overlay
        Outline the units with no provider in the directory (dashed red) and show provider
        counts in the tooltips: funded areas against unserved areas.
    boundary_source
        Attribution line for the boundaries (default: ``units.attrs["source"]``).
    asset_base
        URL prefix of the vendored Leaflet assets (default: the app's).

    Raises
    ------
    ValueError
        If ``measure`` is unknown, or ``overlay`` is asked of a footprint without providers.
    """
    if measure not in F.MEASURES:
        msg = f"unknown footprint measure {measure!r}; choose one of {', '.join(F.MEASURES)}"
        raise ValueError(msg)
    if overlay and "providers" not in footprint.columns:
        msg = "overlay needs a footprint joined with provider counts (geomap.analysis.footprint.footprint_overlay)"
        raise ValueError(msg)
    known = "providers_known" if "providers_known" in footprint.columns else "providers"
    cols = ["code", measure, "projects", "reached_unit"] + (list(dict.fromkeys(["providers", known])) if overlay else [])
    joined = units[["code", "name", "geometry"]].merge(footprint[list(dict.fromkeys(cols))], on="code", how="left")
    joined = gpd.GeoDataFrame(joined, geometry="geometry", crs=units.crs)
    reached = joined["reached_unit"].fillna(False).astype(bool)
    joined["_value"] = pd.to_numeric(joined[measure], errors="coerce").where(reached, np.nan).astype(float)
    label = measure_label(measure, footprint.attrs.get("currency"))
    tips: dict[str, str] = {"projects": _("Projects")} if measure != "projects" else {}
    if overlay:
        if known == "providers":  # exact figures; a published table's text (bands) is shown as it is
            joined["providers"] = pd.to_numeric(joined["providers"], errors="coerce")
        tips["providers"] = _("Providers in the directory")
    kwargs: dict[str, Any] = {"bounds": map_bounds(units)}
    if asset_base:
        kwargs["asset_base"] = asset_base
    fmap = assets.offline_map(**kwargs)
    source = boundary_source or str(units.attrs.get("source") or _("boundary source not recorded"))
    basemap.add_basemap(fmap, units, source=source)
    layer = choropleth.choropleth_layer(
        joined,
        "_value",
        label=label,
        fmt=MEASURE_FORMATS[measure],
        no_data_label=_("Not reached"),
        tooltip_columns=tips,
        palette="YlOrRd" if measure == "budget" else "YlGnBu",
        simplify_tolerance=_TOLERANCE,
    )
    layer.add_to(fmap)
    caption = None
    if overlay:
        unserved = joined[pd.to_numeric(joined[known], errors="coerce").fillna(0) <= 0]
        if len(unserved):
            geo = choropleth.lean_geometries(unserved.geometry, precision=5, simplify_tolerance=_TOLERANCE)
            data = gpd.GeoDataFrame({"name": unserved["name"].astype(str).to_numpy()}, geometry=geo.to_numpy(), crs=units.crs)
            folium.GeoJson(
                data.to_json(),
                name=_("No provider in the directory"),
                style_function=lambda _f: dict(_UNSERVED_STYLE),
                tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[_("No provider:")]),
            ).add_to(fmap)
        caption = _("Dashed red outline: no provider in the directory")
    legend.legend_element(layer.classification, title=label, caption=caption).add_to(fmap)
    return fmap


def footprint_map_html(units: gpd.GeoDataFrame, footprint: pd.DataFrame, **kwargs: Any) -> str:
    """:func:`footprint_map` as one self-contained HTML page (works offline from a file)."""
    title = kwargs.pop("title", _("geomap footprint"))
    return assets.standalone_html(footprint_map(units, footprint, **kwargs), title=title)


def measure_label(measure: str, currency: str | None) -> str:
    """The legend title of ``measure`` (with the currency for a budget)."""
    label = F.MEASURES.get(measure, measure)
    return f"{label} ({currency})" if measure == "budget" and currency else label
