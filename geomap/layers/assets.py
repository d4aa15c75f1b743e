"""Offline map assets: folium maps that load Leaflet from the app itself, never from a CDN.

folium's defaults take Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; offline, a
Streamlit page then shows no map and no error. Here every map gets *local* URLs instead:

- In the app, Streamlit serves ``static/`` (next to ``app.py``) at ``/app/static/`` when
  ``[server] enableStaticServing = true`` (see ``.streamlit/config.toml``); the files under
  ``static/vendor/`` are copied from the npm packages listed in :data:`NPM_ASSETS` by
  ``scripts/vendor_assets.py`` (licences kept, checksums in ``static/vendor/MANIFEST.json``).
- For a file export, :func:`standalone_html` inlines the same files (CSS images as ``data:``
  URIs), so the saved HTML opens offline straight from disk.

Only Leaflet (and the MarkerCluster plugin where clusters are drawn) is loaded: the layers in
this package use no jQuery, Bootstrap or icon fonts (circle markers; popups are bound with
Leaflet's own ``bindPopup``). :func:`external_assets` lists any CDN link that another element
would still pull in, so callers can assert a map is offline.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import folium
import folium.plugins
from branca.element import Figure, MacroElement
from folium.template import Template

from geomap.i18n import _

__all__ = [
    "DEFAULT_ASSET_BASE",
    "NPM_ASSETS",
    "STATIC_DIR",
    "VENDOR_DIR",
    "LocalMarkerCluster",
    "asset_base_of",
    "external_assets",
    "local_links",
    "offline_map",
    "standalone_html",
]

#: The repository's ``static/`` folder (served by Streamlit at ``/app/static/``).
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
#: Vendored third-party assets.
VENDOR_DIR = STATIC_DIR / "vendor"
#: Checksums and provenance of the vendored files (written by ``scripts/vendor_assets.py``).
MANIFEST_NAME = "MANIFEST.json"
#: URL prefix under which the app serves :data:`VENDOR_DIR`.
DEFAULT_ASSET_BASE = "/app/static/vendor"

#: npm package -> (version, {path inside the package: path under ``static/vendor/``}).
NPM_ASSETS: dict[str, tuple[str, dict[str, str]]] = {
    "leaflet": (
        "1.9.4",
        {
            "dist/leaflet.js": "leaflet/leaflet.js",
            "dist/leaflet.css": "leaflet/leaflet.css",
            "dist/images/layers.png": "leaflet/images/layers.png",
            "dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
            "dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
            "LICENSE": "leaflet/LICENSE",
        },
    ),
    "leaflet.markercluster": (
        "1.5.3",
        {
            "dist/leaflet.markercluster.js": "leaflet.markercluster/leaflet.markercluster.js",
            "dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "leaflet.markercluster/MarkerCluster.Default.css",
            "MIT-LICENCE.txt": "leaflet.markercluster/MIT-LICENCE.txt",
        },
    ),
}

# (folium resource name, path under static/vendor). The names are folium's own, so a
# resource another element also declares is emitted once.
_LEAFLET_JS = (("leaflet", "leaflet/leaflet.js"),)
_LEAFLET_CSS = (("leaflet_css", "leaflet/leaflet.css"),)
_MARKERCLUSTER_JS = (("markerclusterjs", "leaflet.markercluster/leaflet.markercluster.js"),)
_MARKERCLUSTER_CSS = (
    ("markerclustercss", "leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "leaflet.markercluster/MarkerCluster.Default.css"),
)

#: Online tile layer offered (switched off) when ``online_tiles=True``.
_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def local_links(pairs: Iterable[tuple[str, str]], asset_base: str = DEFAULT_ASSET_BASE) -> list[tuple[str, str]]:
    """``(name, path)`` pairs under ``static/vendor`` -> ``(name, URL)`` pairs under ``asset_base``."""
    base = asset_base.rstrip("/")
    return [(name, f"{base}/{path}") for name, path in pairs]


def asset_base_of(element: MacroElement) -> str:
    """The asset base of the :func:`offline_map` that holds ``element`` (default if none)."""
    node: Any = element
    while node is not None:
        if isinstance(node, folium.Map):
            return getattr(node, "geomap_asset_base", DEFAULT_ASSET_BASE)
        node = getattr(node, "_parent", None)
    return DEFAULT_ASSET_BASE


class LocalMarkerCluster(folium.plugins.MarkerCluster):
    """:class:`folium.plugins.MarkerCluster` whose JS/CSS come from ``static/vendor``.

    The URLs follow the asset base of the map the cluster is drawn on (resolved at render
    time), and default to :data:`DEFAULT_ASSET_BASE` before that.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_links(DEFAULT_ASSET_BASE)

    def _set_links(self, base: str) -> None:
        self.default_js = local_links(_MARKERCLUSTER_JS, base)
        self.default_css = local_links(_MARKERCLUSTER_CSS, base)

    def render(self, **kwargs: Any) -> None:
        self._set_links(asset_base_of(self))
        super().render(**kwargs)


