"""Vendor the Leaflet assets the map needs into ``static/vendor/`` (run from the repo root).

The app must work with no internet, so the JavaScript, CSS and images that folium would
normally take from CDNs are shipped in the repository and served by Streamlit's static file
serving (``[server] enableStaticServing = true``, served at ``/app/static/...``). This script
rebuilds that folder from the npm registry:

1. ``npm pack <name>@<version>`` for each package of
   :data:`geomap.layers.assets.NPM_ASSETS` in a temporary folder (npm checks the tarball's
   ``integrity`` against the registry);
2. copies only the files the map uses (plus each package's licence) into ``static/vendor/``;
3. writes ``static/vendor/MANIFEST.json``: package, version, tarball integrity and the
   SHA-256 of every copied file (``tests/layers/test_assets.py`` checks the files against it).

Usage::

    python scripts/vendor_assets.py            # fetch and rewrite static/vendor/
    python scripts/vendor_assets.py --check    # offline: verify static/vendor/ against MANIFEST.json

Needs ``npm`` on the PATH for the fetch (Debian package ``npm``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geomap.layers.assets import MANIFEST_NAME, NPM_ASSETS, VENDOR_DIR


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, dest: Path) -> dict:
    """Download one npm tarball with ``npm pack`` into ``dest``; return npm's JSON record."""
    npm = shutil.which("npm")
    if npm is None:
        msg = "npm is not on the PATH: install it (apt-get install npm) to fetch the vendored assets"
        raise RuntimeError(msg)
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(dest)],
        cwd=dest,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = f"npm pack {spec} failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
        raise RuntimeError(msg)
    records = json.loads(proc.stdout)
    return records[0]


def vendor(vendor_dir: Path = VENDOR_DIR) -> dict:
    """Fetch every package of :data:`NPM_ASSETS` and copy the needed files into ``vendor_dir``.

    Returns
    -------
    dict
        The manifest written to ``vendor_dir / MANIFEST.json``.
    """
    manifest: dict = {"generated_by": "scripts/vendor_assets.py", "packages": {}}
    with tempfile.TemporaryDirectory(prefix="geomap-vendor-") as tmp:
        tmpdir = Path(tmp)
        staged = tmpdir / "staged"
        for package, (version, files) in NPM_ASSETS.items():
            record = npm_pack(f"{package}@{version}", tmpdir)
            if record.get("version") != version:
                msg = f"npm pack {package}@{version} returned version {record.get('version')!r}"
                raise RuntimeError(msg)
            tarball = tmpdir / record["filename"]
            extract = tmpdir / f"x-{package}"
            with tarfile.open(tarball, "r:gz") as tar:
                tar.extractall(extract, filter="data")
            copied = {}
            for src, dst in files.items():
                source = extract / "package" / src
                if not source.is_file():
                    msg = f"{package}@{version}: expected file {src!r} is not in the tarball"
                    raise RuntimeError(msg)
                target = staged / dst
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied[dst] = {"from": f"package/{src}", "sha256": _sha256(target)}
            manifest["packages"][package] = {
                "version": version,
                "registry": "npm",
                "tarball": record["filename"],
                "integrity": record["integrity"],
                "shasum": record["shasum"],
                "license": json.loads((extract / "package" / "package.json").read_text())
                .get("license", ""),
                "files": copied,
            }
        (staged / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if vendor_dir.exists():
            shutil.rmtree(vendor_dir)
        vendor_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, vendor_dir)
    return manifest


def check(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Compare ``vendor_dir`` with its manifest and :data:`NPM_ASSETS`; return the problems found."""
    problems: list[str] = []
    manifest_path = vendor_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"{manifest_path} is missing: run python scripts/vendor_assets.py"]
    manifest = json.loads(manifest_path.read_text())
    for package, (version, files) in NPM_ASSETS.items():
        entry = manifest["packages"].get(package)
        if entry is None:
            problems.append(f"{package}: not in {manifest_path}")
            continue
        if entry["version"] != version:
            problems.append(f"{package}: manifest has {entry['version']}, code wants {version}")
        for dst in files.values():
            path = vendor_dir / dst
            if not path.is_file():
                problems.append(f"{path}: missing")
            elif _sha256(path) != entry["files"].get(dst, {}).get("sha256"):
                problems.append(f"{path}: SHA-256 differs from {manifest_path}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify only (offline)")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for line in problems:
            print(line, file=sys.stderr)
        print("static/vendor: OK" if not problems else f"static/vendor: {len(problems)} problem(s)")
        return 1 if problems else 0
    manifest = vendor()
    for package, entry in manifest["packages"].items():
        print(f"{package}@{entry['version']}: {len(entry['files'])} files -> {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
