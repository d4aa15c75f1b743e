"""More errors a person reads when a file is bad (project files, rasters, demand points, mappings,
the store): English exactly as the text of the exception, said in Spanish, French and Arabic where
shown (:func:`geomap.i18n.error_text`: the pages, the CLI)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import rasterio
import tblib.pickling_support
from affine import Affine
from rasterio.io import MemoryFile

from geomap import boundaries, i18n
from geomap.analysis import catchments, demand
from geomap.directory import readers as directory_readers
from geomap.directory import schema as directory_schema
from geomap.grids import cost
from geomap.grids import io as grid_io
from geomap.i18n import Message
from geomap.projects import readers as project_readers
from geomap.projects import schema as project_schema
from geomap.store import users as store_users
from geomap.store._common import SENSITIVITIES as _SENSITIVITIES
from i18n._english import english_in

LANGS = ["es", "fr", "ar"]


def _check(call, english: str, lang: str, *, pickled: bool = True) -> None:
    """``call`` raises an error whose English is ``english`` (with a library's own words in place of
    ``{error}``) and whose ``lang`` text has no English left but those quoted words."""
    with pytest.raises((ValueError, OSError)) as info:
        call()
    err = info.value
    library = str(err.args[0].params.get("error", "")) if isinstance(err.args[0], Message) else ""
    assert str(err) == english.replace("{error}", library)
    assert isinstance(err.args[0], Message) and i18n.error_text(err, "en") == str(err)
    if pickled:  # worker processes copy errors: plainly, and as Dask does (tblib, installed when distributed is
        assert str(pickle.loads(pickle.dumps(err))) == str(err)  # imported, pickles causes and contexts too)
        tblib.pickling_support.install(err)
        assert str(pickle.loads(pickle.dumps(err))) == str(err)
    text = i18n.error_text(err, lang)
    assert text != str(err) and not english_in(text.replace(library, "") if library else text, lang), text


#: Bad project (3W) files: the reader call and the English it said before its errors were messages.
BAD_PROJECT_FILES = {
    "no unit column": (lambda: project_readers.read_projects(b"Project,Partner\nUno,Z\n", filename="3w.csv"),
                       "3w.csv: no column names the admin-1 unit(s) of each project; headers found: Project, Partner; name one "
                       "'admin1_code' or 'admin1_name' (or tag it #adm1+code / #adm1+name), or pass mapping={header: 'admin1_name'}"),
    "no project column": (lambda: project_readers.read_projects(b"Partner,State\nZ,Jalisco\n", filename="3w.csv"),
                          "3w.csv: no column names the project; headers found: Partner, State; name one 'project' (or tag it "
                          "#activity), or pass mapping={header: 'project'}"),
    "mapping target": (lambda: project_schema.map_project_headers(["Nombre"], overrides={"Nombre": "nombre"}),
                       "mapping target 'nombre' is not a project field; valid fields: "
                       + ", ".join(project_schema.PROJECT_FIELD_NAMES)),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(BAD_PROJECT_FILES))
def test_project_file_errors(name, lang):
    call, english = BAD_PROJECT_FILES[name]
    _check(call, english, lang)


def _tif(*, count: int = 1, crs: str | None = "EPSG:4326", transform: Affine = Affine(0.01, 0, 10, 0, -0.01, 0.5)) -> bytes:
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", height=2, width=2, count=count, dtype="float32", crs=crs, transform=transform) as dst:
            dst.write(np.ones((count, 2, 2), dtype="float32"))
        return mem.read()


def _upload(data: bytes) -> None:
    with grid_io.open_upload(data, filename="pop.tif"):
        pass


def _friction(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "friction.tif").write_bytes(data)
    with grid_io.open_upload(_tif(), filename="pop.tif") as info:
        cost.friction_raster(str(tmp_path / "friction.tif")).check(info)


def _speeds(tmp_path: Path, text: str) -> None:
    (tmp_path / "speeds.csv").write_text(text)
    cost.read_speed_table(tmp_path / "speeds.csv")


#: Bad rasters and speed tables (call with a temporary folder, English as before its errors were
#: messages; where a library explains, its words follow the English given here).
BAD_RASTERS = {
    "not a raster": (lambda tmp: _upload(b"GIF89a not a raster"),
                     "pop.tif: not a raster geomap can read (a GeoTIFF or COG of people per cell is expected): {error}"),
    "no CRS": (lambda tmp: _upload(_tif(crs=None)),
               "pop.tif: the raster has no coordinate reference system; assign one (e.g. gdal_edit.py -a_srs EPSG:4326)"),
    "rotated": (lambda tmp: _upload(_tif(transform=Affine(0.01, 0.001, 10, 0.001, -0.01, 0.5))),
                "pop.tif: rotated rasters are not supported; warp it north-up first (gdalwarp)"),
    "three bands": (lambda tmp: _upload(_tif(count=3)), "pop.tif: 3 bands; a population raster has one band (persons per cell)"),
    "friction not a raster": (lambda tmp: _friction(tmp, b"not a raster"),
                              "{tmp}/friction.tif: not a raster geomap can read as friction or land cover: {error}"),
    "friction without CRS": (lambda tmp: _friction(tmp, _tif(crs=None)),
                             "{tmp}/friction.tif: the raster has no coordinate reference system; assign one before using it as "
                             "friction or land cover"),
    "speed table columns": (lambda tmp: _speeds(tmp, "clase,kmh\n10,5\n"),
                            "{tmp}/speeds.csv: a speed table needs the columns class and speed_kmh; found clase, kmh"),
    "speed table row": (lambda tmp: _speeds(tmp, "class,speed_kmh\n10,5\nforest,fast\n"),
                        "{tmp}/speeds.csv, row 3: class 'forest' and speed_kmh 'fast' must be numbers"),
    "negative speed": (lambda tmp: cost.friction_landcover("cover.tif", {10: -5.0}),
                       "speed for land-cover class 10 must be a non-negative number of km/h, got -5.0"),
}


def _demand(text: bytes) -> None:
    demand.read_demand_points(_named(text, "points.csv"))


def _named(data: bytes, name: str) -> io.BytesIO:
    buf = io.BytesIO(data)
    buf.name = name
    return buf


#: Bad demand-point files and road graphs (call with a temporary folder, English as before).
BAD_DEMAND_AND_ROADS = {
    "not UTF-8": (lambda tmp: _demand(b"lat,lon,pop\n\xff\xfe,1,2\n"),
                  "points.csv: could not read as a UTF-8 CSV ({error}); save it as CSV UTF-8 and try again"),
    "no latitude": (lambda tmp: _demand(b"lon,pop\n1,2\n"),
                    "points.csv: no latitude column; name one of: latitude, lat, y, latitud (found: lon, pop)"),
    "no longitude": (lambda tmp: _demand(b"lat,pop\n1,2\n"),
                     "points.csv: no longitude column; name one of: longitude, lon, long, lng, x, longitud (found: lat, pop)"),
    "no population": (lambda tmp: _demand(b"lat,lon\n1,2\n"),
                      "points.csv: no population column; name one of: population, pop, poblacion, habitants, inhabitants, weight, "
                      "demand, people (found: lat, lon)"),
    "bad coordinates": (lambda tmp: _demand(b"lat,lon,pop\n20.6,-103.3,5\n95,-103.3,5\n"),
                        "points.csv, row 3: latitude '95' / longitude '-103.3' are not valid decimal degrees"),
    "bad population": (lambda tmp: _demand(b"lat,lon,pop\n20.6,-103.3,many\n"),
                       "points.csv, row 2: population 'many' is not a non-negative number"),
    "road upload type": (lambda tmp: catchments.load_road_graph(b"x", filename="roads.shp"),
                         "road graph upload 'roads.shp': unsupported type '.shp'; give an OSM XML (.osm) or a .graphml file"),
    "road file type": (lambda tmp: (tmp / "roads.shp").write_bytes(b"x") and catchments.load_road_graph(tmp / "roads.shp"),
                       "road graph file {tmp}/roads.shp: unsupported type '.shp'; give an OSM XML (.osm) or a .graphml file"),
    "no road file": (lambda tmp: catchments.load_road_graph(tmp / "roads.osm"), "road graph file {tmp}/roads.osm does not exist"),
    "no road graph": (lambda tmp: catchments.load_road_graph(None), "no road graph: give a local .osm/.graphml file, or a bbox with "
                      "allow_download=True"),
}


#: Errors of files read from a temporary folder: rasters, demand points and road graphs.
BAD_FILES = {**BAD_RASTERS, **BAD_DEMAND_AND_ROADS}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(BAD_FILES))
def test_raster_demand_point_and_road_graph_errors(name, lang, tmp_path):
    call, english = BAD_FILES[name]
    _check(lambda: call(tmp_path), english.replace("{tmp}", str(tmp_path)), lang)


_FIELDS = ", ".join(directory_schema.FIELD_NAMES)


def _mapping_file(tmp: Path, text: str) -> dict[str, str]:
    (tmp / "map.json").write_text(text)
    return directory_readers.load_mapping(tmp / "map.json")


#: The bundled layer's unknown country and bad mapping files (call with a temporary folder, English as before).
BAD_COUNTRIES_AND_MAPPINGS = {
    "unknown country": (lambda tmp: boundaries.resolve_country("Mexco"),
                        "unknown country 'Mexco': give an ISO 3166-1 alpha-2 or alpha-3 code or an English name (closest: "
                        "{closest}); `geomap boundaries list` shows them all"),
    "no close country": (lambda tmp: boundaries.resolve_country("QQQQQQQQ"),
                         "unknown country 'QQQQQQQQ': give an ISO 3166-1 alpha-2 or alpha-3 code or an English name (closest: none); "
                         "`geomap boundaries list` shows them all"),
    "mapping not JSON": (lambda tmp: _mapping_file(tmp, "{nope"), "{tmp}/map.json: not a JSON mapping file ({error})"),
    "mapping not an object": (lambda tmp: _mapping_file(tmp, "[1, 2]"),
                              "{tmp}/map.json: a mapping file must be a JSON object of {header: field} strings"),
    "mapping file target": (lambda tmp: _mapping_file(tmp, '{"Nombre": "nombre"}'),
                            "{tmp}/map.json: mapping target 'nombre' is not a directory field; valid fields: " + _FIELDS),
    "mapping target": (lambda tmp: directory_readers.mappings_json(columns={"Nombre": "nombre"}),
                       "mapping target 'nombre' is not a directory field; valid fields: " + _FIELDS),
    "category mapping": (lambda tmp: directory_schema.check_category_mapping({"abogados": "lawyers"}, source="map.json"),
                         "map.json: 'abogados' is mapped to 'lawyers', which is not a category code; valid codes: "
                         + ", ".join(directory_schema.CATEGORIES) + " (or empty to ignore it)"),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(BAD_COUNTRIES_AND_MAPPINGS))
def test_country_and_mapping_errors(name, lang, tmp_path):
    call, english = BAD_COUNTRIES_AND_MAPPINGS[name]
    if "{closest}" in english:
        with pytest.raises(ValueError) as info:
            call(tmp_path)
        english = english.replace("{closest}", ", ".join(info.value.args[0].params["closest"]))
        assert "Mexico (MEX)" in english
    _check(lambda: call(tmp_path), english.replace("{tmp}", str(tmp_path)), lang)


@pytest.fixture(scope="module")
def _store(tmp_path_factory):
    from geomap import store as st
    from geomap.store import seed

    s = st.open_store(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.gpkg'}")
    nga = seed.SAMPLE_NAMES["NGA"]
    gone = st.get_record(s, nga, "NG-SAMPLE-0003")
    st.delete_record(s, nga, "NG-SAMPLE-0003", expected_version=gone["version"], by="ana", role=st.EDITOR, reason="closed")
    store_users.add_user(s, "ana", "a long enough password", role=st.EDITOR, rounds=4)
    yield s, nga
    s.close()


def _version(s, nga: str, record: str) -> int:
    from geomap import store as st

    return st.get_record(s, nga, record)["version"]


def _held(s, nga: str) -> int:
    """Every record row of the directory, deleted ones included (what deleting it would remove)."""
    import sqlalchemy as sa

    from geomap.store import tables

    r = tables.records
    with s.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(r).where(r.c.directory == nga)).scalar_one())


#: The store's errors shown on the Records and Admin pages (call with the store and the sample
#: directory's name; English as before; "{nga}" stands for that name).
STORE_ERRORS = {
    "conflict": (lambda st, s, nga: st.update_record(s, nga, "NG-SAMPLE-0004", {"hours": "mine"}, by="bo", role=st.EDITOR,
                                                     expected_version=_version(s, nga, "NG-SAMPLE-0004") + 5),
                 "record NG-SAMPLE-0004: changed by someone else since you opened it (you edited version {v4+5}, the store has "
                 "version {v4}); nothing saved. hours: stored {hours}, yours 'mine'"),
    "role": (lambda st, s, nga: st.update_record(s, nga, "NG-SAMPLE-0004", {"hours": "x"}, expected_version=1, by="pat",
                                                 role=st.PARTNER),
             "editing a record needs the editor role; this session is partner"),
    "unknown fields": (lambda st, s, nga: st.update_record(s, nga, "NG-SAMPLE-0004", {"colour": "x"}, by="ana", role=st.EDITOR,
                                                           expected_version=_version(s, nga, "NG-SAMPLE-0004")),
                       "record NG-SAMPLE-0004: unknown field(s) colour; fields are " + _FIELDS),
    "not in directory": (lambda st, s, nga: st.get_record(s, nga, "NG-NOPE"), "record 'NG-NOPE' is not in directory '{nga}'"),
    "deleted": (lambda st, s, nga: st.update_record(s, nga, "NG-SAMPLE-0003", {"hours": "x"}, by="ana", role=st.EDITOR,
                                                    expected_version=_version(s, nga, "NG-SAMPLE-0003")),
                "record 'NG-SAMPLE-0003' of '{nga}' is deleted; restore an earlier version to bring it back"),
    "not deleted": (lambda st, s, nga: st.restore_record(s, nga, "NG-SAMPLE-0004", by="ana", role=st.EDITOR),
                    "record 'NG-SAMPLE-0004' of '{nga}' is not deleted; to go back to an earlier version, restore that version"),
    "no version": (lambda st, s, nga: st.version_of(s, nga, "NG-SAMPLE-0004", 99),
                   "record 'NG-SAMPLE-0004' of '{nga}' has no version 99"),
    "account exists": (lambda st, s, nga: store_users.add_user(s, "ana", "another long password", rounds=4),
                       "an account named 'ana' exists; use passwd to change it"),
    "no account": (lambda st, s, nga: store_users.set_role(s, "nobody", st.EDITOR), "no account named 'nobody'"),
    "bad role": (lambda st, s, nga: store_users.set_role(s, "ana", "boss"), "account role 'boss' is not one of partner, editor, admin"),
    # the Admin page's directory errors (geomap.store.directories)
    "directory name": (lambda st, s, nga: st.create_directory(s, "  ", country="NGA", role=st.ADMIN),
                       "directory name '  ': give 1 to 200 characters"),
    "directory sensitivity": (lambda st, s, nga: st.create_directory(s, "Otro", country="NGA", role=st.ADMIN, sensitivity="secret"),
                              "directory 'Otro': sensitivity 'secret' is not one of " + ", ".join(_SENSITIVITIES)),
    "directory kind": (lambda st, s, nga: st.create_directory(s, "Otro", country="NGA", role=st.ADMIN, kind="maps"),
                       "directory 'Otro': kind 'maps' is not one of directory, projects"),
    "directory exists": (lambda st, s, nga: st.create_directory(s, nga, country="NGA", role=st.ADMIN),
                         "a directory named '{nga}' already exists"),
    "no directory": (lambda st, s, nga: st.get_directory(s, "Nada"),
                     "no directory named 'Nada' in the store; known: " + "{known}"),
    "directory of another country": (lambda st, s, nga: st.ensure_directory(s, nga, country="MEX", role=st.ADMIN),
                                     "directory '{nga}' is for NGA, not MEX; pick another name or --country NGA"),
    "rename to a taken name": (lambda st, s, nga: st.ensure_directory(s, "Otro", country="NGA", role=st.ADMIN)
                               and st.rename_directory(s, "Otro", nga, role=st.ADMIN),
                               "a directory named '{nga}' already exists; pick another name"),
    "import key field": (lambda st, s, nga: st.read_import_file(b"id,name\n1,x\n", filename="x.csv", key="clave"),
                         "key field 'clave' is not a directory field; use one of " + _FIELDS),
    "proposal not pending": (lambda st, s, nga: st.approve(s, "P-NOPE", by="ana", role=st.EDITOR),
                             "proposal 'P-NOPE' is not pending (unknown, or already decided)"),
    "delete unconfirmed": (lambda st, s, nga: st.delete_directory(s, nga, role=st.ADMIN),
                           "directory '{nga}' holds {held} records (deleted ones included): confirm that they and their history go "
                           "with it (geomap store delete-directory --yes; in the app, type its name)"),
}


@pytest.mark.store
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(STORE_ERRORS))
def test_store_errors(name, lang, _store):
    from geomap import store as st

    s, nga = _store
    call, english = STORE_ERRORS[name]
    v4 = _version(s, nga, "NG-SAMPLE-0004")
    hours = repr(st.get_record(s, nga, "NG-SAMPLE-0004")["data"].get("hours"))
    english = english.replace("{nga}", nga).replace("{v4+5}", str(v4 + 5)).replace("{v4}", str(v4)).replace("{hours}", hours)
    english = english.replace("{known}", ", ".join(st.directory_names(s))).replace("{held}", str(_held(s, nga)))
    _check(lambda: call(st, s, nga), english, lang, pickled=False)  # the store's errors stay in the process that raised them


@pytest.mark.store
@pytest.mark.parametrize("lang", LANGS)
def test_import_changed_since_its_preview(lang, _store):
    """An import previewed, then the directory edited: committing says what is there now, in the language."""
    from geomap import store as st

    s, nga = _store
    name = f"Renamed by the import ({lang})"
    rows, rejected = st.read_import_file(f"id,name,admin1_name\nNG-SAMPLE-0004,{name},Lagos\n".encode(), filename="x.csv")
    plan = st.preview_import(s, nga, rows, rejected)
    st.update_record(s, nga, "NG-SAMPLE-0004", {"name": name}, by="ana", role=st.EDITOR, expected_version=_version(s, nga, "NG-SAMPLE-0004"))
    now = st.preview_import(s, nga, rows, rejected)
    english = (f"directory '{nga}' changed since the preview ({len(now.new)} new, {len(now.changed)} changed, "
               f"{len(now.unchanged)} unchanged, {len(now.missing)} not in the file now); preview the import again")
    _check(lambda: st.commit_import(s, plan, by="ana", role=st.EDITOR), english, lang, pickled=False)