class _OfflineTileToggle(MacroElement):
    """Draw the online tile layer beneath the vector layers when it is switched on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.tiles.get_name() }}.on("add", function (e) { e.target.bringToBack(); });
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer) -> None:
        super().__init__()
        self._name = "OfflineTileToggle"
        self.tiles = tiles


class _BaseStyle(MacroElement):
    """Small type for the attribution and scale (folium sets 1rem on the whole map)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.leaflet-container .leaflet-control-attribution,.leaflet-container .leaflet-control-scale-line{font-size:11px}
        .leaflet-container .leaflet-control-attribution{max-width:62%;white-space:normal}</style>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "BaseStyle"


def _check_tiles(tiles: str) -> None:
    host = urlparse(tiles).hostname
    if tiles.startswith(("http://", "https://", "//")) and host not in _LOCAL_HOSTS:
        msg = (
            f"tiles={tiles!r} loads from {host}, which needs the internet; pass a tile URL served "
            "by this machine, or use online_tiles=True to offer OpenStreetMap as a switchable "
            "overlay that is off by default"
        )
        raise ValueError(msg)


def offline_map(
    *,
    location: Sequence[float] | None = None,
    zoom_start: int = 6,
    bounds: Sequence[Sequence[float]] | None = None,
    max_zoom: int = 18,
    asset_base: str = DEFAULT_ASSET_BASE,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    online_tiles: bool = False,
) -> folium.Map:
    """A :class:`folium.Map` that loads only local assets (Leaflet from ``asset_base``).

    Parameters
    ----------
    location
        ``(lat, lon)`` of the initial centre; defaults to the centre of ``bounds``, else (0, 0).
    zoom_start
        Initial zoom (ignored when ``bounds`` is given: the map fits them).
    bounds
        ``[[south, west], [north, east]]`` to fit, e.g. from ``units.total_bounds``.
    max_zoom
        Maximum zoom. Must be set explicitly when there is no tile layer (``tiles=None``), or
        marker clusters leave the map blank.
    asset_base
        URL prefix serving ``static/vendor`` (``/app/static/vendor`` in the Streamlit app).
    tiles
        Optional base tile URL template that works offline (served by this machine). ``None``
        (default) draws no tiles: boundaries give the context (see :mod:`geomap.layers.basemap`).
    tiles_attribution
        Attribution for ``tiles`` (required by Leaflet for a custom tile URL).
    online_tiles
        Offer OpenStreetMap tiles as an overlay in a layer control, switched *off* by default,
        so nothing is fetched from the internet unless the user asks for it.

    Returns
    -------
    folium.Map
        The map, with ``geomap_asset_base`` set to ``asset_base``.

    Raises
    ------
    ValueError
        If ``tiles`` is an internet URL (use ``online_tiles=True``), or ``max_zoom`` < 1.
    """
    if max_zoom < 1:
        msg = f"max_zoom must be at least 1, got {max_zoom!r}"
        raise ValueError(msg)
    if tiles is not None:
        _check_tiles(tiles)
        if not tiles_attribution:
            msg = f"tiles={tiles!r} needs tiles_attribution= (the tile source's credit line)"
            raise ValueError(msg)
    if location is None:
        if bounds is not None:
            (south, west), (north, east) = bounds
            location = ((south + north) / 2, (west + east) / 2)
        else:
            location = (0.0, 0.0)
    m = folium.Map(
        location=list(location),
        zoom_start=zoom_start,
        tiles=None,
        control_scale=True,
        # folium hands ``max_zoom`` to its tile layer only; with no tiles the map itself needs it.
        maxZoom=max_zoom,
        # Quarter zoom steps: a country fits its frame snugly (a phone-sized map with the legend
        # docked below loses half its size at whole zoom levels). No tiles by default to blur.
        zoomSnap=0.25,
    )
    # Per-instance lists: the class attributes (CDN URLs) stay untouched.
    m.default_js = local_links(_LEAFLET_JS, asset_base)
    m.default_css = local_links(_LEAFLET_CSS, asset_base)
    m.geomap_asset_base = asset_base
    _BaseStyle().add_to(m)
    if tiles is not None:
        folium.TileLayer(tiles, attr=tiles_attribution, name=_("Base map"), max_zoom=max_zoom).add_to(m)
    if online_tiles:
        osm = folium.TileLayer(
            _OSM_TILES,
            attr=_OSM_ATTRIBUTION,
            name=_("OpenStreetMap (online)"),
            overlay=True,
            control=True,
            show=False,
            max_zoom=min(max_zoom, 19),
        )
        osm.add_to(m)
        _OfflineTileToggle(osm).add_to(m)
        folium.LayerControl(collapsed=True).add_to(m)
    if bounds is not None:
        m.fit_bounds([list(bounds[0]), list(bounds[1])])
    return m


