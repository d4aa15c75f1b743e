"""Accounts, directories, record deletion and the CLI that manages them — on both backends."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from geomap import pipeline
from geomap import store as st
from geomap.cli import main
from geomap.store import seed, users
from tests.store.conftest import BACKENDS

NGA = seed.SAMPLE_NAMES["NGA"]
PW = "correct horse battery staple"


@BACKENDS
def test_role_unlock_disable_in_the_store(store):
    users.add_user(store, "ana", PW, role=st.PARTNER, rounds=4)
    users.set_role(store, "ana", st.ADMIN)
    assert users.authenticate(store, "ana", PW) == st.ADMIN
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        assert users.authenticate(store, "ana", "wrong password!") is None
    assert users.is_locked(store, "ana") and users.authenticate(store, "ana", PW) is None
    table = users.list_users(store).set_index("name")
    assert table.loc["ana", "locked_until"] is not None and "password_hash" not in table.columns
    users.unlock(store, "ana")
    assert not users.is_locked(store, "ana") and users.authenticate(store, "ana", PW) == st.ADMIN
    users.set_disabled(store, "ana")
    assert users.authenticate(store, "ana", PW) is None and bool(users.list_users(store).set_index("name").loc["ana", "disabled"])
    users.set_disabled(store, "ana", False)
    assert users.authenticate(store, "ana", PW) == st.ADMIN
    later = datetime.now(UTC) + users.LOCKOUT + timedelta(seconds=1)
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        users.authenticate(store, "ana", "wrong password!")
    assert users.list_users(store, now=later).set_index("name").loc["ana", "locked_until"] is None  # the lock runs out
    with pytest.raises(ValueError, match="not one of"):
        users.set_role(store, "ana", "public")
    with pytest.raises(ValueError, match="no account named"):
        users.unlock(store, "nobody")


@BACKENDS
def test_directories_updated_renamed_deleted_with_their_records(store):
    with pytest.raises(st.RoleError):
        st.update_directory(store, NGA, role=st.EDITOR, owner="x")
    row = st.update_directory(store, NGA, role=st.ADMIN, owner="NAPTIP", licence="CC BY 4.0", sensitivity="confidential")
    assert (row["owner"], row["licence"], row["sensitivity"]) == ("NAPTIP", "CC BY 4.0", "confidential")
    with pytest.raises(ValueError, match="sensitivity"):
        st.update_directory(store, NGA, role=st.ADMIN, sensitivity="secret")
    rec = st.get_record(store, NGA, "NG-SAMPLE-0002")
    st.update_record(store, NGA, "NG-SAMPLE-0002", {"hours": "9-5"}, expected_version=rec["version"], by="ed", role=st.EDITOR)
    st.propose(store, NGA, "NG-SAMPLE-0003", {"hours": "8-4"}, by="pat", role=st.PARTNER)
    before = st.read_directory(store, NGA)
    mexico = seed.SAMPLE_NAMES["MEX"]
    with pytest.raises(ValueError, match="already exists"):
        st.rename_directory(store, NGA, mexico, role=st.ADMIN)
    st.rename_directory(store, NGA, "Nigeria (renamed)", role=st.ADMIN)
    after = st.read_directory(store, "Nigeria (renamed)")
    assert after.drop(columns=["source_file"]).equals(before.drop(columns=["source_file"]))
    assert st.history(store, "Nigeria (renamed)", "NG-SAMPLE-0002")["replacement_value"].iloc[-1] == "9-5"
    assert len(st.list_proposals(store, "Nigeria (renamed)", role=st.EDITOR)) == 1
    assert st.get_directory(store, "Nigeria (renamed)")["owner"] == "NAPTIP"
    with pytest.raises(ValueError, match="no directory named"):
        st.get_directory(store, NGA)
    with pytest.raises(ValueError, match="confirm"):
        st.delete_directory(store, "Nigeria (renamed)", role=st.ADMIN)
    assert st.delete_directory(store, "Nigeria (renamed)", role=st.ADMIN, confirm="Nigeria (renamed)") == 150
    assert "Nigeria (renamed)" not in set(st.list_directories(store)["name"])
    assert st.history(store, "Nigeria (renamed)").empty
    st.create_directory(store, "Empty", country="NG", role=st.ADMIN)
    assert st.delete_directory(store, "Empty", role=st.ADMIN) == 0  # an empty one needs no confirmation


@BACKENDS
def test_deleted_record_listed_and_restored(store):
    rec = st.get_record(store, NGA, "NG-SAMPLE-0005")
    st.delete_record(store, NGA, "NG-SAMPLE-0005", expected_version=rec["version"], by="ed", role=st.EDITOR, reason="closed")
    assert "NG-SAMPLE-0005" not in set(st.read_directory(store, NGA)["id"])
    gone = st.deleted_records(store, NGA)
    assert gone["record_id"].tolist() == ["NG-SAMPLE-0005"] and gone["deleted_by"].iloc[0] == "ed"
    with pytest.raises(st.RoleError):
        st.restore_record(store, NGA, "NG-SAMPLE-0005", by="pat", role=st.PARTNER)
    version = st.restore_record(store, NGA, "NG-SAMPLE-0005", by="ed", role=st.EDITOR)
    back = st.get_record(store, NGA, "NG-SAMPLE-0005")
    assert back["version"] == version and not back["deleted"] and back["data"] == rec["data"]
    assert st.deleted_records(store, NGA).empty
    with pytest.raises(ValueError, match="not deleted"):
        st.restore_record(store, NGA, "NG-SAMPLE-0005", by="ed", role=st.EDITOR)
    log = st.history(store, NGA, "NG-SAMPLE-0005")
    assert log["last_action_type"].tolist()[-2:] == ["delete", "restore"]


@pytest.fixture
def cli_store(store_url, tmp_path, monkeypatch):
    """The store the CLI opens from the environment, on the test's backend."""
    if store_url.startswith("sqlite"):
        monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("GEOMAP_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("GEOMAP_DATABASE_URL", store_url)
    s = st.open_store()
    yield s
    s.close()


@BACKENDS
def test_cli_users_add_role_unlock_disable_list(cli_store, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PW + "\n"))
    assert main(["users", "--store", "add", "ana", "--role", "editor", "--password-stdin"]) == 0
    assert main(["users", "role", "ana", "admin"]) == 0
    assert "'ana' is now admin" in capsys.readouterr().out
    assert users.authenticate(cli_store, "ana", PW) == st.ADMIN
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        users.authenticate(cli_store, "ana", "wrong password!")
    assert main(["users", "--store", "list"]) == 0
    assert "ana\tadmin\tlocked until" in capsys.readouterr().out
    assert main(["users", "unlock", "ana"]) == 0
    assert users.authenticate(cli_store, "ana", PW) == st.ADMIN
    assert main(["users", "disable", "ana"]) == 0
    assert users.authenticate(cli_store, "ana", PW) is None
    assert main(["users", "--store", "list"]) == 0
    assert "ana\tadmin\tdisabled" in capsys.readouterr().out
    assert main(["users", "enable", "ana"]) == 0
    assert users.authenticate(cli_store, "ana", PW) == st.ADMIN
    assert main(["users", "unlock", "nobody"]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err


@BACKENDS
def test_cli_directories_and_record_deletion(cli_store, capsys):
    assert main(["store", "create-directory", "Kano (test)", "--country", "NG", "--owner", "NAPTIP",
                 "--sensitivity", "confidential"]) == 0
    assert main(["store", "set-directory", "Kano (test)", "--licence", "CC BY 4.0"]) == 0
    assert "licence 'CC BY 4.0', sensitivity confidential" in capsys.readouterr().out
    assert main(["store", "rename-directory", NGA, "Nigeria (renamed)"]) == 0
    assert main(["store", "delete-directory", "Nigeria (renamed)"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["store", "delete-record", "NG-SAMPLE-0002", "--directory", seed.SAMPLE_NAMES["MEX"], "--by", "ed"]) == 2
    mex = seed.SAMPLE_NAMES["MEX"]
    first = st.read_directory(cli_store, mex)["id"].iloc[0]
    assert main(["store", "delete-record", first, "--directory", mex, "--by", "ed", "--reason", "closed"]) == 0
    assert first not in set(st.read_directory(cli_store, mex)["id"])
    assert main(["store", "restore-record", first, "--directory", mex, "--by", "ed"]) == 0
    assert first in set(st.read_directory(cli_store, mex)["id"])
    assert main(["store", "restore-record", first, "--directory", mex, "--version", "1"]) == 0
    assert st.get_record(cli_store, mex, first)["version"] == 4
    assert main(["store", "delete-directory", "Nigeria (renamed)", "--yes"]) == 0
    assert "its 150 records" in capsys.readouterr().out
    assert set(st.list_directories(cli_store)["name"]) == {"Kano (test)", mex}


def _without_last_two(tmp_path):
    text = pipeline.sample_directory_path("NGA").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))[:-2]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "short.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@BACKENDS
