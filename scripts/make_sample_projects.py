#!/usr/bin/env python
"""Generate the bundled *illustrative* project sample ``data/projects/sample_projects_illustrative.csv``.

The rows show the kinds of activities a counter-trafficking grants programme funds — judicial
training across Mexican states, shelter support in Nigeria, a national hotline in Ukraine,
prosecutor training in Lebanon — in the 3W shape geomap reads. Everything in them is made up:
partners are "Illustrative Partner A (fictional)", funders "Illustrative Donor 1", budgets and
people reached are random draws from a seeded generator. Unit codes and names come from the
bundled boundary layer (:func:`geomap.boundaries.load_boundaries`), never typed by hand.

The Mexican judicial-training set reaches exactly 29 of the 32 states (three states, drawn by
the seeded generator, get no project), so the footprint headline reads like a real programme
report: "reached 29 of 32 units".

Run ``python scripts/make_sample_projects.py`` to rebuild; the output is byte-identical for a
given seed and boundary layer.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geomap import boundaries
from geomap.projects import (
    ACTIVITY_TYPES,
    PROGRAM_CATEGORIES,
    PROJECT_FIELDS,
    PROJECT_STATUSES,
)

SEED = 20240629
OUT = Path(__file__).resolve().parents[1] / "data" / "projects" / "sample_projects_illustrative.csv"
#: Status is derived from the end year against this fixed year, so the file does not depend on
#: the day it is built.
REFERENCE_YEAR = 2025
NOTE = "Illustrative record (fictional): not a real project, partner or funder."
MEXICO_TRAINING_PROJECTS = 6
MEXICO_STATES_MISSED = 3


def _partner(i: int) -> str:
    return f"Illustrative Partner {chr(ord('A') + i)} (fictional)"


def _donor(i: int) -> str:
    return f"Illustrative Donor {i}"


def _hxl(tag: str) -> str:
    """The hashtag to write for a field (exclusion attributes of a match pattern dropped)."""
    return re.sub(r"-[A-Za-z0-9_]+", "", tag)


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows: list[dict] = []

    def years(self, first: int, last: int, length: tuple[int, int] = (1, 2)) -> tuple[str, str, str]:
        start = int(self.rng.integers(first, last + 1))
        end = start + int(self.rng.integers(length[0], length[1] + 1)) - 1
        month = int(self.rng.integers(1, 13))
        s = f"{start}-{month:02d}-01"
        e = f"{end}-{month:02d}-28" if end > start else f"{end}-12-31"
        if start > REFERENCE_YEAR:
            status = "planned"
        elif end < REFERENCE_YEAR:
            status = "completed"
        else:
            status = "ongoing"
        return s, e, PROJECT_STATUSES[status]["en"]

    def budget(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1)) * 5_000

    def add(self, *, country: str, project: str, partner: str, funder: str, category: str,
            activity: str, codes: str = "", names: str = "", years: tuple[int, int] = (2019, 2024),
            budget: tuple[int, int] = (10, 60), training: bool = False, span: tuple[int, int] = (1, 2)) -> None:
        start, end, status = self.years(*years, length=span)
        row = {
            "project_id": f"ILL-{country}-{len([r for r in self.rows if r['country'] == country]) + 1:03d}",
            "project": f"{project} (illustrative)",
            "implementing_partner": partner,
            "funder": funder,
            "category": PROGRAM_CATEGORIES[category]["en"],
            "activity_type": ACTIVITY_TYPES[activity]["en"],
            "country": country,
            "admin1_code": codes,
            "admin1_name": names,
            "start_date": start,
            "end_date": end,
            "budget": self.budget(*budget),
            "currency": "USD",
            "project_status": status,
            "notes": NOTE,
            "fictional": "yes",
        }
        if training:
            trained = int(self.rng.integers(40, 260))
            row.update(officials_trained=trained, reached=trained)
        else:
            parts = self.rng.integers(5, 120, size=4)
            row.update(
                reached_women=int(parts[0]), reached_men=int(parts[1]),
                reached_girls=int(parts[2]), reached_boys=int(parts[3]),
                reached=int(parts.sum()),
            )
        self.rows.append(row)


def build(seed: int = SEED) -> pd.DataFrame:
    """The illustrative sample as a table of :data:`geomap.projects.PROJECT_FIELDS` columns."""
    b = _Builder(seed)
    rng = b.rng

    # Mexico: judicial training reaching 29 of 32 states, in six cohorts.
    mex = boundaries.load_boundaries("MEX")
    codes = mex["code"].astype(str).to_numpy()
    name_of = dict(zip(codes, mex["name"].astype(str)))
    order = rng.permutation(len(codes))
    missed = sorted(codes[order[:MEXICO_STATES_MISSED]])
    reached = [str(c) for c in codes[order[MEXICO_STATES_MISSED:]]]
    groups = np.array_split(np.array(reached, dtype=object), MEXICO_TRAINING_PROJECTS)
    for k, group in enumerate(groups):
        group = sorted(str(c) for c in group)
        by_code = k % 2 == 0  # alternate code lists and name lists, as real 3W files do
        b.add(
            country="MEX",
            project=f"Judicial training on trafficking cases, cohort {k + 1}",
            partner=_partner(k % 2),
            funder=_donor(1),
            category="training_technical_assistance",
            activity="training",
            codes="; ".join(group) if by_code else "",
            names="" if by_code else ", ".join(name_of[c] for c in group),
            years=(2019 + k // 2, 2020 + k // 2),
            budget=(20, 80),
            training=True,
        )
    # Other Mexican projects stay inside the 29 states so the headline holds unfiltered too.
    pick = lambda n: sorted(rng.choice(reached, size=n, replace=False).tolist())
    b.add(country="MEX", project="Shelter support for survivors", partner=_partner(2), funder=_donor(2),
          category="emergency_victim_assistance", activity="shelter_support", codes="; ".join(pick(3)),
          years=(2021, 2023), budget=(10, 40))
    b.add(country="MEX", project="Child protection compact partnership: case management", partner=_partner(3),
          funder=_donor(1), category="child_protection_compact", activity="victim_services",
          names=", ".join(name_of[c] for c in pick(4)), years=(2022, 2024), budget=(40, 120), span=(2, 3))
    b.add(country="MEX", project="Legal-framework review with state legislatures", partner=_partner(0),
          funder=_donor(2), category="bilateral_regional", activity="legal_framework", codes="; ".join(pick(2)),
          years=(2020, 2022), budget=(10, 30))

    # Nigeria: shelter support, a child protection compact, a national research study.
    nga = boundaries.load_boundaries("NGA")
    ncodes = nga["code"].astype(str).to_numpy()
    nname = dict(zip(ncodes, nga["name"].astype(str)))
    npick = lambda n: sorted(rng.choice(ncodes, size=n, replace=False).tolist())
    b.add(country="NGA", project="Shelter support for survivors", partner=_partner(4), funder=_donor(1),
          category="emergency_victim_assistance", activity="shelter_support", names="; ".join(nname[c] for c in npick(3)),
          years=(2020, 2024), budget=(10, 50))
    b.add(country="NGA", project="Child protection compact partnership", partner=_partner(5), funder=_donor(2),
          category="child_protection_compact", activity="victim_services", codes="; ".join(npick(4)),
          years=(2021, 2023), budget=(60, 160), span=(2, 3))
    b.add(country="NGA", project="Prevalence study of forced labour", partner=_partner(6), funder=_donor(3),
          category="end_modern_slavery", activity="research", names="national", years=(2022, 2024), budget=(30, 90))
    b.add(country="NGA", project="Training of labour inspectors", partner=_partner(4), funder=_donor(1),
          category="training_technical_assistance", activity="training", codes="; ".join(npick(5)),
          years=(2019, 2023), budget=(10, 40), training=True)

    # Ukraine: a national hotline and regional shelter support.
    ukr = boundaries.load_boundaries("UKR")
    ucodes = ukr["code"].astype(str).to_numpy()
    b.add(country="UKR", project="National anti-trafficking hotline", partner=_partner(7), funder=_donor(2),
          category="emergency_victim_assistance", activity="hotline", names="nationwide", years=(2022, 2023),
          budget=(20, 70), span=(2, 3))
    b.add(country="UKR", project="Shelter support for displaced survivors", partner=_partner(8), funder=_donor(1),
          category="emergency_victim_assistance", activity="shelter_support",
          codes="; ".join(sorted(rng.choice(ucodes, size=3, replace=False).tolist())), years=(2022, 2024), budget=(10, 40))

    # Lebanon: prosecutor training, by unit name.
    lbn = boundaries.load_boundaries("LBN")
    lnames = lbn["name"].astype(str).to_numpy()
    b.add(country="LBN", project="Prosecutor training on trafficking cases", partner=_partner(9), funder=_donor(3),
          category="training_technical_assistance", activity="training",
          names="; ".join(sorted(rng.choice(lnames, size=2, replace=False).tolist())), years=(2020, 2023),
          budget=(10, 30), training=True)
    b.add(country="LBN", project="Global research on trafficking in supply chains", partner=_partner(6),
          funder=_donor(3), category="global_research_innovation", activity="research", names="all",
          years=(2023, 2024), budget=(20, 60))

    table = pd.DataFrame(b.rows)
    for f in PROJECT_FIELDS:
        if f.name not in table.columns:
            table[f.name] = ""
    table = table[[f.name for f in PROJECT_FIELDS]]
    for col in table.columns:
        table[col] = table[col].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(int(v)) if isinstance(v, float) else str(v))
    table.attrs["mexico_missed"] = missed
    return table


def to_csv_text(table: pd.DataFrame) -> str:
    """CSV text with the human header row and an HXL hashtag row (a 3W-style file)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f.label for f in PROJECT_FIELDS])
    w.writerow([_hxl(f.hxl) for f in PROJECT_FIELDS])
    for rec in table.itertuples(index=False):
        w.writerow(list(rec))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the sample CSV (default :data:`OUT`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    table = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_csv_text(table), encoding="utf-8")
    print(f"wrote {len(table)} illustrative projects to {args.out}")
    print(f"Mexico judicial training misses: {', '.join(table.attrs['mexico_missed'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
