"""Upload size limits and safe zip handling (``geomap.io.limits``), and their use by readers."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from geomap.io import limits
from hostile import corpus

MB = 1024 * 1024


class FakeUpload:
    """Stands in for Streamlit's UploadedFile: a size, and reading it fails the test."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size

    def getvalue(self):  # pragma: no cover - must not be called
        raise AssertionError(f"{self.name} was read before its size was checked")

    read = getvalue


# ------------------------------------------------------------------ size


def test_sparse_500mb_file_refused_from_its_size(tmp_path):
    path = corpus.build_sparse_500mb(tmp_path)
    assert path.stat().st_size == 500 * MB
    with pytest.raises(limits.UploadTooLarge, match=r"huge_500mb\.csv: file is 500\.0 MB, larger than the 100\.0 MB"):
        limits.check_upload_size(path)


def test_uploaded_file_refused_from_its_size_attribute():
    with pytest.raises(limits.UploadTooLarge, match="big.xlsx"):
        limits.check_upload(FakeUpload("big.xlsx", 500 * MB))
    assert limits.check_upload(FakeUpload("ok.csv", 10 * MB)) == 10 * MB


def test_size_of_bytes_and_seekable_streams():
    assert limits.upload_size(b"abc") == 3
    buf = io.BytesIO(b"0123456789")
    buf.seek(4)
    assert limits.upload_size(buf) == 6 and buf.tell() == 4  # position restored
    assert limits.check_upload_size(b"x" * 10, limit=10, filename="b.csv") == 10
    with pytest.raises(limits.UploadTooLarge, match="b.csv: file is 11 bytes, larger than the 10 bytes upload limit"):
        limits.check_upload_size(b"x" * 11, limit=10, filename="b.csv")


def test_env_override(monkeypatch):
    monkeypatch.setenv(limits.MAX_UPLOAD_ENV, "1")
    assert limits.max_upload_bytes() == MB
    with pytest.raises(limits.UploadTooLarge, match="1.0 MB upload limit"):
        limits.check_upload(FakeUpload("x.csv", 2 * MB))
    monkeypatch.setenv(limits.MAX_UPLOAD_ENV, "lots")
    with pytest.raises(ValueError, match="GEOMAP_MAX_UPLOAD_MB"):
        limits.max_upload_bytes()


def test_read_limited_stops_early():
    class Endless(io.RawIOBase):
        def __init__(self):
            self.served = 0

        def readable(self):
            return True

        def read(self, n=-1):
            n = MB if n is None or n < 0 else n
            self.served += n
            return b"\0" * n

    src = Endless()
    with pytest.raises(limits.UploadTooLarge, match="more than 3.0 MB"):
        limits.read_limited(src, limit=3 * MB, filename="stream.csv")
    assert src.served <= 5 * MB
    assert limits.read_limited(io.BytesIO(b"abc"), limit=3) == b"abc"


# ------------------------------------------------------------------ zips


def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for n, d in members.items():
            z.writestr(n, d)
    return buf.getvalue()


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "/etc/passwd", "C:/x", "..\\x"])
def test_check_zip_refuses_escaping_paths(bad):
    data = _zip({"ok.csv": b"a", bad: b"b"})
    with pytest.raises(limits.UnsafeArchive, match="refused"):
        limits.check_zip(data, filename="t.zip")


def test_check_zip_refuses_symlinks():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(limits.UnsafeArchive, match="symbolic link"):
        limits.check_zip(buf.getvalue(), filename="t.zip")


def test_zip_bomb_refused_from_the_member_list(tmp_path):
    path = corpus.build_zip_bomb(tmp_path)
    with pytest.raises(limits.UnsafeArchive, match=r"bomb\.zip.*zip bomb"):
        limits.check_zip(path)
    with pytest.raises(limits.UnsafeArchive, match="zip bomb"):
        limits.check_zip(path, max_total=10_000 * MB)  # under the total, caught by the ratio


def test_zip_too_many_members_and_not_a_zip():
    with pytest.raises(limits.UnsafeArchive, match="more than the 3 allowed"):
        limits.check_zip(_zip({f"{i}.csv": b"" for i in range(4)}), max_members=3)
    with pytest.raises(limits.UnsafeArchive, match="not a readable zip"):
        limits.check_zip(b"PK not really", filename="fake.zip")


def test_extract_zip_stays_inside_and_counts_bytes(tmp_path):
    data = _zip({"dir/a.csv": b"x" * 100, "b.csv": b"y"})
    out = limits.extract_zip(data, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in out) == ["b.csv", "dir/a.csv"]
    with pytest.raises(limits.UnsafeArchive, match="zip bomb"):
        limits.extract_zip(data, tmp_path / "out2", max_total=50)


def test_extract_zip_stops_when_a_member_inflates_past_its_declared_size(tmp_path):
    """An archive whose headers lie about sizes is stopped by counting inflated bytes."""
    payload = b"z" * 200_000
    data = bytearray(_zip({"a.csv": payload}, compression=zipfile.ZIP_STORED))
    # patch the declared uncompressed size in the central directory to 10 bytes
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    with pytest.raises((limits.UnsafeArchive, zipfile.BadZipFile)):
        limits.extract_zip(bytes(data), tmp_path / "out")
    written = tmp_path / "out" / "a.csv"
    assert not written.exists() or written.stat().st_size <= 10 + 1024 * 1024


def test_read_zip_member(tmp_path):
    data = _zip({"a.csv": b"hello"})
    assert limits.read_zip_member(data, "a.csv") == b"hello"
    with pytest.raises(KeyError, match="no member 'b.csv'; members: a.csv"):
        limits.read_zip_member(data, "b.csv", filename="t.zip")


def test_shapefile_parts(tmp_path):
    assert limits.check_shapefile_zip(corpus.build_shp_missing_prj(tmp_path)) == {"stem": "units", "has_prj": False}
    with pytest.raises(ValueError, match=r"shp_no_dbf\.zip: shapefile units\.shp is missing units\.dbf"):
        limits.check_shapefile_zip(corpus.build_shp_missing_dbf(tmp_path))
    with pytest.raises(ValueError, match="no .shp file"):
        limits.check_shapefile_zip(_zip({"a.csv": b""}), filename="x.zip")
    assert limits.shapefile_parts(["d/A.SHP", "d/A.dbf", "__MACOSX/d/._A.shp", "b.txt"]) == {"d/A": {".shp", ".dbf"}}


# ------------------------------------------------------------------ readers use the limits

def test_read_directory_refuses_oversized_upload_before_reading():
    from geomap.directory import readers

    with pytest.raises(limits.UploadTooLarge, match="huge.csv"):
        readers.read_directory(FakeUpload("huge.csv", 500 * MB))


def test_read_directory_refuses_an_hsds_zip_bomb(tmp_path):
    from geomap.directory import readers

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("datapackage.json", "{}")
        z.writestr("organizations.csv", b"id,name\n" + b" " * (150 * MB))
    with pytest.raises(limits.UnsafeArchive, match="zip bomb"):
        readers.read_directory(buf.getvalue(), filename="package.zip")


def test_data_page_upload_check_is_the_limits_check():
    """The Data page calls limits.check_upload(UploadedFile) (see geomap/pages/data.py)."""
    src = (Path(limits.__file__).parents[1] / "pages" / "data.py").read_text(encoding="utf-8")
    assert "limits.check_upload(up)" in src
