"""One immutable settings object for the whole of geomap.

Every tunable value — folders, limits, the credentials file, the store's URL, the language,
the disclosure threshold — is read here and nowhere else. Values come, in order of precedence,
from the environment (``GEOMAP_*`` variables), an optional TOML config file, then the defaults
below. :func:`get_settings` reads them afresh at each call: there is no module-level state to
mutate, so one test (or one session) changing the environment never leaks into another.

The config file is ``$GEOMAP_CONFIG`` or ``~/.config/geomap/config.toml``; its keys are the
field names of :class:`Settings` under a ``[geomap]`` table::

    [geomap]
    data_dir = "/srv/geomap"
    max_upload_mb = 200
    disclosure_k = 5

Examples
--------
>>> from geomap.settings import get_settings
>>> s = get_settings(environ={"GEOMAP_DISCLOSURE_K": "5"}, config_file=None)
>>> s.disclosure_k
5
>>> s.replace(disclosure_k=3).disclosure_k
3
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geomap.errors import SettingsError

__all__ = ["ENV", "Settings", "SettingsError", "get_settings"]


#: Environment variable for each field of :class:`Settings`.
ENV: dict[str, str] = {
    "data_dir": "GEOMAP_DATA_DIR",
    "cache_dir": "GEOMAP_CACHE_DIR",
    "credentials_path": "GEOMAP_CREDENTIALS",
    "database_url": "GEOMAP_DATABASE_URL",
    "max_upload_mb": "GEOMAP_MAX_UPLOAD_MB",
    "lang": "GEOMAP_LANG",
    "disclosure_k": "GEOMAP_DISCLOSURE_K",
    "stale_after_days": "GEOMAP_STALE_AFTER_DAYS",
}
_CONFIG_ENV = "GEOMAP_CONFIG"
_LEGACY_CACHE_ENV = "GEOMAP_CACHE"  # older name of GEOMAP_CACHE_DIR, still honoured
LANGUAGES = ("en", "es", "fr", "ar")


def _xdg(var: str, fallback: str, environ: Mapping[str, str]) -> Path:
    base = environ.get(var, "").strip()
    return Path(base).expanduser() if base else Path.home() / fallback


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """geomap's settings; build with :func:`get_settings`, change with :meth:`replace`.

    Attributes
    ----------
    data_dir : Path
        Where the embedded store (a GeoPackage) and other kept data live.
    cache_dir : Path
        Where downloaded or derived files are cached (road networks, geoBoundaries, …).
    credentials_path : Path
        The accounts file of the file-based sign-in.
    database_url : str or None
        ``postgresql://…`` to use PostGIS as the store; ``None`` for the embedded store.
    max_upload_mb : float
        The largest file accepted, in megabytes (uploads, CLI inputs, zip members).
    lang : str
        Default language of pages, reports and CLI output (``en``, ``es``, ``fr``, ``ar``).
    disclosure_k : int
        Public counts of confidential records below this are banded, never shown exactly.
    stale_after_days : int
        A record not verified for longer than this is stale.
    """

    data_dir: Path
    cache_dir: Path
    credentials_path: Path
    database_url: str | None = None
    max_upload_mb: float = 100.0
    lang: str = "en"
    disclosure_k: int = 3
    stale_after_days: int = 365

    @property
    def max_upload_bytes(self) -> int:
        """:attr:`max_upload_mb` in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (the object itself never changes)."""
        return _validated(dataclasses.replace(self, **changes))


def _defaults(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        "data_dir": _xdg("XDG_DATA_HOME", ".local/share", environ) / "geomap",
        "cache_dir": _xdg("XDG_CACHE_HOME", ".cache", environ) / "geomap",
        "credentials_path": _xdg("XDG_CONFIG_HOME", ".config", environ) / "geomap" / "credentials.json",
    }


def _config_path(environ: Mapping[str, str]) -> Path:
    raw = environ.get(_CONFIG_ENV, "").strip()
    if raw:
        return Path(raw).expanduser()
    return _xdg("XDG_CONFIG_HOME", ".config", environ) / "geomap" / "config.toml"


def _read_config(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"config file {path}: not valid TOML ({exc})"
        raise SettingsError(msg) from None
    table = data.get("geomap", {})
    unknown = sorted(set(table) - set(ENV))
    if unknown:
        msg = f"config file {path}: unknown key(s) {', '.join(unknown)} under [geomap]; known: {', '.join(ENV)}"
        raise SettingsError(msg)
    return dict(table)


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, var in ENV.items():
        raw = environ.get(var, "").strip()
        if raw:
            values[field] = raw
    if "cache_dir" not in values and environ.get(_LEGACY_CACHE_ENV, "").strip():
        values["cache_dir"] = environ[_LEGACY_CACHE_ENV].strip()
    return values


def _coerce(field: str, value: Any, source: str) -> Any:
    try:
        if field in ("data_dir", "cache_dir", "credentials_path"):
            return Path(str(value)).expanduser()
        if field == "max_upload_mb":
            number = float(value)
            if number <= 0:
                raise ValueError
            return number
        if field in ("disclosure_k", "stale_after_days"):
            number = int(value)
            if number < 1:
                raise ValueError
            return number
        if field == "lang":
            return _language(str(value))
        return str(value) or None
    except (TypeError, ValueError):
        msg = f"{source}={value!r} is not a valid value for {field}"
        raise SettingsError(msg) from None


def _language(value: str) -> str:
    """``es_MX.UTF-8`` → ``es``; unknown languages fall back to English."""
    code = value.split(".")[0].split("_")[0].split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def _validated(settings: Settings) -> Settings:
    if settings.database_url and not settings.database_url.startswith(("postgresql", "postgres://")):
        msg = f"{ENV['database_url']} must be a postgresql:// URL"
        raise SettingsError(msg)
    return settings


def get_settings(
    *, environ: Mapping[str, str] | None = None, config_file: str | os.PathLike[str] | None | bool = True
) -> Settings:
    """Read the settings from the environment, the config file and the defaults.

    Parameters
    ----------
    environ : mapping, optional
        The environment to read; ``os.environ`` by default.
    config_file : path, None or True
        ``True`` (default) reads ``$GEOMAP_CONFIG`` or ``~/.config/geomap/config.toml`` if it
        exists; a path reads that file; ``None`` reads no file.

    Returns
    -------
    Settings

    Raises
    ------
    SettingsError
        A value cannot be used; the message names the variable or config key.
    """
    env = os.environ if environ is None else environ
    path = _config_path(env) if config_file is True else (Path(config_file) if config_file else None)
    values = _defaults(env)
    for field, value in _read_config(path).items():
        values[field] = _coerce(field, value, f"{path} [geomap] {field}")
    for field, value in _from_env(env).items():
        values[field] = _coerce(field, value, ENV.get(field, _LEGACY_CACHE_ENV))
    if "lang" not in values and env.get("LANG"):
        values["lang"] = _language(env["LANG"])
    return _validated(Settings(**values))
