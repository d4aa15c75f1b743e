"""The project's ruff configuration (pyproject.toml) passes on geomap/ (issue #14)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(exe).exists():
        pytest.skip("ruff is not installed (it is in the test extra: pip install -e '.[test]')")
    return [exe]


def test_ruff_check_geomap_passes():
    result = subprocess.run([*_ruff(), "check", "geomap"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
