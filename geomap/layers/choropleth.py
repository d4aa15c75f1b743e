"""Choropleth of a value per admin unit, with class breaks from mapclassify.

One :class:`folium.GeoJson` layer per map, kept lean: each feature carries only its unit code and
name, the value, its class and its tooltip (plain texts, and as escaped HTML in ``tip``);
coordinates are rounded (5 decimals is about 1 m) and shipped as encoded shared arcs with a
table of styles and the tooltip texts (:class:`geomap.layers.encoding.CompactGeoJson`).
Units without a value (``NaN``: e.g. no population figure) are drawn in a hatched grey
*no data* class, never as 0.
"""

from __future__ import annotations

import html
import json
import math
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from branca.utilities import color_brewer
from folium.template import Template

from geomap import i18n
from geomap.layers.breaks import bin_ids, fisher_jenks_bins
from geomap.layers.encoding import (
    CompactGeoJson,
    geometry_key,
    one_line,
    script_json,
    shade_data,
)

__all__ = [
    "BANDED_STYLE",
    "NO_DATA_COLOR",
    "NO_DATA_FILL",
    "NO_DATA_PATTERN_ID",
    "TOOLTIP_CLASS",
    "UNIT_CLASS",
    "Classification",
    "choropleth_layer",
    "choropleth_shading",
    "classify",
    "lean_geometries",
    "tooltip_mapping",
]

#: CSS class of each unit's SVG path (one path per unit).
UNIT_CLASS = "geomap-unit"
#: CSS class of the unit tooltips (folium's tooltip class name, as before the tooltips were built here).
TOOLTIP_CLASS = "foliumtooltip"
#: id of the SVG hatch pattern that fills the no-data class.
NO_DATA_PATTERN_ID = "geomap-no-data-hatch"
#: Leaflet ``fillColor`` of the no-data class (the hatch pattern).
NO_DATA_FILL = f"url(#{NO_DATA_PATTERN_ID})"
#: Outline of a banded unit (its count of confidential sites is a band; see
#: :mod:`geomap.directory.disclosure`); the legend draws its swatch the same way.
BANDED_STYLE: dict[str, Any] = {"color": "#374151", "weight": 1.4, "dashArray": "4 3"}
#: Base grey of the hatch (also the legend swatch's background).
NO_DATA_COLOR = "#d1d5db"
_NO_DATA_LINE = "#6b7280"


@dataclass(frozen=True)
class Classification:
    """Class breaks of a set of values and what each value falls in.

    Attributes
    ----------
    scheme
        The mapclassify classifier's name (e.g. ``"FisherJenks"``).
    bins
        Upper bound of each class, ascending (mapclassify's ``bins``).
    lower
        Lower bound of the first class (the smallest value).
    labels
        Legend label of each class (``"lower – upper"``, formatted with ``fmt``).
    colors
        Fill colour of each class.
    counts
        Number of units in each class.
    classes
        Class index of each input value (``-1`` for no data), on the input's index.
    no_data_count
        Number of units without a value.
    no_data_label
        Legend label of the no-data class.
    """

    scheme: str
    bins: tuple[float, ...]
    lower: float
    labels: tuple[str, ...]
    colors: tuple[str, ...]
    counts: tuple[int, ...]
    classes: pd.Series = field(repr=False)
    no_data_count: int = 0
    no_data_label: str = "no data"

    @property
    def k(self) -> int:
        """Number of classes (0 when no unit has a value)."""
        return len(self.bins)


def _palette(name: str, k: int) -> list[str]:
    if k <= 0:
        return []
    try:
        base = color_brewer(name, max(k, 3))
    except (ValueError, KeyError) as err:
        msg = f"palette {name!r} is not a ColorBrewer scheme known to branca ({err})"
        raise ValueError(msg) from None
    if k >= 3:
        return list(base[:k]) if len(base) >= k else list(base)
    return [base[len(base) // 2]] if k == 1 else [base[0], base[-1]]


def _format(fmt: str, value: float) -> str:
    try:
        return i18n.format_like(fmt, value)
    except (ValueError, IndexError, KeyError) as err:
        msg = f"fmt={fmt!r} cannot format the number {value!r} ({err}); use e.g. '{{:,.1f}}'"
        raise ValueError(msg) from None


def _mapclassify(yv: np.ndarray, scheme: str, k: int) -> tuple[np.ndarray, np.ndarray, str]:
    # Imported here: mapclassify pulls in matplotlib, scipy and scikit-learn (~3 s, ~110 MB).
    import mapclassify

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Numba.*")
        warnings.filterwarnings("ignore", message=".*unique values.*")
        try:
            clf = mapclassify.classify(yv, scheme, k=k)
        except (KeyError, ValueError) as err:
            msg = (
                f"cannot classify with scheme {scheme!r} (use a mapclassify scheme such as "
                f"'FisherJenks', 'Quantiles' or 'EqualInterval'): {err}"
            )
            raise ValueError(msg) from None
    return np.asarray(clf.bins, dtype=float), np.asarray(clf.yb, dtype=int), type(clf).__name__


def classify(
    values: pd.Series | Sequence[float],
    *,
    scheme: str = "FisherJenks",
    k: int = 5,
    fmt: str = "{:,.1f}",
    palette: str = "YlGnBu",
    no_data_label: str | None = None,
) -> Classification:
    """Classify ``values`` with mapclassify; ``NaN`` (and ±inf) go to the no-data class.

    Parameters
    ----------
    values
        Numbers, one per unit; missing values are ``NaN`` (never 0).
    scheme
        Any mapclassify scheme name accepted by :func:`mapclassify.classify`
        (``"FisherJenks"``, ``"Quantiles"``, ``"EqualInterval"``, ``"NaturalBreaks"`` …).
    k
        Wanted number of classes; fewer are made when there are fewer distinct values.
    fmt
        Format of numbers in the class labels.
    palette
        ColorBrewer sequential scheme for the classes (light = low).
    no_data_label
        Label of the no-data class.

    Raises
    ------
    ValueError
        If ``k`` < 1, a value is not numeric, or the scheme is unknown.
    """
    no_data_label = i18n._("no data") if no_data_label is None else no_data_label
    if k < 1:
        msg = f"k must be at least 1, got {k!r}"
        raise ValueError(msg)
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    numeric = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & numeric.isna()
    if bad.any():
        first = series[bad].index[0]
        msg = f"value {series[first]!r} at index {first!r} is not a number (use NaN for no data)"
        raise ValueError(msg)
    y = numeric.astype(float)
    valid = np.isfinite(y.to_numpy())
    classes = pd.Series(-1, index=series.index, dtype="int64")
    no_data = int((~valid).sum())
    if not valid.any():
        return Classification(scheme, (), math.nan, (), (), (), classes, no_data, no_data_label)
    yv = y.to_numpy()[valid]
    distinct = np.unique(yv)
    if len(distinct) == 1:
        bins = np.array([distinct[0]])
        yb = np.zeros(len(yv), dtype=int)
        name = scheme
    else:
        k_eff = min(k, len(distinct))
        if scheme.lower().replace("_", "") == "fisherjenks":
            # The default, in numpy (same breaks): mapclassify is imported only for other schemes.
            bins = fisher_jenks_bins(yv, k_eff)
            yb = bin_ids(yv, bins)
            name = "FisherJenks"
        else:
            bins, yb, name = _mapclassify(yv, scheme, k_eff)
    lower = float(yv.min())
    # Classes are (previous upper, upper]. For whole numbers (counts) that is previous + 1 … upper,
    # so "0 – 1", "2 – 3" rather than the ambiguous "0 – 1", "1 – 3".
    integers = bool(np.all(yv == np.round(yv)))
    labels = []
    for i, upper in enumerate(bins):
        if integers:
            lo = lower if i == 0 else math.floor(bins[i - 1]) + 1
            hi = float(math.floor(upper))
        else:
            lo = lower if i == 0 else float(bins[i - 1])
            hi = float(upper)
        labels.append(_format(fmt, hi) if lo == hi else f"{_format(fmt, lo)} – {_format(fmt, hi)}")
    counts = np.bincount(yb, minlength=len(bins))
    classes[valid] = yb
    return Classification(
        scheme=name,
        bins=tuple(float(b) for b in bins),
        lower=lower,
        labels=tuple(labels),
        colors=tuple(_palette(palette, len(bins))),
        counts=tuple(int(c) for c in counts),
        classes=classes,
        no_data_count=no_data,
        no_data_label=no_data_label,
    )


def lean_geometries(
    geoms: gpd.GeoSeries,
    *,
    precision: int = 5,
    simplify_tolerance: float | None = None,
    grid: float | None = None,
) -> gpd.GeoSeries:
    """Geometries in EPSG:4326 with coordinates rounded to ``precision`` decimals.

    ``simplify_tolerance`` (degrees) simplifies the units as a coverage (shared borders stay
    shared, :func:`shapely.coverage_simplify`) before rounding. ``grid`` (degrees, a multiple of
    ``10**-precision``, e.g. 0.0005) rounds to that coarser step instead; shared borders stay
    identical (the same vertices round the same way), but the caller must check validity.
    """
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    arr = geoms.to_numpy()
    if simplify_tolerance:
        arr = shapely.coverage_simplify(arr, simplify_tolerance)
    if grid:
        # Round to the grid, then to the decimals (no 8.500500000000001 float noise).
        arr = shapely.transform(arr, lambda xy: np.round(np.round(xy / grid) * grid, precision))
    else:
        arr = shapely.transform(arr, lambda xy: np.round(xy, precision))
    return gpd.GeoSeries(arr, index=geoms.index, crs="EPSG:4326")


def _shaped(units: gpd.GeoDataFrame) -> np.ndarray:
    """Which units have a shape to draw (neither missing nor empty)."""
    geoms = np.asarray(units.geometry.array, dtype=object)
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if pd.isna(value) is True:
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


#: Adds the hatch pattern's SVG elements, each appended to the one before (but the rect, whose
#: sibling line follows it in the pattern).
_HATCH_JS = """
(function (id, parts) {
    if (document.getElementById(id)) { return; }
    var ns = "http://www.w3.org/2000/svg", parent = document.body;
    parts.forEach(function (part) {
        var e = document.createElementNS(ns, part[0]);
        Object.keys(part[1]).forEach(function (k) { e.setAttribute(k, part[1][k]); });
        parent.appendChild(e);
        if (part[0] !== "rect") { parent = e; }
    });
})"""


class _HatchPattern(MacroElement):
    """Adds the SVG hatch pattern used by :data:`NO_DATA_FILL` to the page (once), with DOM calls."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.js }}({{ this.pattern_id|tojson }}, {{ this.parts_json }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HatchPattern"
        self.pattern_id = NO_DATA_PATTERN_ID
        self.parts = [
            ["svg", {"width": "0", "height": "0", "aria-hidden": "true", "style": "position:absolute"}],
            ["defs", {}],
            [
                "pattern",
                {
                    "id": NO_DATA_PATTERN_ID,
                    "patternUnits": "userSpaceOnUse",
                    "width": "6",
                    "height": "6",
                    "patternTransform": "rotate(45)",
                },
            ],
            ["rect", {"width": "6", "height": "6", "fill": NO_DATA_COLOR}],
            ["line", {"x1": "0", "y1": "0", "x2": "0", "y2": "6", "stroke": _NO_DATA_LINE, "stroke-width": "1.5"}],
        ]
        self.parts_json = script_json(self.parts)
        self.js = one_line(_HATCH_JS)


def tooltip_mapping(tooltip_columns: Mapping[str, str] | Sequence[str] | None) -> dict[str, str]:
    """Tooltip columns as ``{column: label}`` (a list of columns labels each by its name)."""
    if tooltip_columns is None:
        return {}
    if isinstance(tooltip_columns, Mapping):
        return dict(tooltip_columns)
    return {c: c for c in tooltip_columns}


def _shaded_features(
    units: pd.DataFrame,
    values_column: str,
    *,
    label: str,
    scheme: str,
    k: int,
    fmt: str,
    no_data_label: str | None,
    tooltip_columns: Mapping[str, str] | Sequence[str] | None,
    palette: str,
    code_column: str,
    name_column: str,
    text_column: str | None = None,
    banded_column: str | None = None,
) -> tuple[list[dict[str, Any]], Classification, list[str], Callable[[dict], dict], Callable[[dict], dict]]:
    """Features without geometry (id, properties), classification, tooltip labels and the
    style and highlight functions: everything of a choropleth but its shapes."""
    extra = tooltip_mapping(tooltip_columns)
    optional = [c for c in (text_column, banded_column) if c is not None]
    for col in [values_column, code_column, name_column, *extra, *optional]:
        if col not in units.columns:
            msg = f"column {col!r} is not in the units table (columns: {', '.join(map(str, units.columns))})"
            raise ValueError(msg)
    cls = classify(units[values_column], scheme=scheme, k=k, fmt=fmt, palette=palette, no_data_label=no_data_label)
    values = pd.to_numeric(units[values_column], errors="coerce").astype(float).to_numpy()
    classes = cls.classes.to_numpy()
    tip_labels = [label, *(str(lab) for lab in extra.values())]
    escaped_labels = [html.escape(str(lab)) for lab in tip_labels]
    features = []
    # Column arrays, not row lookups: this runs on every filter change.
    names = [_text(v) for v in units[name_column].to_numpy(dtype=object)]
    codes = [_text(v) for v in units[code_column].to_numpy(dtype=object)]
    extras = [[_text(v) for v in units[col].to_numpy(dtype=object)] for col in extra]
    texts_given = None if text_column is None else [_text(v) for v in units[text_column].to_numpy(dtype=object)]
    banded = np.zeros(len(units), dtype=bool) if banded_column is None else units[banded_column].fillna(False).to_numpy(dtype=bool)
    for pos in range(len(units)):
        value = values[pos]
        klass = int(classes[pos])
        has_value = klass >= 0
        shown = _format(fmt, value) if has_value else cls.no_data_label
        if texts_given is not None and texts_given[pos]:
            shown = texts_given[pos]  # the published text: a band or range where the cell is banded
        # The tooltip as plain texts (title, then one value per label); the page inserts them as
        # text. ``tip`` is the same tooltip as escaped HTML, for Python callers.
        texts = [names[pos], shown, *(column[pos] for column in extras)]
        lines = [f"<b>{html.escape(texts[0])}</b>"] + [
            f"{lab}: {html.escape(text)}" for lab, text in zip(escaped_labels, texts[1:], strict=True)
        ]
        code = codes[pos]
        features.append(
            {
                "type": "Feature",
                "id": code if code else str(pos),
                "properties": {
                    "code": code,
                    "name": names[pos],
                    "value": float(value) if has_value else None,
                    "class": klass,
                    **({"banded": bool(banded[pos])} if banded_column is not None else {}),
                    "tip": "<br>".join(lines),
                    "tooltip": texts,
                },
            }
        )
    ids = [f["id"] for f in features]
    if len(set(ids)) != len(ids):
        for pos, f in enumerate(features):
            f["id"] = str(pos)
    colors = cls.colors

    def style(feature: dict) -> dict:
        props = feature["properties"]
        klass = props["class"]
        if klass < 0:
            out = {"fillColor": NO_DATA_FILL, "fillOpacity": 1.0, "color": "#ffffff", "weight": 0.8}
        else:
            out = {"fillColor": colors[klass], "fillOpacity": 0.85, "color": "#ffffff", "weight": 0.8}
        if props.get("banded"):
            # A banded cell (fewer than k confidential sites, exact count withheld): shaded by
            # its known part, outlined in dashes (see the legend).
            out.update(BANDED_STYLE)
        return out

    def highlight(feature: dict) -> dict:
        return {"color": "#111827", "weight": 2.5}

    return features, cls, tip_labels, style, highlight


def choropleth_shading(
    units: pd.DataFrame,
    values_column: str,
    *,
    label: str,
    scheme: str = "FisherJenks",
    k: int = 5,
    fmt: str = "{:,.1f}",
    no_data_label: str | None = None,
    tooltip_columns: Mapping[str, str] | Sequence[str] | None = None,
    palette: str = "YlGnBu",
    code_column: str = "code",
    name_column: str = "name",
    text_column: str | None = None,
    banded_column: str | None = None,
) -> tuple[dict[str, Any], Classification]:
    """The shading :func:`choropleth_layer` would draw, without the shapes.

    For re-shading a layer already on the page (made with ``register_as``) after the values
    change: a few bytes per unit instead of the shapes. Arguments as
    :func:`choropleth_layer`; units without a geometry (when ``units`` has one) are left out,
    as there.

    Returns
    -------
    tuple
        ``(shade, classification)``: ``shade`` as :func:`geomap.layers.encoding.shade_data`
        (features matched by unit code), and the :class:`Classification` for the legend.
    """
    if isinstance(units, gpd.GeoDataFrame) and units.geometry.name in units.columns:
        units = units[_shaped(units)].reset_index(drop=True)
    features, cls, tip_labels, style, highlight = _shaded_features(
        units,
        values_column,
        label=label,
        scheme=scheme,
        k=k,
        fmt=fmt,
        no_data_label=no_data_label,
        tooltip_columns=tooltip_columns,
        palette=palette,
        code_column=code_column,
        name_column=name_column,
        text_column=text_column,
        banded_column=banded_column,
    )

    def tooltip(props: dict | None) -> list[str]:
        return [html.escape("" if t is None else str(t)) for t in (props or {}).get("tooltip") or []]

    shade = shade_data(
        features,
        style_function=style,
        highlight_function=highlight,
        tooltip=tooltip,
        tooltip_labels=tip_labels,
        tooltip_options={"sticky": True, "className": TOOLTIP_CLASS},
    )
    return shade, cls


def choropleth_layer(
    units: gpd.GeoDataFrame,
    values_column: str,
    *,
    label: str,
    scheme: str = "FisherJenks",
    k: int = 5,
    fmt: str = "{:,.1f}",
    no_data_label: str | None = None,
    tooltip_columns: Mapping[str, str] | Sequence[str] | None = None,
    palette: str = "YlGnBu",
    code_column: str = "code",
    name_column: str = "name",
    text_column: str | None = None,
    banded_column: str | None = None,
    layer_name: str | None = None,
    precision: int = 5,
    simplify_tolerance: float | None = None,
    outline_style: Mapping[str, Any] | None = None,
    arc_cache: MutableMapping[tuple[str, int], Any] | None = None,
    register_as: str | None = None,
) -> folium.GeoJson:
    """A GeoJson choropleth of ``units[values_column]``, classed with mapclassify.

    Parameters
    ----------
    units
        Admin units (see :func:`geomap.boundaries.load_boundaries`) with a numeric
        ``values_column`` (``NaN`` = no data).
    values_column
        Column to map, e.g. ``"per_100k"``.
    label
        What the value is, for tooltips (e.g. ``"Providers per 100,000 people"``).
    scheme, k, fmt, palette, no_data_label
        See :func:`classify`.
    tooltip_columns
        Extra tooltip lines: column names, or ``{column: label}``; shown after the unit name and
        the value. Values are HTML-escaped.
    code_column, name_column
        Unit code and display name columns (kept as feature properties ``code`` and ``name``,
        so a click on the map can be traced back to the unit).
    text_column, banded_column
        Optional: published texts shown in the tooltip instead of the value (a band "4–6"
        whose known part, 4, is the value), and booleans: banded units get :data:`BANDED_STYLE`.
    layer_name
        Name in a layer control (default ``label``).
    precision
        Decimals kept in coordinates.
    simplify_tolerance
        Optional coverage simplification (degrees), see :func:`lean_geometries`.
    outline_style
        If given, the outline of the units' union is drawn under them with this Leaflet path
        style, from the borders the page already has (see
        :class:`~geomap.layers.encoding.CompactGeoJson`), e.g.
        :data:`geomap.layers.basemap.OUTLINE_STYLE`.
    arc_cache
        A mapping kept by the caller between calls: the units' encoded borders are stored there
        and reused while the shapes are the same (see
        :class:`~geomap.layers.encoding.CompactGeoJson`).
    register_as
        Keep the layer in the page under this name, to re-shade it in place with
        :func:`choropleth_shading` (see :class:`~geomap.layers.encoding.CompactGeoJson`).

    Returns
    -------
    folium.GeoJson
        The layer; its ``classification`` attribute holds the :class:`Classification` (for
        :func:`geomap.layers.legend.legend_element`).

    Raises
    ------
    ValueError
        If a named column is missing or the values are not numeric.
    """
    units = units[_shaped(units)].reset_index(drop=True)
    features, cls, tip_labels, style, highlight = _shaded_features(
        units,
        values_column,
        label=label,
        scheme=scheme,
        k=k,
        fmt=fmt,
        no_data_label=no_data_label,
        tooltip_columns=tooltip_columns,
        palette=palette,
        code_column=code_column,
        name_column=name_column,
        text_column=text_column,
        banded_column=banded_column,
    )
    geoms = lean_geometries(units.geometry, precision=precision, simplify_tolerance=simplify_tolerance)
    key = None if arc_cache is None else geometry_key(geoms.to_numpy())
    # GeoJSON of every shape in one vectorised call (faster than a mapping per shape).
    shapes = [json.loads(g) for g in shapely.to_geojson(geoms.to_numpy())]
    for feature, shape in zip(features, shapes, strict=True):
        feature["geometry"] = shape
    layer = CompactGeoJson(
        {"type": "FeatureCollection", "features": features},
        precision=precision,
        # The page needs no property: styles are a table indexed per feature, and the tooltip
        # is sent as its texts (labels once).
        shipped_properties=(),
        tooltip_property="tooltip",
        tooltip_labels=tip_labels,
        tooltip_options={"sticky": True, "className": TOOLTIP_CLASS},
        outline_style=outline_style,
        geometry_key=key,
        arc_cache=arc_cache,
        register_as=register_as,
        name=layer_name or label,
        style_function=style,
        highlight_function=highlight,
        control=True,
        className=UNIT_CLASS,
    )
    _HatchPattern().add_to(layer)
    layer.classification = cls
    return layer
