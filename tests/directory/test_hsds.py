"""HSDS 3.0 out and in: the export validates against the specification; taxonomies give categories.

The validation uses ``frictionless`` with the specification's own ``datapackage.json`` (in
``../shared/realdata/hsds-3.0-examples``); the specification's example CSVs go through the same
check, which proves the check can pass (every table) and can fail (the example's own dangling
references). Provider records here are fictional.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from geomap import pipeline
from geomap.directory import hsds, privacy, schema, writers
from geomap.directory.readers import read_directory

frictionless = pytest.importorskip("frictionless")

SAMPLES = {"NG": "nigeria_sample_fictional.csv", "MX": "mexico_sample_fictional.csv"}


def _spec(realdata_dir: Path) -> dict:
    return json.loads((realdata_dir / "hsds-3.0-examples" / "datapackage.json").read_text(encoding="utf-8"))


def _table_errors(spec: dict, folder: Path) -> dict[str, list[list]]:
    """Each table of the package checked alone against the specification's table schema."""
    out = {}
    for res in spec["resources"]:
        schema_ = {k: v for k, v in res["schema"].items() if k != "foreignKeys"}
        resource = frictionless.Resource(path=res["path"], basepath=str(folder), schema=frictionless.Schema.from_descriptor(schema_))
        out[res["path"]] = resource.validate().flatten(["rowNumber", "fieldName", "type", "note"])
    return out


def _package_errors(spec: dict, folder: Path) -> list[list]:
    """The whole package against the specification's descriptor, foreign keys included."""
    report = frictionless.Package.from_descriptor(copy.deepcopy(spec), basepath=str(folder)).validate()
    return [[task.name, *err] for task in report.tasks for err in task.flatten(["fieldName", "type", "note"])]


def _export(directory: pd.DataFrame, folder: Path) -> Path:
    writers.write_directory(directory, folder, format="hsds")
    return folder


@pytest.fixture(scope="module")
def resolved() -> dict[str, pd.DataFrame]:
    out = {}
    for country, name in SAMPLES.items():
        units = pipeline.load_units(country)
        out[country] = pipeline.load_directory(Path("data/providers") / name, units=units, country=country)
    return out


# ------------------------------------------------------------------- the specification


@pytest.mark.realdata
def test_the_check_passes_on_the_specification_example_and_finds_its_dangling_keys(realdata_dir):
    spec = _spec(realdata_dir)
    folder = realdata_dir / "hsds-3.0-examples"
    errors = _table_errors(spec, folder)
    assert len(errors) == 21
    assert {k: v for k, v in errors.items() if v} == {}
    # the example's ids point at rows it does not carry: the foreign-key check sees them
    dangling = {(e[0], e[2]) for e in _package_errors(spec, folder)}
    assert dangling == {("location", "foreign-key"), ("contact", "foreign-key"), ("taxonomy_term", "foreign-key")}


@pytest.mark.realdata
def test_our_tables_are_the_specification_tables(realdata_dir):
    spec = _spec(realdata_dir)
    ours = hsds.descriptor()
    assert [(r["name"], r["path"]) for r in ours["resources"]] == [(r["name"], r["path"]) for r in spec["resources"]]
    for mine, theirs in zip(ours["resources"], spec["resources"]):
        for a, b in zip(mine["schema"]["fields"], theirs["schema"]["fields"], strict=True):
            keep = ("required", "unique", "enum")
            assert (a["name"], a["type"], a.get("format")) == (b["name"], b["type"], b.get("format")), mine["name"]
            assert {k: a["constraints"].get(k) for k in keep} == {k: b["constraints"].get(k) for k in keep}, (mine["name"], a["name"])
        fk = lambda s: sorted((f["fields"], f["reference"]["resource"]) for f in s.get("foreignKeys", []))  # noqa: E731
        assert fk(mine["schema"]) == fk(theirs["schema"]), mine["name"]


