"""The Dask path runs the same kernel on a LocalCluster and gives the same numbers as the serial path."""

from __future__ import annotations

import numpy as np
import pytest

from geomap.grids import execution, io, reach

from ._rasters import degree_grid, providers_at, units_halves, write_raster


def test_in_memory_and_dask_give_the_same_numbers(tmp_path) -> None:
    rng = np.random.default_rng(7)
    n = 300
    t = degree_grid(n, res=0.005)
    arr = rng.gamma(0.5, 8.0, size=(n, n))
    arr[rng.random((n, n)) < 0.2] = -1.0  # nodata patches
    info = io.describe_raster(write_raster(tmp_path / "pop.tif", arr, transform=t, nodata=-1.0))
    units = units_halves(t, (n, n))
    prov = providers_at([(10.3, 0.1), (11.2, -0.6), (10.9, -0.2)])
    serial = reach.grid_reach(info, units, prov, radius_km=25, block=128)
    with execution.dask_client(workers=2, memory_limit="500MB") as client:
        on_dask = reach.grid_reach(info, units, prov, radius_km=25, block=128, client=client)
    cols = ["grid_cells", "grid_population", "pop_within_km", "pop_beyond_km", "share_within", "mean_distance_km"]
    np.testing.assert_allclose(serial[cols].to_numpy(float), on_dask[cols].to_numpy(float), rtol=1e-12)
    valid = arr[arr >= 0]
    assert serial["grid_population"].sum() == pytest.approx(valid.sum(), rel=1e-12)
    assert 0 < serial["pop_within_km"].sum() < valid.sum()


def test_an_unreachable_scheduler_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="tcp://127.0.0.1:9"):
        with execution.dask_client("tcp://127.0.0.1:9", timeout="2s"):
            pass
