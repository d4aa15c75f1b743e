"""Is the bundled admin-1 layer current? Natural Earth's units checked against ISO 3166-2.

For every bundled country, the Natural Earth units are compared with the ISO 3166-2
subdivisions that ``pycountry`` ships (the iso-codes database): their count, and which units
match by code or, failing that, by name. The level of ISO subdivisions compared is the one that
matches most units (ISO lists regions and provinces of some countries on two levels).

The result is written to ``data/boundaries/admin1_vs_iso3166_2.csv`` by
``scripts/check_boundary_vintage.py``; :func:`vintage_note` turns a row whose units differ into
the note shown under every map of that country. ISO 3166-2 in pycountry carries no dates, so the
year of a change is given only where it is documented in :data:`KNOWN_CHANGES`; elsewhere the
note says the year is not known.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geomap.i18n import N_, _, number

__all__ = ["CHECK_PATH", "KNOWN_CHANGES", "check_countries", "check_country", "vintage_note"]

CHECK_PATH = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "admin1_vs_iso3166_2.csv"

#: Documented reorganisations (ISO3 -> (year, what changed)). pycountry has no dates: only
#: these carry a year; every other differing country says "year of change not known".
KNOWN_CHANGES: dict[str, tuple[int, str]] = {
    "KEN": (2013, N_("Kenya's 8 provinces were replaced by 47 counties in 2013 (Constitution of Kenya 2010, "
                     "in force with the March 2013 elections)")),
    "COD": (2015, N_("DR Congo's 11 provinces were split into 26 in the 2015 reform")),
    "MAR": (2015, N_("Morocco's 16 regions were redrawn as 12 in the 2015 reform")),
}

#: Where to get current boundaries (said in every note).
BRING_CURRENT = N_(
    "Bring current boundaries (OCHA COD-AB, geoBoundaries or the national statistics office) on the "
    "Data page under \"Bring your own boundaries\"."
)

#: Statuses of a country in the check table.
SAME, CODES_DIFFER, UNITS_DIFFER, NO_ISO = "same units", "same count, some codes or names differ", "units differ", "no ISO 3166-2 subdivisions"


def _fold(text: object) -> str:
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().casefold()
    return "".join(ch for ch in s if ch.isalnum())


def _iso_levels(alpha_2: str) -> dict[int, list]:
    """ISO 3166-2 subdivisions of a country by depth (0 = top level)."""
    import pycountry

    subs = list(pycountry.subdivisions.get(country_code=alpha_2) or [])
    by_code = {s.code: s for s in subs}
    levels: dict[int, list] = {}
    for s in subs:
        depth, parent = 0, s
        while parent is not None and parent.parent_code:
            code = parent.parent_code
            parent = by_code.get(code) or by_code.get(f"{alpha_2}-{code}")
            depth += 1
        levels.setdefault(depth, []).append(s)
    return levels


def _matches(units: pd.DataFrame, iso: list) -> tuple[set[str], set[str]]:
    """ISO codes matched by a unit's code or folded name, and the unit codes matched."""
    iso_by_name: dict[str, str] = {}
    for s in iso:
        iso_by_name.setdefault(_fold(s.name), s.code)
    iso_codes = {s.code for s in iso}
    hit_iso: set[str] = set()
    hit_units: set[str] = set()
    for code, *names in units[["code", "name", "name_en", "name_alt"]].itertuples(index=False):
        found = code if code in iso_codes else next((iso_by_name[f] for n in names if (f := _fold(n)) in iso_by_name), None)
        if found:
            hit_iso.add(found)
            hit_units.add(str(code))
    return hit_iso, hit_units


def check_country(units: pd.DataFrame, iso3: str) -> dict[str, object]:
    """Compare one country's units (``code``, ``name``, ``name_en``, ``name_alt``) with ISO 3166-2.

    Returns
    -------
    dict
        ``country``, ``units`` (Natural Earth), ``iso_units`` (the ISO level compared),
        ``iso_type`` (its subdivision types), ``matched`` (ISO units matched by code or name),
        ``codes_matched``, ``status``, ``units_not_in_iso`` and ``iso_not_in_units`` (codes,
        ``;``-separated), ``year_of_change`` (blank when not known) and ``change``.
    """
    import pycountry

    units = units.reindex(columns=["code", "name", "name_en", "name_alt"])
    country = pycountry.countries.get(alpha_3=iso3)
    levels = _iso_levels(country.alpha_2) if country is not None else {}
    year, change = KNOWN_CHANGES.get(iso3, ("", ""))
    row: dict[str, object] = {"country": iso3, "units": len(units)}
    known = {"year_of_change": year, "change": change}
    if not levels:
        return {**row, "iso_units": 0, "iso_type": "", "matched": 0, "codes_matched": 0, "status": NO_ISO,
                **known, "units_not_in_iso": "", "iso_not_in_units": ""}
    best = max(sorted(levels), key=lambda d: (len(_matches(units, levels[d])[0]), -d))
    iso = levels[best]
    hit_iso, hit_units = _matches(units, iso)
    codes = set(units["code"].astype(str)) & {s.code for s in iso}
    if len(iso) != len(units):
        status = UNITS_DIFFER
    else:
        status = SAME if len(codes) == len(iso) else CODES_DIFFER
    return {
        **row,
        "iso_units": len(iso),
        "iso_type": "; ".join(sorted({s.type for s in iso})),
        "matched": len(hit_iso),
        "codes_matched": len(codes),
        "status": status,
        **known,
        "units_not_in_iso": "; ".join(sorted(set(units["code"].astype(str)) - hit_units)),
        "iso_not_in_units": "; ".join(sorted({s.code for s in iso} - hit_iso)),
    }


def check_countries(units: pd.DataFrame) -> pd.DataFrame:
    """:func:`check_country` for every country of a world layer (``country`` column), sorted."""
    rows = [check_country(group, iso3) for iso3, group in units.groupby("country", sort=True)]
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def _table(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        return pd.DataFrame(columns=["country"])
    return pd.read_csv(p, dtype=str, keep_default_na=False)


def vintage_note(iso3: str, *, country_name: str | None = None, path: str | Path = CHECK_PATH) -> str | None:
    """The note for a country whose Natural Earth units differ from ISO 3166-2, else ``None``."""
    table = _table(str(path))
    hit = table[table["country"] == iso3]
    if hit.empty or hit.iloc[0]["status"] != UNITS_DIFFER:
        return None
    r = hit.iloc[0]
    name = country_name or iso3
    change = _(KNOWN_CHANGES[iso3][1]) if iso3 in KNOWN_CHANGES else (r["change"] or "")
    when = change + "." if change else _("Year of change: not known here (ISO 3166-2 in pycountry carries no dates).")
    kind = f" ({r['iso_type']})" if r["iso_type"] else ""
    return _(
        "These boundaries differ from ISO 3166-2 and may be outdated: Natural Earth shows {units} units for "
        "{country}, while ISO 3166-2 lists {iso_units} subdivisions{kind}; {matched} match by code or "
        "name."
    ).format(units=number(int(r["units"])), country=name, iso_units=number(int(r["iso_units"])), kind=kind,
             matched=number(int(r["matched"]))) + f" {when} {_(BRING_CURRENT)}"
