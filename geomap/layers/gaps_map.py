"""The gaps map: gap choropleth, catchments, settlements beyond reach and proposed sites.

Arranges a :class:`geomap.analysis.service_gaps.ServiceGaps` result on an offline folium map.
Catchments of confidential sites are drawn only when the role may see confidential records
(:func:`geomap.analysis.catchments.visible_catchments`); markers come from
:func:`geomap.directory.privacy.public_view`.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd

from geomap import i18n
from geomap.analysis import catchments as _catchments
from geomap.analysis.gaps import SETTLEMENT_MODEL
from geomap.analysis.service_gaps import ServiceGaps, beyond_reach
from geomap.directory import disclosure, privacy, schema
from geomap.i18n import _
from geomap.layers import assets, basemap, choropleth, legend, markers
from geomap.layers import catchments as catch_layer

__all__ = ["build_gaps_map"]


def _dots(points: gpd.GeoDataFrame, *, km: float = 3.0) -> gpd.GeoDataFrame:
    """Small geodesic circles for settlements (drawn with the polygon layer)."""
    return _catchments.buffer_catchments(points, radius_km=km, n_vertices=10).assign(
        **{c: points[c].to_numpy() for c in points.columns if c != points.geometry.name}
    )


def _population_model(result: ServiceGaps) -> str:
    """Which population the map's figures count (the settlements, or a population raster)."""
    t = result.table
    if "population_model" in t.columns and t["population_model"].notna().any():
        return str(t["population_model"].dropna().iloc[0])
    return str(t.attrs.get("population_model", SETTLEMENT_MODEL))


_SITE_LABEL_STYLE = (
    "display:inline-flex;align-items:center;gap:4px;white-space:nowrap;font:600 11px/1.2 sans-serif;"
    "color:#0b3d1f;background:rgba(255,255,255,0.9);border:1.5px solid #117a37;border-radius:10px;padding:1px 6px 1px 1px;"
)
_SITE_NUMBER_STYLE = (
    "display:inline-block;min-width:16px;height:16px;border-radius:50%;background:#117a37;color:#fff;"
    "text-align:center;line-height:16px;"
)


def _site_labels(sites: gpd.GeoDataFrame, places: list[str], labels: list[str]) -> folium.FeatureGroup:
    """A permanent label on each proposed site: its number, then settlement and state (escaped text)."""
    group = folium.FeatureGroup(name=_("Proposed sites (labels)"), control=False)
    for order, point, body, text in zip(sites["order"], sites.geometry, places, labels):
        icon = folium.DivIcon(
            html=(f'<div class="geomap-site-label" style="{_SITE_LABEL_STYLE}" role="img" aria-label="{html.escape(text)}">'
                  f'<span style="{_SITE_NUMBER_STYLE}">{int(order)}</span>{html.escape(body)}</div>'),
            icon_size=(0, 0), icon_anchor=(-8, 8),
        )
        folium.Marker((point.y, point.x), icon=icon).add_to(group)
    return group