@pytest.mark.realdata
@pytest.mark.parametrize(("country", "view"), [("NG", "public"), ("MX", "public"), ("NG", "full")])
def test_export_validates_against_the_specification(realdata_dir, resolved, tmp_path, country, view):
    directory = resolved[country]
    if view == "public":
        directory = privacy.public_view(directory)
    folder = _export(directory, tmp_path / "pkg")
    spec = _spec(realdata_dir)
    errors = _table_errors(spec, folder)
    assert len(errors) == 21
    assert {k: v for k, v in errors.items() if v} == {}
    assert _package_errors(spec, folder) == []
    # and against the descriptor shipped in the package
    report = frictionless.Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])[:5]


@pytest.mark.realdata
def test_export_of_awkward_values_validates(realdata_dir, tmp_path):
    d = pd.DataFrame({f: [None, None] for f in schema.FIELD_NAMES}, dtype=object)
    d["id"] = ["same", "same"]  # a duplicate id still gives distinct UUIDs
    d["name"] = [None, "Refuge (fictif)"]
    d["service_types"] = ["shelter; Shelter; Operational Presence: Protection; Something local", None]
    d["languages"] = ["Hausa; Hausa; English", None]  # written twice: one row, one id
    d["website"] = ["example.org", "https://example.org/x"]
    d["email"] = ["nobody", "a@example.org"]
    d["latitude"] = ["12°N", "6.5"]
    d["longitude"] = ["east", "3.25"]
    d["last_verified"] = ["last spring", "2024-05-01"]
    d["phone"] = ["+000 111 (fictional)", None]
    folder = _export(d, tmp_path / "pkg")
    spec = _spec(realdata_dir)
    assert {k: v for k, v in _table_errors(spec, folder).items() if v} == {}
    assert _package_errors(spec, folder) == []
    back = read_directory(folder)
    for field in ("website", "email", "latitude", "longitude", "last_verified", "name", "phone"):
        assert back[field].tolist() == [None if schema.is_missing(v) else v for v in d[field]], field


# ------------------------------------------------------------------- round trip


@pytest.mark.parametrize("country", sorted(SAMPLES))
def test_reading_our_export_back_gives_the_same_records(tmp_path, country):
    raw = read_directory(Path("data/providers") / SAMPLES[country])
    back = read_directory(_export(raw, tmp_path / "pkg"))
    assert len(back) == len(raw)
    for field in schema.FIELD_NAMES:
        if field == "service_types":  # written as codes: the same categories
            assert back[field].map(lambda v: schema.parse_service_types(v)[0]).tolist() == raw[field].map(
                lambda v: schema.parse_service_types(v)[0]
            ).tolist()
        else:
            assert back[field].tolist() == raw[field].tolist(), field
    assert back["extra"].tolist() == raw["extra"].tolist()
    assert back.attrs["warnings"] == []


# ------------------------------------------------------------------- taxonomies in


def _csv(rows: list[dict], cols: list[str]) -> str:
    buf = io.StringIO()
    pd.DataFrame(rows, columns=cols).to_csv(buf, index=False)
    return buf.getvalue()


