"""Compact encodings for the page: geometry as integer deltas, texts as plain data, decoded in the browser.

A unit boundary written as GeoJSON costs ~20 bytes per vertex (``[7.1234,9.5678],``). Quantised
(to ``10**-precision`` degrees, or the coarser grid the coordinates already lie on,
:func:`lossless_scale`), delta-encoded and written as variable-length integers over a 77-symbol
alphabet (:func:`encode_ints`, :data:`CODE_ALPHABET`: no digits, quotes or ``{``, so no code
reads as a number or needs an escape), the same vertex costs ~2-4 bytes, losslessly for the
rounded coordinates.

:class:`CompactGeoJson` is a :class:`folium.GeoJson` whose ``data`` (the FeatureCollection,
for Python callers and tests) is unchanged, but whose page script ships the features compactly
(shared arcs, one table of distinct styles, tooltip labels once) and builds the Leaflet GeoJSON
layer in the browser (:data:`DECODER_JS`): styles, highlight, tooltips and the ``className`` of
each path work as with folium's GeoJson. It can also draw the layer's outer outline (the arcs
only one feature uses) under the features, so a map needs no second layer for it.

Also here: :func:`script_json` (JSON that is inert in a folium ``<script>``),
:func:`style_script` and :func:`compact_css` (page CSS added by a layer's own script),
:func:`one_line` (the page scripts without the white space JavaScript does not need), value
codes and front coding for the marker texts (:func:`encode_code`, :func:`front_code`) and
:data:`PLAIN_JS` (the one HTML-unescape every page script applies to texts before they become
``textContent``).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

import folium
import numpy as np
import shapely
from folium.template import Template

from geomap.layers.shared import needs_script

__all__ = [
    "CODE_ALPHABET",
    "DECODER_JS",
    "DEFAULT_SPLIT",
    "PLAIN_JS",
    "CompactGeoJson",
    "best_split",
    "code_width",
    "compact_css",
    "decode_arcs",
    "decode_code",
    "decode_geometry",
    "decode_ints",
    "decode_ring",
    "decode_topology",
    "encode_arcs",
    "encode_code",
    "encode_geometry",
    "encode_ints",
    "encode_ring",
    "encode_topology",
    "front_code",
    "front_decode",
    "lossless_scale",
    "one_line",
    "outline_arcs",
    "plain_text",
    "script_json",
    "shade_data",
    "split_common",
    "style_script",
    "topology",
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
    sid = script_json(style_id)
    return (
        f"(function(){{if(document.getElementById({sid})){{return;}}"
        f'var s=document.createElement("style");s.id={sid};'
        f"s.textContent={script_json(css)};document.head.appendChild(s);}})();"
    )


def compact_css(css: str) -> str:
    """``css`` without comments and the white space a browser ignores (for :func:`style_script`)."""
    text = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([{};,>])\s*", r"\1", text)
    text = re.sub(r"(?<=[{;])\s*([\w-]+)\s*:\s*", r"\1:", text)
    return text.replace(";}", "}").strip()


#: A string or template literal, or a regular-expression literal without spaces or quotes (as the
#: scripts here write them); anything else that starts with ``/`` is division and stays as it is.
_JS_LITERAL = re.compile(
    r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|/(?![/*\s])(?:[^/\\\s"'`]|\\.)+/[gimsuy]*"""
)
_JS_PUNCT = frozenset("{}()[];,=:<>+-*/%&|!?~^.")


def _squeeze(code: str) -> str:
    """``code`` (no literals in it) without the spaces next to punctuation."""
    pieces = re.split(r"(\s+)", code)
    kept: list[str] = []
    for i, part in enumerate(pieces):
        if not part.isspace():
            kept.append(part)
            continue
        before = kept[-1][-1:] if kept and kept[-1] else ""
        after = pieces[i + 1][:1] if i + 1 < len(pieces) else ""
        merges = before + after in ("++", "--", "+-", "-+", "//", "/*", "*/", "<!", "</")
        if before and after and (merges or (before not in _JS_PUNCT and after not in _JS_PUNCT)):
            kept.append(" ")
    return "".join(kept)


def one_line(js: str) -> str:
    """``js`` on one line, without the white space JavaScript does not need.

    Lines are stripped and joined; outside string, template and regular-expression literals,
    spaces next to punctuation are dropped (never where two tokens would merge: ``a - -b``, ``/ /``). The
    scripts here have no ``//`` comments and end every statement with ``;``.
    """
    text = " ".join(line.strip() for line in js.strip().splitlines() if line.strip())
    out: list[str] = []
    pos = 0
    for literal in _JS_LITERAL.finditer(text):
        out.append(_squeeze(text[pos : literal.start()]))
        out.append(literal.group(0))
        pos = literal.end()
    out.append(_squeeze(text[pos:]))
    return "".join(out)


