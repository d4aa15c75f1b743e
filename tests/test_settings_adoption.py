"""Every setting is read through ``geomap.settings.get_settings`` and nowhere else (issue #14)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from geomap.settings import Settings, get_settings

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted((REPO / "geomap").rglob("*.py"))


def _env_reads(path: Path) -> list[str]:
    """``os.environ`` / ``os.getenv`` uses in one file, as ``file:line``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_only_settings_reads_the_environment():
    reads = [hit for p in SOURCES if p.name != "settings.py" for hit in _env_reads(p)]
    assert reads == []


def test_no_module_sets_osmnx_settings_for_the_process():
    bad = []
    for p in SOURCES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Attribute) and ast.unparse(t.value) in {"ox.settings", "osmnx.settings"}:
                        bad.append(f"{p.relative_to(REPO)}:{node.lineno}")
    assert bad == []


def test_streamlit_upload_limit_agrees_with_the_setting():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Settings.__dataclass_fields__["max_upload_mb"].default


def test_cache_folders_follow_the_one_setting(tmp_path, monkeypatch):
    from geomap import boundaries, gazetteer

    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path))
    assert get_settings().cache_dir == tmp_path
    assert gazetteer.cache_dir() == tmp_path
    assert boundaries._default_cache() == tmp_path / "geoboundaries"


def test_credentials_path_follows_the_setting(tmp_path, monkeypatch):
    from geomap import auth

    monkeypatch.setenv("GEOMAP_CREDENTIALS", str(tmp_path / "c.json"))
    assert auth.default_credentials_path() == tmp_path / "c.json"
