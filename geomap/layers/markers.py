"""Provider markers: circle markers (no icon fonts) with escaped popups, optionally clustered.

:func:`marker_layer` takes a **public view** of the directory
(:func:`geomap.directory.privacy.public_view`) and refuses a table in which a confidential
record still has a location: a second lock behind the privacy module. Confidential records of a
public view have no geometry and are simply not drawn (they are counted in the aggregates).

All records are written as one compact JSON payload (per popup field its label once and its
texts in the smallest of a few plain encodings, one short row per record with the coordinates
as written) and turned into Leaflet circle markers by a few lines of script, rather than one
folium element per record: the page stays small and fast with thousands of providers. Popups
and tooltips are built in the browser, on demand, from plain text with DOM calls and
``textContent`` only, so no record text is ever parsed as HTML (``script_json`` also writes
``<``, ``>``, ``&`` and ``'`` as ``\\u`` escapes in the script).
:func:`popup_html` still gives the same popup as escaped HTML for server-side documents.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlparse

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geomap.directory import privacy, schema
from geomap.i18n import N_, _
from geomap.layers.encoding import (
    CODE_ALPHABET,
    PLAIN_JS,
    code_width,
    decode_code,
    encode_code,
    front_code,
    front_decode,
    plain_text,
    script_json,
    split_common,
)
from geomap.layers.shared import needs_script
from geomap.settings import get_settings

__all__ = ["CONFIDENTIAL_NOTICE", "DEFAULT_POPUP_FIELDS", "MARKER_CLASS", "marker_layer", "popup_html"]

#: CSS class of every provider marker's SVG path.
MARKER_CLASS = "geomap-provider"

#: Fields shown in a provider's popup, in order (all from :mod:`geomap.directory.schema`).
DEFAULT_POPUP_FIELDS: tuple[str, ...] = (
    "organisation",
    "service_types",
    "populations_served",
    "town",
    "admin1_name",
    "hours",
    "open_24h",
    "accepting_referrals",
    "referral_method",
    "front_door_contact",
    "phone",
    "email",
    "website",
    "languages",
    "last_verified",
)

#: Providers are orange: it stands out on every class of the (blue-green) choropleth.
_MARKER_STYLE = {
    "radius": 6,
    "color": "#ffffff",
    "weight": 1.5,
    "fillColor": "#e8590c",
    "fillOpacity": 0.95,
}
#: Fictional sample records: same colour, dashed dark outline.
_FICTIONAL_STYLE = {**_MARKER_STYLE, "color": "#1f2933", "weight": 1.2, "dashArray": "2 2"}
#: Confidential sites, drawn only for a signed-in partner or editor (``role=``).
_CONFIDENTIAL_STYLE = {**_MARKER_STYLE, "fillColor": "#b42318", "color": "#111827"}
#: Shown in the popup of a confidential site on a partner's map.
CONFIDENTIAL_NOTICE = N_("Confidential location: do not share outside partner organisations.")

_CSS = """
.geomap-popup { font: 13px/1.4 sans-serif; color: #1f2933; }
.geomap-popup .geomap-popup-title { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
.geomap-popup .geomap-fictional { background: #f3e8ff; color: #4c1d95; padding: 2px 6px;
  border-radius: 3px; margin-bottom: 4px; font-size: 12px; }
.geomap-popup .geomap-confidential { background: #fee4e2; color: #7a271a; padding: 2px 6px;
  border-radius: 3px; margin-bottom: 4px; font-size: 12px; }
.geomap-popup table { border-collapse: collapse; }
.geomap-popup th { text-align: left; font-weight: 500; color: #52606d; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }
.geomap-popup td { padding: 1px 0; }
.marker-cluster { background: rgba(232, 89, 12, 0.35); border-radius: 20px; }
.marker-cluster div { width: 30px; height: 30px; margin: 5px; border-radius: 15px; text-align: center;
  font: 600 12px/30px sans-serif; background: rgba(196, 72, 8, 0.92); color: #ffffff; }
"""


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


#: How the items of a list field are joined in a popup (also in the page script).
_ITEM_SEPARATOR = ", "


def _field_items(name: str, value: Any) -> list[str]:
    """The display items of a list field's value (service and population labels, languages)."""
    if _missing(value):
        return []
    if name == "service_types":
        known, unknown = schema.parse_service_types(value)
        return [schema.label(c, vocabulary="service") for c in known] + unknown
    if name == "populations_served":
        known, unknown = schema.parse_populations(value)
        return [schema.label(c, vocabulary="population") for c in known] + unknown
    return schema.parse_list(value)


def _is_list(name: str) -> bool:
    return name in schema.FIELD_NAMES and schema.field_by_name(name).kind == "list"


def _field_text(name: str, value: Any) -> str:
    """Plain (unescaped) display text of one field value; ``""`` when blank."""
    if _missing(value):
        return ""
    kind = schema.field_by_name(name).kind if name in schema.FIELD_NAMES else "str"
    if _is_list(name):
        return _ITEM_SEPARATOR.join(_field_items(name, value))
    if kind == "bool":
        flag = schema.parse_bool(value)
        return "" if flag is None else (_("Yes") if flag else _("No"))
    if kind == "date":
        parsed = schema.parse_date(value)
        return parsed.isoformat() if isinstance(parsed, date) else str(value)
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _label(name: str) -> str:
    return _(schema.field_by_name(name).label) if name in schema.FIELD_NAMES else name


#: Appended to the "Last verified" text of a record not verified lately.
STALE_NOTE = N_("stale: check before referring")


def _verified_text(value: Any, *, today: date | None = None, after_days: int | None = None) -> str:
    """``last_verified`` as shown: the date (or "never") and the stale badge when it applies."""
    text = _field_text("last_verified", value) or _("never")
    return text + " (" + _(STALE_NOTE) + ")" if schema.is_stale(value, today=today, after_days=after_days) else text


def _each_distinct(fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``[fn(v) for v in values]``, calling ``fn`` once per distinct (hashable) value.

    A directory repeats its dates, service lists and towns: with 10,000 providers, parsing each
    cell again made the marker layer take seconds. The results are shared between equal cells
    and only read.
    """
    memo: dict[Any, Any] = {}
    out = []
    for v in values:
        key = (list, *v) if isinstance(v, list) else v  # a resolved list cell (service codes)
        try:
            out.append(memo[key])
        except KeyError:
            out.append(memo.setdefault(key, fn(v)))
        except TypeError:  # an unhashable cell: no memo
            out.append(fn(v))
    return out


def _title(row: pd.Series) -> str:
    for col in ("display_name", "name"):
        text = _field_text(col, row.get(col))
        if text:
            return text
    return _("Provider")


def popup_html(
    row: pd.Series, *, popup_fields: Sequence[str] = DEFAULT_POPUP_FIELDS, confidential: bool = False
) -> str:
    """The popup of one record: escaped title, fictional/confidential notices, field table."""
    parts = [f'<div class="geomap-popup"><div class="geomap-popup-title">{html.escape(_title(row))}</div>']
    if confidential:
        parts.append('<div class="geomap-confidential">' + html.escape(_(CONFIDENTIAL_NOTICE)) + "</div>")
    if schema.parse_bool(row.get("fictional")) is True:
        parts.append('<div class="geomap-fictional">' + html.escape(_(schema.FICTIONAL_NOTICE)) + "</div>")
    cells = []
    for name in popup_fields:
        text = _verified_text(row.get(name)) if name == "last_verified" and name in row.index else _field_text(name, row.get(name))
        if not text:
            continue
        shown = html.escape(text)
        if name == "website" and urlparse(text).scheme in ("http", "https"):
            shown = f'<a href="{html.escape(text, quote=True)}" target="_blank" rel="noopener noreferrer">{shown}</a>'
        cells.append(f"<tr><th>{html.escape(_label(name))}</th><td>{shown}</td></tr>")
    if cells:
        parts.append("<table>" + "".join(cells) + "</table>")
    parts.append("</div>")
    return "".join(parts)


#: The marker layer's own clustering (``cluster=True``), without a plugin: at each zoom the shown
#: records are grouped greedily (a record joins the group whose first record is nearest, within
#: ``d.cluster`` pixels, found through a grid of that size), once per zoom and filter, and only
#: the groups in view are drawn: a count icon (``marker-cluster``, as Leaflet.markercluster draws
#: them) or, for a group of one, the record's circle marker, made on first use. Clicking a count
#: zooms in to its records; at the map's last zoom it spreads them in a ring. ``getLayers()``
#: gives the shown records' markers and ``getBounds()`` their extent (as a cluster group's).
#: Part of :data:`_MARKERS_JS` (uses its ``rows``, ``shown``, ``marker`` and ``el``).
_CLUSTERS_JS = """{
        onAdd: function (map) {
            this._levels = {};
            this._drawn = new Set();
            map.on("moveend", this._draw, this);
            this._draw();
        },
        onRemove: function (map) {
            map.off("moveend", this._draw, this);
            this._unspread();
            this.clearLayers();
            this._drawn = new Set();
        },
        getLayers: function () {
            var out = [];
            for (var k = 0; k < rows.length; k++) { if (shown[k]) { out.push(marker(k)); } }
            return out;
        },
        getBounds: function () {
            var b = L.latLngBounds([]);
            for (var k = 0; k < rows.length; k++) { if (shown[k]) { b.extend([rows[k][0], rows[k][1]]); } }
            return b;
        },
        geomapShow: function (idx) {
            shown = wanted(idx);
            this._levels = {};
            this._draw();
        },
        _group: function (z) {
            var map = this._map, r = d.cluster, cells = new Map(), out = [];
            for (var k = 0; k < rows.length; k++) {
                if (!shown[k]) { continue; }
                var p = map.project([rows[k][0], rows[k][1]], z), cx = Math.floor(p.x / r), cy = Math.floor(p.y / r);
                var best = null, near = r * r;
                for (var i = -1; i <= 1; i++) {
                    for (var j = -1; j <= 1; j++) {
                        (cells.get((cx + i) * 4194304 + cy + j) || []).forEach(function (c) {
                            var dx = c.x0 - p.x, dy = c.y0 - p.y;
                            if (dx * dx + dy * dy <= near) { near = dx * dx + dy * dy; best = c; }
                        });
                    }
                }
                if (best) {
                    best.m.push(k); best.sx += p.x; best.sy += p.y;
                } else {
                    var c = {x0: p.x, y0: p.y, sx: p.x, sy: p.y, m: [k]}, key = cx * 4194304 + cy;
                    out.push(c);
                    if (!cells.has(key)) { cells.set(key, []); }
                    cells.get(key).push(c);
                }
            }
            out.forEach(function (c) { c.x = c.sx / c.m.length; c.y = c.sy / c.m.length; });
            return out;
        },
        _icon: function (c, z) {
            var n = c.m.length, box = el("div"), self = this;
            box.appendChild(el("span", null, String(n)));
            var size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
            var icon = L.marker(this._map.unproject([c.x, c.y], z), {
                icon: L.divIcon({html: box, className: "marker-cluster marker-cluster-" + size, iconSize: [40, 40]})
            });
            icon.on("click", function () { self._open(c, icon); });
            return icon;
        },
        _open: function (c, icon) {
            var map = this._map, z = map.getZoom(), b = L.latLngBounds(c.m.map(function (k) { return [rows[k][0], rows[k][1]]; }));
            var to = Math.min(Math.max(map.getBoundsZoom(b, false, [40, 40]), z + 1), map.getMaxZoom());
            if (to > z) { map.setView(b.getCenter(), to); return; }
            this._unspread();
            var n = c.m.length, ring = Math.max(24, n * 16 / (2 * Math.PI)), self = this;
            this.removeLayer(icon);
            this._drawn.delete(icon);
            this._spread = c.m.map(function (k, i) {
                var m = marker(k), a = 2 * Math.PI * i / n, home = m.getLatLng();
                m.setLatLng(map.unproject([c.x + ring * Math.cos(a), c.y + ring * Math.sin(a)], z));
                self.addLayer(m);
                self._drawn.add(m);
                return [m, home];
            });
        },
        _unspread: function () {
            (this._spread || []).forEach(function (s) { s[0].setLatLng(s[1]); });
            this._spread = null;
        },
        _draw: function () {
            var map = this._map;
            if (!map) { return; }
            this._unspread();
            var z = map.getZoom(), self = this, want = new Set(), b = map.getPixelBounds(), pad = 2 * d.cluster;
            if (!this._levels[z]) { this._levels[z] = this._group(z); }
            this._levels[z].forEach(function (c) {
                if (c.x < b.min.x - pad || c.x > b.max.x + pad || c.y < b.min.y - pad || c.y > b.max.y + pad) { return; }
                want.add(c.m.length === 1 ? marker(c.m[0]) : (c.icon || (c.icon = self._icon(c, z))));
            });
            this._drawn.forEach(function (layer) { if (!want.has(layer)) { self.removeLayer(layer); } });
            want.forEach(function (layer) { if (!self._drawn.has(layer)) { self.addLayer(layer); } });
            this._drawn = want;
        }
    }"""


#: Browser side of the markers: builds each popup and tooltip from the record's plain text with
#: DOM calls and ``textContent`` only (never ``innerHTML``), so no record text is ever parsed as
#: HTML. Texts arrive HTML-escaped and ``plain`` turns each back into characters exactly once
#: (after the fields' codes are resolved, see :func:`_field_spec`). Links are made only for
#: ``http(s)://`` values, through the ``href`` property. (No ``//`` comments in here: the script
#: is joined onto one line.)
_MARKERS_JS = (
    """
(function (target, d) {
    """
    + PLAIN_JS
    + """
    var ABC = d.abc;
    function num(s, at, w) {
        var v = 0;
        for (var j = at; j < at + w; j++) { v = v * ABC.length + ABC.indexOf(s.charAt(j)); }
        return v;
    }
    var at = 0;
    var fields = d.fields.map(function (f) {
        var field = {label: plain(f.l), w: f.w, at: at, texts: null};
        at += f.w || 0;
        field.all = function () {
            if (field.texts) { return field.texts; }
            var prev = "", items = (f.i || []).map(plain), j = f.j || 1;
            var v = f.v.map(function (t) {
                if (f.p) { prev = prev.slice(0, ABC.indexOf(t.charAt(0))) + plain(t.slice(1)); return prev; }
                return plain(t);
            });
            if (f.i) {
                v = v.map(function (s) {
                    var out = [];
                    for (var k = 0; k < s.length; k += j) { out.push(items[num(s, k, j)]); }
                    return out.join(", ");
                });
            }
            field.texts = v;
            return v;
        };
        return field;
    });
    function codes(r) { var c = r[4] || ""; return d.combos ? d.combos[num(c, 0, c.length)] : c; }
    function value(f, r, n) { return f.w === undefined ? f.all()[n] : f.all()[num(codes(r), f.at, f.w)]; }
    var notes = d.notes.map(plain);
    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) { e.className = cls; }
        if (text !== undefined) { e.textContent = text; }
        return e;
    }
    function popup(r, n, title) {
        var box = el("div", "geomap-popup");
        box.appendChild(el("div", "geomap-popup-title", title));
        if (r[2] & 2) { box.appendChild(el("div", "geomap-confidential", notes[1])); }
        if (r[2] & 1) { box.appendChild(el("div", "geomap-fictional", notes[0])); }
        var table = el("table");
        for (var k = 0; k < fields.length; k++) {
            var text = value(fields[k], r, n);
            if (!text) { continue; }
            var tr = el("tr"), td = el("td");
            tr.appendChild(el("th", null, fields[k].label));
            if (k === d.link && /^https?:\\/\\//i.test(text)) {
                var a = el("a", null, text);
                a.href = text; a.target = "_blank"; a.rel = "noopener noreferrer";
                td.appendChild(a);
            } else {
                td.textContent = text;
            }
            tr.appendChild(td);
            table.appendChild(tr);
        }
        if (table.firstChild) { box.appendChild(table); }
        return box;
    }
    function bind(marker) {
        if (marker.geomapBound) { return; }
        marker.geomapBound = true;
        var n = marker.geomapRow, r = d.rows[n], title = plain(r[3]);
        L.CircleMarker.prototype.bindTooltip.call(marker, function () { return el("span", null, title + ((r[2] & 1) ? notes[2] : "")); });
        L.CircleMarker.prototype.bindPopup.call(marker, function () { return popup(r, n, title); }, {maxWidth: 340});
    }
    var Marker = L.CircleMarker.extend({
        getTooltip: function () { bind(this); return L.CircleMarker.prototype.getTooltip.call(this); },
        getPopup: function () { bind(this); return L.CircleMarker.prototype.getPopup.call(this); }
    });
    var styles = [0, 1, 2].map(function (k) { return Object.assign({}, d.style, d.styles[k]); });
    var rows = d.rows, made = [];
    function marker(n) {
        var m = made[n];
        if (!m) {
            var r = rows[n];
            m = made[n] = new Marker([r[0], r[1]], styles[(r[2] & 2) ? 2 : (r[2] & 1)]);
            m.geomapRow = n;
        }
        return m;
    }
    function wanted(idx) {
        var want = rows.map(function () { return idx === null; });
        if (idx !== null) { idx.forEach(function (k) { if (k >= 0 && k < rows.length) { want[k] = true; } }); }
        return want;
    }
    var shown = wanted(null), holder;
    if (d.cluster) {
        holder = new (L.FeatureGroup.extend(""" + _CLUSTERS_JS + """))();
        target.addLayer(holder);
    } else {
        holder = target;
        rows.forEach(function (r, n) { target.addLayer(marker(n)); });
        holder.geomapShow = function (idx) {
            var want = wanted(idx);
            rows.forEach(function (r, k) {
                if (want[k] && !shown[k]) { target.addLayer(marker(k)); } else if (!want[k] && shown[k]) { target.removeLayer(marker(k)); }
            });
            shown = want;
        };
    }
    holder.on("mouseover", function (e) {
        var m = e.layer;
        if (m instanceof Marker && !m.geomapBound) { bind(m); m.openTooltip(); }
    });
    holder.on("click", function (e) {
        var m = e.layer;
        if (m instanceof Marker && !m.geomapBound) { bind(m); m.openPopup(); }
    });
    return holder;
})"""
)


def _json_len(obj: Any) -> int:
    return len(script_json(obj))


def _field_spec(
    label: str, texts: list[str], items: list[list[str]] | None, *, verbatim: bool
) -> tuple[dict[str, Any], list[int] | None]:
    """The smallest plain encoding of one popup field, and each record's code (``None``: direct).

    Candidates (the page script decodes each, :data:`_MARKERS_JS`):

    - direct: ``{"l": label, "v": [text per record]}``;
    - dictionary: ``"v"`` holds each distinct text once (``""`` first) and ``"w"`` is the width
      of each record's code in the row's code string;
    - front-coded dictionary (``"p": 1``): the distinct texts sorted, each written as what
      differs from the previous one (:func:`~geomap.layers.encoding.front_code`);
    - items (``"i"``, list fields): each distinct item once; a value is a string of item codes
      (``"j"`` characters each) and the page joins the items with ``", "``.

    ``verbatim`` (fields the privacy module withholds for confidential records: name, phone,
    e-mail, website, …) allows only the first two, which keep every text whole and as written:
    the leak checks (``tests/leaks``) search every output for such texts. Texts are HTML-escaped.
    """
    esc = html.escape
    n = len(texts)
    candidates: list[tuple[int, dict[str, Any], list[int] | None]] = []

    def add(values: list[str], extra: dict[str, Any]) -> None:
        direct = {"l": esc(label), "v": [esc(t) for t in values], **extra}
        candidates.append((_json_len(direct), direct, None))
        lookup = {"": 0}
        codes = [lookup.setdefault(t, len(lookup)) for t in values]
        width = code_width(len(lookup))
        table = {"l": esc(label), "v": [esc(t) for t in lookup], "w": width, **extra}
        candidates.append((_json_len(table) + n * width, table, codes))
        if not verbatim and not extra:
            ordered = sorted(lookup)
            where = {t: i for i, t in enumerate(ordered)}
            coded = {"l": esc(label), "v": [esc(t) for t in front_code(ordered)], "w": width, "p": 1}
            candidates.append((_json_len(coded) + n * width, coded, [where[t] for t in values]))

    add(texts, {})
    if items is not None and not verbatim:
        known: dict[str, int] = {}
        for record in items:
            for item in record:
                known.setdefault(item, len(known))
        j = max(1, code_width(len(known)))
        combos = ["".join(encode_code(known[item], j) for item in record) for record in items]
        add(combos, {"i": [esc(t) for t in known], **({"j": j} if j != 1 else {})})
    return min(candidates, key=lambda c: c[0])[1:]


def _shared_codes(codes: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Each record's codes, or an index into the distinct code strings when that is smaller.

    Records that share their dictionary values (the same organisation, services, town, hours,
    ...) share one code string: with thousands of providers from a few hundred services, a
    row then carries one or two characters instead of one per field. Returns the rows' code
    strings and the payload's extra entry (``{"combos": [...]}``, or ``{}``). The code strings
    are listed most used first (``combos[0]`` is ``""``, so a record with no codes still sends
    none) and a row's index is written without leading zero digits (one character for the 76
    most used).
    """
    counts: dict[str, int] = {}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    combos = ["", *sorted((c for c in counts if c), key=lambda c: -counts[c])]
    if len(combos) < 2:
        return codes, {}
    width = code_width(len(combos))
    where = {c: encode_code(i, width).lstrip(CODE_ALPHABET[0]) for i, c in enumerate(combos)}
    shared = [where[c] for c in codes]
    as_written = sum(len(c) + 3 for c in codes if c)
    by_index = _json_len(combos) + sum(len(c) + 3 for c in shared if c) + 12
    if by_index >= as_written:
        return codes, {}
    return shared, {"combos": combos}


def _decode_fields(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """``[(label, [text per record])]`` from a payload, as the page script reads it."""
    rows = payload["rows"]
    combos = payload.get("combos")
    row_codes = [r[4] if len(r) > 4 else "" for r in rows]
    if combos is not None:
        row_codes = [combos[decode_code(c, 0, len(c))] for c in row_codes]
    out = []
    at = 0
    for f in payload["fields"]:
        if f.get("p"):  # prefix lengths count unescaped characters
            values = front_decode([t[0] + plain_text(t[1:]) for t in f["v"]])
        else:
            values = [plain_text(t) for t in f["v"]]
        if "i" in f:
            items = [plain_text(t) for t in f["i"]]
            j = f.get("j", 1)
            values = [_ITEM_SEPARATOR.join(items[decode_code(v, k, j)] for k in range(0, len(v), j)) for v in values]
        if "w" in f:
            texts = [values[decode_code(c, at, f["w"])] for c in row_codes]
            at += f["w"]
        else:
            texts = values
        out.append((plain_text(f["l"]), texts))
    return out


#: Suffix of a fictional record's tooltip.
_FICTIONAL_TIP = N_("fictional sample")


def _fictional_tip() -> str:
    return " (" + _(_FICTIONAL_TIP) + ")"


class _CircleMarkers(MacroElement):
    """Circle markers from compact JSON, added to the parent group (or cluster).

    ``rows`` are ``[lat, lon, flags, title]`` per record (``flags``: 1 fictional | 2
    confidential, partner maps only) and ``fields`` ``(name, label, texts)`` per popup field,
    one plain (unescaped) text per record, ``""`` when blank. The page gets each field in the
    smallest of a few plain encodings (:func:`_field_spec`) and one row per record:
    ``[lat, lon, flags, title, codes]``, the coordinates as written and ``codes`` the
    concatenated codes of the dictionary fields (trailing zero codes left out), or, when
    smaller, the index of the record's code string among the distinct ones
    (``"combos"``, :func:`_shared_codes`). The browser
    inserts every text as a text node (:data:`_MARKERS_JS`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.register_as %}(window.geomapLayers = window.geomapLayers || {})[{{ this.register_json }}] = {% endif %}geomapMarkers({{ this._parent.get_name() }}, {{ this.payload_json() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        rows: list[list[Any]],
        *,
        fields: list[tuple[str, str, list[str]]],
        items: dict[str, list[list[str]]] | None = None,
        link: int,
        register_as: str | None = None,
        cluster: int | None = None,
    ) -> None:
        super().__init__()
        self.cluster = cluster
        self._name = "CircleMarkers"
        self.register_as = register_as
        self.register_json = script_json(register_as)
        self.rows = rows
        self.fields = fields
        self.items = items or {}
        self.link = link
        self.styles = [
            {**style, "className": MARKER_CLASS} for style in (_MARKER_STYLE, _FICTIONAL_STYLE, _CONFIDENTIAL_STYLE)
        ]
        self.css = _CSS
        needs_script(self)  # geomapMarkers (the page script :data:`_MARKERS_JS`) and its CSS

    @property
    def labels(self) -> list[str]:
        """The popup fields' labels, in order."""
        return [label for _name, label, _texts in self.fields]

    def payload(self) -> dict[str, Any]:
        """Everything the page script needs, as one JSON-able dict.

        Texts are HTML-escaped here as well (defence in depth: even decoded, the page holds no
        markup from the data); the script turns the five entities back into characters and only
        ever assigns ``textContent``. Fields the privacy module withholds for confidential
        records (``public=False`` in the schema: name, phone, e-mail, website, …) keep each text
        whole and as written, so the leak checks in ``tests/leaks`` can find them.
        """
        esc = html.escape
        specs = []
        codes = [""] * len(self.rows)
        for name, label, texts in self.fields:
            verbatim = name not in schema.FIELD_NAMES or not schema.field_by_name(name).public
            spec, field_codes = _field_spec(label, texts, self.items.get(name), verbatim=verbatim)
            specs.append(spec)
            if field_codes is not None:
                codes = [c + encode_code(v, spec["w"]) for c, v in zip(codes, field_codes, strict=True)]
        common_style, styles = split_common(self.styles)
        codes, combos = _shared_codes([c.rstrip(CODE_ALPHABET[0]) for c in codes])
        rows = []
        for r, c in zip(self.rows, codes, strict=True):
            rows.append([*r[:3], esc(r[3]), c] if c else [*r[:3], esc(r[3])])
        return {
            "rows": rows,
            **combos,
            "fields": specs,
            "abc": CODE_ALPHABET,
            "link": self.link,
            "style": common_style,
            "styles": styles,
            "notes": [esc(t) for t in (_(schema.FICTIONAL_NOTICE), _(CONFIDENTIAL_NOTICE), _fictional_tip())],
            **({"cluster": self.cluster} if self.cluster else {}),
        }

    def payload_json(self) -> str:
        """:meth:`payload` as script-safe JSON (:func:`geomap.layers.encoding.script_json`).

        Built once per layer (a page render calls the template more than once).
        """
        if getattr(self, "_payload_json", None) is None:
            self._payload_json = script_json(self.payload())
        return self._payload_json

    def records(self) -> list[dict[str, Any]]:
        """The records as the page shows them, decoded from :meth:`payload` as the script does.

        Each: ``lat``, ``lon``, ``title``, ``tooltip``, ``fictional``, ``confidential``,
        ``notices`` (in popup order) and ``fields`` (``{label: text}`` of non-blank fields).
        """
        payload = self.payload()
        fields = _decode_fields(payload)
        out = []
        for n, r in enumerate(payload["rows"]):
            fictional, secret = bool(r[2] & 1), bool(r[2] & 2)
            title = plain_text(r[3])
            notices = ([_(CONFIDENTIAL_NOTICE)] if secret else []) + ([_(schema.FICTIONAL_NOTICE)] if fictional else [])
            out.append(
                {
                    "lat": r[0],
                    "lon": r[1],
                    "title": title,
                    "tooltip": title + (_fictional_tip() if fictional else ""),
                    "fictional": fictional,
                    "confidential": secret,
                    "notices": notices,
                    "fields": {label: texts[n] for label, texts in fields if texts[n]},
                }
            )
        return out


def _check_public(directory: gpd.GeoDataFrame) -> None:
    geoms = directory.geometry
    located = geoms.notna() & ~geoms.is_empty
    leaking = privacy.is_confidential(directory) & located
    if leaking.any():
        where = []
        for idx in directory.index[leaking][:5]:
            row = directory.loc[idx]
            ref = f"index {idx!r}"
            if "id" in directory.columns and not _missing(row.get("id")):
                ref += f" (id {row['id']!s})"
            if "source_row" in directory.columns and not _missing(row.get("source_row")):
                ref += f" (source row {row['source_row']!s})"
            where.append(ref)
        msg = (
            f"marker_layer takes a public view only, but {int(leaking.sum())} confidential record(s) "
            f"still have a location: {'; '.join(where)}. Pass geomap.directory.privacy.public_view(directory)."
        )
        raise ValueError(msg)


def marker_layer(
    public_directory: gpd.GeoDataFrame,
    *,
    cluster: bool = True,
    popup_fields: Sequence[str] = DEFAULT_POPUP_FIELDS,
    name: str = "Providers",
    max_cluster_radius: int = 40,
    role: str = privacy.PUBLIC,
    register_as: str | None = None,
) -> folium.map.Layer:
    """Circle markers for the located records of a public-view directory.

    Parameters
    ----------
    public_directory
        Output of :func:`geomap.directory.privacy.public_view` (EPSG:4326, Point geometry;
        records without a geometry are not drawn).
    cluster
        Group nearby markers at each zoom into count icons (the layer's own script: no plugin
        to load; at 10,000 providers it draws in a few milliseconds where
        Leaflet.markercluster built a grid for each of the map's zoom levels). Clicking a count
        zooms in to its markers; at the map's ``max_zoom`` it spreads them in a ring.
    popup_fields
        Schema fields shown in the popup, in order; blank values are left out.
    name
        Layer name in a layer control.
    max_cluster_radius
        Cluster radius in pixels.
    role
        The session's role (:data:`geomap.directory.privacy.ROLES`). Only a role that may see
        confidential records (partner, editor) may pass a full view
        (:func:`~geomap.directory.privacy.view_for_role`); its confidential sites are drawn in
        red with a do-not-share notice. Anything else must be a public view.
    register_as
        If given, the page keeps the layer holding the markers (the group, or the clustering
        layer in it) as ``window.geomapLayers[register_as]``, so that a
        filter can choose the markers shown without sending them again:
        ``layer.geomapShow(positions)`` shows only the markers at those positions among the
        located records (in the order of ``public_directory``), ``geomapShow(null)`` all.

    Returns
    -------
    folium.map.Layer
        A :class:`folium.FeatureGroup` holding the markers (or, with ``cluster``, the layer
        that groups them).

    Raises
    ------
    TypeError
        If ``public_directory`` is not a GeoDataFrame.
    ValueError
        If a confidential record has a geometry (not a public view), a popup field is not a
        directory field, or a geometry is not a point.
    """
    located = _located_points(public_directory, popup_fields=popup_fields, role=role)
    confidential = privacy.is_confidential(located) if len(located) else pd.Series(dtype=bool)
    fields = list(popup_fields)
    n = len(located)

    def texts(name: str) -> list[str]:
        # Column by column (no per-row Series): the page is rebuilt on every filter change.
        if name not in located.columns:
            return [""] * n
        if name == "last_verified":  # stale applies to every record drawn, confidential ones too
            today, after = date.today(), get_settings().stale_after_days  # read once, not per record
            return _each_distinct(lambda v: _verified_text(v, today=today, after_days=after), located[name].tolist())
        return _each_distinct(lambda v: _field_text(name, v), located[name].tolist())

    titles = [a or b or "Provider" for a, b in zip(texts("display_name"), texts("name"), strict=True)]
    fictional = [schema.parse_bool(v) is True for v in located["fictional"].tolist()] if "fictional" in located.columns else [False] * n
    secret = confidential.to_numpy(dtype=bool).tolist() if n else []
    items = {
        f: _each_distinct(lambda v, f=f: _field_items(f, v), located[f].tolist()) if f in located.columns else [[] for _ in range(n)]
        for f in fields
        if _is_list(f)
    }
    xs = np.round(shapely.get_x(located.geometry.to_numpy()), 5).tolist()
    ys = np.round(shapely.get_y(located.geometry.to_numpy()), 5).tolist()
    rows = [[ys[i], xs[i], (1 if fictional[i] else 0) | (2 if secret[i] else 0), titles[i]] for i in range(n)]
    element = _CircleMarkers(
        rows,
        fields=[(f, _label(f), texts(f)) for f in fields],
        items=items,
        link=fields.index("website") if "website" in fields else -1,
        register_as=register_as,
        cluster=max_cluster_radius if cluster else None,
    )
    group = folium.FeatureGroup(name=name)
    element.add_to(group)
    return group


def _located_points(public_directory: gpd.GeoDataFrame, *, popup_fields: Sequence[str], role: str) -> gpd.GeoDataFrame:
    """The records with a point (EPSG:4326), after checking the input is safe to draw for ``role``."""
    if not isinstance(public_directory, gpd.GeoDataFrame):
        msg = "marker_layer needs a GeoDataFrame: pass geomap.directory.privacy.public_view(directory)"
        raise TypeError(msg)
    for f in popup_fields:
        if f not in schema.FIELD_NAMES:
            msg = f"popup field {f!r} is not a directory field; valid fields: {', '.join(schema.FIELD_NAMES)}"
            raise ValueError(msg)
    if not privacy.can_see_confidential(role):
        _check_public(public_directory)
    directory = public_directory
    if directory.crs is not None and not directory.crs.equals("EPSG:4326"):
        directory = directory.to_crs("EPSG:4326")
    geoms = directory.geometry
    located = directory[geoms.notna() & ~geoms.is_empty].reset_index(drop=True)
    kinds = shapely.get_type_id(located.geometry.to_numpy())
    if len(located) and (kinds != 0).any():
        idx = located.index[kinds != 0][0]
        msg = f"record at index {idx!r} has a {located.geometry.loc[idx].geom_type} geometry; markers need points"
        raise ValueError(msg)
    return located
