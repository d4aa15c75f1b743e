"""Map legend: one swatch per class, the no-data swatch and a caption line.

Drawn as a Leaflet control from the map's own script (no d3, no branca colormap, which would pull
scripts from CDNs), so it shows the same in the Streamlit component and in a standalone HTML
export. The page gets the legend as data (title, one ``[colour, label, count]`` row per class,
the no-data row, the caption) and builds it with DOM calls and ``textContent``; texts are sent
HTML-escaped and unescaped once. :func:`legend_html` gives the same legend as escaped HTML for
server-side documents.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from branca.element import MacroElement
from folium.template import Template

from geomap import i18n
from geomap.layers.choropleth import BANDED_STYLE, NO_DATA_COLOR, Classification
from geomap.layers.encoding import (
    PLAIN_JS,
    script_json,
)
from geomap.layers.shared import needs_script

__all__ = ["LEGEND_CSS", "LEGEND_JS", "corner", "PLACE_JS", "Legend", "SYMBOL_KINDS", "legend_data", "legend_element", "legend_html", "symbol_legend"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")

#: The legend's stylesheet (added once per page by its script).
LEGEND_CSS = """
.geomap-legend { background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 sans-serif; color: #1f2933;
  max-width: 260px; }
.geomap-legend .geomap-legend-title { font-weight: 600; margin-bottom: 4px; }
.geomap-legend .geomap-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.geomap-legend .geomap-legend-swatch { width: 18px; height: 12px; flex: none;
  border: 1px solid rgba(0,0,0,0.25); }
