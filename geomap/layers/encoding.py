"""Compact geometry for the page: polygons as delta-encoded integer polylines, decoded in the browser.

A unit boundary written as GeoJSON costs ~20 bytes per vertex (``[7.1234,9.5678],``). Quantised
to ``10**-precision`` degrees, delta-encoded and written with the encoded-polyline alphabet
(ASCII 63-126, as Google's polyline format), the same vertex costs ~3-4 bytes, losslessly for
coordinates already rounded to ``precision`` decimals.

:class:`CompactGeoJson` is a :class:`folium.GeoJson` whose ``data`` (the FeatureCollection,
for Python callers and tests) is unchanged, but whose page script ships the features compactly
and rebuilds the same FeatureCollection in the browser before Leaflet's ``addData``: styles,
tooltips, highlight and the ``className`` of each path work exactly as with GeoJSON.
"""

from __future__ import annotations

import inspect
import itertools
import json
import re
from collections.abc import Sequence
from typing import Any

import folium
import numpy as np
import shapely
from folium.template import Template

__all__ = [
    "DECODER_JS",
    "CompactGeoJson",
    "decode_geometry",
    "decode_ring",
    "decode_topology",
    "encode_geometry",
    "encode_ring",
    "encode_topology",
    "script_json",
    "style_script",
]

_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def script_json(obj: Any) -> str:
    """``obj`` as compact JSON that is safe inside a ``<script>`` of a folium page.

    As jinja's ``tojson``: ``<``, ``>``, ``&`` and ``'`` are written as ``\\u`` escapes, so
    no text can close the script or open a tag. Also ``{`` before ``{``, ``%`` or ``#`` (only
    possible inside a JSON string): folium re-parses every rendered script as a jinja template
    (``branca.element.Element``), where ``{{``, ``{%`` or ``{#`` in a name would be template
    code run on the server, or an error.
    """
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
    # U+2028/2029 end a line in older JS engines, inside string literals too.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _JINJA_OPENER.sub("\\\\u007b", text)


def style_script(css: str, *, style_id: str) -> str:
    """JS that adds ``css`` to the page once, as a ``<style id=style_id>`` (text, not markup).

    Used instead of a header ``<style>``: a layer swapped in by streamlit-folium
    (``feature_group_to_add``) brings no header, but its script runs.
    """
    return (
        f"(function () {{ if (document.getElementById({script_json(style_id)})) {{ return; }}"
        f" var s = document.createElement(\"style\"); s.id = {script_json(style_id)};"
        f" s.textContent = {script_json(css)}; document.head.appendChild(s); }})();"
    )


#: Browser side of :func:`encode_geometry` (defines ``window.geomapDecodeGeo``). Numbers only:
#: it builds coordinate arrays and never touches the DOM.
DECODER_JS = """
window.geomapDecodeGeo = window.geomapDecodeGeo || function (c) {
  function ring(s) {
    var out = [], i = 0, n = s.length, x = 0, y = 0;
    while (i < n) {
      var v = [0, 0];
      for (var k = 0; k < 2; k++) {
        var r = 0, m = 1, b;
        do { b = s.charCodeAt(i++) - 63; r += (b & 31) * m; m *= 32; } while (b >= 32);
        v[k] = (r % 2) ? -(r + 1) / 2 : r / 2;
      }
      x += v[0]; y += v[1];
      out.push([x / c.s, y / c.s]);
    }
    return out;
  }
  var arcs = (c.a || []).map(ring);
  function joined(refs) {
    if (typeof refs === "string") { return ring(refs); }
    var out = [];
    refs.forEach(function (ref) {
      var pts = ref >= 0 ? arcs[ref] : arcs[~ref].slice().reverse();
      out = out.concat(out.length ? pts.slice(1) : pts);
    });
    return out;
  }
  function geom(g) {
    if (!Array.isArray(g)) { return g; }
    var polys = g.map(function (p) { return p.map(joined); });
    return polys.length === 1 ? {type: "Polygon", coordinates: polys[0]}
                              : {type: "MultiPolygon", coordinates: polys};
  }
  return {type: "FeatureCollection", features: c.f.map(function (f) {
    var out = {type: "Feature", properties: f[1], geometry: geom(f[2])};
    if (f[0] !== null) { out.id = f[0]; }
    return out;
  })};
};
"""


def _zigzag_chars(values: np.ndarray) -> str:
    out: list[str] = []
    for v in values.tolist():
        v = ~(v << 1) if v < 0 else v << 1
        while v >= 0x20:
            out.append(chr((0x20 | (v & 0x1F)) + 63))
            v >>= 5
        out.append(chr(v + 63))
    return "".join(out)


