"""geomap's exception types: errors a user can act on, as opposed to bugs.

Every error caused by the input — a file, a setting, a command-line value — is a
:class:`GeomapError` (a :class:`ValueError`, so ``except ValueError`` keeps working) whose
message names the file, row, field or value and what would be accepted. The command line prints
such an error in one line (``geomap: error: …``, exit status 2); anything else — a
``KeyError``, a ``TypeError``, an ``AttributeError`` — is a bug and surfaces with its traceback.

The project convention ``msg = f"..."; raise ValueError(msg)`` still marks a user error (the
CLI treats a plain ``ValueError`` as one); the subclasses below say more where it helps.

Examples
--------
>>> from geomap.errors import GeomapError, InputFileError
>>> issubclass(InputFileError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "GeomapError",
    "InputFileError",
    "SettingsError",
    "UnknownUser",
    "UnsafeArchive",
    "UploadTooLarge",
]


class GeomapError(ValueError):
    """An error the user can act on; the message says what to change."""


class InputFileError(GeomapError):
    """A file cannot be read as what it claims to be (the message names the file, row and field)."""


class UploadTooLarge(InputFileError):
    """A file is larger than the upload limit (raised before it is read)."""


class UnsafeArchive(InputFileError):
    """A zip archive is malformed, escapes its folder, or would expand beyond the limits."""


class SettingsError(GeomapError):
    """A setting has a value geomap cannot use (the message names the variable or key)."""


class UnknownUser(GeomapError, KeyError):
    """No account of that name (also a :class:`KeyError`: the account table is a mapping)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
