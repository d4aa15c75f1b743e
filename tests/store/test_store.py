"""The store on both backends: import with preview, history, concurrency, proposals, backup."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from geomap import pipeline
from geomap import store as st
from geomap.directory import privacy
from geomap.store import seed
from tests.store.conftest import BACKENDS

NGA = seed.SAMPLE_NAMES["NGA"]
SAMPLE = pipeline.sample_directory_path("NGA")


def _sample_rows() -> tuple[list[str], list[dict]]:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _csv_bytes(header: list[str], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _edited_file(tmp_path: Path) -> Path:
    """The Nigeria sample with 2 records changed, the last 3 left out and 1 new record."""
    header, rows = _sample_rows()
    rows = rows[:-3]
    rows[0] = {**rows[0], "phone": "+234 000 000 9999 (fictional)"}
    rows[1] = {**rows[1], "hours": "Mon-Sun 00:00-24:00", "capacity": "12"}
    rows.append({**rows[2], "id": "NG-SAMPLE-NEW1", "name": "Sample New Office (fictional)"})
    path = tmp_path / "edited.csv"
    path.write_bytes(_csv_bytes(header, rows))
    return path


@BACKENDS
def test_fresh_store_is_seeded_with_fictional_samples(store):
    table = st.list_directories(store).set_index("name")
    assert table.loc[NGA, "records"] == 150
    assert table.loc[seed.SAMPLE_NAMES["MEX"], "records"] == 200
    assert table["fictional"].all()
    assert st.schema_version(store) == st.HEAD
    raw = st.read_directory(store, NGA)
    assert raw.attrs["fictional"] is True
    assert set(raw["fictional"]) == {"true"}
    # opening again neither re-seeds nor migrates
    again = st.open_store(store.engine.url.render_as_string(hide_password=False))
    assert st.list_directories(again)["records"].sum() == 350
    again.close()


def test_embedded_store_is_a_geopackage_gdal_reads(tmp_path):
    pyogrio = pytest.importorskip("pyogrio")
    s = st.open_store(settings=None, url=f"sqlite:///{tmp_path / 'g.gpkg'}")
    s.close()
    with (tmp_path / "g.gpkg").open("rb") as fh:
        header = fh.read(100)
    assert header[68:72] == b"GPKG"
    layers = dict(pyogrio.list_layers(tmp_path / "g.gpkg"))
    assert {"records", "directories", "changes", "proposals"} <= set(layers)
    assert len(pyogrio.read_dataframe(tmp_path / "g.gpkg", layer="directories")) == 2


def test_default_store_lives_under_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GEOMAP_DATABASE_URL", raising=False)
    s = st.open_store()
    assert s.backend == "geopackage"
    assert Path(s.location) == tmp_path / "data" / st.STORE_FILENAME
    s.close()


@BACKENDS
def test_import_preview_counts_and_fields_then_commit(store, tmp_path):
    rows, rejected = st.read_import_file(_edited_file(tmp_path))
    plan = st.preview_import(store, NGA, rows, rejected)
    assert plan.summary() == "1 new, 2 changed, 145 unchanged, 3 not in the file"
    assert plan.changed == {"NG-SAMPLE-0001": ["phone"], "NG-SAMPLE-0002": ["capacity", "hours"]}
    before = st.dump(store)
    assert st.dump(store) == before  # the preview wrote nothing
    done = st.commit_import(store, plan, by="ana", role=st.EDITOR)
    assert done.summary() == plan.summary()
    table = st.list_directories(store).set_index("name")
    assert table.loc[NGA, "records"] == 151  # nothing deleted unless asked
    record = st.get_record(store, NGA, "NG-SAMPLE-0002")
    assert record["version"] == 2 and record["data"]["capacity"] == "12"
    again = st.preview_import(store, NGA, rows, rejected)
    assert again.summary() == "0 new, 0 changed, 148 unchanged, 3 not in the file"
    st.commit_import(store, again, by="ana", role=st.EDITOR, delete_missing=True)
    assert st.list_directories(store).set_index("name").loc[NGA, "records"] == 148


@BACKENDS
def test_import_lists_rows_it_cannot_import(store, tmp_path):
    header, rows = _sample_rows()
    rows = [rows[0], {**rows[1], "id": ""}, {**rows[2], "id": rows[0]["id"]}]
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv_bytes(header, rows))
    found, rejected = st.read_import_file(path)
    assert list(found) == [rows[0]["id"]]
    assert [r for r, _ in rejected] == [3, 4]
    assert "row 3: no 'id' value" in rejected[0][1] and "repeats row 2" in rejected[1][1]


@BACKENDS
def test_edit_history_and_restore_earlier_version(store):
    rec = st.get_record(store, NGA, "NG-SAMPLE-0003")
    old_phone = rec["data"]["phone"]
    v2 = st.update_record(store, NGA, "NG-SAMPLE-0003", {"phone": "+234 111 (fictional)"}, expected_version=rec["version"],
                          by="ana", role=st.EDITOR, reason="called the office")
    log = st.history(store, NGA, "NG-SAMPLE-0003")
    last = log[log["version"] == v2].iloc[0]
    assert (last["field_name"], last["previous_value"], last["replacement_value"]) == ("phone", old_phone, "+234 111 (fictional)")
    assert (last["updated_by"], last["reason"], last["last_action_type"]) == ("ana", "called the office", "update")
    created = log[log["version"] == 1].set_index("field_name")
    assert created.loc["phone", "previous_value"] is None and created.loc["phone", "last_action_type"] == "create"
    assert set(log.columns) >= {"resource_id", "resource_type", "last_action_date", "last_action_type", "field_name",
                                "previous_value", "replacement_value", "updated_by"}
    v3 = st.restore_version(store, NGA, "NG-SAMPLE-0003", 1, expected_version=v2, by="bo", role=st.EDITOR)
    assert st.get_record(store, NGA, "NG-SAMPLE-0003")["data"]["phone"] == old_phone
    assert st.version_of(store, NGA, "NG-SAMPLE-0003", v2)["phone"] == "+234 111 (fictional)"
    assert st.history(store, NGA, "NG-SAMPLE-0003")["version"].max() == v3


@BACKENDS
def test_conflicting_edits_second_refused_with_both_values_nothing_lost(store):
    rec = st.get_record(store, NGA, "NG-SAMPLE-0004")
    st.update_record(store, NGA, "NG-SAMPLE-0004", {"hours": "first editor"}, expected_version=rec["version"],
                     by="ana", role=st.EDITOR)
    with pytest.raises(st.ConflictError) as err:
        st.update_record(store, NGA, "NG-SAMPLE-0004", {"hours": "second editor"}, expected_version=rec["version"],
                         by="bo", role=st.EDITOR)
    assert err.value.theirs == {"hours": "first editor"} and err.value.yours == {"hours": "second editor"}
    assert "first editor" in str(err.value) and "second editor" in str(err.value)
    now = st.get_record(store, NGA, "NG-SAMPLE-0004")
    assert now["data"]["hours"] == "first editor" and now["version"] == rec["version"] + 1
    log = st.history(store, NGA, "NG-SAMPLE-0004")
    assert list(log.loc[log["last_action_type"] == "update", "updated_by"]) == ["ana"]


@BACKENDS
def test_verify_delete_and_roles(store):
    v = st.verify_record(store, NGA, "NG-SAMPLE-0005", by="ana", role=st.EDITOR)
    rec = st.get_record(store, NGA, "NG-SAMPLE-0005")
    assert rec["verified_by"] == "ana" and rec["data"]["last_verified"] == rec["verified_at"]
    with pytest.raises(st.RoleError, match="editor role"):
        st.update_record(store, NGA, "NG-SAMPLE-0005", {"hours": "x"}, expected_version=v, by="pat", role=st.PARTNER)
    st.delete_record(store, NGA, "NG-SAMPLE-0005", expected_version=v, by="ana", role=st.EDITOR, reason="closed")
    assert "NG-SAMPLE-0005" not in set(st.read_directory(store, NGA)["id"])
    st.restore_version(store, NGA, "NG-SAMPLE-0005", v, expected_version=v + 1, by="ana", role=st.EDITOR)
    assert "NG-SAMPLE-0005" in set(st.read_directory(store, NGA)["id"])


@BACKENDS
def test_proposals_hidden_from_public_until_approved(store):
    rec = st.get_record(store, NGA, "NG-SAMPLE-0006")
    pid = st.propose(store, NGA, "NG-SAMPLE-0006", {"hours": "proposed hours"}, by="pat", role=st.PARTNER)
    new = st.propose(store, NGA, "NG-SAMPLE-PROP", {"id": "NG-SAMPLE-PROP", "name": "Proposed Office (fictional)",
                                                    "service_types": "legal_aid", "admin1_code": "NG-LA"},
                     by="pat", role=st.PARTNER)
    with pytest.raises(st.RoleError):
        st.propose(store, NGA, "NG-SAMPLE-0006", {"hours": "x"}, by="anon", role=st.PUBLIC)
    with pytest.raises(st.RoleError):
        st.list_proposals(store, NGA, role=st.PUBLIC)
    raw = st.read_directory(store, NGA)
    assert "proposed hours" not in set(raw["hours"].dropna()) and "NG-SAMPLE-PROP" not in set(raw["id"])
    assert len(st.list_proposals(store, NGA, role=st.PARTNER)) == 2
    with pytest.raises(st.RoleError):
        st.approve(store, pid, by="pat", role=st.PARTNER)
    st.approve(store, pid, by="ed", role=st.EDITOR)
    st.approve(store, new, by="ed", role=st.EDITOR)
    raw = st.read_directory(store, NGA).set_index("id")
    assert raw.loc["NG-SAMPLE-0006", "hours"] == "proposed hours" and "NG-SAMPLE-PROP" in raw.index
    assert st.get_record(store, NGA, "NG-SAMPLE-0006")["version"] == rec["version"] + 1
    assert st.list_proposals(store, NGA, role=st.PARTNER).empty


@BACKENDS
def test_backup_restore_round_trip_identical(store, tmp_path):
    st.update_record(store, NGA, "NG-SAMPLE-0007", {"hours": "before backup"}, expected_version=1, by="ana", role=st.EDITOR)
    st.propose(store, NGA, "NG-SAMPLE-0008", {"hours": "pending"}, by="pat", role=st.PARTNER)
    before = st.dump(store)
    counts = st.backup(store, tmp_path / "backup.gpkg")
    assert counts["records"] == 350 and counts["proposals"] == 1
    with pytest.raises(ValueError, match="exists"):
        st.backup(store, tmp_path / "backup.gpkg")
    st.update_record(store, NGA, "NG-SAMPLE-0007", {"hours": "after backup"}, expected_version=2, by="ana", role=st.EDITOR)
    st.delete_record(store, NGA, "NG-SAMPLE-0009", expected_version=1, by="ana", role=st.EDITOR)
    assert st.dump(store) != before
    st.restore(store, tmp_path / "backup.gpkg")
    assert st.dump(store) == before
    (tmp_path / "junk.gpkg").write_bytes(b"not a store")
    with pytest.raises(ValueError, match="not a geomap backup"):
        st.restore(store, tmp_path / "junk.gpkg")
    assert st.dump(store) == before


@BACKENDS
def test_directory_as_of_a_date(store):
    st.update_record(store, NGA, "NG-SAMPLE-0010", {"hours": "later"}, expected_version=1, by="ana", role=st.EDITOR)
    log = st.history(store, NGA, "NG-SAMPLE-0010")
    first = log.loc[log["version"] == 1, "last_action_date"].max()
    then = st.as_of(store, NGA, first).set_index("id")
    now = st.read_directory(store, NGA).set_index("id")
    assert len(then) == 150
    assert now.loc["NG-SAMPLE-0010", "hours"] == "later" and then.loc["NG-SAMPLE-0010", "hours"] != "later"
    assert st.as_of(store, NGA, "2000-01-01").empty


@BACKENDS
def test_store_records_resolve_and_public_view_hides_confidential(store):
    units = pipeline.load_units("NGA")
    from geomap.directory import resolve

    full = resolve.resolve_directory(st.read_directory(store, NGA), units, country="NGA")
    conf = privacy.is_confidential(full)
    assert conf.any()
    public = privacy.public_view(full)
    assert public.loc[conf.to_numpy(), "latitude"].isna().all()
    assert public.loc[conf.to_numpy(), "phone"].isna().all()


@BACKENDS
def test_users_in_store_new_account_and_lockout_across_sessions(store):
    from geomap.store import users

    users.add_user(store, "ana", "correct horse battery", role=st.EDITOR, rounds=4)
    assert users.authenticate(store, "ana", "correct horse battery") == st.EDITOR
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        assert users.authenticate(store, "ana", "wrong password!") is None
    # a fresh session (a new connection) is still locked out, even with the right password
    other = st.open_store(store.engine.url.render_as_string(hide_password=False), seed=False)
    assert users.authenticate(other, "ana", "correct horse battery") is None
    other.close()
    users.set_password(store, "ana", role=st.ADMIN)
    assert users.authenticate(store, "ana", "correct horse battery") == st.ADMIN
    assert list(users.list_users(store).columns) == [
        "name", "role", "disabled", "locked_until", "failed_attempts", "created_at", "updated_at"]  # never a hash


@BACKENDS
def test_forward_migration_keeps_data(store_url):
    old = st.open_store(store_url, upgrade=False, seed=False)
    st.migrate(old, revision="0001")
    assert st.schema_version(old) == "0001"
    with old.begin() as conn:
        conn.execute(sa.text("INSERT INTO directories (name, country, owner, licence, sensitivity, fictional, kind, created_at) "
                             "VALUES ('Old', 'NGA', 'me', 'CC0', 'public', false, 'directory', '2026-01-01T00:00:00Z')"))
        conn.execute(sa.text("INSERT INTO records (directory, record_id, version, data, deleted, updated_at, updated_by) "
                             "VALUES ('Old', 'R1', 1, :data, false, '2026-01-01T00:00:00Z', 'me')"), {"data": '{"id": "R1", "hours": "9-5"}'})
    old.close()
    new = st.open_store(store_url)
    assert st.schema_version(new) == st.HEAD
    assert st.get_record(new, "Old", "R1")["data"] == {"id": "R1", "hours": "9-5"}
    st.verify_record(new, "Old", "R1", by="ana", role=st.EDITOR)
    assert st.get_record(new, "Old", "R1")["verified_by"] == "ana"
    assert set(st.list_directories(new)["name"]) == {"Old"}  # a store with directories is not re-seeded
    new.close()


def test_store_location_hides_database_password():
    from geomap.store import engine

    eng, backend, location = engine.open_engine("postgresql://geomap:s3cret@localhost:1/geomap")
    shown = st.Store(engine=eng, backend=backend, location=location)
    assert backend == "postgis" and "s3cret" not in repr(shown) and "s3cret" not in location
    eng.dispose()


@BACKENDS
def test_two_servers_see_each_others_committed_edits(store, store_url):
    other = st.open_store(store_url)  # a second app server on the same store
    try:
        v = st.update_record(store, NGA, "NG-SAMPLE-0011", {"hours": "from server A"}, expected_version=1, by="ana",
                             role=st.EDITOR)
        assert st.get_record(other, NGA, "NG-SAMPLE-0011")["data"]["hours"] == "from server A"
        st.update_record(other, NGA, "NG-SAMPLE-0011", {"hours": "from server B"}, expected_version=v, by="bo",
                         role=st.EDITOR)
        assert st.read_directory(store, NGA).set_index("id").loc["NG-SAMPLE-0011", "hours"] == "from server B"
        with pytest.raises(st.ConflictError):  # server A still holding version v is refused
            st.update_record(store, NGA, "NG-SAMPLE-0011", {"hours": "stale"}, expected_version=v, by="ana", role=st.EDITOR)
    finally:
        other.close()


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_postgis_keeps_a_point_geometry_per_record(store):
    with store.engine.connect() as conn:
        points = conn.execute(sa.text("SELECT count(*) FROM records WHERE geom IS NOT NULL AND ST_SRID(geom) = 4326")).scalar_one()
        located = conn.execute(sa.text("SELECT count(*) FROM records WHERE longitude IS NOT NULL AND latitude IS NOT NULL")).scalar_one()
    assert points == located > 300
