"""The one registry of formats (``geomap.io.formats``): every format list reads it, and a new
format is one reader/writer file plus one registry entry (issue #14)."""

from __future__ import annotations

import dataclasses

import pytest

from geomap.directory import readers, writers
from geomap.io import formats
from geomap.io.formats import DIRECTORY_FORMATS, Format, FormatRegistry

# ----------------------------------------------------------------- a new format, in this file

def read_psv(data, name, fmt, sheet, warnings):
    """Pipe-separated values: the text table reader already sniffs the ``|`` delimiter."""
    return readers._table_from_text(data, name, fmt, sheet, warnings)


def write_psv(directory, *, notice=None):
    table = writers.flat_table(directory, neutralise_text=True)
    return table.to_csv(sep="|", index=False).encode("utf-8")


PSV = Format("psv", "Pipe-separated values", (".psv",), ".psv", "text/plain",
             reader=f"{__name__}:read_psv", writer=f"{__name__}:write_psv")


@pytest.fixture
def with_psv(monkeypatch):
    registry = FormatRegistry((*DIRECTORY_FORMATS, PSV))
    for module in (formats, readers, writers):
        monkeypatch.setattr(module, "DIRECTORY_FORMATS", registry)
    return registry


def test_a_new_format_is_one_entry(with_psv, tmp_path):
    data = b"name|service_types|admin1_code\nSample Shelter 1 (fictional)|shelter|NG-LA\n"
    raw = readers.read_directory(data, filename="partners.psv")
    assert raw.attrs["format"] == "psv"
    assert raw["name"].tolist() == ["Sample Shelter 1 (fictional)"]
    assert readers.detect_format("partners.psv") == "psv"
    out = writers.to_bytes(raw, format="psv")
    header, row = out.decode("utf-8").splitlines()
    assert header.startswith("id|name|") and "|service_types|" in header
    assert "|Sample Shelter 1 (fictional)|" in row
    writers.write_directory(raw, tmp_path / "out.psv")
    again = readers.read_directory(tmp_path / "out.psv")
    assert again["name"].tolist() == ["Sample Shelter 1 (fictional)"]


# ----------------------------------------------------------------- the registry is the one list

def test_every_format_list_reads_the_registry():
    from geomap import cli
    from geomap.pages import data as data_page

    assert readers.FORMATS == DIRECTORY_FORMATS.names(readable=True)
    assert writers.WRITE_FORMATS == DIRECTORY_FORMATS.names(writable=True)
    assert writers.MIME_TYPES == DIRECTORY_FORMATS.mime_types()
    assert writers.EXTENSIONS == DIRECTORY_FORMATS.export_suffixes()
    assert list(data_page._EXPORTS) == list(DIRECTORY_FORMATS.names(writable=True))
    export = next(a for a in cli.build_parser()._subparsers._group_actions[0].choices["directory"]._subparsers
                  ._group_actions[0].choices["export"]._actions if a.dest == "to")
    assert tuple(export.choices) == DIRECTORY_FORMATS.names(writable=True)


def test_every_entry_resolves_to_callables():
    for f in DIRECTORY_FORMATS:
        assert callable(f.read_function()) and callable(f.write_function())


def test_lookups():
    assert DIRECTORY_FORMATS.by_suffix("x.HXL.csv").name == "hxl"
    assert DIRECTORY_FORMATS.by_suffix("x.csv").name == "csv"
    assert DIRECTORY_FORMATS.by_suffix("x.shp") is None
    assert "zip" in DIRECTORY_FORMATS.upload_types() and "hxl.csv" not in DIRECTORY_FORMATS.upload_types()
    with pytest.raises(ValueError, match="unknown format 'ods'; choose one of csv, xlsx"):
        DIRECTORY_FORMATS.get("ods")
    with pytest.raises(ValueError, match="cannot be written"):
        dataclasses.replace(PSV, writer=None).write_function()
