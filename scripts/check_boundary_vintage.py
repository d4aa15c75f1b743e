"""Check every bundled country's Natural Earth admin-1 against ISO 3166-2 (pycountry).

Writes ``data/boundaries/admin1_vs_iso3166_2.csv`` (one row per country: unit counts, matches
by code or name, the codes on either side only, the status and, where documented, the year of
change) and prints the countries whose units differ. Run after rebuilding the bundled layer or
upgrading pycountry::

    python scripts/check_boundary_vintage.py
"""

from __future__ import annotations

from pathlib import Path

import pycountry

from geomap import boundaries, boundary_vintage

DOC = Path(__file__).resolve().parents[1] / "docs" / "boundary_vintage.md"


def main() -> None:
    table = boundary_vintage.check_countries(boundaries.load_boundaries())
    table.insert(1, "pycountry", pycountry.__version__ if hasattr(pycountry, "__version__") else "")
    table.to_csv(boundary_vintage.CHECK_PATH, index=False)
    counts = table["status"].value_counts()
    print(f"{len(table)} countries: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    differ = table[table["status"] == boundary_vintage.UNITS_DIFFER]
    lines = [
        "# Bundled admin-1 units that differ from ISO 3166-2",
        "",
        f"Written by `scripts/check_boundary_vintage.py` from pycountry {table['pycountry'].iloc[0]} (ISO 3166-2) and the",
        "bundled Natural Earth layer; the full table, every country, is `data/boundaries/admin1_vs_iso3166_2.csv`.",
        f"{len(table)} countries: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + ".",
        "pycountry carries no dates: a year is given only where the change is documented (geomap/boundary_vintage.py",
        "KNOWN_CHANGES); elsewhere it says \"not known\". A difference is not always an outdated map (Natural Earth",
        "also draws islands or territories ISO lists elsewhere). Bring current boundaries on the Data page.",
        "",
        "| country | Natural Earth units | ISO 3166-2 units | matched (code or name) | ISO type | year of change |",
        "|---|---|---|---|---|---|",
    ]
    for r in differ.itertuples():
        year = r.year_of_change if r.year_of_change else "not known"
        lines.append(f"| {r.country} | {r.units} | {r.iso_units} | {r.matched} | {r.iso_type} | {year} |")
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(differ)} countries whose units differ: {DOC}")


if __name__ == "__main__":
    main()
