"""A clean install works: every module imports, every page renders, every import is declared.

CI installs ``.[test]`` into a fresh virtual environment; a package that geomap (or one of its
dependencies, on geomap's code path) imports without anyone declaring it is then missing, as
``six`` was for libhxl. These tests catch that on any machine, fresh venv or not, by comparing
what is imported with what ``pyproject.toml`` declares.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from streamlit.testing.v1 import AppTest

import geomap

REPO = Path(__file__).resolve().parents[1]
#: Alembic's migration environment runs only inside Alembic (it reads ``alembic.context.config``).
NOT_IMPORTABLE = {"geomap.store.migrations.env"}
MODULES = sorted(m.name for m in pkgutil.walk_packages(geomap.__path__, "geomap.") if m.name not in NOT_IMPORTABLE)
PAGES = sorted(
    m for m in MODULES if m.startswith("geomap.pages.") and not m.rsplit(".", 1)[1].startswith("_")
)


def _declared(*, extras: tuple[str, ...] = ()) -> set[str]:
    """Distributions ``pyproject.toml`` declares as dependencies (and in ``extras``), canonical names."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(r).name) for r in texts}


def _closure(names: set[str]) -> set[str]:
    """``names`` and every distribution they require, transitively (no extras)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def _distributions(module: str) -> set[str]:
    return {canonicalize_name(d) for d in metadata.packages_distributions().get(module, [])}


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module):
    importlib.import_module(module)


def test_pages_found():
    assert {"geomap.pages.coverage", "geomap.pages.data", "geomap.pages.footprint", "geomap.pages.gaps", "geomap.pages.referral"} <= set(PAGES)


def _render(page: str) -> None:
    import importlib

    importlib.import_module(page).render()


@pytest.mark.store  # the pages open the store (a fresh install's embedded one, or PostGIS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page):
    at = AppTest.from_function(_render, args=(page,), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.store
def test_app_renders():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_every_import_in_geomap_is_a_declared_dependency():
    declared = _declared()
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    missing: dict[str, list[str]] = {}
    for path in sorted((REPO / "geomap").rglob("*.py")):
        for name in _top_level_imports(path) - stdlib - {"geomap"}:
            dists = _distributions(name)
            if not dists:
                missing.setdefault(f"{name} (no installed distribution)", []).append(str(path.relative_to(REPO)))
            elif not dists & declared:
                missing.setdefault(f"{name} (from {', '.join(sorted(dists))})", []).append(str(path.relative_to(REPO)))
    assert not missing, f"imported by geomap but not declared in pyproject.toml dependencies: {missing}"


_LOADED = """
import importlib, json, pkgutil, sys
import geomap
for m in pkgutil.walk_packages(geomap.__path__, "geomap."):
    if m.name != "geomap.store.migrations.env":  # runs only inside Alembic
        importlib.import_module(m.name)
import hxl, hxl.input  # libhxl's own imports (it imports six without declaring it)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
_STARTUP = "import json, sys; print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"


def _modules_loaded_by(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_everything_geomap_loads_is_installed_by_its_declared_dependencies():
    """Every distribution loaded on geomap's code path comes with a declared dependency.

    Run in a fresh interpreter so that only geomap's own imports are counted (less what the
    interpreter loads at start-up, e.g. ``.pth`` hooks). A distribution that a dependency
    imports without declaring it (six for libhxl) must be declared by geomap itself, or a clean
    install (``pip install -e ".[test]"``, as the README and CI do) misses it.
    """
    loaded = _modules_loaded_by(_LOADED) - _modules_loaded_by(_STARTUP) - set(sys.stdlib_module_names) - {"geomap"}
    installed_by_us = _closure(_declared(extras=("test",)))
    stray = {}
    for name in sorted(loaded):
        dists = _distributions(name)
        if dists and not dists & installed_by_us:
            stray[name] = sorted(dists)
    assert not stray, f"loaded on geomap's code path but installed by no declared dependency: {stray}"
    assert "six" in loaded  # the check saw libhxl's undeclared import
