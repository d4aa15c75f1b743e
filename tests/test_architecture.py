"""The layering of geomap's packages, written down and enforced (issue #14).

The import graph is built from the source with :mod:`ast` — every ``import`` and ``from …
import``, at module level or inside a function — between geomap's modules. Two rules hold:

1. **No cycle** between modules (lazy imports included): a module never needs, directly or
   through others, a module that needs it.
2. **Layers only look down.** Each module belongs to one layer of :data:`LAYERS`; it may import
   modules of its own layer or of a lower one, never of a higher one::

       settings, errors, i18n          read by every room; import no room
       io                              bytes in, limits, encodings, the format registry
       boundaries, boundary_vintage,   places: units, their vintage, denominators, towns,
         population, gazetteer, join     point -> unit join
       directory, projects, auth       records: schema, readers, resolve, privacy, writers
       analysis, grids, store,         pure functions of the records and rasters; the system
         pipeline                        of record
       layers                          every map is drawn here
       report                          printable documents, built from results and layers
       pages, cli, cli_commands        widgets and commands: calls only

No ``try: import … except ImportError`` dodges a cycle either (rule 3).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "geomap"

#: Layers from the bottom up; a module's layer is that of its first dotted part under geomap.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"settings", "errors", "i18n", "__init__"}),
    frozenset({"io"}),
    frozenset({"boundaries", "boundary_vintage", "population", "gazetteer", "join"}),
    frozenset({"directory", "projects", "auth"}),
    frozenset({"analysis", "grids", "store", "pipeline"}),
    frozenset({"layers"}),
    frozenset({"report"}),
    frozenset({"pages", "cli", "cli_commands"}),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """geomap modules ``path`` imports (anywhere in the file), resolved to known module names."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve_from(node, module, path.name == "__init__.py")
            names = [f"{target}.{a.name}" for a in node.names] + [target]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("geomap") and name != module and name != "geomap":
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer_of(module: str) -> int:
    parts = module.split(".")
    room = parts[1] if len(parts) > 1 else "__init__"
    for i, layer in enumerate(LAYERS):
        if room in layer:
            return i
    msg = f"{module}: its room {room!r} is in no layer of tests/test_architecture.py LAYERS; add it there"
    raise AssertionError(msg)


def test_every_module_has_a_layer():
    for module in import_graph():
        layer_of(module)


def test_no_import_cycles():
    assert find_cycles(import_graph()) == []


def room_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between rooms (``geomap.directory``, ``geomap.boundaries``, …)."""
    room = lambda m: ".".join(m.split(".")[:2])  # noqa: E731
    out: dict[str, set[str]] = {}
    for src, targets in graph.items():
        out.setdefault(room(src), set()).update(room(t) for t in targets if room(t) != room(src))
    return out


def test_no_cycles_between_packages():
    assert find_cycles(room_graph(import_graph())) == []


def test_layers_only_look_down():
    upward = [
        f"{src} (layer {layer_of(src)}) imports {dst} (layer {layer_of(dst)})"
        for src, targets in import_graph().items()
        for dst in sorted(targets)
        if layer_of(dst) > layer_of(src)
    ]
    assert upward == []


def test_no_import_error_workarounds():
    dodges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            imports = any(
                "geomap" in ast.unparse(n)
                for b in node.body
                for n in ast.walk(b)
                if isinstance(n, (ast.Import, ast.ImportFrom))
            )
            catches = any("ImportError" in ast.unparse(h.type) for h in node.handlers if h.type is not None)
            if imports and catches:
                dodges.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert dodges == []


def test_the_checker_finds_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_maps_are_drawn_only_in_layers():
    """folium (and branca, its HTML templating) is imported only by geomap/layers/."""
    drawing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "layers":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            if any(n.split(".")[0] in {"folium", "branca"} for n in names):
                drawing.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert drawing == []


def test_analysis_imports_neither_streamlit_nor_folium():
    bad = []
    for path in sorted((PACKAGE / "analysis").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            if any(n.split(".")[0] in {"streamlit", "folium", "streamlit_folium"} for n in names):
                bad.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert bad == []


#: Functions over the length limit, owned by other work in progress (#13), to split after it merges.
LONG_FUNCTIONS_TO_SPLIT = {"geomap/directory/readers.py:_read_hsds", "geomap/directory/resolve.py:resolve_directory"}
MAX_FUNCTION_LINES = 120


def test_no_function_is_over_120_lines():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                where = f"{path.relative_to(REPO).as_posix()}:{node.name}"
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and where not in LONG_FUNCTIONS_TO_SPLIT:
                    long.append(f"{where} ({lines} lines)")
    assert long == []
