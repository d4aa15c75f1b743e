"""No module-level mutable state that could carry one session's data into another.

Streamlit runs every browser session in the same Python process, so anything kept at module level
(a dict filled at run time, a ``global`` rebound in a function, an ``lru_cache`` over a function
of user data, a ``st.cache_resource`` over user input) is shared by all sessions. This static
scan of ``geomap/`` and ``app.py`` fails on:

1. a function that mutates a module-level container (``_X[k] = v``, ``_X.append(...)``,
   ``.update``/``.setdefault``/``.add``/... on a module-level name);
2. a ``global`` statement;
3. ``functools.lru_cache``/``cache`` or ``st.cache_resource`` on a function with a parameter that
   can carry user data (bytes, a frame, a file) unless the function is also keyed by a content
   digest/key parameter — caches of bundled data keyed by a country or path are fine, and
   ``st.cache_data`` (keyed by content, returns copies) is fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "geomap").rglob("*.py")) + [p for p in [REPO / "app.py"] if p.exists()]

MUTATORS = {"append", "extend", "insert", "update", "setdefault", "add", "pop", "popitem", "clear", "remove", "discard", "__setitem__"}
MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "OrderedDict", "deque", "Counter"}

#: parameter names / annotation words that can carry user data into st.cache_resource
USER_DATA_HINTS = ("bytes", "DataFrame", "GeoDataFrame", "UploadedFile", "data", "upload", "raw", "directory", "file")


def _is_mutable(value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        f = value.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name in MUTABLE_CALLS
    return False


def _module_mutables(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and _is_mutable(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and node.value is not None and _is_mutable(node.value) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _decorator_name(d: ast.expr) -> str:
    if isinstance(d, ast.Call):
        d = d.func
    if isinstance(d, ast.Attribute):
        base = _decorator_name(d.value)
        return f"{base}.{d.attr}" if base else d.attr
    return d.id if isinstance(d, ast.Name) else ""


def scan(path: Path) -> list[str]:
    """Problems in one source file (``file:line: what``)."""
    rel = path.relative_to(REPO).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mutables = _module_mutables(tree)
    problems: list[str] = []
    for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        local = {a.arg for a in func.args.args + func.args.kwonlyargs + func.args.posonlyargs}
        for node in ast.walk(func):
            if isinstance(node, ast.Global):
                problems.append(f"{rel}:{node.lineno}: `global {', '.join(node.names)}` in {func.name}()")
            targets = []
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in mutables and t.value.id not in local:
                    problems.append(f"{rel}:{node.lineno}: {func.name}() writes into module-level {t.value.id}[...]")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATORS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in mutables
                and node.func.value.id not in local
            ):
                problems.append(f"{rel}:{node.lineno}: {func.name}() calls {node.func.value.id}.{node.func.attr}() on a module-level container")
        for d in func.decorator_list:
            name = _decorator_name(d)
            kind = name.split(".")[-1]
            if kind in ("lru_cache", "cache", "cache_resource") and not name.startswith("st.cache_data"):
                args = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
                keyed = any(a.arg.lstrip("_").endswith(("digest", "key", "hash")) for a in args)
                for a in args:
                    ann = ast.unparse(a.annotation) if a.annotation is not None else ""
                    if not keyed and any(h in a.arg or h in ann for h in USER_DATA_HINTS):
                        problems.append(
                            f"{rel}:{func.lineno}: @{name} on {func.name}({a.arg}: {ann}) keeps user data at module "
                            "level without a content key (add a digest/key parameter or use st.cache_data)"
                        )
    return problems


def test_scanner_catches_the_patterns(tmp_path):
    src = tmp_path / "geomap" / "bad.py"
    src.parent.mkdir()
    src.write_text(
        "import functools\nimport streamlit as st\n_SEEN = {}\n_LOG = []\nCOUNT = 0\n"
        "def remember(key, df):\n    _SEEN[key] = df\n    _LOG.append(key)\n"
        "def bump():\n    global COUNT\n    COUNT += 1\n"
        "@functools.lru_cache\ndef parse(raw):\n    return raw\n"
        "@functools.lru_cache\ndef bundled(country: str):\n    return country\n"
        "@st.cache_resource\ndef load(data: bytes):\n    return data\n"
        "@st.cache_resource\ndef keyed(digest: str, _data: bytes):\n    return _data\n"
        "def fine(x):\n    _LOCAL = {}\n    _LOCAL['a'] = x\n    return _LOCAL\n",
        encoding="utf-8",
    )
    global REPO
    old = REPO
    REPO = tmp_path
    try:
        found = "\n".join(scan(src))
    finally:
        REPO = old
    for expected in ("writes into module-level _SEEN", "_LOG.append()", "global COUNT", "@functools.lru_cache on parse(raw", "@st.cache_resource on load(data"):
        assert expected in found, found
    assert "fine()" not in found and "keyed(" not in found and "bundled(" not in found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_module_level_user_state(path):
    problems = scan(path)
    assert not problems, "\n".join(problems)