def encode_ring(coords: np.ndarray, *, precision: int) -> str:
    """One ring's ``(x, y)`` coordinates as an encoded polyline of integer deltas.

    Coordinates are quantised to ``10**-precision`` (rounded), then each vertex is written as
    the difference from the previous one (x then y), zig-zag signed, in 5-bit groups.
    """
    q = np.round(np.asarray(coords, dtype=float)[:, :2] * 10**precision).astype(np.int64)
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return _zigzag_chars(d.ravel())


def decode_ring(text: str, *, precision: int) -> np.ndarray:
    """Inverse of :func:`encode_ring` (same arithmetic as :data:`DECODER_JS`)."""
    values: list[int] = []
    i = 0
    while i < len(text):
        r = shift = 0
        while True:
            b = ord(text[i]) - 63
            i += 1
            r |= (b & 0x1F) << shift
            shift += 5
            if b < 0x20:
                break
        values.append(~(r >> 1) if r & 1 else r >> 1)
    q = np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0)
    return q / 10**precision


def encode_geometry(geom: shapely.Geometry | dict | None, *, precision: int) -> Any:
    """A (multi)polygon as ``[[ring, ...], ...]`` of encoded rings; other geometries unchanged.

    ``geom`` may be a shapely geometry or a GeoJSON geometry mapping. Non-polygonal or missing
    geometries are returned as GeoJSON mappings (or ``None``), which the decoder passes through.
    """
    if geom is None:
        return None
    shape = shapely.geometry.shape(geom) if isinstance(geom, dict) else geom
    if shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
        return geom if isinstance(geom, dict) else shapely.geometry.mapping(shape)
    return [
        [encode_ring(np.asarray(ring.coords), precision=precision) for ring in (poly.exterior, *poly.interiors)]
        for poly in shapely.get_parts(shape)
    ]


def _open_ring(coords: np.ndarray, precision: int) -> list[tuple[int, int]]:
    """A ring's quantised vertices, closing point and repeated vertices dropped."""
    q = np.round(np.asarray(coords, dtype=float)[:, :2] * 10**precision).astype(np.int64)
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)
    q = q[keep]
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    return [tuple(v) for v in q.tolist()]


def encode_topology(geoms: list[Any], *, precision: int) -> tuple[list[str], list[Any]]:
    """Polygons as shared arcs (TopoJSON-style): each border between two units is sent once.

    Every vertex where the neighbourhood changes (not exactly two distinct neighbours over all
    rings: a junction of three units, or where a shared border meets the coast) is a node; rings
    are cut at nodes into arcs, and an arc another ring already has (either way round) is
    reused. A ring without nodes is one closed arc, starting at its smallest vertex.

    Parameters
    ----------
    geoms
        Shapely geometries or GeoJSON mappings (or ``None``); non-polygonal ones pass through.
    precision
        Decimals kept (coordinates are quantised to ``10**-precision``).

    Returns
    -------
    tuple
        ``(arcs, shapes)``: arcs as encoded polylines (:func:`encode_ring`), and per geometry
        either ``[[ring, ...], ...]`` with each ring a list of arc references (``i``, or ``~i``
        for arc ``i`` reversed), or the pass-through GeoJSON / ``None``.
    """
    shapes: list[Any] = []
    parts: list[list[list[list[tuple[int, int]]]] | None] = []
    for geom in geoms:
        shape = None if geom is None else (shapely.geometry.shape(geom) if isinstance(geom, dict) else geom)
        if shape is None or shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
            parts.append(None)
            shapes.append(None if shape is None else (geom if isinstance(geom, dict) else shapely.geometry.mapping(shape)))
            continue
        parts.append(
            [
                [_open_ring(np.asarray(r.coords), precision) for r in (poly.exterior, *poly.interiors)]
                for poly in shapely.get_parts(shape)
            ]
        )
        shapes.append([])
    neighbours: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for polys in parts:
        for rings in polys or []:
            for ring in rings:
                n = len(ring)
                for i, v in enumerate(ring):
                    neighbours.setdefault(v, set()).update((ring[i - 1], ring[(i + 1) % n]))
    arc_index: dict[tuple[tuple[int, int], ...], int] = {}
    arcs: list[str] = []
    scale = 10**precision

    def ref(arc: tuple[tuple[int, int], ...]) -> int:
        if arc in arc_index:
            return arc_index[arc]
        back = arc[::-1]
        if back in arc_index:
            return ~arc_index[back]
        arc_index[arc] = len(arcs)
        arcs.append(encode_ring(np.asarray(arc, dtype=float) / scale, precision=precision))
        return arc_index[arc]

    for k, polys in enumerate(parts):
        if polys is None:
            continue
        for rings in polys:
            out_rings = []
            for ring in rings:
                nodes = [i for i, v in enumerate(ring) if len(neighbours[v]) != 2]
                if not nodes:
                    start = ring.index(min(ring))
                    loop = ring[start:] + ring[:start]
                    out_rings.append([ref(tuple(loop + loop[:1]))])
                    continue
                loop = ring[nodes[0] :] + ring[: nodes[0]]
                cuts = [i - nodes[0] for i in nodes] + [len(ring)]
                loop = loop + loop[:1]
                out_rings.append([ref(tuple(loop[a : b + 1])) for a, b in itertools.pairwise(cuts)])
            shapes[k].append(out_rings)
    return arcs, shapes