def test_cli_import_deletes_missing_only_when_asked_and_previews_it(cli_store, tmp_path, capsys):
    short = _without_last_two(tmp_path)
    assert main(["store", "import", str(short), "--country", "NG", "--directory", NGA, "--by", "ed"]) == 0
    out = capsys.readouterr().out
    assert "2 not in the file" in out and "kept unless --delete-missing" in out
    assert len(st.read_directory(cli_store, NGA)) == 150
    assert main(["store", "import", str(short), "--country", "NG", "--directory", NGA, "--delete-missing", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "to be deleted (--delete-missing): 2: NG-SAMPLE-0149, NG-SAMPLE-0150" in out and "nothing written" in out
    assert len(st.read_directory(cli_store, NGA)) == 150
    stamp = st.history(cli_store, NGA)["last_action_date"].max()
    assert main(["store", "import", str(short), "--country", "NG", "--directory", NGA, "--delete-missing", "--by", "ed"]) == 0
    assert "2 deleted" in capsys.readouterr().out
    assert len(st.read_directory(cli_store, NGA)) == 148
    assert set(st.deleted_records(cli_store, NGA)["record_id"]) == {"NG-SAMPLE-0149", "NG-SAMPLE-0150"}
    out = tmp_path / "then.csv"
    assert main(["store", "export", "--directory", NGA, "--to", "csv", "--out", str(out), "--as-of", stamp,
                 "--with-history"]) == 0
    assert "wrote 150 records as csv" in capsys.readouterr().out
    log = list(csv.DictReader(open(f"{out}.changes.csv", encoding="utf-8-sig")))
    assert log and max(r["last_action_date"] for r in log) <= stamp


@BACKENDS
def test_cli_hsds_export_carries_the_change_log_as_metadata_without_confidential_pasts(cli_store, tmp_path, capsys):
    import zipfile

    from geomap.directory import privacy

    raw = st.read_directory(cli_store, NGA)
    full = st.load_directory(cli_store, NGA, units=pipeline.load_units("NGA"))
    conf = full.loc[privacy.is_confidential(full).to_numpy(), "id"].tolist()
    gone, opened = conf[0], conf[1]  # a confidential record deleted; another one made public
    st.delete_record(cli_store, NGA, gone, expected_version=st.get_record(cli_store, NGA, gone)["version"], by="ed",
                     role=st.EDITOR)
    st.update_record(cli_store, NGA, opened, {"confidential": "false"},
                     expected_version=st.get_record(cli_store, NGA, opened)["version"], by="ed", role=st.EDITOR)
    public_one = full.loc[~privacy.is_confidential(full).to_numpy(), "id"].iloc[0]
    st.update_record(cli_store, NGA, public_one, {"hours": "24/7"},
                     expected_version=st.get_record(cli_store, NGA, public_one)["version"], by="ed", role=st.EDITOR)
    out = tmp_path / "pkg.zip"
    assert main(["store", "export", "--directory", NGA, "--to", "hsds", "--out", str(out), "--with-history"]) == 0
    printed = capsys.readouterr().out
    assert "metadata table" in printed and "confidential records left out" in printed
    log = list(csv.DictReader(open(f"{out}.changes.csv", encoding="utf-8-sig")))
    ids = {r["resource_id"] for r in log}
    assert public_one in ids and gone not in ids and opened not in ids and not ids & set(conf)
    with zipfile.ZipFile(out) as pkg:
        meta = list(csv.DictReader(io.StringIO(pkg.read("metadata.csv").decode("utf-8"))))
        sal = {r["id"] for r in csv.DictReader(io.StringIO(pkg.read("service_at_location.csv").decode("utf-8")))}
    assert len(meta) == len(log) and {r["resource_id"] for r in meta} <= sal
    assert any(r["field_name"] == "hours" and r["replacement_value"] == "24/7" and r["updated_by"] == "ed" for r in meta)
    assert len(raw) == 150
