"""The hostile-input corpus: broken, odd and malicious files, GENERATED into a folder.

Nothing here is committed as a binary: every file is written by a function from a few lines of
fictional data (coordinates are synthetic points inside Nigeria's bounding box; names say
"Fictional"). ``build_*`` functions take a folder and return the path written.

Run ``python tests/hostile/corpus.py OUT_DIR`` to write the whole corpus for manual testing in the
app (upload each file on the Data page).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

HEADER = ["name", "service_types", "admin1_name", "latitude", "longitude", "confidential", "phone", "notes"]
ROWS = [
    ["Fictional Refugio Año Nuevo", "shelter", "Lagos", "6.5244", "3.3792", "yes", "+999 100 0001", "fictional"],
    ["Fictional Clinique Élan", "medical", "Kano", "12.0022", "8.5919", "no", "+999 100 0002", "fictional"],
    ["Fictional Legal Aid Çay", "legal_aid", "Oyo", "7.3775", "3.9470", "no", "+999 100 0003", "fictional"],
]

XSS_NAME = '<script>window.__xss=1</script>Fictional XSS Shelter'
XSS_NOTE = '<img src=x onerror="window.__xss=1">'
FORMULAS = ('=HYPERLINK("http://example.invalid/?x="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "=1+1")


def _csv_text(header: list[str], rows: list[list[str]], *, delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data)
    return p


# ------------------------------------------------------------------ encodings and CSV shape


def build_utf8_bom(folder: Path) -> Path:
    return _write(folder, "utf8_bom.csv", b"\xef\xbb\xbf" + _csv_text(HEADER, ROWS).encode("utf-8"))


def build_utf16(folder: Path) -> Path:
    return _write(folder, "utf16.csv", _csv_text(HEADER, ROWS).encode("utf-16"))


def build_latin1(folder: Path) -> Path:
    return _write(folder, "latin1.csv", _csv_text(HEADER, ROWS).encode("latin-1"))


def build_mixed_encoding(folder: Path) -> Path:
    """First data row UTF-8, the others Latin-1 (a file pasted together from two sources)."""
    head = _csv_text(HEADER, ROWS[:1]).encode("utf-8")
    rest = _csv_text(HEADER, ROWS[1:]).split("\r\n", 1)[1].encode("latin-1")
    return _write(folder, "mixed_encoding.csv", head + rest)


def build_semicolon(folder: Path) -> Path:
    rows = [[c.replace(".", ",") if i in (3, 4) else c for i, c in enumerate(r)] for r in ROWS]  # European decimals
    return _write(folder, "semicolon.csv", _csv_text(HEADER, rows, delimiter=";").encode("utf-8"))


def build_quoted_newlines(folder: Path) -> Path:
    rows = [r[:-1] + ["line one\nline two, with comma\r\nline three"] for r in ROWS]
    return _write(folder, "quoted_newlines.csv", _csv_text(HEADER, rows).encode("utf-8"))


def build_big_csv(folder: Path, n: int = 100_000) -> Path:
    """``n`` rows on a grid of points inside Nigeria's bounding box (deterministic, fictional)."""
    lines = [",".join(HEADER)]
    for i in range(n):
        lat = 6.0 + (i % 600) / 100.0
        lon = 4.0 + (i // 600 % 900) / 100.0
        lines.append(f"Fictional provider {i},legal_aid,,{lat:.4f},{lon:.4f},no,+999 {i:07d},row {i}")
    return _write(folder, "big_100k.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def build_empty(folder: Path) -> Path:
    return _write(folder, "empty.csv", b"")


def build_header_only(folder: Path) -> Path:
    return _write(folder, "header_only.csv", (",".join(HEADER) + "\r\n").encode("utf-8"))


def build_duplicate_headers(folder: Path) -> Path:
    header = ["name", "name", "service_types", "latitude", "longitude", "phone", "phone"]
    rows = [["Fictional A", "Fictional A (alias)", "shelter", "6.5244", "3.3792", "+999 1", "+999 2"]]
    return _write(folder, "duplicate_headers.csv", _csv_text(header, rows).encode("utf-8"))


def build_excel_merged_formulas(folder: Path) -> Path:
    """XLSX: a title row merged across columns, admin1_name merged down two rows, formulas."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "directory"
    ws.append(HEADER + ["capacity"])
    for r in ROWS:
        ws.append(r + ["10"])
    ws["I2"] = "=5*2"  # formula without a cached value
    ws["A3"] = '=HYPERLINK("http://example.invalid","Fictional linked name")'
    ws["C3"] = None
    ws.merge_cells("C2:C3")  # admin1_name "Lagos" merged over rows 2-3
    p = folder / "merged_formulas.xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(p)
    return p


# ------------------------------------------------------------------ coordinates


#: name -> (latitude cell, longitude cell, what must happen)
COORDINATE_CASES: dict[str, tuple[str, str, str]] = {
    "decimal_comma": ("6,5244", "3,3792", "placed"),
    "dms": ("6°31'28\"N", "3°22'45\"E", "placed"),
    "swapped": ("3.3792", "6.5244", "swapped"),
    "zero_zero": ("0", "0", "flagged"),
    "projected_metres": ("722534.5", "543870.2", "flagged"),
    "nan": ("nan", "nan", "flagged"),
    "inf": ("inf", "-inf", "flagged"),
    "lat_out_of_range": ("95.5", "3.3792", "flagged"),
    "lon_out_of_range": ("6.5244", "200.1", "flagged"),
    "text": ("near the market", "n/a", "flagged"),
}


def build_coordinates(folder: Path) -> Path:
    """One row per :data:`COORDINATE_CASES` entry (no admin name: coordinates are all it has)."""
    rows = [[f"Fictional {k}", "legal_aid", "", la, lo, "no", "", k] for k, (la, lo, _w) in COORDINATE_CASES.items()]
    return _write(folder, "coordinates.csv", _csv_text(HEADER, rows).encode("utf-8"))


# ------------------------------------------------------------------ text payloads


def build_xss(folder: Path) -> Path:
    rows = [
        [XSS_NAME, "legal_aid", "Lagos", "6.5244", "3.3792", "no", "+999 100 0009", XSS_NOTE],
        ['Fictional "quoted" & <b>bold</b>', "medical", "Kano", "12.0022", "8.5919", "no", "", "</table><script>window.__xss=2</script>"],
    ]
    return _write(folder, "xss.csv", _csv_text(HEADER, rows).encode("utf-8"))


def build_formulas(folder: Path) -> Path:
    rows = [[f, "legal_aid", "Lagos", "6.5244", "3.3792", "no", f, f] for f in FORMULAS]
    return _write(folder, "formulas.csv", _csv_text(HEADER, rows).encode("utf-8"))


# ------------------------------------------------------------------ HXL / HSDS


def build_hxl_unknown_tags(folder: Path) -> Path:
    header = ["Name", "Service", "State", "Lat", "Lon", "Secret"]
    tags = ["#org+name", "#service+type", "#adm1+name", "#geo+lat", "#geo+lon", "#x_unknown+tag"]
    rows = [["Fictional HXL org", "legal_aid", "Lagos", "6.5244", "3.3792", "kept"]]
    return _write(folder, "unknown_tags.hxl.csv", _csv_text(header, [tags, *rows]).encode("utf-8"))


def _hsds_zip(folder: Path, name: str, tables: dict[str, str]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("datapackage.json", json.dumps({"name": "fictional", "resources": [{"name": t[:-4], "path": t} for t in tables]}))
        for t, text in tables.items():
            z.writestr(t, text)
    return _write(folder, name, buf.getvalue())


def build_hsds_missing_tables(folder: Path) -> Path:
    return _hsds_zip(folder, "hsds_missing.zip", {"organizations.csv": "id,name\no1,Fictional Org\n"})


def build_hsds_dangling_keys(folder: Path) -> Path:
    return _hsds_zip(
        folder,
        "hsds_dangling.zip",
        {
            "organizations.csv": "id,name\no1,Fictional Org\n",
            "services.csv": "id,organization_id,name\ns1,o1,Fictional Service\ns2,o9,Fictional Orphan Service\n",
            "locations.csv": "id,organization_id,name,latitude,longitude\nl1,o1,Fictional Place,6.5244,3.3792\n",
            "service_at_location.csv": "id,service_id,location_id\nsal1,s1,l1\nsal2,s2,l404\nsal3,s404,l1\n",
        },
    )


# ------------------------------------------------------------------ geometry


def _fc(features: list[dict], crs: str | None = None) -> bytes:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode()


def _feat(code: str, name: str, geom: dict | None) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geom}


def _square(x: float, y: float, s: float = 1.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]}


def build_bowtie(folder: Path) -> Path:
    bow = {"type": "Polygon", "coordinates": [[[4, 6], [5, 7], [5, 6], [4, 7], [4, 6]]]}
    return _write(folder, "bowtie.geojson", _fc([_feat("NG-XA", "Fictional A", bow), _feat("NG-XB", "Fictional B", _square(6, 8))]))


def build_empty_geometries(folder: Path) -> Path:
    feats = [
        _feat("NG-XA", "Fictional A", _square(4, 6)),
        _feat("NG-XB", "Fictional B", None),
        _feat("NG-XC", "Fictional C", {"type": "Polygon", "coordinates": []}),
    ]
    return _write(folder, "empty_geoms.geojson", _fc(feats))


def build_mixed_types(folder: Path) -> Path:
    feats = [
        _feat("NG-XA", "Fictional A", _square(4, 6)),
        _feat("NG-XB", "Fictional B", {"type": "Point", "coordinates": [5.5, 8.5]}),
        _feat("NG-XC", "Fictional C", {"type": "LineString", "coordinates": [[6, 9], [7, 10]]}),
    ]
    return _write(folder, "mixed_types.geojson", _fc(feats))


def build_wrong_crs(folder: Path) -> Path:
    """Web-Mercator metres in a GeoJSON that declares no CRS (so readers assume degrees)."""
    def sq(x: float, y: float) -> dict:
        s = 100_000.0
        return {"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]}

    return _write(folder, "wrong_crs.geojson", _fc([_feat("NG-XA", "Fictional A", sq(445_000, 670_000)), _feat("NG-XB", "Fictional B", sq(545_000, 770_000))]))


def _shapefile_parts(tmp: Path) -> dict[str, bytes]:
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame({"code": ["NG-XA", "NG-XB"], "name": ["Fictional A", "Fictional B"]}, geometry=[box(4, 6, 5, 7), box(6, 8, 7, 9)], crs="EPSG:4326")
    tmp.mkdir(parents=True, exist_ok=True)
    gdf.to_file(tmp / "units.shp")
    return {p.suffix: p.read_bytes() for p in tmp.iterdir() if p.stem == "units"}


def _zip(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return _write(folder, name, buf.getvalue())


def build_shp_missing_prj(folder: Path) -> Path:
    parts = _shapefile_parts(folder / "_shp")
    return _zip(folder, "shp_no_prj.zip", {f"units{k}": v for k, v in parts.items() if k != ".prj"})


def build_shp_missing_dbf(folder: Path) -> Path:
    parts = _shapefile_parts(folder / "_shp")
    return _zip(folder, "shp_no_dbf.zip", {f"units{k}": v for k, v in parts.items() if k != ".dbf"})


def build_zip_traversal(folder: Path) -> Path:
    parts = _shapefile_parts(folder / "_shp")
    members = {f"units{k}": v for k, v in parts.items()}
    members["../x"] = b"escaped"
    members["../../tmp/evil.txt"] = b"escaped"
    return _zip(folder, "traversal.zip", members)


def build_zip_bomb(folder: Path, *, expanded_mb: int = 300) -> Path:
    """A zip whose single member inflates to ``expanded_mb`` MB of zeros (~300 kB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("units.shp", "w", force_zip64=True) as fh:
            block = b"\0" * (1024 * 1024)
            for _ in range(expanded_mb):
                fh.write(block)
        z.writestr("units.dbf", b"")
        z.writestr("units.shx", b"")
    return _write(folder, "bomb.zip", buf.getvalue())


def build_sparse_500mb(folder: Path) -> Path:
    """A 500 MB file that takes no disk space (sparse): for size-limit checks that must not read it."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "huge_500mb.csv"
    with open(p, "wb") as fh:
        fh.write(b"name,service_types\n")
        fh.truncate(500 * 1024 * 1024)
    return p


BUILDERS = {name[len("build_") :]: fn for name, fn in sorted(globals().items()) if name.startswith("build_")}


def build_all(folder: Path, *, skip: tuple[str, ...] = ("sparse_500mb",)) -> dict[str, Path]:
    """Write every corpus file into ``folder``; returns ``{case: path}``."""
    return {name: fn(folder) for name, fn in BUILDERS.items() if name not in skip}


if __name__ == "__main__":  # pragma: no cover - manual use
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile_corpus")
    for case, path in build_all(out).items():
        print(f"{case:24s} {path}")
