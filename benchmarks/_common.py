"""Shared pieces of the benchmark harness: result records, timing, machine description."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Record:
    """One benchmark figure: ``ratio = value / baseline`` (lower is better).

    ``goal`` is the ratio to reach (``None`` when the figure is reported, not judged);
    ``met`` says whether ``ratio <= goal``. Throughputs are expressed as seconds per item so that
    lower stays better.
    """

    name: str
    value: float
    baseline: float | None
    unit: str
    goal: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.value is None:
            return None
        return float(self.value) / float(self.baseline)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        ratio = self.ratio
        out["ratio"] = None if ratio is None else round(ratio, 4)
        out["met"] = None if (ratio is None or self.goal is None) else bool(ratio <= self.goal)
        order = ["name", "value", "baseline", "ratio", "unit", "goal", "met", "note", "extra"]
        return {k: out[k] for k in order if k in out and (k != "extra" or out[k])}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result)`` of one call (``time.perf_counter``)."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def paired_median(fn: Callable[[], Any], base: Callable[[], Any], *, repeat: int, collect: bool = False) -> tuple[float, float]:
    """Median seconds of ``fn`` and ``base``, run alternately (so machine noise hits both).

    ``collect``: a full garbage collection (untimed) before each call, so that neither pays for
    objects the other (or a warm-up) left behind; each still pays for the collections its own
    objects cause while it runs.
    """
    a: list[float] = []
    b: list[float] = []
    for _ in range(max(1, repeat)):
        if collect:
            gc.collect()
        b.append(timed(base)[0])
        if collect:
            gc.collect()
        a.append(timed(fn)[0])
    return statistics.median(a), statistics.median(b)


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM and software versions of this machine."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    versions = {}
    for mod in ("shapely", "geopandas", "folium", "streamlit", "streamlit_folium", "pyproj", "numpy"):
        try:
            versions[mod] = __import__(mod).__version__
        except (ImportError, AttributeError):  # a missing optional module is just not listed
            continue
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }
