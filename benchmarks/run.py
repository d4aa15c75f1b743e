#!/usr/bin/env python3
"""geomap's performance harness: prints a table and writes a JSON list of records.

Usage::

    python benchmarks/run.py [--quick] [--only payload,compute,browser] --out benchmarks/results.json

Every figure is a ratio against a baseline measured in the same run (``ratio = value /
baseline``, lower is better; throughputs are seconds per item). Goals are reported, never
enforced: the script exits 0 whether or not a goal is met (CI runs ``--quick`` so the harness
never rots). See ``benchmarks/README.md`` for what each figure measures and the latest results.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _common import Record, machine

SECTIONS = ("payload", "compute", "directory", "browser", "store", "grids")


def run_section(name: str, *, quick: bool) -> list[Record]:
    """Run one section; a failing section is reported as an ``error`` record, not raised."""
    import importlib

    module = importlib.import_module(f"bench_{name}")
    try:
        return module.run(quick=quick)
    except Exception as exc:  # noqa: BLE001 - the harness reports, it does not gate
        traceback.print_exc()
        return [Record(f"{name}_error", float("nan"), None, "", None, note=f"{type(exc).__name__}: {exc}")]


def format_table(records: list[dict]) -> str:
    """A plain-text table of the records."""
    rows = [("name", "value", "baseline", "unit", "ratio", "goal", "met")]
    for r in records:
        def num(v):
            if v is None:
                return "-"
            if isinstance(v, float):
                return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
            return f"{v:,}" if isinstance(v, int) else str(v)

        met = {True: "yes", False: "NO", None: "-"}[r.get("met")]
        rows.append((r["name"], num(r["value"]), num(r["baseline"]), r["unit"], num(r["ratio"]), num(r["goal"]), met))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI): under ~3 minutes on 2 cores")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="JSON file to write")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    t0 = time.perf_counter()
    records: list[Record] = []
    for name in wanted:
        ts = time.perf_counter()
        records += run_section(name, quick=args.quick)
        print(f"[{name}: {time.perf_counter() - ts:.1f} s]", file=sys.stderr)
    out = [r.as_dict() for r in records]
    for r in out:
        if isinstance(r["value"], float) and r["value"] != r["value"]:  # NaN is not JSON
            r["value"] = None
    print(format_table(out))
    info = machine()
    print(f"\nmachine: {info['nproc']} cores, {info['cpu']}, {info['ram_gb']} GB RAM; mode: {'quick' if args.quick else 'full'}; {time.perf_counter() - t0:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    meta = args.out.with_name(args.out.stem + "_machine.json")
    meta.write_text(json.dumps({**info, "mode": "quick" if args.quick else "full", "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
