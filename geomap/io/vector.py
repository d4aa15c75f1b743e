"""Vector layers out as bytes: the one way geomap writes a GeoPackage for a download."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd

__all__ = ["gpkg_bytes"]


def gpkg_bytes(gdf: gpd.GeoDataFrame, *, layer: str, description: str | None = None) -> bytes:
    """``gdf`` as the bytes of a GeoPackage holding one layer.

    GDAL writes a GeoPackage (an SQLite file) only to a path, so it goes through a private
    temporary folder that is removed before returning.

    Parameters
    ----------
    gdf
        The layer (any CRS; it is written as given).
    layer
        Layer name.
    description
        Written as the layer description (e.g. a full-export notice); none when blank.
    """
    options = {"DESCRIPTION": description.strip()} if description and description.strip() else None
    with tempfile.TemporaryDirectory(prefix="geomap-gpkg-") as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        gdf.to_file(path, driver="GPKG", layer=layer, engine="pyogrio", layer_options=options)
        return path.read_bytes()