#: The page scripts' only way back from the HTML-escaped texts they are sent to characters: the
#: five entities :func:`html.escape` writes, ``&amp;`` last, so each text is unescaped exactly
#: once. The result is only ever assigned as ``textContent`` (or a text node).
PLAIN_JS = (
    'function plain(t) { return String(t).replace(/&lt;/g, "<").replace(/&gt;/g, ">")'
    ".replace(/&quot;/g, '\"').replace(/&#x27;/g, \"'\").replace(/&amp;/g, \"&\"); }"
)

def plain_text(text: str) -> str:
    """What :data:`PLAIN_JS` makes of ``text`` (for tests: the inverse of :func:`html.escape`)."""
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#x27;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


#: Digits of the short codes the page scripts read (value indices, shared-prefix lengths):
#: printable ASCII that needs no escape in script JSON (:func:`script_json`) and is neither a
#: digit nor a quote, so a code never reads as a number (e.g. as a coordinate to the leak checks)
#: nor ends a string. 77 symbols: one character codes 77 values, two 5,929.
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%()*+,-./:;=?@[]^_`|}~"
_CODE_INDEX = {c: i for i, c in enumerate(CODE_ALPHABET)}


def code_width(count: int) -> int:
    """Characters per code for ``count`` distinct values (0 when there is at most one)."""
    width, capacity = 0, 1
    while capacity < count:
        width += 1
        capacity *= len(CODE_ALPHABET)
    return width


def encode_code(value: int, width: int) -> str:
    """``value`` as ``width`` digits of :data:`CODE_ALPHABET`, most significant first.

    Raises
    ------
    ValueError
        If ``value`` is negative or does not fit in ``width`` digits.
    """
    base = len(CODE_ALPHABET)
    if value < 0 or value >= base**width:
        msg = f"code {value!r} does not fit in {width} character(s) of {base} symbols"
        raise ValueError(msg)
    digits = []
    for _ in range(width):
        value, digit = divmod(value, base)
        digits.append(CODE_ALPHABET[digit])
    return "".join(reversed(digits))


def decode_code(text: str, start: int, width: int) -> int:
    """The code of ``width`` digits at ``start`` in ``text``; digits past the end count as 0.

    (So trailing zero codes may be left out of a string of codes; the page script reads them the
    same way.)
    """
    value = 0
    for i in range(start, start + width):
        value = value * len(CODE_ALPHABET) + (_CODE_INDEX[text[i]] if i < len(text) else 0)
    return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def front_code(texts: Sequence[str]) -> list[str]:
    """Front coding: each text as one :data:`CODE_ALPHABET` digit + what differs from the previous.

    The digit is how many leading characters (UTF-16 code units, as a browser counts them) the
    text shares with the previous one (at most 76); the rest follows as written. Sorted texts
    share the most. Inverse: :func:`front_decode`.
    """
    out: list[str] = []
    prev = ""
    limit = len(CODE_ALPHABET) - 1
    for text in texts:
        n = 0
        for a, b in zip(prev, text, strict=False):
            if a != b:
                break
            n += 1
        while _utf16_len(text[:n]) > limit:
            n -= 1
        out.append(CODE_ALPHABET[_utf16_len(text[:n])] + text[n:])
        prev = text
    return out


def front_decode(coded: Sequence[str]) -> list[str]:
    """Inverse of :func:`front_code` (the page script does the same)."""
    out: list[str] = []
    prev = b""
    for entry in coded:
        units = _CODE_INDEX[entry[0]]
        text = prev[: 2 * units].decode("utf-16-le") + entry[1:]
        out.append(text)
        prev = text.encode("utf-16-le")
    return out


#: Browser side of :class:`CompactGeoJson` (defines ``window.geomapGeoLayer(c, options)``, which
#: returns the Leaflet GeoJSON layer). Decodes the arcs (:func:`encode_topology`) into the same
#: FeatureCollection Python holds, styles each feature from the table of distinct styles, adds
#: the outline (arcs used by one feature only) as the layer's first, non-interactive path, and
#: builds tooltips with DOM calls and text nodes only (texts arrive HTML-escaped and go through
#: ``plain`` once). No ``//`` comments: the script is joined onto one line.
DECODER_JS = (
    """
window.geomapGeoLayer = window.geomapGeoLayer || function (c, o) {
  """
    + PLAIN_JS
    + """
  var ABC = """
    + script_json(CODE_ALPHABET)
    + """, D = [], T = c.k, C = ABC.length - T, x = 0, y = 0;
  for (var i = 0; i < ABC.length; i++) { D[ABC.charCodeAt(i)] = i; }
  function ring(s) {
    var out = [], i = 0, n = s.length;
    while (i < n) {
      var v = [0, 0];
      for (var k = 0; k < 2; k++) {
        var r = 0, m = 1, d;
        do { d = D[s.charCodeAt(i++)]; r += m * d; m *= C; } while (d >= T);
        v[k] = (r % 2) ? -(r + 1) / 2 : r / 2;
      }
      x += v[0]; y += v[1];
      out.push([x / c.s, y / c.s]);
    }
    return out;
  }
  var arcs = (c.a || []).map(ring), used = arcs.map(function () { return 0; });
  function joined(refs) {
    var out = [];
    refs.forEach(function (ref) {
      var k = ref < 0 ? ~ref : ref, pts = ref < 0 ? arcs[k].slice().reverse() : arcs[k];
      used[k] += 1;
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
  var features = c.f.map(function (f) {
    var out = {type: "Feature", properties: f[5] || {}, geometry: geom(f[1]),
               geomap: {s: f[2] || 0, h: f[3] || 0, t: f[4] || []}};
    if (f[0] !== null) { out.id = f[0]; }
    return out;
  });
  function merged(list, common) { return (list || []).map(function (x) { return Object.assign({}, common, x); }); }
  var styles = merged(c.y, c.Y), lights = merged(c.h, c.H), opts = {};
  if (styles.length) { opts.style = function (f) { return styles[f && f.geomap ? f.geomap.s : 0]; }; }
  if (lights.length) {
    opts.onEachFeature = function (f, l) {
      l.on({mouseover: function () { l.setStyle(lights[f.geomap.h]); },
            mouseout: function () { layer.resetStyle(l); }});
    };
  }
  var layer = L.geoJson(null, Object.assign(opts, o));
  if (c.o) {
    var once = arcs.filter(function (a, k) { return used[k] === 1; });
    layer.addLayer(L.polyline(L.GeoJSON.coordsToLatLngs(once, 1), Object.assign({interactive: false}, c.o)));
  }
  var labels = (c.t || []).map(plain);
  function tips(tt) {
    layer.bindTooltip(function (l) {
      var box = document.createElement("div");
      ((l.feature && l.feature.geomap.t) || []).forEach(function (v, k) {
        if (!k) {
          var b = document.createElement("b");
          b.textContent = plain(v);
          box.appendChild(b);
        } else {
          box.appendChild(document.createElement("br"));
          box.appendChild(document.createTextNode(labels[k - 1] + ": " + plain(v)));
        }
      });
      return box;
    }, tt || {});
  }
  if (c.t) { tips(c.tt); }
  layer.geomapShade = function (p) {
    styles = merged(p.y, p.Y); lights = merged(p.h, p.H); labels = (p.t || []).map(plain);
    var rows = {};
    p.f.forEach(function (r) { rows[r[0]] = r; });
    layer.eachLayer(function (l) {
      if (!l.feature) { return; }
      var r = rows[l.feature.id] || [];
      l.feature.geomap = {s: r[1] || 0, h: r[2] || 0, t: r[3] || []};
      layer.resetStyle(l);
    });
    if (p.t && !layer.getTooltip()) { tips(p.tt); }
  };
  layer.addData({type: "FeatureCollection", features: features});
  return layer;
};
"""
)


#: Default number of terminal digits of :func:`encode_ints` (layers choose their own,
#: :func:`best_split`).
DEFAULT_SPLIT = 48


def _zigzag(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    return np.where(values < 0, ~(values << 1), values << 1)


def _check_split(split: int) -> None:
    if not 1 <= split <= len(CODE_ALPHABET) - 2:  # at least two carry digits
        msg = f"split must be between 1 and {len(CODE_ALPHABET) - 2}, got {split!r}"
        raise ValueError(msg)


def encode_ints(values: Sequence[int] | np.ndarray, *, split: int = DEFAULT_SPLIT) -> str:
    """Signed integers as a variable-length code over :data:`CODE_ALPHABET`.

    Each value is zig-zag mapped (0, -1, 1, -2, … → 0, 1, 2, 3, …) and written little-endian:
    the first ``split`` symbols are final digits, the other ``77 - split`` carry on. With
    ``split`` = 68, values up to ±33 take one character and up to ±339 two. Inverse:
    :func:`decode_ints`; the page's decoder reads it the same way (:data:`DECODER_JS`).
    """
    _check_split(split)
    carry = len(CODE_ALPHABET) - split
    out: list[str] = []
    for v in _zigzag(np.asarray(values)).ravel().tolist():
        while v >= split:
            v -= split
            out.append(CODE_ALPHABET[split + v % carry])
            v //= carry
        out.append(CODE_ALPHABET[v])
    return "".join(out)


def decode_ints(text: str, *, split: int = DEFAULT_SPLIT) -> list[int]:
    """Inverse of :func:`encode_ints`."""
    _check_split(split)
    carry = len(CODE_ALPHABET) - split
    values: list[int] = []
    r, m = 0, 1
    for ch in text:
        d = _CODE_INDEX[ch]
        r += m * d
        if d >= split:
            m *= carry
            continue
        values.append(~(r >> 1) if r & 1 else r >> 1)
        r, m = 0, 1
    if m != 1:
        msg = "encoded integers end in the middle of a value"
        raise ValueError(msg)
    return values


def best_split(values: Sequence[int] | np.ndarray) -> int:
    """The ``split`` of :func:`encode_ints` that writes ``values`` in the fewest characters."""
    z = _zigzag(np.asarray(values)).ravel()
    if not len(z):
        return DEFAULT_SPLIT
    best = (0, DEFAULT_SPLIT)
    base = len(CODE_ALPHABET)
    for split in range(2, base - 1):
        n = np.ones_like(z)
        v = z.copy()
        big = v >= split
        while big.any():
            n += big
            v = np.where(big, (v - split) // (base - split), v)
            big = v >= split
        cost = int(n.sum())
        if best[0] == 0 or cost < best[0]:
            best = (cost, split)
    return best[1]


def _scale(precision: int, scale: int | None) -> int:
    return 10**precision if scale is None else int(scale)


def encode_ring(coords: np.ndarray, *, precision: int, scale: int | None = None, split: int = DEFAULT_SPLIT) -> str:
    """One ring's ``(x, y)`` coordinates as a string of integer deltas (:func:`encode_ints`).

    Coordinates are quantised to ``1 / scale`` degree (default ``10**-precision``, rounded),
    then each vertex is written as the difference from the previous one (x then y).
    """
    q = np.round(np.asarray(coords, dtype=float)[:, :2] * _scale(precision, scale)).astype(np.int64)
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return encode_ints(d.ravel(), split=split)


def decode_ring(text: str, *, precision: int, scale: int | None = None, split: int = DEFAULT_SPLIT) -> np.ndarray:
    """Inverse of :func:`encode_ring` (same arithmetic as :data:`DECODER_JS`)."""
    q = np.cumsum(np.asarray(decode_ints(text, split=split), dtype=np.int64).reshape(-1, 2), axis=0)
    return q / _scale(precision, scale)


def encode_geometry(geom: shapely.Geometry | dict | None, *, precision: int, split: int = DEFAULT_SPLIT) -> Any:
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
        [
            encode_ring(np.asarray(ring.coords), precision=precision, split=split)
            for ring in (poly.exterior, *poly.interiors)
        ]
        for poly in shapely.get_parts(shape)
    ]


def _open_ring(coords: np.ndarray, scale: int) -> list[tuple[int, int]]:
    """A ring's quantised vertices, closing point and repeated vertices dropped."""
    q = np.round(np.asarray(coords, dtype=float)[:, :2] * scale).astype(np.int64)
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)
    q = q[keep]
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    return [tuple(v) for v in q.tolist()]


def lossless_scale(geoms: Sequence[Any], *, precision: int) -> int:
    """The coarsest scale (units per degree) that still holds the geometries' coordinates exactly.

    Coordinates are taken at ``10**-precision``; if all of them are multiples of a coarser step
    that divides it (e.g. on a 0.0005 grid: every value at 4 decimals is a multiple of 5), that
    step is used, and each delta needs fewer digits. Exact either way.
    """
    base = 10**precision
    parts = []
    for geom in geoms:
        shape = None if geom is None else (shapely.geometry.shape(geom) if isinstance(geom, dict) else geom)
        if shape is not None and not shape.is_empty and shape.geom_type in ("Polygon", "MultiPolygon"):
            parts.append(shapely.get_coordinates(shape))
    if not parts:
        return base
    q = np.abs(np.round(np.concatenate(parts) * base).astype(np.int64)).ravel()
    step = int(np.gcd.reduce(np.append(q, base)))
    return base // max(step, 1)


def topology(geoms: Sequence[Any], *, precision: int, scale: int | None = None) -> tuple[list[np.ndarray], list[Any]]:
    """Polygons as shared arcs (TopoJSON-style): each border between two units is kept once.

    Every vertex where the neighbourhood changes (not exactly two distinct neighbours over all
    rings: a junction of three units, or where a shared border meets the coast) is a node; rings
    are cut at nodes into arcs, and an arc another ring already has (either way round) is
    reused. A ring without nodes is one closed arc, starting at its smallest vertex.

    Parameters
    ----------
    geoms
        Shapely geometries or GeoJSON mappings (or ``None``); non-polygonal ones pass through.
    precision, scale
        Coordinates are quantised to ``1 / scale`` degree (default ``10**-precision``).

    Returns
    -------
    tuple
        ``(arcs, shapes)``: arcs as integer ``(n, 2)`` arrays (coordinates × scale), and per
        geometry either ``[[ring, ...], ...]`` with each ring a list of arc references (``i``,
        or ``~i`` for arc ``i`` reversed), or the pass-through GeoJSON / ``None``.
    """
    units = _scale(precision, scale)
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
                [_open_ring(np.asarray(r.coords), units) for r in (poly.exterior, *poly.interiors)]
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
    arcs: list[np.ndarray] = []

    def ref(arc: tuple[tuple[int, int], ...]) -> int:
        if arc in arc_index:
            return arc_index[arc]
        back = arc[::-1]
        if back in arc_index:
            return ~arc_index[back]
        arc_index[arc] = len(arcs)
        arcs.append(np.asarray(arc, dtype=np.int64).reshape(-1, 2))
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


def _chained_deltas(arcs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each arc's vertex deltas; an arc's first vertex relative to the previous arc's last."""
    out = []
    last = np.zeros((1, 2), dtype=np.int64)
    for arc in arcs:
        out.append(np.diff(arc, axis=0, prepend=last))
        last = arc[-1:]
    return out


def encode_arcs(arcs: Sequence[np.ndarray], *, split: int = DEFAULT_SPLIT) -> list[str]:
    """Integer arcs (:func:`topology`) as strings of deltas, chained (:func:`decode_arcs`).

    Within an arc each vertex is written relative to the one before; an arc's first vertex
    relative to the previous arc's last one (consecutive arcs of a ring meet there: ``(0, 0)``).
    """
    return [encode_ints(d.ravel(), split=split) for d in _chained_deltas(arcs)]


def decode_arcs(
    texts: Sequence[str], *, precision: int, scale: int | None = None, split: int = DEFAULT_SPLIT
) -> list[np.ndarray]:
    """Inverse of :func:`encode_arcs`, in degrees (the same arithmetic as :data:`DECODER_JS`)."""
    units = _scale(precision, scale)
    out = []
    last = np.zeros(2, dtype=np.int64)
    for text in texts:
        q = last + np.cumsum(np.asarray(decode_ints(text, split=split), dtype=np.int64).reshape(-1, 2), axis=0)
        last = q[-1]
        out.append(q / units)
    return out


def encode_topology(
    geoms: list[Any], *, precision: int, scale: int | None = None, split: int = DEFAULT_SPLIT
) -> tuple[list[str], list[Any]]:
    """:func:`topology` with the arcs encoded (:func:`encode_arcs`): ``(arcs, shapes)``."""
    arcs, shapes = topology(geoms, precision=precision, scale=scale)
    return encode_arcs(arcs, split=split), shapes


def _joined(lines: Sequence[np.ndarray], refs: Sequence[int]) -> np.ndarray:
    out: list[np.ndarray] = []
    for r in refs:
        pts = lines[r] if r >= 0 else lines[~r][::-1]
        out.append(pts[1:] if out else pts)
    return np.concatenate(out)


def decode_topology(
    arcs: list[str] | list[np.ndarray],
    shape: Any,
    *,
    precision: int,
    scale: int | None = None,
    split: int = DEFAULT_SPLIT,
) -> shapely.Geometry | None:
    """One geometry of :func:`encode_topology` back as shapely (as :data:`DECODER_JS` does).

    ``arcs`` are the encoded strings, or already decoded lines (:func:`decode_arcs`).
    """
    if shape is None:
        return None
    if not isinstance(shape, list):
        return shapely.geometry.shape(shape)
    if arcs and not isinstance(arcs[0], str):
        lines = arcs
    else:
        lines = decode_arcs(arcs, precision=precision, scale=scale, split=split)
    polys = [shapely.Polygon(_joined(lines, p[0]), [_joined(lines, r) for r in p[1:]]) for p in shape]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def decode_geometry(encoded: Any, *, precision: int, split: int = DEFAULT_SPLIT) -> shapely.Geometry | None:
    """Inverse of :func:`encode_geometry` (for tests and the benchmarks)."""
    if encoded is None:
        return None
    if not isinstance(encoded, list):
        return shapely.geometry.shape(encoded)
    polys = [
        shapely.Polygon(
            decode_ring(p[0], precision=precision, split=split),
            [decode_ring(r, precision=precision, split=split) for r in p[1:]],
        )
        for p in encoded
    ]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def outline_arcs(shapes: Sequence[Any]) -> list[int]:
    """Indices of the arcs only one ring refers to: the outline of the features' union.

    ``shapes`` as returned by :func:`encode_topology`. An arc two units share is an inner border;
    one used once lies on the outer edge (coast, country border, or a hole of the union). The
    browser draws the same arcs (:data:`DECODER_JS`).
    """
    counts: dict[int, int] = {}
    for shape in shapes:
        if not isinstance(shape, list):
            continue
        for poly in shape:
            for ring in poly:
                for ref in ring:
                    k = ~ref if ref < 0 else ref
                    counts[k] = counts.get(k, 0) + 1
    return sorted(k for k, n in counts.items() if n == 1)


def _style_table(function: Callable[[dict], dict] | None, features: Sequence[dict]) -> tuple[list[dict], list[int]]:
    """The distinct styles ``function`` gives the features, and each feature's index into them."""
    if function is None:
        return [], [0] * len(features)
    table: list[dict] = []
    seen: dict[str, int] = {}
    index = []
    for feature in features:
        style = function(feature)
        key = json.dumps(style, sort_keys=True, default=str)
        if key not in seen:
            seen[key] = len(table)
            table.append(style)
        index.append(seen[key])
    return table, index


def split_common(dicts: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The entries every dict shares, and each dict without them (page scripts merge them back).

    With fewer than two dicts nothing is factored out.
    """
    if len(dicts) < 2:
        return {}, [dict(d) for d in dicts]
    common = {k: v for k, v in dicts[0].items() if all(k in d and d[k] == v for d in dicts[1:])}
    return common, [{k: v for k, v in d.items() if k not in common} for d in dicts]


def geometry_key(geoms: Sequence[shapely.Geometry | None]) -> str:
    """A digest of geometries (in order, exact): the cache key of their encoded arcs."""
    wkb = shapely.to_wkb(np.asarray(list(geoms), dtype=object))
    return hashlib.blake2b(b"".join(b"" if w is None else w for w in wkb), digest_size=16).hexdigest()


def _encoded_arcs(geoms: Sequence[Any], *, precision: int) -> tuple[int, int, list[str], list[Any]]:
    """``(scale, split, encoded arcs, shapes)`` of ``geoms`` (see :meth:`CompactGeoJson.compact_data`)."""
    scale = lossless_scale(geoms, precision=precision)
    int_arcs, shapes = topology(geoms, precision=precision, scale=scale)
    deltas = [d.ravel() for d in _chained_deltas(int_arcs)]
    split = best_split(np.concatenate(deltas)) if deltas else DEFAULT_SPLIT
    return scale, split, encode_arcs(int_arcs, split=split), shapes


def shade_data(
    features: Sequence[Mapping[str, Any]],
    *,
    style_function: Callable[[dict], dict] | None,
    highlight_function: Callable[[dict], dict] | None = None,
    tooltip: Callable[[dict | None], list[str] | None] | None = None,
    tooltip_labels: Sequence[str] = (),
    tooltip_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Styles, highlights and tooltip texts of features, without their shapes.

    ``{"f": [[id, style, highlight, tooltip texts], ...], "y"/"Y", "h"/"H", "t", "tt"}``: the
    style and highlight of each feature index the tables of distinct styles ``"y"`` and
    ``"h"`` (entries every style shares in ``"Y"``/``"H"``, :func:`split_common`); ``tooltip``
    gives a feature's texts from its properties (HTML-escaped), ``"t"`` the labels (sent
    once) and ``"tt"`` the Leaflet tooltip options. :class:`CompactGeoJson` ships the same
    entries with its shapes; a page re-shades a registered layer with this alone
    (``register_as``), matching features by id.
    """
    features = list(features)
    styles, style_of = _style_table(style_function, features)
    lights, light_of = _style_table(highlight_function, features)
    rows = [
        [f.get("id"), s, h, (tooltip(f.get("properties")) if tooltip is not None else None) or []]
        for f, s, h in zip(features, style_of, light_of, strict=True)
    ]
    out: dict[str, Any] = {"f": rows}
    for key, table in (("y", styles), ("h", lights)):
        if table:
            common, out[key] = split_common(table)
            if common:
                out[key.upper()] = common
    if tooltip is not None:
        out["t"] = [html.escape(str(label)) for label in tooltip_labels]
        if tooltip_options:
            out["tt"] = dict(tooltip_options)
    return out


#: folium GeoJson options the compact template does not implement (refused, not ignored).
_UNSUPPORTED = ("zoom_on_click", "marker", "on_each_feature", "popup_keep_highlighted")


class CompactGeoJson(folium.GeoJson):
    """A :class:`folium.GeoJson` layer that ships its polygons as shared encoded arcs.

    ``data`` stays the plain FeatureCollection (coordinates should already be rounded to
    ``precision`` decimals: the encoding is then lossless); only the page script differs. It
    works both through ``render()`` and when streamlit-folium calls the script macro itself.

    Parameters
    ----------
    data
        A GeoJSON FeatureCollection (or Feature / geometry) mapping.
    precision
        Decimals kept in coordinates.
    shipped_properties
        Feature properties the page needs (default: all); the others stay in ``data`` only.
    tooltip_property
        Property holding each feature's tooltip as plain texts ``[title, value_1, ...]``: the
        page shows the title in bold, then a ``"label: value"`` line per value (labels from
        ``tooltip_labels``, sent once). Texts are sent HTML-escaped and inserted as text.
    tooltip_labels
        One label per tooltip value.
    tooltip_options
        Leaflet tooltip options (e.g. ``{"sticky": True, "className": "foliumtooltip"}``).
    outline_style
        If given, the outline of the features' union (the arcs only one feature uses,
        :func:`outline_arcs`) is drawn under the features with this Leaflet path style
        (``className`` included), non-interactive. It is part of the layer: it is shown, removed
        and swapped with it.
    geometry_key, arc_cache
        :func:`geometry_key` of the features' geometries (shapely shapes, in feature order) and
        a mapping owned by the caller (e.g. one per Streamlit session): the encoded arcs are
        kept there under ``(geometry_key, precision)`` and reused by later layers with the same
        shapes (the same units re-shaded after a filter change). Without both, they are
        computed for this layer only.
    register_as
        If given, the page keeps the layer as ``window.geomapLayers[register_as]``, so that it
        can be re-shaded in place: ``layer.geomapShade(shade)`` with a :func:`shade_data` of the
        same feature ids restyles every unit and replaces its tooltip texts (the shapes stay).
    **kwargs
        As :class:`folium.GeoJson`: ``style_function`` and ``highlight_function`` are evaluated
        here and sent as a table of distinct styles (no per-feature code in the page);
        ``zoom_on_click``, ``marker``, ``on_each_feature`` and ``popup_keep_highlighted`` are not
        supported.

    Raises
    ------
    ValueError
        For an unsupported option, a style function that does not return a dict, or a tooltip
        with more values than labels.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.geomapGeoLayer({{ this.compact_json() }}, {{ this.options_json() }});
        {% if this.register_as %}(window.geomapLayers = window.geomapLayers || {})[{{ this.register_json }}] = {{ this.get_name() }};{% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        *,
        precision: int = 5,
        shipped_properties: Sequence[str] | None = None,
        tooltip_property: str | None = None,
        tooltip_labels: Sequence[str] = (),
        tooltip_options: Mapping[str, Any] | None = None,
        outline_style: Mapping[str, Any] | None = None,
        geometry_key: str | None = None,
        arc_cache: MutableMapping[tuple[str, int], Any] | None = None,
        register_as: str | None = None,
        **kwargs: Any,
    ) -> None:
        bad = [k for k in _UNSUPPORTED if kwargs.get(k)]
        if bad:
            msg = f"CompactGeoJson does not support {', '.join(bad)}; use folium.GeoJson for that layer"
            raise ValueError(msg)
        # Styles are evaluated here, not by folium (whose switch needs a unique id per feature
        # and writes one case per feature into the page).
        style_function = kwargs.pop("style_function", None)
        highlight_function = kwargs.pop("highlight_function", None)
        super().__init__(data, **kwargs)
        self.convert_to_feature_collection()
        for func, name in ((style_function, "style_function"), (highlight_function, "highlight_function")):
            if func is not None:
                self._validate_function(func, name)
        self.style_function = style_function
        self.highlight_function = highlight_function
        self.style = style_function is not None
        self.highlight = highlight_function is not None
        self.precision = int(precision)
        self.shipped_properties = None if shipped_properties is None else tuple(shipped_properties)
        self.tooltip_property = tooltip_property
        self.tooltip_labels = tuple(str(label) for label in tooltip_labels)
        self.tooltip_options = dict(tooltip_options or {})
        self.outline_style = None if outline_style is None else dict(outline_style)
        self.geometry_key = geometry_key
        self.arc_cache = arc_cache
        self.register_as = register_as
        self.register_json = script_json(register_as)
        # The decoder is in the layers' shared script file (geomap.layers.shared), loaded by a
        # link (streamlit-folium loads links too; inline header scripts it would not run).
        needs_script(self)

    def render(self, **kwargs: Any) -> None:
        """Render as a layer (folium's GeoJson style mapping is not needed: styles are a table)."""
        folium.map.Layer.render(self, **kwargs)

    def _shipped(self, props: dict | None) -> dict:
        props = props or {}
        if self.shipped_properties is None:
            return props
        return {k: props[k] for k in self.shipped_properties if k in props}

    def _tooltip(self, props: dict | None) -> list[str] | None:
        if self.tooltip_property is None:
            return None
        texts = (props or {}).get(self.tooltip_property) or []
        if isinstance(texts, str):
            texts = [texts]
        if len(texts) > len(self.tooltip_labels) + 1:
            msg = (
                f"tooltip property {self.tooltip_property!r} has {len(texts)} texts but there are "
                f"{len(self.tooltip_labels)} tooltip_labels (one per text after the title)"
            )
            raise ValueError(msg)
        return [html.escape("" if t is None else str(t)) for t in texts]

    def compact_data(self) -> dict[str, Any]:
        """Everything the page script gets, as one JSON-able dict.

        ``{"s": scale, "k": split, "a": arcs, "f": features, "y": styles, "h": highlight styles,
        "t": tooltip labels, "tt": tooltip options, "o": outline style}`` (the last five only when
        used; ``"Y"``/``"H"`` hold the entries all styles / highlights share,
        :func:`split_common`). Each feature is
        ``[id, shape, style, highlight, tooltip texts, properties]``, trailing defaults (``0``,
        ``None``, ``{}``) left out; ``shape`` refers to the shared arcs
        (:func:`encode_arcs` with ``split``, at ``scale`` units per degree,
        :func:`lossless_scale`; decode one with :func:`decode_topology`); ``style`` and
        ``highlight`` index the tables. Texts are HTML-escaped.
        """
        features = self.data.get("features", [])
        geoms = [f.get("geometry") for f in features]
        key = (self.geometry_key, self.precision)
        hit = None if self.geometry_key is None or self.arc_cache is None else self.arc_cache.get(key)
        if hit is None:
            hit = _encoded_arcs(geoms, precision=self.precision)
            if self.geometry_key is not None and self.arc_cache is not None:
                self.arc_cache[key] = hit
        scale, split, arcs, shapes = hit
        shade = self.shade_data()
        rows = []
        for f, shape, (_id, s, h, tip) in zip(features, shapes, shade.pop("f"), strict=True):
            row = [f.get("id"), shape, s, h, tip if self.tooltip_property is not None else None, self._shipped(f.get("properties"))]
            while len(row) > 2 and (row[-1] is None or (not isinstance(row[-1], list) and row[-1] in (0, {}))):
                row.pop()
            rows.append(row)
        out: dict[str, Any] = {"s": scale, "k": split, "a": arcs, "f": rows, **shade}
        if self.outline_style is not None:
            out["o"] = self.outline_style
        return out

    def shade_data(self) -> dict[str, Any]:
        """The layer's shading without its shapes (see :func:`shade_data`)."""
        return shade_data(
            self.data.get("features", []),
            style_function=self.style_function,
            highlight_function=self.highlight_function,
            tooltip=None if self.tooltip_property is None else self._tooltip,
            tooltip_labels=self.tooltip_labels,
            tooltip_options=self.tooltip_options,
        )

    def compact_json(self) -> str:
        """:meth:`compact_data` as script-safe JSON (:func:`script_json`).

        Kept for the current ``data`` (a page render calls the template several times).
        """
        key = (
            id(self.data),
            len(self.data.get("features", [])),
            self.precision,
            self.shipped_properties,
            self.tooltip_property,
            self.tooltip_labels,
            json.dumps(self.tooltip_options, sort_keys=True, default=str),
            json.dumps(self.outline_style, sort_keys=True, default=str),
            id(self.style_function),
            id(self.highlight_function),
        )
        cached = getattr(self, "_compact_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, script_json(self.compact_data()))
            self._compact_cache = cached
        return cached[1]

    def options_json(self) -> str:
        """The Leaflet GeoJSON layer options (``className``, ``interactive``, …) as script JSON."""
        options = dict(self.options)
        if self.smooth_factor is not None:
            options["smoothFactor"] = self.smooth_factor
        return script_json(options)

    def tooltip_text(self, feature: dict) -> str:
        """A feature's tooltip as the page shows it (plain text, lines joined by ``\\n``)."""
        texts = [plain_text(t) for t in self._tooltip(feature.get("properties")) or []]
        lines = texts[:1] + [f"{label}: {text}" for label, text in zip(self.tooltip_labels, texts[1:], strict=False)]
        return "\n".join(lines)
