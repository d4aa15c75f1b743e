"""The CLI prints a user error in one line and lets a bug surface with its traceback (issue #14)."""

from __future__ import annotations

import argparse

import pytest

from geomap import cli, errors


def _parser_running(func):
    parser = argparse.ArgumentParser(prog="geomap")
    parser.set_defaults(func=func)
    return parser


def test_user_error_is_one_line(monkeypatch, capsys):
    def bad_input(args):
        raise errors.InputFileError("units.csv: row 3, field 'population': 'many' is not a number")

    monkeypatch.setattr(cli, "build_parser", lambda: _parser_running(bad_input))
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err == "geomap: error: units.csv: row 3, field 'population': 'many' is not a number\n"


def test_missing_file_is_a_user_error(tmp_path, capsys):
    assert cli.main(["boundaries", "check", str(tmp_path / "nope.geojson")]) == 2
    assert capsys.readouterr().err.strip() == f"geomap: error: {tmp_path / 'nope.geojson'}: No such file or directory"


def test_a_bug_surfaces_with_its_traceback(monkeypatch):
    def buggy(args):
        return {}["missing"]

    monkeypatch.setattr(cli, "build_parser", lambda: _parser_running(buggy))
    with pytest.raises(KeyError, match="missing"):
        cli.main([])


def test_error_types_are_value_errors():
    for cls in (errors.InputFileError, errors.UploadTooLarge, errors.UnsafeArchive, errors.SettingsError, errors.UnknownUser):
        assert issubclass(cls, errors.GeomapError) and issubclass(cls, ValueError)
    assert issubclass(errors.UnknownUser, KeyError)
    assert str(errors.UnknownUser("no user 'ana'")) == "no user 'ana'"
