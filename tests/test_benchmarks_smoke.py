"""Smoke test of the benchmark harness (benchmarks/run.py): its code paths run on tiny inputs
and produce well-formed records. No timing is asserted; the browser section is only imported.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely import Polygon, box

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
KEYS = {"name", "value", "baseline", "ratio", "unit", "goal"}


@pytest.fixture(scope="module", autouse=True)
def bench_path():
    sys.path.insert(0, str(BENCH))
    yield
    sys.path.remove(str(BENCH))


def test_record_ratio_and_goal():
    from _common import Record

    d = Record("x", 3.0, 2.0, "s", 2.0).as_dict()
    assert KEYS <= d.keys()
    assert d["ratio"] == 1.5 and d["met"] is True
    assert Record("y", 3.0, 2.0, "s", 1.0).as_dict()["met"] is False
    zero = Record("z", 1.0, 0, "units").as_dict()
    assert zero["ratio"] is None and zero["met"] is None


def test_join_bench_on_three_boxes():
    import bench_compute

    units = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], crs="EPSG:4326")
    lon, lat = bench_compute.synthetic_points(units, 50)
    assert (bench_compute.limit_assign(lon, lat, np.asarray(units.geometry.array, dtype=object)) >= 0).all()
    (rec,) = bench_compute.bench_join(n_points=200, repeat=1, units=units)
    d = rec.as_dict()
    assert KEYS <= d.keys()
    assert d["name"] == "join_throughput" and d["unit"] == "s/point" and d["goal"] == 1.5
    assert d["value"] > 0 and d["baseline"] > 0
    assert "agreement with the limit 100.0000%" in d["note"]
    assert d["extra"]["units"] == 3


def test_hausdorff_in_metres_and_polyline_encoding():
    import bench_payload

    original = Polygon([(0, 0), (0.005, 0.0001), (0.01, 0), (0.01, 0.01), (0, 0.01)])
    shipped = box(0, 0, 0.01, 0.01)
    # The dropped vertex is 0.0001 degree of latitude off the edge: 11.06 m at the equator.
    assert bench_payload.hausdorff_m(original, shipped) == pytest.approx(11.06, abs=0.05)
    # The encoded-polyline reference example: (38.5, -120.2), (40.7, -120.95), (43.252, -126.453).
    pts = np.array([[3850000, -12020000], [4070000, -12095000], [4325200, -12645300]])
    deltas = np.diff(pts, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    assert bench_payload._polyline(deltas.ravel()) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_browser_section_imports_without_running():
    import bench_browser

    compile(bench_browser.BARE_PAGE, "bare.py", "exec")
    assert isinstance(bench_browser._free_port(), int)


def test_main_writes_records_and_reports_failures_without_gating(tmp_path, monkeypatch, capsys):
    import run
    from _common import Record

    ok = types.ModuleType("bench_ok")
    ok.run = lambda *, quick: [Record("map_payload", 30.0, 100.0, "bytes", 0.3)]
    bad = types.ModuleType("bench_bad")

    def boom(*, quick):
        raise RuntimeError("no chromium here")

    bad.run = boom
    monkeypatch.setitem(sys.modules, "bench_ok", ok)
    monkeypatch.setitem(sys.modules, "bench_bad", bad)
    monkeypatch.setattr(run, "SECTIONS", ("ok", "bad"))
    out = tmp_path / "r.json"
    assert run.main(["--quick", "--out", str(out)]) == 0
    records = json.loads(out.read_text())
    assert [r["name"] for r in records] == ["map_payload", "bad_error"]
    assert all(KEYS <= r.keys() for r in records)
    assert records[0]["ratio"] == 0.3 and records[0]["met"] is True
    assert records[1]["value"] is None and "no chromium here" in records[1]["note"]
    assert "map_payload" in capsys.readouterr().out
    assert json.loads(out.with_name("r_machine.json").read_text())["mode"] == "quick"


def test_directory_bench_small():
    """directory_100k's code path on 300 fictional rows: every row placed or flagged, all fictional."""
    import bench_directory
    from geomap import pipeline

    units = pipeline.load_units("NGA")
    df = bench_directory.synthetic_directory(units, 300)
    assert len(df) == 300 and df["notes"].str.contains("Fictional").all()
    assert df["name"].str.endswith("(fictional)").all()
    (rec,) = bench_directory.bench_directory(n_rows=300, repeat=1)
    d = rec.as_dict()
    assert KEYS <= d.keys() and d["name"] == "directory_100k" and d["goal"] == 3.0
    assert d["extra"]["placed"] + d["extra"]["flagged"] == 300
    assert d["extra"]["by_method"].get("coordinates", 0) > 100


def test_grid_bench_on_a_tiny_synthetic_grid(tmp_path):
    import bench_grids

    path = tmp_path / "tiny.tif"
    shape = bench_grids.write_synthetic(path, res=0.05)
    assert shape == (192, 240)
    run = bench_grids.run_child(path, "memory", bench_grids._providers(20), tmp_path)
    assert run["population"] > 0 and 0 <= run["within"] <= run["population"] and run["peak_gb"] > 0
    rec, mem = bench_grids.bench_cost(path, tmp_path, providers=20, tile=64, dask=False)
    d = rec.as_dict()
    assert KEYS <= d.keys() and d["name"] == "cost_distance_vs_mcp" and d["value"] > 0 and d["baseline"] > 0
    assert d["extra"]["tile_runs"] >= d["extra"]["tiles"] == 12  # 192 x 240 cells in tiles of 64
    assert d["extra"]["tiled_vs_mcp_relative_difference"] < 1e-9 and d["extra"]["within_120_min"] > 0
    assert mem.as_dict()["name"] == "cost_distance_peak_memory_vs_mcp" and mem.value > 0