def _package(tmp_path: Path, files: dict[str, str], version: str) -> Path:
    root = tmp_path / f"hsds{version}"
    root.mkdir()
    base = {
        "organizations.csv": _csv([{"id": "o1", "name": "Fictional Org"}], ["id", "name"]),
        "services.csv": _csv(
            [{"id": "s1", "organization_id": "o1", "name": "Safe house (fictional)", "taxonomy_ids": files.pop("taxonomy_ids", "")},
             {"id": "s2", "organization_id": "o1", "name": "Clinic (fictional)"}],
            ["id", "organization_id", "name", "taxonomy_ids"],
        ),
        "locations.csv": _csv([{"id": "l1", "organization_id": "o1", "name": "Site"}], ["id", "organization_id", "name"]),
    }
    desc = {"name": "fictional", "version": version, "resources": []}
    for name, text in {**base, **files, "datapackage.json": json.dumps(desc)}.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_hsds3_taxonomy_terms_and_attributes_give_categories(tmp_path):
    root = _package(
        tmp_path,
        {
            "taxonomy_terms.csv": _csv(
                [{"id": "t1", "code": "PRO", "name": "Protection"}, {"id": "t2", "code": "LEG", "name": "Legal aid"},
                 {"id": "t3", "code": "X9", "name": "Livelihoods fund"}],
                ["id", "code", "name", "description"],
            ),
            "attributes.csv": _csv(
                [{"id": "a1", "link_id": "s1", "taxonomy_term_id": "t2", "link_entity": "service"},
                 {"id": "a2", "link_id": "s1", "taxonomy_term_id": "t3", "link_entity": "service"},
                 {"id": "a3", "link_id": "s2", "taxonomy_term_id": "t1", "link_entity": "service"},
                 {"id": "a4", "link_id": "l1", "taxonomy_term_id": "t1", "link_entity": "location"}],
                ["id", "link_id", "taxonomy_term_id", "link_entity"],
            ),
        },
        "3.0.0",
    )
    df = read_directory(root)
    by_name = dict(zip(df["name"], df["service_types"]))
    # every term linked to the service, as written (known or not); location links are not categories
    assert by_name["Safe house (fictional)"] == "Legal aid; Livelihoods fund"
    assert schema.parse_service_types(by_name["Safe house (fictional)"]) == (["legal_aid"], ["Livelihoods fund"])
    assert by_name["Clinic (fictional)"] == "Protection"
    assert not any("taxonom" in w or "attribute" in w for w in df.attrs["warnings"])


def test_hsds1_taxonomy_and_services_taxonomy_give_categories(tmp_path):
    root = _package(
        tmp_path,
        {
            "taxonomy.csv": _csv(
                [{"id": "x1", "name": "Legal aid"}, {"id": "x2", "name": "Counselling"}, {"id": "x3", "name": "Food pantry"}],
                ["id", "name", "parent_id", "parent_name", "vocabulary"],
            ),
            "services_taxonomy.csv": _csv(
                [{"id": "st1", "service_id": "s2", "taxonomy_id": "x1"}, {"id": "st2", "service_id": "s2", "taxonomy_id": "x3"}],
                ["id", "service_id", "taxonomy_id", "taxonomy_detail"],
            ),
            "taxonomy_ids": "x2",
        },
        "1.1",
    )
    df = read_directory(root)
    assert df.attrs["hsds_version"] == "1.1"
    by_name = dict(zip(df["name"], df["service_types"]))
    assert by_name["Clinic (fictional)"] == "Legal aid; Food pantry"
    assert schema.parse_service_types(by_name["Clinic (fictional)"]) == (["legal_aid"], ["Food pantry"])
    assert by_name["Safe house (fictional)"] == "Counselling"


def test_field_terms_are_not_categories(tmp_path):
    d = pd.DataFrame({f: [None] for f in schema.FIELD_NAMES}, dtype=object)
    d["name"], d["service_types"], d["town"], d["capacity"] = ["A (fictional)"], ["shelter"], ["Kano"], ["12"]
    z = zipfile.ZipFile(io.BytesIO(writers.to_bytes(d, format="hsds")))
    terms = pd.read_csv(io.BytesIO(z.read("taxonomy_terms.csv")), dtype=str)
    assert set(terms.loc[terms["taxonomy_id"] == hsds.FIELD_TAXONOMY_ID, "name"]) >= {"town", "capacity"}
    back = read_directory(writers.to_bytes(d, format="hsds"), filename="x.zip")
    assert back.loc[0, "service_types"] == "shelter"
    assert (back.loc[0, "town"], back.loc[0, "capacity"]) == ("Kano", "12")