.geomap-legend .geomap-legend-nodata { background-color: %(nodata)s;
  background-image: repeating-linear-gradient(45deg, #6b7280 0 1.5px, transparent 1.5px 5px); }
.geomap-legend .geomap-legend-banded { background: transparent; border: 1.5px dashed %(banded)s; }
.geomap-legend .geomap-legend-count { color: #52606d; margin-left: auto; padding-left: 6px; }
.geomap-legend .geomap-legend-sym { width: 12px; height: 12px; flex: none; box-sizing: border-box; margin: 0 3px; }
.geomap-legend .geomap-legend-sym-dot { border-radius: 50%; border: 1.5px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,0.35); }
.geomap-legend .geomap-legend-sym-cluster { width: 16px; height: 16px; margin: 0 1px; border-radius: 50%;
  box-shadow: 0 0 0 3px rgba(232,89,12,0.35); }
.geomap-legend .geomap-legend-sym-ring { border-radius: 50%; border: 2px solid; background: transparent !important; }
.geomap-legend .geomap-legend-sym-line { height: 0; width: 18px; margin: 0; border-top: 2px dashed; background: transparent !important; }
.geomap-legend .geomap-legend-caption { margin-top: 4px; color: #52606d; font-size: 11px; }
.geomap-legend[dir="rtl"] { text-align: right; }
.geomap-dock { overflow-y: auto; background: #fff; border-top: 1px solid #d0d7de; font: 12px/1.35 sans-serif; }
.geomap-dock .leaflet-control { float: none; clear: none; }
.geomap-dock .geomap-legend { max-width: none; box-shadow: none; border-radius: 0; column-width: 150px; column-gap: 12px; }
.geomap-dock .geomap-legend-title, .geomap-dock .geomap-legend-caption { column-span: all; }
.geomap-dock .geomap-legend-row { break-inside: avoid; }
.geomap-dock .leaflet-control-attribution { float: none; margin: 0; padding: 2px 8px 4px; background: none; }
.geomap-legend[dir="rtl"] .geomap-legend-count { margin-left: 0; margin-right: auto; padding-left: 0; padding-right: 6px; }
""".replace("%(nodata)s", NO_DATA_COLOR).replace("%(banded)s", BANDED_STYLE["color"])


def legend_html(
    classification: Classification,
    *,
    title: str,
    caption: str | None = None,
    show_counts: bool = True,
    banded: tuple[str, int] | None = None,
) -> str:
    """The legend's inner HTML (every text escaped).

    Parameters
    ----------
    classification
        From :func:`geomap.layers.choropleth.classify` (or a choropleth layer's
        ``classification``).
    title
        Heading, e.g. ``"Providers per 100,000 people"``.
    caption
        Line under the classes, e.g. ``"Population: 2006 census"``.
    show_counts
        Show how many units fall in each class.
    banded
        ``(label, count)`` of banded units (disclosure control: outlined in dashes, shaded by
        their known part), shown as a row when ``count`` > 0.
    """
    rows = [f'<div class="geomap-legend-title">{html.escape(title)}</div>']
    for lab, color, count in zip(classification.labels, classification.colors, classification.counts):
        n = f'<span class="geomap-legend-count">{count}</span>' if show_counts else ""
        rows.append(
            '<div class="geomap-legend-row">'
            f'<span class="geomap-legend-swatch" style="background:{html.escape(color)}"></span>'
            f"<span>{html.escape(lab)}</span>{n}</div>"
        )
    # The no-data swatch is always shown, so readers know how a gap in the data looks.
    n = f'<span class="geomap-legend-count">{classification.no_data_count}</span>' if show_counts else ""
    rows.append(
        '<div class="geomap-legend-row">'
        '<span class="geomap-legend-swatch geomap-legend-nodata"></span>'
        f"<span>{html.escape(classification.no_data_label)}</span>{n}</div>"
    )
    if banded and banded[1]:
        n = f'<span class="geomap-legend-count">{int(banded[1])}</span>' if show_counts else ""
        rows.append(
            '<div class="geomap-legend-row"><span class="geomap-legend-swatch geomap-legend-banded"></span>'
            f"<span>{html.escape(banded[0])}</span>{n}</div>"
        )
    if caption:
        rows.append(f'<div class="geomap-legend-caption">{html.escape(caption)}</div>')
    return "".join(rows)


_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+|rgba?\([0-9., %]+\)")


def legend_data(
    classification: Classification,
    *,
    title: str,
    caption: str | None = None,
    show_counts: bool = True,
    symbols: Sequence[tuple[str, str, str]] = (),
    banded: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """The legend as data for the page script (arguments as :func:`legend_html`).

    ``{"title", "rows": [[colour, label, count], ...], "none": [label, count], "caption",
    "symbols", "banded"}``; texts HTML-escaped, counts ``None`` when not shown, ``caption`` only when
    given. ``symbols`` are the map's other marks, ``(kind, colour, label)`` with ``kind`` one of
    :data:`SYMBOL_KINDS` (every symbol drawn has a legend entry). ``banded`` ``[label, count]``
    only when some unit is banded (disclosure control: outlined in dashes).

    Raises
    ------
    ValueError
        If a class colour is not a CSS colour (hex, name or ``rgb()``/``rgba()``).
    """
    for color in classification.colors:
        if not _COLOR.fullmatch(str(color)):
            msg = f"legend colour {color!r} is not a CSS colour (hex such as '#41b6c4', a name, or rgb())"
            raise ValueError(msg)
    count = (lambda n: int(n)) if show_counts else (lambda _n: None)
    data: dict[str, Any] = {
        "title": html.escape(title),
        "rows": [
            [str(color), html.escape(lab), count(n)]
            for lab, color, n in zip(classification.labels, classification.colors, classification.counts, strict=True)
        ],
        "none": [html.escape(classification.no_data_label), count(classification.no_data_count)],
    }
    if banded and banded[1]:
        data["banded"] = [html.escape(banded[0]), count(banded[1])]
    if caption:
        data["caption"] = html.escape(caption)
    if symbols:
        data["symbols"] = _symbol_rows(symbols)
    if i18n.direction() == "rtl":
        data["dir"] = "rtl"  # mirrored (Arabic); left to right needs no attribute
    return data


def corner() -> str:
    """Where the legend goes: bottom right, or bottom left in a right-to-left language (mirrored)."""
    return "bottomleft" if i18n.direction() == "rtl" else "bottomright"


#: Kinds of non-choropleth symbols a legend can show.
SYMBOL_KINDS = ("dot", "cluster", "ring", "line")


def _symbol_rows(symbols: Sequence[tuple[str, str, str]]) -> list[list[str]]:
    rows = []
    for kind, color, label in symbols:
        if kind not in SYMBOL_KINDS or not _COLOR.fullmatch(str(color)):
            msg = f"legend symbol ({kind!r}, {color!r}): kind must be one of {', '.join(SYMBOL_KINDS)} and colour a CSS colour"
            raise ValueError(msg)
        rows.append([kind, str(color), html.escape(i18n._(label))])  # labels are marked N_() where they are defined
    return rows


def symbol_legend(title: str, symbols: Sequence[tuple[str, str, str]], *, position: str = "bottomright") -> Legend:
    """A legend of symbols only (a map without shading, e.g. the referral map)."""
    return Legend({"title": html.escape(title), "symbols": _symbol_rows(symbols)}, position=position)


#: Moves the legend, then the attribution, to a map corner where they cover no unit and no
#: marker: each corner is tried in turn and the drawn elements under the control are sampled on
#: a grid (``elementFromPoint`` with the control hidden; the grey context of neighbouring
#: countries does not count). When no corner is clear, the map is refitted once (per map size)
#: with room kept free below the units; if the legend still covers something (a phone-sized
#: map), it is docked below the map with the attribution: the map is shortened by the dock's
#: height and refitted, so nothing covers a unit at any width. A legend drawn later (a filter
#: change) joins the dock; a change of width undocks and places again. Redone when the map is
#: zoomed, moved or resized, once the events settle (a zoom fires both ``zoomend`` and ``moveend``);
#: a corner's sampling stops as soon as it covers no less than the best corner so far (the
#: corner chosen is the same). No ``//`` comments: the script is joined onto one line.
PLACE_JS = """
    var CORNERS = ["bottomright", "topright", "bottomleft", "topleft"];
    function hits(el, limit) {
        var r = el.getBoundingClientRect();
        if (!r.width || !r.height) { return 0; }
        var keep = el.style.visibility, n = 0;
        el.style.visibility = "hidden";
        for (var i = 0; i <= 8 && n < limit; i++) {
            for (var j = 0; j <= 6 && n < limit; j++) {
                var x = Math.min(r.left + r.width * i / 8, r.right - 1), y = Math.min(r.top + r.height * j / 6, r.bottom - 1);
                var e = document.elementFromPoint(x, y);
                if (!e || !e.closest) { continue; }
                var drawn = (e.tagName.toLowerCase() === "path" && e.closest(".leaflet-overlay-pane")) || e.closest(".leaflet-marker-pane");
                if (drawn && (e.getAttribute("class") || "").indexOf("geomap-context") < 0) { n++; }
            }
        }
        el.style.visibility = keep;
        return n;
    }
    function place(control, hideIfNone) {
        if (!control || !control.getContainer()) { return; }
        control.getContainer().style.display = "";
        var order = [control.getPosition()].concat(CORNERS.filter(function (c) { return c !== control.getPosition(); }));
        var best = order[0], fewest = Infinity;
        for (var k = 0; k < order.length && fewest > 0; k++) {
            control.setPosition(order[k]);
            var h = hits(control.getContainer(), fewest);
            if (h < fewest) { fewest = h; best = order[k]; }
        }
        control.setPosition(best);
        if (fewest > 0 && hideIfNone) { control.getContainer().style.display = "none"; }
        control.getContainer().setAttribute("data-geomap-corner", best);
        control.getContainer().setAttribute("data-geomap-covers", String(fewest));
    }
    function drawnBounds(map) {
        var b = null;
        map.eachLayer(function (l) {
            var cls = (l.options && l.options.className) || "";
            if (!l.getBounds || cls.indexOf("geomap-context") >= 0 || l instanceof L.Map) { return; }
            try { var lb = l.getBounds(); if (lb && lb.isValid()) { b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast()); } } catch (e) { return; }
        });
        return b;
    }
    function refit(map, padding) {
        var bounds = drawnBounds(map);
        if (!bounds) { return; }
        map._geomapFitting = true;
        map.fitBounds(bounds, {paddingTopLeft: [8, 8], paddingBottomRight: padding, animate: false});
        map._geomapFitting = false;
    }
    function makeRoom(map, legend) {
        var size = map.getSize(), key = size.x + "x" + size.y, el = legend.getContainer();
        if (map._geomapRoomFor === key || !el || !drawnBounds(map)) { return false; }
        map._geomapRoomFor = key;
        legend.setPosition("bottomright");
        refit(map, [8, legend.getContainer().getBoundingClientRect().height + 16]);
        return true;
    }
    function covers(control) {
        var el = control && control.getContainer();
        return !!el && el.getAttribute("data-geomap-covers") !== "0";
    }
    function dock(map, legend) {
        var box = map.getContainer(), holder = map._geomapDock, el = legend.getContainer();
        if (!holder) {
            holder = document.createElement("div");
            holder.className = "geomap-dock";
            box.parentNode.insertBefore(holder, box.nextSibling);
            map._geomapDock = holder;
            map._geomapHeight = box.style.height;
            map._geomapFull = box.offsetHeight;
            map._geomapDockedAt = window.innerWidth;
            holder.style.maxHeight = Math.round(map._geomapFull / 2) + "px";
        }
        el.style.display = "";
        el.removeAttribute("data-geomap-covers");
        el.setAttribute("data-geomap-corner", "docked");
        holder.insertBefore(el, holder.firstChild);
        var attr = map.attributionControl && map.attributionControl.getContainer();
        if (attr && attr.parentNode !== holder) { attr.style.display = ""; holder.appendChild(attr); }
        var before = box.style.height;
        box.style.height = Math.max(map._geomapFull - holder.offsetHeight, Math.round(map._geomapFull / 2)) + "px";
        if (box.style.height !== before) {
            map._geomapFitting = true;
            map.invalidateSize({animate: false});
            map._geomapFitting = false;
            refit(map, [8, 8]);
        }
    }
    function undock(map) {
        var holder = map._geomapDock, legend = map._geomapLegend, attr = map.attributionControl;
        map._geomapDock = null;
        map._geomapRoomFor = null;
        map.getContainer().style.height = map._geomapHeight || "";
        if (legend && legend.getContainer() && legend.getContainer().parentNode === holder) { legend.remove(); legend.addTo(map); }
        if (attr) { attr.remove(); attr.addTo(map); }
        if (holder && holder.parentNode) { holder.parentNode.removeChild(holder); }
        map._geomapFitting = true;
        map.invalidateSize({animate: false});
        map._geomapFitting = false;
    }
    function placeAll(map) {
        if (map._geomapFitting) { return; }
        var legend = map._geomapLegend, el = legend && legend.getContainer();
        if (map._geomapDock && map._geomapDockedAt !== window.innerWidth) { undock(map); el = legend && legend.getContainer(); }
        if (map._geomapDock) {
            if (el && el.parentNode !== map._geomapDock) { dock(map, legend); }
            return;
        }
        place(legend, false);
        if (covers(legend) && makeRoom(map, legend)) { place(legend, false); }
        if (covers(legend)) { dock(map, legend); return; }
        place(map.attributionControl, true);
    }
    function schedule(map, ms) {
        clearTimeout(map._geomapPlaceTimer);
        map._geomapPlaceTimer = setTimeout(function () { placeAll(map); }, ms);
    }
    function placeLater(map, control) {
        map._geomapLegend = control;
        schedule(map, 60);
        if (!map._geomapPlacing) {
            map._geomapPlacing = true;
            map.on("zoomend moveend resize", function () { if (!map._geomapFitting) { schedule(map, 40); } });
        }
    }
"""

#: Adds the legend control to its target (a map, or a layer group: then it is shown and removed
#: with the group) and builds it from :func:`legend_data` with DOM calls and ``textContent`` only.
LEGEND_JS = (
    """
(function (target, d) {
    """
    + PLAIN_JS
    + """
    function build() {
        var div = L.DomUtil.create("div", "geomap-legend");
        div.setAttribute("role", "note");
        if (d.dir) { div.setAttribute("dir", d.dir); }
        if (d.dir) { div.setAttribute("dir", d.dir); }
        function add(parent, tag, cls, text) {
            var e = L.DomUtil.create(tag, cls, parent);
            if (text !== undefined && text !== null) { e.textContent = text; }
            return e;
        }
        function row(color, label, count, kind) {
            var r = add(div, "div", "geomap-legend-row");
            var swatch = add(r, "span", "geomap-legend-swatch " + (color ? "" : (kind || "geomap-legend-nodata")));
            if (color) { swatch.style.background = color; }
            add(r, "span", "", plain(label));
            if (count !== null) { add(r, "span", "geomap-legend-count", String(count)); }
        }
        add(div, "div", "geomap-legend-title", plain(d.title));
        (d.rows || []).forEach(function (r) { row(r[0], r[1], r[2]); });
        if (d.none) { row("", d.none[0], d.none[1]); }
        if (d.banded) { row("", d.banded[0], d.banded[1], "geomap-legend-banded"); }
        (d.symbols || []).forEach(function (sym) {
            var r = add(div, "div", "geomap-legend-row");
            var mark = add(r, "span", "geomap-legend-sym geomap-legend-sym-" + sym[0]);
            mark.style.background = sym[1];
            mark.style.borderColor = sym[1];
            mark.setAttribute("aria-hidden", "true");
            add(r, "span", "", plain(sym[2]));
        });
        if (d.caption) { add(div, "div", "geomap-legend-caption", plain(d.caption)); }
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    }
    var legend = L.control({position: d.position});
    legend.onAdd = build;
    """
    + PLACE_JS
    + """
    if (target instanceof L.Map) {
        legend.addTo(target);
        placeLater(target, legend);
    } else {
        var Holder = L.Layer.extend({
            onAdd: function (map) { legend.addTo(map); placeLater(map, legend); },
            onRemove: function () { legend.remove(); }
        });
        target.addLayer(new Holder());
    }
})"""
)


class Legend(MacroElement):
    """A Leaflet control showing a legend built from :func:`legend_data`.

    Add it to a :class:`folium.Map`, or to a :class:`folium.FeatureGroup` to have it shown and
    removed with that group.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geomapLegend({{ this._parent.get_name() }}, {{ this.data_json }});
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping[str, Any], *, position: str = "bottomright") -> None:
        super().__init__()
        if not isinstance(data, Mapping):
            msg = f"Legend takes the legend as data (legend_data(...)), not {type(data).__name__}"
            raise TypeError(msg)
        if position not in _POSITIONS:
            msg = f"legend position {position!r} is not one of {', '.join(_POSITIONS)}"
            raise ValueError(msg)
        self._name = "Legend"
        self.data = dict(data)
        self.position = position
        self.data_json = script_json({**data, "position": position})
        self.css = LEGEND_CSS
        needs_script(self)  # geomapLegend (the page script :data:`LEGEND_JS`) and its CSS


def legend_element(
    classification: Classification,
    *,
    title: str,
    caption: str | None = None,
    position: str | None = None,
    show_counts: bool = True,
    symbols: Sequence[tuple[str, str, str]] = (),
    banded: tuple[str, int] | None = None,
) -> Legend:
    """A legend for a choropleth: class ranges, a no-data swatch and a caption line.

    Add the result to the map (``legend_element(...).add_to(m)``).

    Examples
    --------
    >>> layer = choropleth_layer(units, "per_100k", label="Providers per 100,000 people")
    >>> legend_element(layer.classification, title="Providers per 100,000 people",
    ...                caption="Population: 2006 census").add_to(m)  # doctest: +SKIP
    """
    return Legend(
        legend_data(classification, title=title, caption=caption, show_counts=show_counts, symbols=symbols, banded=banded),
        position=position or corner(),
    )
