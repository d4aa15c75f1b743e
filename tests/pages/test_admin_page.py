"""The Admin page (admin role only): accounts and directories managed in the app, kept in the store.

A CLI-made account signs in to a running app; failed sign-ins lock the account in the store.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geomap import auth, cli
from geomap import store as gs
from geomap.store import seed, users

NGA = seed.SAMPLE_NAMES["NGA"]
PW = "correct horse battery staple"


@pytest.fixture
def data_dir(tmp_path, monkeypatch, store_env) -> Path:
    store_env(monkeypatch, tmp_path / "data")  # a new store (a seeded PostGIS database on that backend)
    s = gs.open_store()
    users.add_user(s, "ada", PW, role=gs.ADMIN, rounds=4)
    users.add_user(s, "pat", PW, role=gs.PARTNER, rounds=4)
    s.close()
    return tmp_path / "data"


def _admin_app() -> None:
    from geomap.pages import _sidebar, admin

    admin.render()
    _sidebar.render()


def _run(user: str | None = None, password: str = PW) -> AppTest:
    at = AppTest.from_function(_admin_app, default_timeout=240)
    at.session_state["geomap_country"] = "NGA"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if user is not None:
        _sign_in(at, user, password)
    return at


def _sign_in(at: AppTest, user: str, password: str) -> None:
    at.session_state["sign_in_open"] = True
    at.run()
    at.sidebar.text_input[0].input(user)
    at.sidebar.text_input[1].input(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _store():
    return gs.open_store()


def test_page_is_for_admins_only(data_dir):
    for user in (None, "pat"):
        at = _run(user)
        assert any("for admins" in w.value for w in at.main.warning)
        assert not [t for t in at.text_input if str(t.key).startswith("admin_")]
    at = _run("ada")
    assert not at.main.warning and at.dataframe  # accounts and directories tables
    text = str(at.dataframe[0].value.to_dict())
    assert "ada" in text and "pat" in text and "$2" not in text  # never a hash
    assert auth.current_role(at.session_state) == gs.EDITOR  # an admin sees records as an editor


def test_admin_creates_an_account_that_signs_in_at_once(data_dir):
    at = _run("ada")
    at.text_input(key="admin_new_name").input("nora")
    at.selectbox(key="admin_new_role").set_value(gs.EDITOR)
    at.text_input(key="admin_new_pw").input("a new password 1")
    at.text_input(key="admin_new_pw2").input("a new password 1")
    _button(at, "Create the account").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("nora" in s.value and "sign in now" in s.value for s in at.success)
    other = _run("nora", "a new password 1")  # another browser session of the same running server
    assert auth.current_role(other.session_state) == gs.EDITOR


def test_mismatched_or_short_password_creates_nothing(data_dir):
    at = _run("ada")
    at.text_input(key="admin_new_name").input("olu")
    at.text_input(key="admin_new_pw").input("a new password 1")
    at.text_input(key="admin_new_pw2").input("another one 22")
    _button(at, "Create the account").click().run()
    assert any("differ" in e.value for e in at.error)
    at.text_input(key="admin_new_name").input("olu")
    at.text_input(key="admin_new_pw").input("short")
    at.text_input(key="admin_new_pw2").input("short")
    _button(at, "Create the account").click().run()
    assert any("too short" in e.value for e in at.error)
    s = _store()
    assert not users.exists(s, "olu")
    s.close()


def test_cli_made_account_signs_in_without_restarting_the_app(data_dir, monkeypatch, capsys):
    at = _run()  # the app is running
    monkeypatch.setattr("sys.stdin", io.StringIO("cli made password\n"))
    assert cli.main(["users", "--store", "add", "cleo", "--role", "partner", "--password-stdin"]) == 0
    _sign_in(at, "cleo", "cli made password")
    assert auth.current_role(at.session_state) == gs.PARTNER


def test_role_disable_unlock_and_reset_password(data_dir):
    s = _store()
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        assert users.authenticate(s, "pat", "wrong password!") is None
    s.close()
    locked = _run()
    _sign_in(locked, "pat", PW)  # the right password, but the account is locked in the store
    assert auth.current_role(locked.session_state) == "public"
    assert any("locked" in e.value for e in locked.sidebar.error)
    at = _run("ada")
    at.selectbox(key="admin_account").set_value("pat").run()
    _button(at, "Unlock").click().run()
    assert any("unlocked" in m.value for m in at.success)
    at.selectbox(key="admin_role").set_value(gs.EDITOR).run()
    _button(at, "Change the role").click().run()
    assert any("now editor" in m.value for m in at.success)
    assert auth.current_role(_run("pat").session_state) == gs.EDITOR
    at.selectbox(key="admin_account").set_value("pat").run()
    _button(at, "Disable").click().run()
    assert any("disabled" in m.value for m in at.success)
    assert auth.current_role(_run("pat").session_state) == "public"
    at.selectbox(key="admin_account").set_value("pat").run()
    _button(at, "Enable").click().run()
    at.text_input(key="admin_reset_pw1").input("reset password 9")
    at.text_input(key="admin_reset_pw2").input("reset password 9")
    _button(at, "Reset the password").click().run()
    assert any("reset" in m.value for m in at.success)
    assert auth.current_role(_run("pat", "reset password 9").session_state) == gs.EDITOR
    assert auth.current_role(_run("pat").session_state) == "public"  # the old password no longer works


def test_admin_cannot_lock_themselves_out(data_dir):
    at = _run("ada")
    at.selectbox(key="admin_account").set_value("ada").run()
    _button(at, "Disable").click().run()
    assert any("your own account" in e.value for e in at.error)
    at.selectbox(key="admin_role").set_value(gs.PARTNER).run()
    _button(at, "Change the role").click().run()
    assert any("your own role" in e.value for e in at.error)
    s = _store()
    assert users.account(s, "ada") == {"name": "ada", "role": gs.ADMIN, "disabled": False, "locked_until": None}
    s.close()


def test_a_demoted_admin_loses_the_page_at_once(data_dir):
    at = _run("ada")
    s = _store()
    users.set_role(s, "ada", gs.EDITOR)
    s.close()
    at.run()
    assert any("for admins" in w.value for w in at.main.warning)


def test_directories_created_edited_renamed_deleted(data_dir):
    at = _run("ada")
    at.text_input(key="admin_dir_name").input("Lagos referral directory (test)")
    at.selectbox(key="admin_dir_country").set_value("NGA")
    at.text_input(key="admin_dir_owner").input("NAPTIP")
    at.text_input(key="admin_dir_licence").input("CC BY 4.0")
    at.selectbox(key="admin_dir_sensitivity").set_value("confidential")
    _button(at, "Create the directory").click().run()
    assert not at.exception, [e.value for e in at.exception]
    s = _store()
    row = gs.get_directory(s, "Lagos referral directory (test)")
    assert (row["country"], row["owner"], row["licence"], row["sensitivity"]) == ("NGA", "NAPTIP", "CC BY 4.0", "confidential")
    # details of the seeded sample, then rename it: its records and history follow
    before = gs.read_directory(s, NGA)
    at.selectbox(key="admin_directory").set_value(NGA).run()
    at.text_input(key="admin_edit_owner").input("geomap tests")
    at.selectbox(key="admin_edit_sensitivity").set_value("public")
    _button(at, "Save the details").click().run()
    assert gs.get_directory(s, NGA)["owner"] == "geomap tests"
    assert gs.get_directory(s, NGA)["sensitivity"] == "public"
    at.selectbox(key="admin_directory").set_value(NGA).run()
    at.text_input(key="admin_rename_to").input("Nigeria sample (renamed)")
    _button(at, "Rename").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = gs.read_directory(s, "Nigeria sample (renamed)")
    assert after["id"].tolist() == before["id"].tolist()
    assert not gs.history(s, "Nigeria sample (renamed)", after["id"].iloc[0]).empty
    assert NGA not in set(gs.list_directories(s)["name"])
    # delete: only once the name is typed
    at.selectbox(key="admin_directory").set_value("Nigeria sample (renamed)").run()
    assert _button(at, "Delete").disabled
    at.text_input(key="admin_delete_confirm").input("Nigeria sample (renamed)").run()
    _button(at, "Delete").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Nigeria sample (renamed)" not in set(gs.list_directories(s)["name"])
    assert gs.history(s, "Nigeria sample (renamed)").empty
    s.close()


def test_disabling_or_demoting_applies_to_live_sessions(data_dir):
    pat = _run("pat")
    assert auth.current_role(pat.session_state) == gs.PARTNER
    s = _store()
    users.set_role(s, "pat", gs.EDITOR)
    pat.run()
    assert auth.current_role(pat.session_state) == gs.EDITOR  # the new role at the next run, no new sign-in
    users.set_disabled(s, "pat")
    s.close()
    pat.run()
    assert not pat.exception, [e.value for e in pat.exception]
    assert auth.current_role(pat.session_state) == "public"  # a disabled account's session ends