def _walk(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def external_assets(m: folium.Map) -> list[str]:
    """JS/CSS URLs that the elements of ``m`` would load from another host.

    An empty list means the map's code and styles all come from local files. (Tile URLs are not
    assets: see ``online_tiles`` of :func:`offline_map`.)
    """
    found: list[str] = []
    for element in _walk(m):
        for _kind, url in list(getattr(element, "default_js", [])) + list(getattr(element, "default_css", [])):
            if url.startswith(("http://", "https://", "//")) and urlparse(url).hostname not in _LOCAL_HOSTS:
                found.append(url)
    return list(dict.fromkeys(found))


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    text = path.read_text(encoding="utf-8")

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_file():
            return match.group(0)
        return f"url({_data_uri(target)})"

    text = re.sub(r"url\((['\"]?)([^'\")]+)\1\)", repl, text)
    return text.replace("</style", "<\\/style")


def _inline_js(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    return text.replace("</script", "<\\/script")


def standalone_html(m: folium.Map, *, title: str | None = None, vendor_dir: Path | None = None) -> str:
    """Render ``m`` as one self-contained HTML page that works offline from a file.

    Every local script and stylesheet link is replaced by the file's content (images in the CSS
    as ``data:`` URIs).

    Parameters
    ----------
    m
        A map from :func:`offline_map` (or any map whose assets are local).
    title
        Optional ``<title>`` for the page.
    vendor_dir
        Folder holding the vendored files (default :data:`VENDOR_DIR`).

    Raises
    ------
    ValueError
        If an element of the map still loads JS/CSS from another host (named in the message).
    FileNotFoundError
        If a vendored file is missing (run ``python scripts/vendor_assets.py``).
    """
    external = external_assets(m)
    if external:
        msg = f"cannot make a self-contained map: these assets load from the internet: {', '.join(external)}"
        raise ValueError(msg)
    vendor_dir = vendor_dir or VENDOR_DIR
    base = asset_base_of(m).rstrip("/") + "/"
    root = m.get_root()
    if not isinstance(root, Figure):  # pragma: no cover - a Map always sits in a Figure
        msg = "the map is not attached to a folium Figure"
        raise TypeError(msg)
    if title:
        root.title = title
    html = root.render()

    def local_file(url: str) -> Path:
        if not url.startswith(base):
            msg = f"asset {url!r} is not under the map's asset base {base!r}"
            raise ValueError(msg)
        path = vendor_dir / url[len(base) :].split("?", 1)[0]  # "?v=": the shared script's version
        if not path.is_file():
            msg = f"vendored asset {path} is missing: run python scripts/vendor_assets.py"
            raise FileNotFoundError(msg)
        return path

    html = re.sub(
        r'<script src="([^"]+)"></script>',
        lambda mt: f"<script>{_inline_js(local_file(mt.group(1)))}</script>",
        html,
    )
    html = re.sub(
        r'<link rel="stylesheet" href="([^"]+)"\s*/>',
        lambda mt: f"<style>{_inline_css(local_file(mt.group(1)))}</style>",
        html,
    )
    return html

