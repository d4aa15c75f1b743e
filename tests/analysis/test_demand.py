"""Demand points: settlements per unit, census share, user uploads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _gaps_fixtures import settlements, units

from geomap import i18n
from geomap.analysis import demand as dm


def test_demand_points_tag_units_and_drop_outside():
    pts = settlements()
    extra = pts.iloc[[0]].copy()
    extra.index = ["far"]
    extra.geometry = extra.geometry.translate(xoff=10)  # outside every unit
    out = dm.demand_points(units(), pd.concat([pts, extra]))
    assert dict(zip(out.index, out["unit_code"])) == {"s30": "XA", "s10": "XA", "sB": "XB"}
    assert out.attrs["outside"] == 1


def test_demand_points_need_population():
    with pytest.raises(ValueError, match="population"):
        dm.demand_points(units(), settlements().drop(columns="population"))


def test_demand_coverage_share_of_census():
    u = units()
    cov = dm.demand_coverage(u, dm.demand_points(u, settlements())).set_index("code")
    assert cov.loc["XA", "settlement_population"] == 4000
    assert cov.loc["XA", "settlement_share"] == pytest.approx(4000 / 100_000)
    assert np.isnan(cov.loc["XB", "settlement_share"])  # census unknown: no share, not 0
    assert cov.loc["XC", "settlement_share"] == 0.0  # census known, no settlements: a real 0
    assert cov.loc["XC", "settlements"] == 0


def test_read_demand_points_csv():
    data = "Nombre;lat;lng;Poblacion\n".replace(";", ",") + "a,0.1,0.2,1200\nb,-0.1,1.1,300\n"
    pts = dm.read_demand_points(data.encode())
    assert list(pts["population"]) == [1200.0, 300.0]
    assert pts.geometry.iloc[1].x == pytest.approx(1.1)
    assert list(pts["name"]) == ["a", "b"]


def test_read_demand_points_errors_name_row_and_column():
    with pytest.raises(ValueError, match="no population column"):
        dm.read_demand_points(b"lat,lon\n1,2\n")
    with pytest.raises(ValueError, match="row 3: latitude '95'"):
        dm.read_demand_points(b"lat,lon,pop\n1,2,5\n95,2,5\n")
    with pytest.raises(ValueError, match="row 2: population 'many'"):
        dm.read_demand_points(b"lat,lon,pop\n1,2,many\n")


def test_unit_populations_by_code_and_name():
    # the one population reader (geomap.population.unit_populations; the demand module's copy is gone)
    from geomap import population

    u = units()
    out = population.unit_populations(u, b"code,name,population,year\nXA,,120000,2021\n,Beta,7 000,\n")
    got = out.set_index("code")
    assert got.loc["XA", "population"] == 120000 and got.loc["XA", "population_year"] == 2021
    assert got.loc["XB", "population"] == 7000
    assert np.isnan(got.loc["XC", "population"])  # not in the file: unknown, never 0
    with pytest.raises(ValueError, match="row 2: unit 'ZZ'"):
        population.unit_populations(u, b"code,population\nZZ,5\n")


def test_demand_points_just_off_the_coast_go_to_the_nearest_unit():
    # issue #13: a settlement a little outside every polygon (Lagos off the 1:10m coastline)
    # goes to the nearest unit within the providers' tolerance; farther out it is counted
    from geomap.directory.resolve import TOLERANCE_KM

    u = units()
    pts = settlements()
    xa = u.set_index("code").geometry["XA"]
    minx, miny, maxx, maxy = xa.bounds
    near = pts.iloc[[0]].copy()
    near.index = ["coast"]
    near["population"] = 15_000_000
    near.geometry = near.geometry.set_crs("EPSG:4326").translate(xoff=0, yoff=0)
    from shapely.geometry import Point

    km = 1 / 111.32  # degrees of latitude per km
    near.geometry = [Point((minx + maxx) / 2, miny - 2 * km)]  # 2 km south of XA
    far = near.copy()
    far.index = ["sea"]
    far["population"] = 7
    far.geometry = [Point((minx + maxx) / 2, miny - 3 * TOLERANCE_KM * km)]
    out = dm.demand_points(u, pd.concat([pts, near, far]))
    assert out.loc["coast", "unit_code"] == "XA" and bool(out.loc["coast", "nearest"]) is True
    assert "sea" not in out.index
    assert out.attrs["nearest"] == 1 and out.attrs["nearest_population"] == 15_000_000
    assert out.attrs["outside"] == 1 and out.attrs["outside_population"] == 7
    assert list(out.index[: len(pts)]) == [i for i in pts.index if i in out.index]  # input order kept
    note = dm.outside_note(out)
    assert "1 demand point (15,000,000 people) lies just outside" in note  # singular: one point
    assert f"1 demand point (7 people) lies more than {TOLERANCE_KM:g} km outside every unit and is left out" in note
    with i18n.use("es"):  # said in the user's language, numbers with its separators
        assert "1 punto de demanda (15.000.000 personas) queda justo fuera" in dm.outside_note(out)
    # a zero tolerance drops both; a wide one keeps both
    assert dm.demand_points(u, pd.concat([pts, near, far]), tolerance_km=0).attrs["outside"] == 2
    assert dm.demand_points(u, pd.concat([pts, near, far]), tolerance_km=50).attrs["outside"] == 0
    with pytest.raises(ValueError, match="tolerance_km must be >= 0"):
        dm.demand_points(u, pts, tolerance_km=-1)
