"""Upload size limits and safe zip handling: the one set of limits for every file geomap reads.

Readers call these *before* reading anything into memory:

- :func:`check_upload_size` refuses a source larger than the limit using only its declared size
  (``os.stat`` for paths, ``.size`` for Streamlit's ``UploadedFile``, ``len`` for bytes,
  ``seek``/``tell`` for seekable file objects);
- :func:`read_limited` reads a stream of unknown size in chunks and stops as soon as the limit is
  passed;
- :func:`check_zip` validates a zip archive's member list (no absolute paths, no ``..``, no
  links, bounded member count, total size and compression ratio — the zip-bomb checks);
- :func:`extract_zip` and :func:`read_zip_member` extract while counting the bytes actually
  written, so an archive that lies about its sizes is stopped too;
- :func:`shapefile_parts` / :func:`check_shapefile_zip` say which parts of a zipped shapefile
  are missing (``.shp``, ``.shx``, ``.dbf`` required; ``.prj`` reported separately).

The size limit is the settings' ``max_upload_mb`` (:func:`geomap.settings.get_settings`:
``GEOMAP_MAX_UPLOAD_MB``, the config file, else :data:`DEFAULT_MAX_UPLOAD_MB`), read at each call.
Zip archives — directory packages (HSDS), zipped shapefiles and any other archive — are held to
one set of limits: at most :data:`MAX_ZIP_MEMBERS` members, at most :data:`ZIP_EXPANSION` times
the upload limit once expanded, and no member over 1 MB that expands more than
:data:`MAX_ZIP_RATIO` times.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from geomap.errors import UnsafeArchive, UploadTooLarge
from geomap.i18n import N_, Message, Number
from geomap.settings import ENV, Settings, get_settings

__all__ = [
    "DEFAULT_MAX_UPLOAD_MB",
    "MAX_UPLOAD_ENV",
    "MAX_UPLOAD_MB",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "ZIP_EXPANSION",
    "UnsafeArchive",
    "UploadTooLarge",
    "check_shapefile_zip",
    "check_upload",
    "check_upload_size",
    "check_zip",
    "extract_zip",
    "max_unzipped_bytes",
    "max_upload_bytes",
    "read_limited",
    "read_zip_member",
    "shapefile_parts",
    "source_name",
    "upload_size",
]

#: Default largest upload accepted, in MB (the 100,000-row CSV of the test corpus is ~15 MB).
DEFAULT_MAX_UPLOAD_MB = int(Settings.__dataclass_fields__["max_upload_mb"].default)
#: Alias kept for callers; the limit in force is :func:`max_upload_bytes` (honours the env override).
MAX_UPLOAD_MB = DEFAULT_MAX_UPLOAD_MB
#: Environment variable overriding the limit (in MB).
MAX_UPLOAD_ENV = ENV["max_upload_mb"]
#: Most members a zip may hold.
MAX_ZIP_MEMBERS = 2000
#: A zip may expand to at most this many times the upload limit (1,000 MB by default): a zipped
#: shapefile of a whole country expands several times, a zip bomb thousands of times.
ZIP_EXPANSION = 10
#: Largest compression ratio allowed for a zip member larger than 1 MB uncompressed.
MAX_ZIP_RATIO = 100.0
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024

_SHP_REQUIRED = (".shp", ".shx", ".dbf")


def _mb(n: float) -> Message:
    """Human size: bytes below 1 kB, else kB or MB with one decimal (a message: the language's digits)."""
    if n < 1024:
        return Message.ngettext("{n} byte", "{n} bytes", int(n), n=Number(int(n)))
    if n < 1024 * 1024:
        return Message(N_("{n} kB"), n=Number(n / 1024, ",.1f"))
    return Message(N_("{n} MB"), n=Number(n / 1024 / 1024, ",.1f"))


def max_upload_bytes() -> int:
    """The upload limit in bytes: :attr:`geomap.settings.Settings.max_upload_bytes`.

    ``$GEOMAP_MAX_UPLOAD_MB``, the config file's ``max_upload_mb``, or :data:`DEFAULT_MAX_UPLOAD_MB`.
    """
    return get_settings().max_upload_bytes


def max_unzipped_bytes() -> int:
    """The most bytes a zip may expand to: :data:`ZIP_EXPANSION` times :func:`max_upload_bytes`."""
    return ZIP_EXPANSION * max_upload_bytes()


def source_name(source: Any, *, filename: str | None = None) -> str:
    """A name to show for ``source`` in messages (``filename``, a path, ``.name``, or a placeholder)."""
    if filename:
        return str(filename)
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return name
    return Message(N_("uploaded file"))


def upload_size(source: Any) -> int | None:
    """The size of ``source`` in bytes without reading it, or ``None`` when it cannot be known.

    Parameters
    ----------
    source
        A path (str or ``os.PathLike``; a folder gives the total of its files), ``bytes``, an
        object with an integer ``size`` attribute (Streamlit ``UploadedFile``), or a seekable
        binary file object.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if p.is_dir():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        return p.stat().st_size
    size = getattr(source, "size", None)
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    if hasattr(source, "seek") and hasattr(source, "tell"):
        try:
            pos = source.tell()
            end = source.seek(0, io.SEEK_END)
            source.seek(pos)
            return int(end - pos)
        except (OSError, ValueError, io.UnsupportedOperation):
            return None
    return None


def check_upload_size(source: Any, *, limit: int | None = None, filename: str | None = None) -> int | None:
    """Refuse ``source`` if it is larger than ``limit`` bytes, before anything is read.

    Parameters
    ----------
    source
        See :func:`upload_size`.
    limit
        Bytes; default :func:`max_upload_bytes`.
    filename
        Name used in the message.

    Returns
    -------
    int or None
        The size, or ``None`` when it cannot be known up front (then read it with
        :func:`read_limited`).

    Raises
    ------
    UploadTooLarge
        Naming the file, its size and the limit.
    """
    limit = max_upload_bytes() if limit is None else limit
    size = upload_size(source)
    if size is not None and size > limit:
        msg = Message(
            N_("{file}: file is {size}, larger than the {limit} upload limit; split it, or raise {setting} when running geomap locally"),
            file=source_name(source, filename=filename), size=_mb(size), limit=_mb(limit), setting=MAX_UPLOAD_ENV,
        )
        raise UploadTooLarge(msg)
    return size


def check_upload(source: Any, *, limit: int | None = None, filename: str | None = None) -> int | None:
    """Short name of :func:`check_upload_size` (what the Data page calls on an ``UploadedFile``)."""
    return check_upload_size(source, limit=limit, filename=filename)


def read_limited(stream: BinaryIO, *, limit: int | None = None, filename: str | None = None) -> bytes:
    """Read ``stream`` to the end, stopping with an error once more than ``limit`` bytes arrive.

    Raises
    ------
    UploadTooLarge
        As soon as the limit is passed (at most ``limit`` + one chunk is held in memory).
    """
    limit = max_upload_bytes() if limit is None else limit
    buf = io.BytesIO()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return buf.getvalue()
        buf.write(chunk)
        if buf.tell() > limit:
            msg = Message(
                N_("{file}: more than {limit} arrived, the upload limit; split it, or raise {setting} when running geomap locally"),
                file=source_name(stream, filename=filename), limit=_mb(limit), setting=MAX_UPLOAD_ENV,
            )
            raise UploadTooLarge(msg)


def _unsafe_member(name: str) -> Message | None:
    """Why a member name is unsafe to extract, or ``None``."""
    if not name or "\x00" in name:
        return Message(N_("empty or NUL in name"))
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return Message(N_("absolute path"))
    parts = PurePosixPath(norm).parts
    if ".." in parts:
        return Message(N_("path goes up a folder ('..')"))
    if posixpath.normpath(norm).startswith(".."):
        return Message(N_("path escapes the archive folder"))
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return bool(mode) and stat.S_ISLNK(mode)


def _open_zip(source: Any, filename: str | None) -> zipfile.ZipFile:
    name = source_name(source, filename=filename)
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    elif hasattr(source, "getvalue") and not hasattr(source, "seek"):
        source = io.BytesIO(source.getvalue())
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        # Translators: {error} is the library's own error text, in English.
        msg = Message(N_("{file}: not a readable zip archive ({error})"), file=name, error=str(exc))
        raise UnsafeArchive(msg) from None


def check_zip(
    source: Any,
    *,
    filename: str | None = None,
    max_total: int | None = None,
    max_members: int = MAX_ZIP_MEMBERS,
    max_ratio: float = MAX_ZIP_RATIO,
) -> list[zipfile.ZipInfo]:
    """Validate a zip archive's member list without extracting anything.

    Parameters
    ----------
    source
        Path, bytes or binary file object of the archive.
    filename
        Name used in messages.
    max_total
        Largest total uncompressed size (bytes); default :func:`max_unzipped_bytes`.
    max_members
        Most members allowed.
    max_ratio
        Largest uncompressed/compressed ratio for a member over 1 MB uncompressed.

    Returns
    -------
    list of zipfile.ZipInfo
        The file members (folders left out), in archive order.

    Raises
    ------
    UnsafeArchive
        Naming the archive, the member and the reason (path traversal, link, encrypted, too many
        members, too large once expanded, suspicious compression ratio).
    """
    name = source_name(source, filename=filename)
    max_total = max_unzipped_bytes() if max_total is None else max_total
    with _open_zip(source, filename) as zf:
        infos = zf.infolist()
    if len(infos) > max_members:
        msg = Message(N_("{file}: zip holds {n} members, more than the {limit} allowed"), file=name, n=Number(len(infos)),
                      limit=Number(max_members))
        raise UnsafeArchive(msg)
    total = 0
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        why = _unsafe_member(info.filename)
        if why:
            msg = Message(N_("{file}: unsafe path {member} in the zip refused: {why}; nothing was extracted"),
                          file=name, member=repr(info.filename), why=why)
            raise UnsafeArchive(msg)
        if _is_link(info):
            msg = Message(N_("{file}: member {member} refused: symbolic link; nothing was extracted"), file=name, member=repr(info.filename))
            raise UnsafeArchive(msg)
        if info.flag_bits & 0x1:
            msg = Message(N_("{file}: member {member} is encrypted; send an unencrypted zip"), file=name, member=repr(info.filename))
            raise UnsafeArchive(msg)
        if info.is_dir():
            continue
        total += info.file_size
        if total > max_total:
            msg = Message(
                N_("{file}: zip expands to more than {limit} (at member {member}); refused as a possible zip bomb"),
                file=name, limit=_mb(max_total), member=repr(info.filename),
            )
            raise UnsafeArchive(msg)
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            msg = Message(
                N_("{file}: member {member} expands {ratio} times ({packed} -> {unpacked}); refused as a possible zip bomb"),
                file=name, member=repr(info.filename), ratio=Number(ratio, ",.0f"),
                packed=_mb(info.compress_size), unpacked=_mb(info.file_size),
            )
            raise UnsafeArchive(msg)
        files.append(info)
    return files


def _copy_limited(src: BinaryIO, dst: BinaryIO, *, budget: int, what: str) -> int:
    written = 0
    while True:
        chunk = src.read(_CHUNK)
        if not chunk:
            return written
        written += len(chunk)
        if written > budget:
            msg = Message(N_("{file}: expands beyond the declared size / limit; refused as a possible zip bomb"), file=what)
            raise UnsafeArchive(msg)
        dst.write(chunk)


def read_zip_member(
    source: Any,
    member: str,
    *,
    filename: str | None = None,
    max_total: int | None = None,
) -> bytes:
    """Read one member of a validated zip, counting the bytes actually inflated.

    Raises
    ------
    UnsafeArchive
        From :func:`check_zip`, or when the member inflates beyond its declared size or the limit.
    KeyError
        If ``member`` is not in the archive (the message lists the members).
    """
    name = source_name(source, filename=filename)
    max_total = max_unzipped_bytes() if max_total is None else max_total
    infos = {i.filename: i for i in check_zip(source, filename=filename, max_total=max_total)}
    if member not in infos:
        msg = f"{name}: no member {member!r}; members: {', '.join(infos) or '(none)'}"
        raise KeyError(msg)
    if hasattr(source, "seek"):
        source.seek(0)
    with _open_zip(source, filename) as zf, zf.open(member) as fh:
        out = io.BytesIO()
        _copy_limited(fh, out, budget=min(infos[member].file_size, max_total), what=f"{name}: {member}")
        return out.getvalue()


def extract_zip(
    source: Any,
    dest: str | os.PathLike[str],
    *,
    filename: str | None = None,
    max_total: int | None = None,
    members: Iterable[str] | None = None,
) -> list[Path]:
    """Extract a zip into ``dest`` after :func:`check_zip`, never writing outside ``dest``.

    Parameters
    ----------
    source
        Path, bytes or binary file object of the archive.
    dest
        Folder to extract into (created if missing).
    filename
        Name used in messages.
    max_total
        Largest total bytes written; default :func:`max_unzipped_bytes`.
    members
        Only these member names (default: all files).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    name = source_name(source, filename=filename)
    max_total = max_unzipped_bytes() if max_total is None else max_total
    infos = check_zip(source, filename=filename, max_total=max_total)
    wanted = set(members) if members is not None else None
    root = Path(dest).resolve()
    root.mkdir(parents=True, exist_ok=True)
    if hasattr(source, "seek"):
        source.seek(0)
    written: list[Path] = []
    budget = max_total
    with _open_zip(source, filename) as zf:
        for info in infos:
            if wanted is not None and info.filename not in wanted:
                continue
            target = (root / info.filename.replace("\\", "/")).resolve()
            if not target.is_relative_to(root):
                msg = f"{name}: member {info.filename!r} would be written outside {root}; refused"
                raise UnsafeArchive(msg)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                n = _copy_limited(src, dst, budget=min(info.file_size, budget), what=f"{name}: {info.filename}")
            budget -= n
            written.append(target)
    return written


def shapefile_parts(names: Iterable[str]) -> dict[str, set[str]]:
    """Group member names by shapefile stem: ``{"dir/states": {".shp", ".dbf", ...}}``.

    Only stems that have at least one of ``.shp .shx .dbf .prj .cpg`` are listed; case-insensitive
    extensions, macOS ``__MACOSX`` folders ignored.
    """
    out: dict[str, set[str]] = {}
    for n in names:
        if n.startswith("__MACOSX/") or n.endswith("/"):
            continue
        stem, ext = posixpath.splitext(n.replace("\\", "/"))
        ext = ext.lower()
        if ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            out.setdefault(stem, set()).add(ext)
    return out


def check_shapefile_zip(source: Any, *, filename: str | None = None) -> dict[str, Any]:
    """Check a zipped shapefile has its parts; raise naming what is missing.

    Returns
    -------
    dict
        ``{"stem": member stem, "has_prj": bool}`` for the single shapefile in the archive.
        A missing ``.prj`` is not an error here (the caller decides: assume EPSG:4326 when the
        coordinates are in degree range, else ask for the CRS) but is reported.

    Raises
    ------
    UnsafeArchive
        From :func:`check_zip`.
    ValueError
        If there is no ``.shp``, several, or ``.shx``/``.dbf`` is missing — naming the archive and
        the missing parts.
    """
    name = source_name(source, filename=filename)
    infos = check_zip(source, filename=filename)
    parts = shapefile_parts(i.filename for i in infos)
    shps = {stem: exts for stem, exts in parts.items() if ".shp" in exts}
    if not shps:
        found = ", ".join(i.filename for i in infos) or "(empty)"
        msg = f"{name}: no .shp file in the zip (found: {found})"
        raise ValueError(msg)
    if len(shps) > 1:
        msg = f"{name}: several shapefiles in one zip ({', '.join(sorted(shps))}); send one per zip"
        raise ValueError(msg)
    stem, exts = next(iter(shps.items()))
    missing = [e for e in _SHP_REQUIRED if e not in exts]
    if missing:
        msg = (
            f"{name}: shapefile {stem}.shp is missing {', '.join(stem + e for e in missing)}; "
            "zip all parts together (.shp, .shx, .dbf and .prj)"
        )
        raise ValueError(msg)
    return {"stem": stem, "has_prj": ".prj" in exts}
