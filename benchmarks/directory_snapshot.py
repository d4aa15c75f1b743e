"""Snapshot and compare the resolved synthetic directory (read + resolve), to prove an optimisation changes nothing.

``python benchmarks/directory_snapshot.py save OUT.pkl [N]`` writes the resolved frame of ``N``
fictional rows (default 20,000; ``bench_directory.synthetic_directory``); ``... compare OUT.pkl [N]``
resolves them again with the current code and lists every difference (columns, dtypes, values,
geometry WKT, ``attrs``, row accounting). Exit status 1 when anything differs.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
from pathlib import Path

import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))


def resolved_snapshot(n: int) -> dict:
    """The resolved directory of ``n`` synthetic rows as plain, comparable Python values."""
    from bench_directory import SAMPLE, synthetic_directory

    from geomap import pipeline

    units = pipeline.load_units("NGA")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory_bench_fictional.csv"
        synthetic_directory(units, n).to_csv(path, index=False)
        out = pipeline.load_directory(path, units=units, country="NGA")
    snap = frame_snapshot(out)
    # the bundled Nigeria sample and the crafted edge cases of tests/directory/test_arrow_columns.py
    snap["extra"] = {
        "nigeria_sample": frame_snapshot(pipeline.load_directory(SAMPLE, units=units, country="NGA")),
        "tricky": frame_snapshot(
            pipeline.load_directory(_tricky().encode(), units=units, country="NGA", filename="tricky_fictional.csv")
        ),
    }
    return snap


def _tricky() -> str:
    """The edge-case file of ``tests/directory/test_arrow_columns.py`` (read from the test, not copied)."""
    import ast

    source = (Path(__file__).resolve().parents[1] / "tests" / "directory" / "test_arrow_columns.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "TRICKY":
            return ast.literal_eval(node.value)
    msg = "TRICKY not found in tests/directory/test_arrow_columns.py"
    raise LookupError(msg)


def frame_snapshot(out) -> dict:
    """A resolved directory as plain, comparable Python values."""
    from geomap.directory import resolve

    geom = out.geometry
    frame = pd.DataFrame(out.drop(columns=[geom.name]))
    return {
        "columns": list(out.columns),
        "dtypes": {c: str(t) for c, t in out.dtypes.items()},
        "index": list(out.index),
        "values": {c: [repr(v) for v in frame[c].tolist()] for c in frame.columns},
        "wkt": [None if g is None else shapely.to_wkt(g, rounding_precision=-1) for g in geom],
        "crs": str(out.crs),
        "attrs": repr(sorted((k, repr(v)) for k, v in out.attrs.items())),
        "accounting": repr(resolve.row_accounting(out)),
    }


def differences(a: dict, b: dict, *, limit: int = 20) -> list[str]:
    """Human-readable differences between two snapshots."""
    out: list[str] = []
    for name in sorted(set(a.get("extra", {})) | set(b.get("extra", {}))):
        ea, eb = a.get("extra", {}).get(name), b.get("extra", {}).get(name)
        if ea is None or eb is None:
            out.append(f"{name}: missing in one snapshot")
        else:
            out.extend(f"{name}: {d}" for d in differences(ea, eb, limit=limit))
    for key in ("columns", "dtypes", "index", "crs", "attrs", "accounting"):
        if a[key] != b[key]:
            out.append(f"{key}: {str(a[key])[:400]} != {str(b[key])[:400]}")
    for col in a["values"]:
        va, vb = a["values"][col], b["values"].get(col)
        if va != vb:
            if vb is None or len(va) != len(vb):
                out.append(f"column {col}: missing or length differs")
                continue
            bad = [i for i, (x, y) in enumerate(zip(va, vb)) if x != y]
            out.append(f"column {col}: {len(bad)} differ, e.g. row {bad[0]}: {va[bad[0]][:200]} != {vb[bad[0]][:200]}")
    if a["wkt"] != b["wkt"]:
        bad = [i for i, (x, y) in enumerate(zip(a["wkt"], b["wkt"])) if x != y]
        out.append(f"geometry: {len(bad)} differ")
    return out[:limit]


def main(argv: list[str]) -> int:
    cmd, path = argv[0], Path(argv[1])
    n = int(argv[2]) if len(argv) > 2 else 20_000
    snap = resolved_snapshot(n)
    if cmd == "save":
        path.write_bytes(pickle.dumps(snap))
        print(f"saved {n:,} rows to {path}")
        return 0
    diffs = differences(pickle.loads(path.read_bytes()), snap)
    print("\n".join(diffs) if diffs else f"identical: {n:,} rows, {len(snap['columns'])} columns, attrs, geometry; Nigeria sample and edge-case file too")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
