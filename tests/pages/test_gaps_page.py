"""Streamlit AppTest of the Gaps page on a small fictional Nigerian directory.

Provider coordinates are computed from the bundled boundaries (representative points), never
typed. The page gets its context from a stand-in for ``_state.get_context``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from leaks._leakcheck import assert_no_leak
from streamlit.testing.v1 import AppTest

from geomap import boundaries


def _script(csv_path: str, role: str, lang: str = "en") -> None:
    import streamlit as st

    from geomap import i18n, pipeline
    from geomap.directory import privacy
    from geomap.pages import _state
    from geomap.pages import gaps as page

    @st.cache_resource
    def load(path: str):
        units = pipeline.load_units("NGA")
        return units, pipeline.load_directory(path, units=units, country="NGA")

    units, directory = load(csv_path)
    import dataclasses

    given = dict(
        country="NGA", country_name="Nigeria", units=units, directory=directory,
        view=privacy.view_for_role(directory, role), role=role, directory_label="Test directory (fictional)",
        is_sample=True, boundary_source="test boundaries", boundary_notes=(),
    )
    # fields the lead may add later get neutral values (this test is about the Gaps page)
    extra = {f.name: ("" if f.type in ("str", str) else ()) for f in dataclasses.fields(_state.Context) if f.name not in given}
    ctx = _state.Context(**given, **extra)
    original = _state.get_context
    _state.get_context = lambda: ctx  # restored below: other tests use the real one
    i18n.activate(lang)
    try:
        page.render()
    finally:
        _state.get_context = original


@pytest.fixture(scope="module")
def directory_csv(tmp_path_factory) -> Path:
    units = boundaries.load_boundaries("NGA")
    pts = units.geometry.representative_point()
    rows = []
    for i, (code, pt) in enumerate(zip(units["code"], pts)):
        if i % 4:
            continue
        conf = i % 8 == 0
        rows.append(
            {
                "id": f"G{i}", "name": f"Fictional {'hidden' if conf else 'open'} shelter {i}",
                "service_types": "shelter", "latitude": round(pt.y + 0.0123457, 6), "longitude": round(pt.x + 0.0234567, 6),
                "confidential": "yes" if conf else "no", "capacity": 10 + i, "admin1_code": code,
                "phone": f"+999 55{i:02d} 7788" if conf else "+999 100 200",
                "address": f"{i} Hidden Fictional Lane" if conf else "1 Open Fictional St",
                "front_door_contact": "Fictional hotline 0800 111", "fictional": "yes",
            }
        )
    path = tmp_path_factory.mktemp("gaps") / "fictional.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _all_text(at: AppTest) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _run(csv: Path, role: str, setup=None, lang: str = "en") -> AppTest:
    at = AppTest.from_function(_script, args=(str(csv), role, lang), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    if setup is not None:
        setup(at)
        at.run()
        assert not at.exception, at.exception
    return at


def test_public_gaps_page_ranks_units_and_hides_confidential(directory_csv):
    at = _run(directory_csv, "public")
    assert at.title[0].value == "Gaps — Nigeria"
    labels = [m.label for m in at.metric]
    # public view: the lone confidential shelters are banded, so only public ones count as shown
    assert "Units with no shelter shown exactly" in labels and any(lab.startswith("People in settlements beyond 50 km") for lab in labels)
    units_none = next(m.value for m in at.metric if m.label == "Units with no shelter shown exactly")
    n_units = len(boundaries.load_boundaries("NGA"))
    with_public_shelter = len([i for i in range(0, n_units, 4) if i % 8])
    assert units_none == f"{n_units - with_public_shelter} of {n_units}"
    assert [s.value for s in at.subheader][:1] == ["Ranked gaps"]
    assert len(at.dataframe) >= 1
    text = _all_text(at)
    raw = pd.read_csv(directory_csv, dtype=str)
    assert_no_leak(text, raw, where="Gaps page (public)")
    assert "Hidden Fictional Lane" not in text
    assert "Disclosure control" in text and "fewer than 3" in text
    # issue #13: settlements just off the coarse coastline (Lagos) are in the demand, and said so
    captions = " ".join(c.value for c in at.caption)
    assert "lie just outside every unit (coarse coastline or border) and were assigned to the nearest unit within 5 km" in captions
    assert "no demand point is left outside the units" in captions
    assert "Population model: settlements: GeoNames places of 500+ people" in captions  # every figure names its population


def test_weights_and_siting_panel(directory_csv):
    def setup(at: AppTest) -> None:
        at.slider(key="gaps_w_supply").set_value(0.0)
        at.number_input(key="gaps_add_shelter").set_value(2)

    at = _run(directory_csv, "public", setup)
    assert any("Gap index weights: No provider 1, Too few per 100k 0, People beyond reach 1" in c.value for c in at.caption)
    assert "Where the next sites would help most" in [s.value for s in at.subheader]
    tables = [d.value for d in at.dataframe]
    sites = next(t for t in tables if "People newly within reach" in t.columns)
    assert len(sites) == 2 and list(sites["Site"]) == [1, 2]
    assert (sites["People newly within reach"] > 0).all()
    assert_no_leak(_all_text(at), pd.read_csv(directory_csv, dtype=str), where="Gaps page (siting)")


def test_partner_sees_confidential_catchments(directory_csv):
    pub = _all_text(_run(directory_csv, "public"))
    partner = _all_text(_run(directory_csv, "partner"))
    assert "Disclosure control" not in partner
    # more catchment polygons are drawn for a partner (the confidential sites' circles)
    assert partner.count("Within 50 km") >= pub.count("Within 50 km")
    assert "Catchments of confidential sites and distances to them are not drawn" in pub
    assert "Catchments of confidential sites and distances to them are not drawn" not in partner


def _nigeria_raster(tmp: Path, name: str, value: float) -> bytes:
    import numpy as np
    from grids._rasters import write_raster
    from rasterio.transform import from_origin

    path = write_raster(tmp / name, np.full((110, 130), value, dtype="float32"), transform=from_origin(2.6, 14.0, 0.1, 0.1))
    return path.read_bytes()


def test_population_raster_upload_runs_in_stages_and_names_its_model(directory_csv, tmp_path):
    pop = _nigeria_raster(tmp_path, "people.tif", 100.0)
    friction = _nigeria_raster(tmp_path, "friction.tif", 60 / 30_000)  # 30 km/h everywhere

    def setup(at: AppTest) -> None:
        at.file_uploader(key="gaps_grid_upload").upload("people.tif", pop, "image/tiff")
        at.file_uploader(key="gaps_friction_upload").upload("friction.tif", friction, "image/tiff")

    at = _run(directory_csv, "public", setup)
    assert "Over every person: the population grid" in [s.value for s in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    people = int(metrics["People on the grid"].replace(",", ""))
    assert people > 0 and people % 100 == 0
    assert "Beyond 60 minutes" in metrics
    assert metrics["Share of the grid population beyond 50 km"].endswith("%")
    text = _all_text(at)
    assert "Population grid: done (raster: people.tif)" in text
    assert "Population model: raster: people.tif" in text
    table = next(d.value for d in at.dataframe if "People on the grid" in d.value.columns)
    assert table["People on the grid"].sum() == people
    assert_no_leak(text, pd.read_csv(directory_csv, dtype=str), where="Gaps page (population grid)")


@pytest.mark.parametrize("lang", ["en", "es", "fr", "ar"])
def test_a_population_tables_notes_and_errors_in_the_pages_language(directory_csv, lang):
    """A brought population table's notes (a caption) and a bad table's error are in the page's language."""
    from i18n._english import english_in

    codes = list(boundaries.load_boundaries("NGA")["code"])[:3]
    good = ("code,population\n" + f"{codes[0]},0\n{codes[1]},12345\n{codes[2]},678\n").encode()
    bad = ("code,population\n" + f"{codes[0]},lots\n").encode()

    def upload(data: bytes):
        return lambda at: at.file_uploader(key="gaps_pop_upload").upload("pop.csv", data, "text/csv")

    from geomap import i18n

    with i18n.use(lang):  # AppTest formats the selectboxes' options again in this process: in the page's language
        at = _run(directory_csv, "public", upload(good), lang=lang)
        notes = [c.value for c in at.caption if "NaN" in c.value]
        assert len(notes) == 1, [c.value for c in at.caption]
        at = _run(directory_csv, "public", upload(bad), lang=lang)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "'lots'" in errors[0], errors
    if lang == "en":
        assert notes[0] == "Population table: 1 zero population read as unknown (NaN)"
        assert errors[0] == "populations.csv: row 2, column 'population': 'lots' is not a number"
    else:
        assert not english_in(notes[0], lang) and not english_in(errors[0], lang), (notes, errors)