def decode_topology(arcs: list[str], shape: Any, *, precision: int) -> shapely.Geometry | None:
    """One geometry of :func:`encode_topology` back as shapely (as :data:`DECODER_JS` does)."""
    if shape is None:
        return None
    if not isinstance(shape, list):
        return shapely.geometry.shape(shape)
    lines = [decode_ring(a, precision=precision) for a in arcs]

    def joined(refs: list[int]) -> np.ndarray:
        out: list[np.ndarray] = []
        for r in refs:
            pts = lines[r] if r >= 0 else lines[~r][::-1]
            out.append(pts[1:] if out else pts)
        return np.concatenate(out)

    polys = [shapely.Polygon(joined(p[0]), [joined(r) for r in p[1:]]) for p in shape]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def decode_geometry(encoded: Any, *, precision: int) -> shapely.Geometry | None:
    """Inverse of :func:`encode_geometry` (for tests and the benchmarks)."""
    if encoded is None:
        return None
    if not isinstance(encoded, list):
        return shapely.geometry.shape(encoded)
    polys = [shapely.Polygon(decode_ring(p[0], precision=precision), [decode_ring(r, precision=precision) for r in p[1:]]) for p in encoded]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


_DATA_LINE = "{{ this.get_name() }}_add({{ this.data|tojson }});"
_COMPACT_LINE = (
    "{{ this.decoder }}\n"
    "{{ this.get_name() }}_add(window.geomapDecodeGeo({{ this.compact_json() }}));"
)


def _compact_template() -> Template | None:
    """folium's own GeoJson template with the data line swapped for the compact one.

    Derived from the installed folium (so styles, tooltips and highlight stay folium's); ``None``
    if that folium's template has no such line, and the layer then ships plain GeoJSON.
    """
    try:
        source = inspect.getsource(folium.features.GeoJson)
    except (OSError, TypeError):  # pragma: no cover - no source shipped
        return None
    found = re.search(r'_template = Template\(\s*"""(.*?)"""\s*\)', source, re.DOTALL)
    if found is None or _DATA_LINE not in found.group(1):  # pragma: no cover - another folium
        return None
    return Template(found.group(1).replace(_DATA_LINE, _COMPACT_LINE))


_TEMPLATE = _compact_template()


class CompactGeoJson(folium.GeoJson):
    """A :class:`folium.GeoJson` layer that ships its polygons as encoded polylines.

    ``data`` stays the plain FeatureCollection (coordinates should already be rounded to
    ``precision`` decimals: the encoding is then lossless); only the page script differs. It
    works both through ``render()`` and when streamlit-folium calls the script macro itself.
    ``shipped_properties`` names the feature properties the page needs (default: all); the
    others stay in ``data`` only. All other arguments are those of :class:`folium.GeoJson`.
    """

    def __init__(
        self, data: dict, *, precision: int = 5, shipped_properties: Sequence[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.precision = int(precision)
        self.shipped_properties = None if shipped_properties is None else tuple(shipped_properties)
        # Inline, not in the page header: streamlit-folium inserts the header with innerHTML,
        # where scripts do not run. The guard defines it once per page.
        self.decoder = " ".join(line.strip() for line in DECODER_JS.strip().splitlines())
        if _TEMPLATE is not None:
            self._template = _TEMPLATE

    def _shipped(self, props: dict | None) -> dict:
        props = props or {}
        if self.shipped_properties is None:
            return props
        return {k: props[k] for k in self.shipped_properties if k in props}

    def compact_data(self) -> dict[str, Any]:
        """``{"s": scale, "a": arcs, "f": [[id, properties, shape], ...]}`` for the page.

        Shapes refer to the shared arcs (:func:`encode_topology`); decode one with
        :func:`decode_topology`.
        """
        features = self.data.get("features", [])
        arcs, shapes = encode_topology([f.get("geometry") for f in features], precision=self.precision)
        return {
            "s": 10**self.precision,
            "a": arcs,
            "f": [[f.get("id"), self._shipped(f.get("properties")), shape] for f, shape in zip(features, shapes, strict=True)],
        }

    def compact_json(self) -> str:
        """:meth:`compact_data` as script-safe JSON (:func:`script_json`).

        Kept for the current ``data`` (a page render calls the template several times).
        """
        key = (id(self.data), len(self.data.get("features", [])), self.precision, self.shipped_properties)
        cached = getattr(self, "_compact_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, script_json(self.compact_data()))
            self._compact_cache = cached
        return cached[1]
