"""Reading population rasters: checks, windows, nodata."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from geomap.grids import io

from ._rasters import degree_grid, write_raster


def test_windows_cover_the_raster_once(tmp_path) -> None:
    path = write_raster(tmp_path / "p.tif", np.ones((70, 45), dtype="float32"), transform=degree_grid(70))
    info = io.describe_raster(path)
    seen = np.zeros((70, 45), dtype=int)
    for w in io.iter_windows(info, block=16):
        seen[w.row_off : w.row_off + w.height, w.col_off : w.col_off + w.width] += 1
    assert (seen == 1).all()
    assert info.label == "raster: p.tif"


def test_nodata_nan_and_negative_cells_hold_no_people(tmp_path) -> None:
    arr = np.array([[5.0, -9999.0], [np.nan, -3.0]])
    path = write_raster(tmp_path / "p.tif", arr, transform=degree_grid(2), nodata=-9999.0)
    pop = io.read_population(str(path))
    assert pop.tolist() == [[5.0, 0.0], [0.0, 0.0]]


def test_integer_raster_in_a_projected_crs_gives_lonlat_centres(tmp_path) -> None:
    from rasterio.transform import from_origin

    arr = np.full((3, 3), 7, dtype="int16")
    path = write_raster(tmp_path / "utm.tif", arr, transform=from_origin(500000, 100300, 100, 100), crs="EPSG:32631")
    info = io.describe_raster(path)
    lon, lat = io.cell_lonlat(info, rasterio.windows.Window(0, 0, 3, 3))
    assert lon[0, 0] == pytest.approx(3.0 + 0.00045, abs=1e-4)  # UTM 31 central meridian is 3°E
    assert 0.90 < lat[0, 0] < 0.91
    assert io.read_population(info.path).sum() == 63


def test_a_file_without_crs_or_not_a_raster_is_refused_with_its_name(tmp_path) -> None:
    bad = tmp_path / "notes.tif"
    bad.write_text("not a raster")
    with pytest.raises(ValueError, match="notes.tif"):
        io.describe_raster(bad)
    path = write_raster(tmp_path / "nocrs.tif", np.ones((2, 2)), transform=degree_grid(2), crs=None)
    with pytest.raises(ValueError, match="nocrs.tif: the raster has no coordinate reference system"):
        io.describe_raster(path)


def test_an_upload_is_read_from_memory_and_named_by_its_file_name(tmp_path) -> None:
    path = write_raster(tmp_path / "p.tif", np.full((3, 3), 2.0), transform=degree_grid(3))
    with io.open_upload(path.read_bytes(), filename="worldpop.tif") as info:
        assert info.path.startswith("/vsimem/")
        assert info.label == "raster: worldpop.tif"
        assert io.read_population(info.path).sum() == 18
    with pytest.raises(ValueError, match="upload.tif"):
        with io.open_upload(b"GIF89a not a raster", filename="upload.tif"):
            pass
