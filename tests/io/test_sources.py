"""geomap.io: the one way in for bytes, the one encoding detection, the one set of zip limits."""

from __future__ import annotations

import io
import zipfile

import pytest

from geomap.errors import UnsafeArchive, UploadTooLarge
from geomap.io import limits
from geomap.io.sources import display_name, read_source
from geomap.io.text import decode


class Upload:
    """Stands in for Streamlit's UploadedFile."""

    def __init__(self, name: str, data: bytes, size: int | None = None) -> None:
        self.name, self._data, self.size = name, data, len(data) if size is None else size

    def getvalue(self) -> bytes:
        if self.size > limits.max_upload_bytes():
            raise AssertionError("read before its size was checked")
        return self._data


def test_read_source_takes_paths_bytes_uploads_and_streams(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n")
    assert read_source(path) == b"x,y\n"
    assert read_source(str(path)) == b"x,y\n"
    assert read_source(b"abc") == b"abc"
    assert read_source(Upload("u.csv", b"u")) == b"u"
    stream = io.BytesIO(b"streamed")
    stream.read(3)
    assert read_source(stream) == b"streamed"  # read from the start


def test_read_source_checks_the_limit_before_reading(monkeypatch):
    monkeypatch.setenv("GEOMAP_MAX_UPLOAD_MB", "1")
    with pytest.raises(UploadTooLarge, match=r"big\.csv: file is 2\.0 MB, larger than the 1\.0 MB upload limit"):
        read_source(Upload("big.csv", b"", size=2 * 1024 * 1024))


def test_read_source_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such file or directory: .*nope\.csv"):
        read_source(tmp_path / "nope.csv", what="population file")
    with pytest.raises(TypeError, match="cannot read a file from a int"):
        read_source(3)


def test_display_name():
    assert display_name(b"x") == "upload"
    assert display_name(b"x", "dir/a.csv") == "a.csv"
    assert display_name(Upload("b.xlsx", b"")) == "b.xlsx"


def test_decode_reads_utf8_bom_and_western_text():
    warnings: list[str] = []
    assert decode("Zoé".encode(), "a.csv", warnings)[:2] == ("Zoé", "utf-8")
    assert decode(b"\xef\xbb\xbfname", "a.csv", warnings)[:2] == ("name", "utf-8-sig")
    assert warnings == []
    text, enc, _ = decode("Nuevo León, Querétaro, México".encode("cp1252"), "b.csv", warnings)
    assert (text, enc) == ("Nuevo León, Querétaro, México", "cp1252")
    assert warnings and warnings[0].startswith("b.csv: the file is not UTF-8")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_one_set_of_zip_limits_for_every_archive(monkeypatch):
    from geomap import boundaries

    assert limits.max_unzipped_bytes() == limits.ZIP_EXPANSION * limits.max_upload_bytes()
    bomb = _zip({"units.dbf": b"\0" * (3 * 1024 * 1024)})  # 3 MB of zeros: ratio far over 100
    with pytest.raises(UnsafeArchive, match="zip bomb"):
        limits.check_zip(bomb, filename="d.zip")
    with pytest.raises(UnsafeArchive, match="zip bomb"):
        boundaries.read_boundaries(bomb, filename="d.zip")
    evil = _zip({"../x.shp": b"x"})
    for reader in (lambda: limits.check_zip(evil, filename="e.zip"), lambda: boundaries.read_boundaries(evil, filename="e.zip")):
        with pytest.raises(UnsafeArchive, match=r"e\.zip: unsafe path '\.\./x\.shp'"):
            reader()
