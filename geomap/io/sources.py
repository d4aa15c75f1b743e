"""Bytes in: the one way geomap reads a user's file (a path, bytes or an upload).

:func:`read_source` checks the size limit before anything is read (:mod:`geomap.io.limits`),
reads a stream of unknown size in bounded chunks, and names the source for messages. Every
reader of user files — directories, projects, boundaries, populations, demand points, road
networks — takes its bytes from here.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from geomap.io import limits

__all__ = ["display_name", "read_source", "source_path"]


def display_name(source: Any, filename: str | None = None, *, default: str = "upload") -> str:
    """The base name to show for ``source``: ``filename``, the path's or ``.name``'s, or ``default``."""
    if filename:
        return Path(str(filename)).name
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return Path(name).name
    return default


def source_path(source: Any, *, filename: str | None = None, what: str = "file") -> Path | None:
    """``source`` as an existing path after the size check, or ``None`` when it is not a path.

    Raises
    ------
    FileNotFoundError
        With ``errno.ENOENT`` and the path as ``filename`` (the CLI prints
        ``"{path}: No such file or directory"``).
    geomap.io.limits.UploadTooLarge
        Naming the file, its size and the limit.
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    limits.check_upload_size(path, filename=filename or path.name)
    return path


def read_source(source: Any, *, filename: str | None = None, what: str = "file") -> bytes:
    """The bytes of a path, a bytes object or a file-like object (a Streamlit ``UploadedFile``).

    Parameters
    ----------
    source
        A path (``str`` or ``os.PathLike``), ``bytes``/``bytearray``/``memoryview``, an object
        with ``.getvalue()`` (an upload), or a binary stream with ``.read()``.
    filename
        Name used in messages when ``source`` carries none.
    what
        What the file is, for messages (``"population file"``).

    Returns
    -------
    bytes

    Raises
    ------
    geomap.io.limits.UploadTooLarge
        Before anything is read when the size is known, else as soon as the limit is passed.
    FileNotFoundError
        A path that does not exist.
    TypeError
        ``source`` is none of the above.
    """
    path = source_path(source, filename=filename, what=what)
    if path is not None:
        return path.read_bytes()
    name = display_name(source, filename)
    limits.check_upload_size(source, filename=name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "getvalue"):
        data = source.getvalue()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return bytes(limits.read_limited(source, filename=name))
    msg = f"cannot read a {what} from a {type(source).__name__}; give a path, bytes or a file-like object"
    raise TypeError(msg)
