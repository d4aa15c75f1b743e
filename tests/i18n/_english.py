"""English left behind: the words of the resolver's, readers' and boundary notes' templates.

A template's fixed text (between its ``{placeholders}``) with at least two words, which its
translation does not itself contain ("Natural Earth" stays), must not show in a page or the CLI
run in another language.
"""

from __future__ import annotations

import re
from functools import cache

from babel.messages import pofile

from geomap import i18n

#: Modules whose messages are stored with the data and rendered at display time.
STORED = ("geomap/directory/resolve.py", "geomap/directory/readers.py", "geomap/io/text.py", "geomap/directory/privacy.py",
          "geomap/directory/disclosure.py", "geomap/boundaries.py", "geomap/projects/resolve.py", "geomap/io/limits.py",
          "geomap/population.py", "geomap/store/reasons.py", "geomap/projects/readers.py", "geomap/projects/schema.py",
          "geomap/grids/io.py", "geomap/grids/cost.py", "geomap/analysis/demand.py", "geomap/analysis/catchments.py",
          "geomap/directory/schema.py", "geomap/store/_common.py", "geomap/store/records.py", "geomap/store/users.py",
          "geomap/store/directories.py", "geomap/store/importing.py", "geomap/store/proposals.py")
_WORDS = re.compile(r"[A-Za-z]{2,}")


@cache
def fragments(lang: str) -> tuple[str, ...]:
    """The English fragments that must not appear in ``lang``."""
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        catalog = pofile.read_po(fh, locale=lang)
    out = set()
    for msg in catalog:
        if not msg.id or not any(loc[0] in STORED for loc in msg.locations):
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)  # a plural message: both English forms
        said = " ".join(msg.string) if isinstance(msg.string, tuple) else msg.string
        for part in (p for one in ids for p in re.split(r"\{\w*\}", one)):
            part = part.strip(" :;,.()'\"")
            if len(_WORDS.findall(part)) >= 2 and part not in said:
                out.add(part)
    return tuple(sorted(out))


def english_in(text: str, lang: str) -> list[str]:
    """The English fragments found in ``text`` as whole words ("in column" is not in "sin columna")."""
    return [f for f in fragments(lang) if re.search(rf"(?<![^\W\d_]){re.escape(f)}(?![^\W\d_])", text)]


#: A fictional Mexican directory with a problem on nearly every row (none confidential).
PROBLEMS = (
    "# fictional sample: every row has something to say\n"
    "name,service_types,populations_served,latitude,longitude,admin1_code,admin1_name,open_24h,capacity,last_verified,confidential\n"
    "Clínica Uno (fictional),legal_aid,women,20.67,-103.35,,,yes,12,2024-01-05,no\n"
    "Clínica Uno (fictional),legal_aid,women,20.67,-103.35,,,yes,12,2024-01-05,no\n"
    "Lejos (fictional),legal_aid,,48.85,2.35,,,,,,no\n"
    "Volteada (fictional),legal_aid,,-103.35,20.67,,,,,,no\n"
    ",counselling,,,,MX-JAL,,maybe,-3,not a date,no\n"
    "Errata (fictional),legal_aid,,,,,Jaliscx,,,,no\n"
    "Texto (fictional),legal_aid,,abc,-103.3,,,,,,no\n"
    "Nacional (fictional),hotline,,,,,Cobertura Nacional,,,,no\n"
    "\n"
    "Ninguna (fictional),peer circles,martians,,,,,,,,no\n"
    "Rango (fictional),legal_aid,,95,200,,,,,,no\n"
    "Codigo (fictional),legal_aid,,,,XX-ZZ,,,,,no\n"
    "Desacuerdo (fictional),legal_aid,,20.67,-103.35,,Sonora,,,,no\n"
).encode("utf-8")


#: A fictional project file of Mexico with a problem on nearly every row.
PROJECT_PROBLEMS = (
    "Project,Partner,Funder,Category,Activity type,Country,States,State codes,Start date,End date,Budget,Currency,People reached\n"
    "Fictional one,Partner Z,Donor Z,Spa days,,MEX,Jalisco,,someday,2024,lots,USD,-4\n"
    ",Partner Z,Donor Z,,,MEX,Atlantis,,2024-01-01,,5,USD,\n"
    "Fictional three,Partner Z,Donor Z,,,Narnia,Jalisco,,,,,,\n"
    "Fictional four,Partner Z,Donor Z,,,Peru,Lima,,,,,,\n"
    "Fictional five,Partner Z,Donor Z,,,MEX,,,,,,,\n"
    "Fictional six,Partner Z,Donor Z,,,MEX,,XX-ZZ,,,,,\n"
).encode("utf-8")
