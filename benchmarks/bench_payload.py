"""Map payload: bytes of the rendered coverage map vs. a naive folium choropleth.

The naive baseline is what a first attempt looks like: ``folium.Choropleth`` of the same
*full-resolution* boundary GeoDataFrame (all its columns, folium defaults) on a default
``folium.Map``. geomap's map is measured as the app renders it: boundaries, legend, context
outline and the sample directory's markers (public view).

Also measured on the geometries the map actually ships (parsed back out of the map):
- ``hausdorff_m``: the largest Hausdorff distance between a shipped unit and its original, in
  metres (each unit measured in an azimuthal equidistant projection centred on it);
- ``coverage_defects``: units with gaps/overlaps/mismatched edges against their neighbours
  (:func:`shapely.coverage_invalid_edges`), shipped vs. original.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pyproj
import shapely
import shapely.geometry
from _common import Record

GOAL_PAYLOAD = 0.3
HAUSDORFF_LIMIT_M = 500.0


def _country_inputs(country: str):
    from geomap import pipeline
    from geomap.analysis import coverage
    from geomap.directory import privacy, schema

    units = pipeline.load_units(country)
    path = pipeline.sample_directory_path(country)
    if path is not None:
        directory = pipeline.load_directory(path, units=units, country=country)
        label = path.name
    else:  # no sample bundled yet: an empty directory (the map is then boundaries only)
        directory = gpd.GeoDataFrame(schema.empty_directory(), geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
        label = "no sample directory (boundaries only)"
    table = coverage.coverage_by_unit(units, directory)
    return units, directory, privacy.public_view(directory), table, label


def _geomap_map(units, table, view, source: str) -> folium.Map:
    from geomap.layers import coverage_map

    return coverage_map.build_coverage_map(units, table, view, measure="providers", boundary_source=source)


def naive_map(units: gpd.GeoDataFrame, table) -> folium.Map:
    """A naive folium choropleth of the full-resolution units (the payload baseline)."""
    m = folium.Map()
    folium.Choropleth(
        geo_data=units,
        data=table,
        columns=["code", "providers"],
        key_on="feature.properties.code",
        fill_color="YlGnBu",
    ).add_to(m)
    return m


def _html_bytes(m: folium.Map) -> int:
    return len(m.get_root().render().encode("utf-8"))


def shipped_geometries(m: folium.Map) -> dict[str, shapely.Geometry]:
    """``{unit code: geometry}`` of the choropleth features inside a rendered geomap map.

    For a compact layer the geometries are decoded from the JSON the page gets (the layer's
    ``compact_json()``, the text its script carries), as the browser does: arcs decoded at the
    sent scale and split, then joined. Not read from the layer's Python-side GeoJSON.
    """
    import json

    found: dict[str, shapely.Geometry] = {}

    def walk(el):
        data = getattr(el, "data", None)
        if hasattr(el, "compact_json"):  # geomap.layers.encoding.CompactGeoJson: decode what is sent
            from geomap.layers import encoding

            sent = json.loads(el.compact_json())
            lines = encoding.decode_arcs(sent["a"], precision=0, scale=sent["s"], split=sent["k"])
            for row, f in zip(sent["f"], data.get("features", []), strict=True):
                code = (f.get("properties") or {}).get("code")
                if code and row[1] is not None:
                    found[code] = encoding.decode_topology(lines, row[1], precision=0)
        elif isinstance(data, dict) and data.get("type") == "FeatureCollection":
            for f in data.get("features", []):
                code = (f.get("properties") or {}).get("code")
                if code and f.get("geometry"):
                    found[code] = shapely.geometry.shape(f["geometry"])
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return found


def _arcs_sent(m: folium.Map) -> tuple[int, int | None]:
    """Bytes of the shared arcs the page gets for the units (JSON), and their scale (units/degree)."""
    import json

    from geomap.layers import encoding

    def walk(el):
        if isinstance(el, encoding.CompactGeoJson) and any(
            (f.get("properties") or {}).get("code") for f in el.data.get("features", [])
        ):
            return json.loads(el.compact_json())
        for child in getattr(el, "_children", {}).values():
            found = walk(child)
            if found is not None:
                return found
        return None

    sent = walk(m)
    if sent is None:
        return 0, None
    return len(encoding.script_json(sent["a"]).encode("utf-8")), int(sent["s"])


def hausdorff_m(original: shapely.Geometry, shipped: shapely.Geometry) -> float:
    """Hausdorff distance between the two *boundaries*, in metres.

    Measured in an azimuthal equidistant projection centred on the unit. Boundaries, not
    areas: between polygons GEOS counts a vertex lying inside the other polygon as distance 0,
    which would hide a border moved inwards. The simplified vertices are a subset of the
    original's (plus rounding), so the discrete (vertex-to-segment) distance is the true one.
    """
    c = original.representative_point()
    tr = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m", always_xy=True
    )

    def to_m(g):
        return shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))

    return float(shapely.hausdorff_distance(to_m(original.boundary), to_m(shipped.boundary)))


def _polyline(values: np.ndarray) -> str:
    """Google encoded-polyline text of integer deltas (one ring, x and y interleaved)."""
    out = []
    for v in values.tolist():
        v = ~(v << 1) if v < 0 else v << 1
        while v >= 0x20:
            out.append(chr((0x20 | (v & 0x1F)) + 63))
            v >>= 5
        out.append(chr(v + 63))
    return "".join(out)


def encoded_geometry_bytes(geoms, *, precision: int = 4) -> int:
    """Bytes of the geometries as delta-encoded polylines (a what-if for a leaner layer).

    Each ring's coordinates are quantised to ``precision`` decimals, delta-encoded and written
    with the encoded-polyline alphabet (as Leaflet plugins decode them), one JSON string per
    ring. Shared borders are still sent twice (a TopoJSON-style arc table would halve them).
    """
    total = 0
    for g in geoms:
        for poly in shapely.get_parts(g):
            for ring in [poly.exterior, *poly.interiors]:
                q = np.round(np.asarray(ring.coords) * 10**precision).astype(np.int64)
                d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
                total += len(_polyline(d.ravel())) + 3  # quotes and comma
    return total


def _defects(geoms) -> int:
    edges = shapely.coverage_invalid_edges(np.asarray(list(geoms), dtype=object))
    return int((~shapely.is_empty(edges) & ~shapely.is_missing(edges)).sum())


def run(*, quick: bool = False) -> list[Record]:
    """Payload records for Nigeria (``map_payload``) and Mexico (``map_payload_mexico``)."""
    records: list[Record] = []
    worst_h, worst_where = 0.0, ""
    defects_after = defects_before = 0
    for country, name in (("NGA", "map_payload"), ("MEX", "map_payload_mexico")):
        units, _directory, view, table, label = _country_inputs(country)
        source = str(units.attrs.get("source", ""))
        m = _geomap_map(units, table, view, source)
        ours = _html_bytes(m)
        naive = _html_bytes(naive_map(units, table))
        bounds_only = _html_bytes(_geomap_map(units, table, view.iloc[0:0], source))
        n_markers = int((view.geometry.notna() & ~view.geometry.is_empty).sum()) if len(view) else 0
        coords_before = int(shapely.get_num_coordinates(units.geometry.to_numpy()).sum())
        shipped = shipped_geometries(m)
        coords_after = int(sum(shapely.get_num_coordinates(g) for g in shipped.values()))
        arcs_bytes, arc_scale = _arcs_sent(m)
        records.append(
            Record(
                name,
                ours,
                naive,
                "bytes",
                GOAL_PAYLOAD,
                note=f"{country}: {len(units)} units + {n_markers} markers ({label}) vs naive folium.Choropleth, full resolution",
                extra={
                    "boundaries_only_bytes": bounds_only,
                    "boundaries_only_ratio": round(bounds_only / naive, 4),
                    "marker_bytes_each": round((ours - bounds_only) / n_markers) if n_markers else None,
                    "vertices_original": coords_before,
                    "vertices_shipped": coords_after,
                    "what_if_encoded_geometry_bytes": encoded_geometry_bytes(shipped.values()),
                    "unit_arcs_bytes": arcs_bytes,
                    "unit_arcs_per_degree": arc_scale,
                },
            )
        )
        by_code = dict(zip(units["code"], units.geometry, strict=False))
        for code, g in shipped.items():
            if code in by_code:
                h = hausdorff_m(by_code[code], g)
                if h > worst_h:
                    worst_h, worst_where = h, code
        defects_after += _defects(shipped.values())
        defects_before += _defects(units.geometry)
    records.append(
        Record(
            "hausdorff_m",
            round(worst_h, 1),
            HAUSDORFF_LIMIT_M,
            "m",
            1.0,
            note=f"largest Hausdorff distance shipped vs original over NGA+MEX units (at {worst_where}); baseline = the 500 m limit",
        )
    )
    records.append(
        Record(
            "coverage_defects",
            defects_after,
            defects_before or None,
            "units",
            None,
            note=f"units with gaps/overlaps against neighbours: shipped {defects_after}, original {defects_before} (NGA+MEX)",
        )
    )
    return records
