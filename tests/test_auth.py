"""Partner sign-in: credentials file, bcrypt hashes, sessions, the ``geomap users`` command."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta

import pytest

from geomap import auth
from geomap.cli_commands import users as users_cmd
from geomap.directory import privacy

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
PW = "correct horse battery"


@pytest.fixture()
def cred(tmp_path, monkeypatch):
    """An empty credentials path inside tmp_path; $GEOMAP_CREDENTIALS points at it."""
    path = tmp_path / "conf" / "credentials.json"
    monkeypatch.setenv(auth.CREDENTIALS_ENV, str(path))
    return path


def _add(path, name="ana", role="partner", password=PW):
    return auth.add_user(name, password, role=role, path=path, rounds=4)


def test_default_path_from_env_and_home(monkeypatch, tmp_path):
    monkeypatch.setenv(auth.CREDENTIALS_ENV, str(tmp_path / "x.json"))
    assert auth.default_credentials_path() == tmp_path / "x.json"
    monkeypatch.delenv(auth.CREDENTIALS_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert auth.default_credentials_path() == tmp_path / ".config" / "geomap" / "credentials.json"


def test_add_user_stores_only_a_bcrypt_hash_with_mode_0600(cred):
    _add(cred)
    text = cred.read_text()
    assert PW not in text
    data = json.loads(text)
    assert data["users"]["ana"]["role"] == "partner"
    assert data["users"]["ana"]["hash"].startswith("$2b$04$")
    if not sys.platform.startswith("win"):
        assert stat.S_IMODE(cred.stat().st_mode) == 0o600
        assert stat.S_IMODE(cred.parent.stat().st_mode) == 0o700


def test_roles_are_the_privacy_roles():
    assert set(auth.ACCOUNT_ROLES) <= set(privacy.ROLES)
    assert privacy.PUBLIC not in auth.ACCOUNT_ROLES


@pytest.mark.parametrize(
    ("name", "password", "role", "match"),
    [
        ("ana", "short", "partner", "too short"),
        ("ana", "é" * 40, "partner", "too long"),
        ("ana", PW, "public", "invalid role"),
        ("ana", PW, "admin", "invalid role"),
        ("../evil", PW, "partner", "invalid user name"),
        ("", PW, "partner", "invalid user name"),
    ],
)
def test_add_user_rejects_bad_input(cred, name, password, role, match):
    with pytest.raises(ValueError, match=match):
        auth.add_user(name, password, role=role, path=cred, rounds=4)
    assert not cred.exists()


def test_add_existing_user_refused(cred):
    _add(cred)
    with pytest.raises(ValueError, match="already exists"):
        _add(cred, role="editor")
    assert auth.list_users(path=cred) == [("ana", "partner")]


def test_authenticate_success_and_expiry(cred):
    _add(cred)
    s = auth.authenticate("ana", PW, path=cred, now=T0, hours=2)
    assert s == auth.Session("ana", "partner", T0 + timedelta(hours=2), T0)
    assert auth.is_valid(s, T0 + timedelta(hours=1, minutes=59))
    assert not auth.is_valid(s, T0 + timedelta(hours=2))
    assert auth.role_of(s, T0 + timedelta(hours=1)) == "partner"
    assert auth.role_of(s, T0 + timedelta(hours=3)) == "public"
    assert auth.role_of(None) == "public"


def test_authenticate_wrong_password_unknown_user_missing_file(cred):
    assert auth.authenticate("ana", PW, path=cred) is None  # no file yet
    _add(cred)
    assert auth.authenticate("ana", PW + "x", path=cred) is None
    assert auth.authenticate("bob", PW, path=cred) is None
    assert auth.authenticate("ANA", PW, path=cred) is None
    assert auth.authenticate("ana", "", path=cred) is None
    assert auth.authenticate("ana", "é" * 80, path=cred) is None


def test_unknown_user_costs_one_bcrypt_check(cred, monkeypatch):
    """Constant-time behaviour: an unknown name runs bcrypt.checkpw once, like a known name."""
    _add(cred)
    calls = []
    real = auth.bcrypt.checkpw
    monkeypatch.setattr(auth.bcrypt, "checkpw", lambda p, h: calls.append(h[:7]) or real(p, h))
    auth.authenticate("nobody", PW, path=cred)
    auth.authenticate("ana", "wrong password!", path=cred)
    # both checked once, and the dummy hash uses the same work factor as the stored one
    assert calls == [b"$2b$04$", b"$2b$04$"]


def test_passwd_rotates_and_remove_revokes(cred):
    _add(cred)
    s = auth.authenticate("ana", PW, path=cred, now=T0)
    auth.set_password("ana", "another long secret", path=cred, rounds=4)
    assert auth.authenticate("ana", PW, path=cred) is None
    assert auth.authenticate("ana", "another long secret", path=cred) is not None
    assert auth.is_valid(s, T0, path=cred)
    auth.set_password("ana", "another long secret", path=cred, role="editor", rounds=4)
    assert not auth.is_valid(s, T0, path=cred)  # role changed: old session no longer valid
    auth.remove_user("ana", path=cred)
    assert auth.list_users(path=cred) == []
    with pytest.raises(KeyError, match="no user 'ana'"):
        auth.remove_user("ana", path=cred)
    with pytest.raises(KeyError, match="no user 'ana'"):
        auth.set_password("ana", PW, path=cred)


@pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX file modes")
def test_world_readable_credentials_refused(cred):
    _add(cred)
    os.chmod(cred, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        auth.load_accounts(path=cred)
    assert auth.authenticate("ana", PW, path=cred) is None


def test_malformed_credentials_file(cred):
    cred.parent.mkdir(parents=True)
    cred.write_text("{not json")
    os.chmod(cred, 0o600)
    with pytest.raises(ValueError, match="not valid JSON"):
        auth.load_accounts(path=cred)
    cred.write_text(json.dumps({"users": {"x": {"role": "partner", "hash": "plain"}}}))
    with pytest.raises(ValueError, match="malformed"):
        auth.load_accounts(path=cred)


def test_state_helpers_sign_in_out_and_expiry(cred):
    _add(cred, name="ed", role="editor")
    state: dict = {}
    assert auth.current_role(state) == "public"
    assert auth.sign_in(state, "ed", "nope nope nope", path=cred, now=T0) is None
    assert auth.current_role(state, T0) == "public"
    s = auth.sign_in(state, "ed", PW, path=cred, now=T0, hours=1)
    assert s is not None and state[auth.SESSION_KEY] is s
    assert auth.current_role(state, T0 + timedelta(minutes=30)) == "editor"
    assert auth.current_role(state, T0 + timedelta(hours=1)) == "public"
    assert auth.SESSION_KEY not in state  # the expired session was dropped
    auth.sign_in(state, "ed", PW, path=cred, now=T0)
    auth.sign_out(state)
    assert auth.current_role(state, T0) == "public"
    assert auth.current_session(state, T0) is None


def test_lockout_after_repeated_failures(cred):
    _add(cred)
    state: dict = {}
    for i in range(auth.MAX_FAILED_ATTEMPTS):
        assert auth.sign_in(state, "ana", f"wrong-{i:08d}", path=cred, now=T0) is None
    assert auth.locked_until(state, T0) == T0 + auth.LOCKOUT
    # even the right password is refused during the pause ...
    assert auth.sign_in(state, "ana", PW, path=cred, now=T0 + timedelta(seconds=10)) is None
    # ... and accepted after it
    assert auth.sign_in(state, "ana", PW, path=cred, now=T0 + auth.LOCKOUT) is not None
    assert auth.locked_until(state, T0 + auth.LOCKOUT) is None


def test_sessions_in_two_state_mappings_are_independent(cred):
    _add(cred)
    a: dict = {}
    b: dict = {}
    auth.sign_in(a, "ana", PW, path=cred, now=T0)
    assert auth.current_role(a, T0) == "partner"
    assert auth.current_role(b, T0) == "public"


def test_no_password_in_logs(cred, caplog):
    _add(cred)
    with caplog.at_level("DEBUG", logger="geomap.auth"):
        auth.authenticate("ana", PW, path=cred)
        auth.authenticate("ana", "wrong but long", path=cred)
    assert caplog.records
    assert PW not in caplog.text and "wrong but long" not in caplog.text


# ---------------------------------------------------------------- CLI


def _cli(argv, stdin_text=None, monkeypatch=None):
    from geomap import cli

    if stdin_text is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    return cli.main(argv)


def test_cli_add_list_passwd_remove(cred, monkeypatch, capsys):
    assert _cli(["users", "add", "ana", "--role", "partner", "--password-stdin"], PW + "\n", monkeypatch) == 0
    out = capsys.readouterr().out
    assert "added partner 'ana'" in out and PW not in out
    assert auth.authenticate("ana", PW, path=cred) is not None
    assert PW not in cred.read_text()

    assert _cli(["users", "list"]) == 0
    assert "ana\tpartner" in capsys.readouterr().out

    assert _cli(["users", "passwd", "ana", "--password-stdin"], "rotated password 1\n", monkeypatch) == 0
    assert auth.authenticate("ana", "rotated password 1", path=cred) is not None
    assert auth.authenticate("ana", PW, path=cred) is None

    assert _cli(["users", "remove", "ana"]) == 0
    assert auth.list_users(path=cred) == []


def test_cli_credentials_option_and_errors(tmp_path, cred, monkeypatch, capsys):
    other = tmp_path / "other.json"
    assert _cli(["users", "--credentials", str(other), "add", "bo", "--role", "editor", "--password-stdin"], PW + "\n", monkeypatch) == 0
    assert auth.list_users(path=other) == [("bo", "editor")]
    assert not cred.exists()
    capsys.readouterr()
    assert _cli(["users", "add", "bo", "--role", "editor", "--password-stdin", "--credentials", str(other)], PW + "\n", monkeypatch) == 2
    assert "already exists" in capsys.readouterr().err
    assert _cli(["users", "add", "cy", "--role", "partner", "--password-stdin"], "short\n", monkeypatch) == 2
    assert "too short" in capsys.readouterr().err
    assert _cli(["users", "add", "cy", "--role", "partner", "--password-stdin"], "", monkeypatch) == 2
    assert "no password on standard input" in capsys.readouterr().err
    assert _cli(["users", "remove", "zed"]) == 2
    assert "no user 'zed'" in capsys.readouterr().err


def test_cli_getpass_must_match(cred, monkeypatch, capsys):
    answers = iter(["first password!", "second password"])
    monkeypatch.setattr(users_cmd.getpass, "getpass", lambda prompt="": next(answers))
    assert _cli(["users", "add", "ana", "--role", "partner"]) == 2
    assert "differ" in capsys.readouterr().err
    assert not cred.exists()
    answers = iter([PW, PW])
    assert _cli(["users", "add", "ana", "--role", "partner"]) == 0


def test_cli_has_no_password_argument():
    from geomap import cli

    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["users", "add", "ana", "--role", "partner", "--password", "x"])