def _proposed_sites(result: ServiceGaps, units: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Proposed sites: their catchment circles, and a permanent label each (number, settlement, state)."""
    sites = result.sites.copy()
    sites["gain_txt"] = sites["new_population_covered"].map(lambda v: i18n.number(v, digits=0))
    circles = _catchments.buffer_catchments(sites, radius_km=result.radius_km)
    state = dict(zip(units["code"].astype(str), units["name"].astype(str)))
    codes = sites["unit_code"].astype(str).tolist() if "unit_code" in sites.columns else [""] * len(sites)
    places = [i18n.isolate(str(n)) + (", " + i18n.isolate(state.get(c, c)) if c else "")
              for n, c in zip(sites.get("name", sites["order"]), codes)]
    circles["label"] = [_("Proposed site {number}: {place}").format(number=i18n.number(o), place=p)
                        for o, p in zip(sites["order"], places)]
    circles["gain_txt"] = sites["gain_txt"].to_numpy()
    group = folium.FeatureGroup(name=_("Proposed sites"))
    catch_layer.catchment_layer(
        circles.drop(columns=["confidential"], errors="ignore"), name=_("Proposed sites"), label_column="label",
        tooltip_columns={"gain_txt": _("Newly covered population")}, color="#117a37", fill_opacity=0.15,
    ).add_to(group)
    _site_labels(sites, places, circles["label"].tolist()).add_to(group)
    return group


def build_gaps_map(
    units: gpd.GeoDataFrame,
    result: ServiceGaps,
    demand: gpd.GeoDataFrame,
    *,
    role: str,
    view: gpd.GeoDataFrame | None = None,
    measure: str = "gap_index",
    measure_label: str = "Gap index (0 = no gap, 1 = worst)",
    boundary_source: str = "",
    max_settlements: int = 400,
    road_catchments: gpd.GeoDataFrame | None = None,
    online_tiles: bool = False,
    asset_base: str | None = None,
):
    """An offline folium map: gap choropleth, catchments, settlements beyond reach, proposed sites.

    Parameters
    ----------
    units
        The units layer analysed.
    result
        From :func:`service_gaps`.
    demand
        The demand points used.
    role
        The viewer's role: catchments of confidential sites are drawn only when
        :func:`geomap.directory.privacy.can_see_confidential` allows it.
    view
        Directory records to draw as markers; they go through
        :func:`geomap.directory.privacy.public_view` (markers never show confidential sites).
    measure, measure_label
        Column of the gap table to shade by, and its legend title.
    max_settlements
        Draw at most this many settlements beyond reach (the most populous).
    road_catchments
        Optional travel-time catchments (:func:`geomap.analysis.catchments.travel_time_catchments`);
        filtered by ``role`` like the circles.
    """
    kw = {} if asset_base is None else {"asset_base": asset_base}
    minx, miny, maxx, maxy = units.total_bounds
    fmap = assets.offline_map(bounds=[[float(miny), float(minx)], [float(maxy), float(maxx)]], online_tiles=online_tiles, **kw)
    basemap.add_basemap(fmap, units, source=boundary_source)
    joined = units[["code", "name", units.geometry.name]].merge(
        result.table.drop(columns=["name"], errors="ignore"), on="code", how="left"
    )
    joined = gpd.GeoDataFrame(joined, geometry=units.geometry.name, crs=units.crs)
    joined["share_within_pct"] = joined["share_within"] * 100
    # A public table holds bands as text: shade by the known part, show the text, outline the band.
    banded = disclosure.BANDED_COLUMN in joined.columns
    shading = (
        {"values_column": f"{measure}_known", "text_column": measure, "banded_column": disclosure.BANDED_COLUMN}
        if banded and f"{measure}_known" in joined.columns
        else {"values_column": measure, **({"banded_column": disclosure.BANDED_COLUMN} if banded else {})}
    )
    layer = choropleth.choropleth_layer(
        joined,
        **shading,
        label=measure_label,
        fmt="{:,.2f}",
        palette="YlOrRd" if measure in ("gap_index", "mean_distance_km", "pop_beyond_km") else "YlGnBu",
        tooltip_columns={"providers": _("Providers"), "share_within_pct": _("% within {km} km").format(km=i18n.number(result.radius_km))},
        simplify_tolerance=0.004,
    )
    layer.add_to(fmap)
    n_banded = int(joined[disclosure.BANDED_COLUMN].fillna(False).astype(bool).sum()) if banded else 0
    banded_row = (_("dashed: {band} confidential sites (left out of its figures)").format(
        band=disclosure.band_label(joined.attrs.get("disclosure_k"))), n_banded)
    visible = _catchments.visible_catchments(result.catchments, role=role)
    symbols = [("dot", "#e8590c", _("Provider (public location)")),
               ("cluster", "#c44808", _("Nearby providers grouped: the number says how many"))]
    if len(visible):
        symbols.append(("ring", "#1d4e89", _("Within {km} km of a provider").format(km=i18n.number(result.radius_km))))
    symbols.append(("dot", "#b42318", _("Settlement beyond reach")))
    if result.sites is not None and len(result.sites):
        symbols.append(("ring", "#117a37", _("Proposed site (number, settlement, state)")))
    legend.legend_element(layer.classification, title=measure_label, symbols=symbols, banded=banded_row,
                          caption=_("{service}; reach {km} km").format(service=schema.label(result.service), km=i18n.number(result.radius_km))
                          + ". " + _("Population: {population_model}.").format(population_model=_population_model(result))).add_to(fmap)
    if len(visible):
        shown = visible.drop(columns=["confidential"], errors="ignore")  # role already checked above
        catch_layer.catchment_layer(shown, name=_("Within {km} km").format(km=i18n.number(result.radius_km))).add_to(fmap)
    if road_catchments is not None and len(road_catchments):
        roads = _catchments.visible_catchments(road_catchments, role=role).drop(columns=["confidential"], errors="ignore")
        roads = roads[roads.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        if len(roads):
            mins = float(roads["minutes"].iloc[0])
            catch_layer.catchment_layer(roads, name=_("Within {minutes} min by road").format(minutes=i18n.number(mins)), color="#6a3d9a").add_to(fmap)
    far = beyond_reach(demand, result.nearest, radius_km=result.radius_km, role=role).head(max_settlements)
    if len(far):
        dots = _dots(far)
        dots["population_txt"] = dots["population"].map(lambda v: i18n.number(v, digits=0))
        catch_layer.catchment_layer(
            dots, name=_("Settlements beyond reach"), label_column="name",
            tooltip_columns={"population_txt": _("Population"), "distance_band": _("Nearest provider")},
            color="#b42318", fill_opacity=0.6,
        ).add_to(fmap)
    if result.sites is not None and len(result.sites):
        _proposed_sites(result, units).add_to(fmap)
    if view is not None and len(view):
        pub = privacy.public_view(view)
        pts = pub[pub.geometry.notna() & ~pub.geometry.is_empty]
        if len(pts):
            markers.marker_layer(pts, name=_("Providers (public)")).add_to(fmap)
    return fmap
