"""A generated, FICTIONAL directory with many confidential records, for the leak tests.

Every record is invented (names "Fictional shelter 0001", phones starting +999 — not a country
code — and streets "Fictional Lane"); points are drawn uniformly inside the bundled admin-1
units, at least :data:`EDGE_DEG` degrees from any unit edge — also when read transposed — (so no
boundary vertex can match a record's coordinate pair, even at 2 decimals) and at least that far
from every public record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geomap.directory import schema

__all__ = ["EDGE_DEG", "raw_directory", "resolved_directory"]

EDGE_DEG = 0.03


def _points(units, n: int, rng: np.random.Generator, avoid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` (lat, lon) points, rounded to 6 decimals, inside shrunken units."""
    import shapely

    # a buffer in degrees on purpose: the margin is a coordinate margin, not a distance
    inner = shapely.buffer(units.geometry.to_numpy(), -EDGE_DEG)
    inner = inner[~shapely.is_empty(inner)]
    minx, miny, maxx, maxy = shapely.total_bounds(inner)
    union = shapely.union_all(inner)
    shapely.prepare(union)
    # also keep the transposed point (x=lat, y=lon) away from every unit edge, so that no
    # boundary vertex read the other way round ([lat, lon] vs GeoJSON [lon, lat]) matches
    edges = shapely.buffer(shapely.union_all(shapely.boundary(units.geometry.to_numpy())), EDGE_DEG)
    shapely.prepare(edges)
    lats: list[float] = []
    lons: list[float] = []
    while len(lats) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        ok = shapely.contains_xy(union, xs, ys) & ~shapely.contains_xy(edges, ys, xs)
        for x, y in zip(xs[ok], ys[ok]):
            if avoid is not None and len(avoid):
                near = (np.abs(avoid[:, 0] - y) < EDGE_DEG) & (np.abs(avoid[:, 1] - x) < EDGE_DEG)
                if near.any():
                    continue
            lats.append(round(float(y), 6))
            lons.append(round(float(x), 6))
            if len(lats) == n:
                break
    return np.asarray(lats), np.asarray(lons)


def raw_directory(units, *, n_confidential: int = 1000, n_public: int = 40, seed: int = 11) -> pd.DataFrame:
    """A raw directory (text cells, reader-shaped) of fictional records.

    Parameters
    ----------
    units
        Admin-1 units (``load_boundaries``) the points are drawn in.
    n_confidential, n_public
        Record counts. Confidential records are shelters flagged ``confidential=yes``;
        public ones are legal-aid offices flagged ``no``.
    seed
        Random seed (the output is deterministic).
    """
    rng = np.random.default_rng(seed)
    plat, plon = _points(units, n_public, rng)
    clat, clon = _points(units, n_confidential, rng, avoid=np.column_stack([plat, plon]))
    rows = []
    for i in range(n_public):
        rows.append(
            {
                "id": f"PUB-{i:04d}",
                "name": f"Fictional legal aid office {i:04d}",
                "organisation": "Fictional Network",
                "service_types": "legal_aid; hotline",
                "address": f"{i + 1} Fictional Public Avenue",
                "latitude": f"{plat[i]:.6f}",
                "longitude": f"{plon[i]:.6f}",
                "phone": f"+999 100 {i:04d}",
                "email": f"office{i:04d}@fictional.invalid",
                "confidential": "no",
                "front_door_contact": "+999 800 0000 (fictional national hotline)",
                "fictional": "yes",
                "notes": schema.FICTIONAL_NOTICE,
            }
        )
    for i in range(n_confidential):
        rows.append(
            {
                "id": f"CONF-{i:04d}",
                "name": f"Fictional shelter {i:04d} Safehouse",
                "organisation": "Fictional Network",
                "service_types": "shelter; psychosocial",
                "populations_served": "women; children",
                "address": f"{i + 7} Fictional Lane, Hidden Ward {i % 97}",
                "latitude": f"{clat[i]:.6f}",
                "longitude": f"{clon[i]:.6f}",
                "phone": f"+999 {200 + i // 1000} {i:04d} 77",
                "email": f"shelter{i:04d}@fictional.invalid",
                "capacity": str(5 + i % 20),
                "confidential": "yes",
                "front_door_contact": "+999 800 0000 (fictional national hotline)",
                "fictional": "yes",
                "notes": f"Gate code {i:04d}-{i * 7 % 10000:04d}",
            }
        )
    df = pd.DataFrame(rows)
    for f in schema.FIELD_NAMES:
        if f not in df.columns:
            df[f] = None
    df = df[list(schema.FIELD_NAMES)].astype(object)
    df["source_file"] = "generated_fictional.csv"
    df["source_row"] = np.arange(2, len(df) + 2)
    return df


def resolved_directory(units, *, country: str = "NGA", **kwargs) -> pd.DataFrame:
    """:func:`raw_directory` resolved with :func:`geomap.directory.resolve.resolve_directory`."""
    from geomap.directory import resolve

    raw = raw_directory(units, **kwargs)
    return resolve.resolve_directory(raw, units, country=country, use_gazetteer=False)
