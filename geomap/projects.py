"""The project (activity) record: the single source of truth for donor-footprint data.

A project table is 3W-shaped ("who does what where"): one row per project and country, naming
the implementing partner, the funder, a program category from :data:`PROGRAM_CATEGORIES`, an
activity type from :data:`ACTIVITY_TYPES`, the admin-1 unit(s) it covers (one, several, or the
whole country), dates, budget, people reached and status.

Reading reuses the directory machinery — :func:`geomap.directory.readers.read_table` parses the
file (CSV/XLSX/HXL, encodings, HXL hashtag rows) and :func:`geomap.directory.resolve.resolve_admin`
resolves unit codes and names — so providers and projects go through one parser and one
resolver. This module only adds what is specific to projects: the fields, the vocabularies,
splitting multi-unit cells and expanding whole-country values before the resolver sees them.

Every input row comes out of :func:`resolve_projects`, with ``status`` ``placed`` (at least
one unit resolved), ``flagged`` (none) or ``elsewhere`` (the row belongs to another country);
:func:`project_issues` lists every problem with its file, row, field and value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geomap.directory import schema
from geomap.directory.schema import Field
from geomap.i18n import N_, current

__all__ = [
    "ACTIVITY_TYPES",
    "ILLUSTRATIVE_NOTICE",
    "PROGRAM_CATEGORIES",
    "PROJECT_FIELDS",
    "PROJECT_FIELD_NAMES",
    "PROJECT_RESOLUTION_FIELDS",
    "PROJECT_STATUSES",
    "SAMPLE_PROJECTS",
    "STATUS_ELSEWHERE",
    "WHOLE_COUNTRY_VALUES",
    "empty_projects",
    "load_projects",
    "map_project_headers",
    "parse_activity_type",
    "parse_amount",
    "parse_category",
    "parse_project_status",
    "project_issues",
    "project_label",
    "project_row_accounting",
    "read_projects",
    "resolve_projects",
    "split_units",
]

#: Shown wherever the bundled sample projects appear.
ILLUSTRATIVE_NOTICE = N_(
    "Illustrative sample projects: generated to show the kinds of activities a counter-trafficking "
    "grants programme funds. Partners, funders, budgets and figures are fictional."
)

#: The bundled illustrative sample (see ``scripts/make_sample_projects.py``).
SAMPLE_PROJECTS = Path(__file__).resolve().parents[1] / "data" / "projects" / "sample_projects_illustrative.csv"

#: Row status of a project that belongs to another country than the one resolved.
STATUS_ELSEWHERE = "elsewhere"

#: Program categories (controlled list): code -> English, Spanish, French labels.
PROGRAM_CATEGORIES: dict[str, dict[str, str]] = {
    "bilateral_regional": {
        "en": "Bilateral and regional",
        "es": "Bilateral y regional",
        "fr": "Bilatéral et régional", "ar": "ثنائي وإقليمي",
    },
    "child_protection_compact": {
        "en": "Child protection compact partnership",
        "es": "Alianza del pacto de protección infantil",
        "fr": "Partenariat du pacte de protection de l'enfance", "ar": "شراكة ميثاق حماية الطفل",
    },
    "training_technical_assistance": {
        "en": "Training and technical assistance",
        "es": "Capacitación y asistencia técnica",
        "fr": "Formation et assistance technique", "ar": "التدريب والمساعدة التقنية",
    },
    "emergency_victim_assistance": {
        "en": "Emergency victim assistance",
        "es": "Asistencia de emergencia a víctimas",
        "fr": "Assistance d'urgence aux victimes", "ar": "المساعدة الطارئة للضحايا",
    },
    "global_research_innovation": {
        "en": "Global, research and innovation",
        "es": "Global, investigación e innovación",
        "fr": "Mondial, recherche et innovation", "ar": "عالمي وبحث وابتكار",
    },
    "end_modern_slavery": {
        "en": "Program to end modern slavery",
        "es": "Programa para erradicar la esclavitud moderna",
        "fr": "Programme pour mettre fin à l'esclavage moderne", "ar": "برنامج إنهاء العبودية الحديثة",
    },
}

_CATEGORY_SYNONYMS: dict[str, str] = {
    "bilateral": "bilateral_regional",
    "regional": "bilateral_regional",
    "bilateral & regional": "bilateral_regional",
    "cpc": "child_protection_compact",
    "child protection compact": "child_protection_compact",
    "cpc partnership": "child_protection_compact",
    "tta": "training_technical_assistance",
    "training & technical assistance": "training_technical_assistance",
    "technical assistance": "training_technical_assistance",
    "eva": "emergency_victim_assistance",
    "emergency assistance": "emergency_victim_assistance",
    "gri": "global_research_innovation",
    "global research and innovation": "global_research_innovation",
    "research": "global_research_innovation",
    "pems": "end_modern_slavery",
    "program to end modern slavery": "end_modern_slavery",
    "programme to end modern slavery": "end_modern_slavery",
    "end modern slavery": "end_modern_slavery",
}

#: Activity types: code -> labels.
ACTIVITY_TYPES: dict[str, dict[str, str]] = {
    "training": {"en": "Training", "es": "Capacitación", "fr": "Formation", "ar": "تدريب"},
    "shelter_support": {"en": "Shelter support", "es": "Apoyo a albergues", "fr": "Soutien aux foyers", "ar": "دعم دور الإيواء"},
    "legal_framework": {
        "en": "Legal-framework work",
        "es": "Marco jurídico",
        "fr": "Cadre juridique", "ar": "الإطار القانوني",
    },
    "research": {"en": "Research", "es": "Investigación", "fr": "Recherche", "ar": "بحث"},
    "hotline": {"en": "Hotline", "es": "Línea de ayuda", "fr": "Ligne d'assistance", "ar": "خط مساعدة"},
    "victim_services": {
        "en": "Direct victim services",
        "es": "Servicios directos a víctimas",
        "fr": "Services directs aux victimes", "ar": "خدمات مباشرة للضحايا",
    },
    "awareness": {"en": "Awareness raising", "es": "Sensibilización", "fr": "Sensibilisation", "ar": "التوعية"},
    "coordination": {"en": "Coordination", "es": "Coordinación", "fr": "Coordination", "ar": "تنسيق"},
}

_ACTIVITY_SYNONYMS: dict[str, str] = {
    "trainings": "training",
    "judicial training": "training",
    "capacity building": "training",
    "shelter": "shelter_support",
    "shelters": "shelter_support",
    "legal framework": "legal_framework",
    "legislation": "legal_framework",
    "legal reform": "legal_framework",
    "study": "research",
    "helpline": "hotline",
    "victim assistance": "victim_services",
    "victim services": "victim_services",
    "awareness": "awareness",
    "prevention": "awareness",
}

#: Project status: code -> labels.
PROJECT_STATUSES: dict[str, dict[str, str]] = {
    "planned": {"en": "Planned", "es": "Planeado", "fr": "Prévu", "ar": "مخطط له"},
    "ongoing": {"en": "Ongoing", "es": "En curso", "fr": "En cours", "ar": "جارٍ"},
    "completed": {"en": "Completed", "es": "Concluido", "fr": "Terminé", "ar": "منجز"},
    "cancelled": {"en": "Cancelled", "es": "Cancelado", "fr": "Annulé", "ar": "ملغى"},
}

_STATUS_SYNONYMS: dict[str, str] = {
    "active": "ongoing",
    "in progress": "ongoing",
    "current": "ongoing",
    "activo": "ongoing",
    "actif": "ongoing",
    "closed": "completed",
    "complete": "completed",
    "finished": "completed",
    "ended": "completed",
    "terminado": "completed",
    "finalizado": "completed",
    "pipeline": "planned",
    "proposed": "planned",
    "canceled": "cancelled",
}

#: Values of a unit cell meaning "the whole country" (normalised; the country's own name and
#: ISO codes are also accepted).
WHOLE_COUNTRY_VALUES: frozenset[str] = frozenset(
    {
        "national",
        "nationwide",
        "nation wide",
        "country wide",
        "countrywide",
        "whole country",
        "all",
        "all states",
        "all provinces",
        "all regions",
        "all oblasts",
        "all governorates",
        "nacional",
        "todo el pais",
        "todos los estados",
        "toda la republica",
        "nivel nacional",
        "ensemble du pays",
        "tout le pays",
        "niveau national",
        "toutes les regions",
    }
)

_F = Field
#: The project record, in display order.
PROJECT_FIELDS: tuple[Field, ...] = (
    _F("project_id", "str", "Project ID", hxl="#activity+code",
       synonyms=("project id", "project code", "activity id", "award number", "grant number", "id", "codigo del proyecto", "identifiant du projet")),
    _F("project", "str", "Project", required=True, hxl="#activity",
       synonyms=("project", "project name", "project title", "activity", "activity name", "title", "proyecto", "nombre del proyecto", "projet", "titre du projet")),
    _F("implementing_partner", "str", "Implementing partner", hxl="#org+impl",
       synonyms=("implementing partner", "implementing organisation", "implementing organization", "implementer", "partner", "grantee", "socio implementador", "organizacion implementadora", "partenaire de mise en oeuvre")),
    _F("funder", "str", "Funder", hxl="#org+funder",
       synonyms=("funder", "donor", "funding organisation", "funding organization", "funding source", "financiador", "donante", "bailleur", "donateur")),
    _F("category", "str", "Program category", hxl="#sector+category",
       synonyms=("program category", "programme category", "category", "program", "programme", "funding category", "categoria", "categoria del programa", "categorie", "programa")),
    _F("activity_type", "str", "Activity type", hxl="#activity+type",
       synonyms=("activity type", "type of activity", "type", "tipo de actividad", "type d'activite")),
    _F("country", "str", "Country", hxl="#country+code",
       synonyms=("country", "country code", "iso3", "iso", "pais", "pays")),
    _F("admin1_code", "str", "Admin-1 code(s)", hxl="#adm1+code",
       synonyms=("admin1 code", "admin1 codes", "adm1 code", "adm1_pcode", "state code", "state codes", "iso 3166-2", "pcode", "clave estado", "code region", "unit code", "unit codes", "location code", "location codes", "adm1 codes")),
    _F("admin1_name", "str", "Admin-1 unit(s)", hxl="#adm1+name",
       synonyms=("admin1 name", "admin1", "adm1 name", "state", "states", "state name", "province", "provinces", "region", "regions", "location", "locations", "estado", "estados", "entidad", "entidades", "entidad federativa", "provincia", "departamento", "etat", "region(s)", "unit", "units", "admin unit", "admin units", "area", "areas", "where", "coverage area", "geographic coverage", "states covered", "estados atendidos", "zones")),
    _F("start_date", "date", "Start date", hxl="#date+start",
       synonyms=("start date", "start", "from", "begin", "fecha de inicio", "inicio", "date de debut", "debut")),
    _F("end_date", "date", "End date", hxl="#date+end",
       synonyms=("end date", "end", "to", "until", "fecha de fin", "fecha de termino", "fin", "date de fin")),
    _F("budget", "float", "Budget", hxl="#value+budget",
       synonyms=("budget", "amount", "award amount", "funding", "value", "presupuesto", "monto", "montant")),
    _F("currency", "str", "Currency", hxl="#currency",
       synonyms=("currency", "moneda", "devise")),
    _F("reached", "int", "People reached", hxl="#reached-f-m-officials",
       synonyms=("people reached", "reached", "beneficiaries reached", "beneficiaries", "total reached", "personas alcanzadas", "beneficiarios", "personnes atteintes", "beneficiaires")),
    _F("reached_women", "int", "Reached: women", hxl="#reached+f+adults",
       synonyms=("women reached", "reached women", "mujeres", "femmes")),
    _F("reached_men", "int", "Reached: men", hxl="#reached+m+adults",
       synonyms=("men reached", "reached men", "hombres", "hommes")),
    _F("reached_girls", "int", "Reached: girls", hxl="#reached+f+children",
       synonyms=("girls reached", "reached girls", "ninas", "filles")),
    _F("reached_boys", "int", "Reached: boys", hxl="#reached+m+children",
       synonyms=("boys reached", "reached boys", "ninos", "garcons")),
    _F("officials_trained", "int", "Officials trained", hxl="#reached+officials",
       synonyms=("officials trained", "people trained", "trained", "participants trained", "funcionarios capacitados", "personas capacitadas", "fonctionnaires formes")),
    _F("project_status", "str", "Status", hxl="#status",
       synonyms=("status", "project status", "estatus", "situacion", "statut")),
    _F("notes", "str", "Notes", hxl="#description",
       synonyms=("notes", "description", "comments", "observaciones", "remarques")),
    _F("source", "str", "Source", hxl="#meta+source", synonyms=("source", "data source", "fuente")),
    _F("fictional", "bool", "Illustrative (fictional)", hxl="#meta+fictional",
       synonyms=("fictional", "illustrative", "sample", "ficticio", "fictif")),
)

PROJECT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in PROJECT_FIELDS)
_BY_NAME = {f.name: f for f in PROJECT_FIELDS}
#: Disaggregated reach columns (summed into ``reached`` when that is blank).
REACH_BREAKDOWN: tuple[str, ...] = ("reached_women", "reached_men", "reached_girls", "reached_boys")

#: Columns added by :func:`resolve_projects`.
PROJECT_RESOLUTION_FIELDS: tuple[str, ...] = (
    "source_file",
    "source_row",
    "country_iso3",
    "unit_codes",
    "unit_names",
    "whole_country",
    "location_method",
    "confidence",
    "status",
    "reason",
)

_HEADER_SYNONYMS: dict[str, str] = schema.header_synonyms(PROJECT_FIELDS)

_VOCABS: dict[str, tuple[dict[str, dict[str, str]], dict[str, str]]] = {
    "category": (PROGRAM_CATEGORIES, _CATEGORY_SYNONYMS),
    "activity_type": (ACTIVITY_TYPES, _ACTIVITY_SYNONYMS),
    "project_status": (PROJECT_STATUSES, _STATUS_SYNONYMS),
}


def project_label(code: Any, *, vocabulary: str = "category", lang: str | None = None) -> str:
    """Human label of a category, activity-type or status code in ``lang`` (en, es, fr, ar).

    Parameters
    ----------
    code
        A code from :data:`PROGRAM_CATEGORIES`, :data:`ACTIVITY_TYPES` or :data:`PROJECT_STATUSES`.
    vocabulary
        ``"category"``, ``"activity_type"`` or ``"project_status"``.
    lang
        Label language; by default that of the current call or session
        (:func:`geomap.i18n.current`); English when the language has no label.
    """
    if vocabulary not in _VOCABS:
        msg = f"unknown vocabulary {vocabulary!r}; expected one of {', '.join(_VOCABS)}"
        raise ValueError(msg)
    labels = _VOCABS[vocabulary][0].get(str(code))
    if labels is None:
        return "" if _missing(code) else str(code)
    return labels.get(lang or current().lang) or labels["en"]


_missing = schema.is_missing


_LOOKUPS = {name: schema.vocab_lookup(*pair) for name, pair in _VOCABS.items()}


def _parse_code(value: Any, vocabulary: str) -> str | None:
    if _missing(value):
        return None
    return _LOOKUPS[vocabulary].get(schema.normalise_header(value))


def parse_category(value: Any) -> str | None:
    """Program-category code of a cell (code, English/Spanish/French label or synonym), else ``None``."""
    return _parse_code(value, "category")


def parse_activity_type(value: Any) -> str | None:
    """Activity-type code of a cell, else ``None``."""
    return _parse_code(value, "activity_type")


def parse_project_status(value: Any) -> str | None:
    """Project-status code of a cell, else ``None``."""
    return _parse_code(value, "project_status")


_CURRENCY_RE = re.compile(r"^\s*([A-Za-z]{3}|[$€£₦₴])?\s*(.*?)\s*([A-Za-z]{3})?\s*$")
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "₦": "NGN", "₴": "UAH"}


def parse_amount(value: Any) -> tuple[float | None, str | None]:
    """Parse a money or count cell: ``"USD 150,000"``, ``"150 000"``, ``"$1,200.50"``.

    Returns
    -------
    tuple
        ``(amount, currency)``; both ``None`` when blank or unreadable; ``currency`` is the
        three-letter code written in the cell (or implied by a symbol), else ``None``.
    """
    if _missing(value):
        return None, None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value), None
    m = _CURRENCY_RE.match(str(value))
    if m is None:  # pragma: no cover - the pattern matches any string
        return None, None
    pre, number, post = m.groups()
    cur = pre or post
    cur = _SYMBOLS.get(cur, cur.upper()) if cur else None
    number = number.replace("\u00a0", "").replace(" ", "").replace("_", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", number):
        number = number.replace(",", "")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", number):
        number = number.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d+,\d{1,2}", number):
        number = number.replace(",", ".")
    try:
        return float(number), cur
    except ValueError:
        return None, None


#: An item of a units column that is a code, not a name: ISO 3166-2 (``MX-JAL``, ``NG.LA``),
#: an OCHA p-code (``NG025``, ``MX14``) or a bare number.
_CODE_LIKE = re.compile(r"^(?:[A-Z]{2}[-.][A-Z0-9]{1,3}|[A-Z]{2,3}\d{2,}|\d{1,3})$")

_SPLIT_RE = re.compile(r"\s*(?:;|\||\n|,)\s*")


def split_units(value: Any) -> list[str]:
    """Split a multi-unit cell (``"MX-JAL; MX-NLE"``, ``"Jalisco, Nuevo León"``) into items."""
    if _missing(value):
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = _SPLIT_RE.split(str(value))
    return [i.strip() for i in items if i and i.strip()]


def map_project_headers(headers: Iterable[str], *, hxl_tags: dict[str, str] | None = None,
                        overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Map input headers to project field names.

    HXL hashtags (when the file has a hashtag row) win over header text; then header synonyms
    (English, Spanish, French, common 3W names). Each field is taken by one column at most.

    Parameters
    ----------
    headers
        Column headers as in the input file.
    hxl_tags
        ``{header: hashtag spec}`` from the file's HXL row, e.g. ``{"Partner": "#org+impl"}``.
    overrides
        Explicit ``{header: field}`` choices; ``""`` ignores that column.

    Raises
    ------
    ValueError
        If an override names something that is not a project field.
    """
    from hxl.model import Column, TagPattern

    headers = list(headers)
    overrides = overrides or {}
    for target in overrides.values():
        if target and target not in _BY_NAME:
            msg = f"mapping target {target!r} is not a project field; valid fields: {', '.join(PROJECT_FIELD_NAMES)}"
            raise ValueError(msg)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        if h in overrides and overrides[h] and overrides[h] not in taken:
            out[h] = overrides[h]
            taken.add(overrides[h])
    # HXL: most specific pattern first (more attributes), so #activity+type beats #activity.
    patterns = sorted(
        ((f.name, TagPattern.parse(f.hxl)) for f in PROJECT_FIELDS if f.hxl),
        key=lambda p: -len(p[1].include_attributes or ()),
    )
    for h in headers:
        spec = (hxl_tags or {}).get(h)
        if h in overrides or not spec:
            continue
        col = Column.parse(str(spec))  # False for a malformed hashtag
        if not col:
            continue
        for name, pat in patterns:
            if name not in taken and pat.match(col):
                out[h] = name
                taken.add(name)
                break
    for h in headers:
        if h in overrides or h in out:
            continue
        target = _HEADER_SYNONYMS.get(schema.normalise_header(h))
        if target and target not in taken:
            out[h] = target
            taken.add(target)
    return out


def empty_projects() -> pd.DataFrame:
    """An empty project table with every field and resolution column."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in PROJECT_FIELD_NAMES + PROJECT_RESOLUTION_FIELDS})


def read_projects(
    source: Any,
    *,
    filename: str | None = None,
    sheet: str | int | None = None,
    mapping: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read a project file (CSV, XLSX, with or without an HXL hashtag row) into raw fields.

    File parsing (encodings, delimiters, sheets, the HXL row) is done by
    :func:`geomap.directory.readers.read_table`, the same parser as for directories.

    Parameters
    ----------
    source
        Path, bytes or file-like.
    filename
        Name of ``source`` when it is bytes or a file-like (used for the format and in reasons).
    sheet
        Worksheet of an XLSX file.
    mapping
        Explicit ``{header: project field}`` choices (see :func:`map_project_headers`).

    Returns
    -------
    pandas.DataFrame
        One row per data row: every :data:`PROJECT_FIELD_NAMES` column holding the raw cell
        (blank where the file has no such column), plus ``source_file`` and ``source_row``
        (spreadsheet row numbers: header is row 1). ``attrs["mapping"]`` holds the header map,
        ``attrs["unmapped"]`` the ignored headers.

    Raises
    ------
    ValueError
        If no column maps to a unit (``admin1_code``/``admin1_name``) or to ``project``.
    """
    from geomap.directory import readers

    table = readers.read_table(source, filename=filename, sheet=sheet)
    headers = [str(c) for c in table.columns]
    hxl_tags = dict(table.attrs.get("hxl_tags") or {})
    fmap = map_project_headers(headers, hxl_tags=hxl_tags, overrides=mapping)
    name = _source_name(source, filename)
    out = pd.DataFrame(index=range(len(table)))
    for field_name in PROJECT_FIELD_NAMES:
        header = next((h for h, f in fmap.items() if f == field_name), None)
        out[field_name] = pd.Series(table[header].to_numpy(dtype=object) if header is not None else [None] * len(table), dtype=object)
    out["source_file"] = name
    out["source_row"] = np.asarray(table.index, dtype=int) if table.index.name == "source_row" else np.arange(2, 2 + len(table))
    mapped_fields = set(fmap.values())
    if not mapped_fields & {"admin1_code", "admin1_name"}:
        msg = (f"{name}: no column names the admin-1 unit(s) of each project; headers found: "
               f"{', '.join(headers) or '(none)'}; name one 'admin1_code' or 'admin1_name' "
               f"(or tag it #adm1+code / #adm1+name), or pass mapping={{header: 'admin1_name'}}")
        raise ValueError(msg)
    if "project" not in mapped_fields:
        msg = (f"{name}: no column names the project; headers found: {', '.join(headers)}; "
               f"name one 'project' (or tag it #activity), or pass mapping={{header: 'project'}}")
        raise ValueError(msg)
    out.attrs = {
        "mapping": fmap,
        "unmapped": [h for h in headers if h not in fmap],
        "format": table.attrs.get("format"),
        "hxl": bool(hxl_tags),
        "source_file": name,
    }
    return out


def _source_name(source: Any, filename: str | None) -> str:
    if filename:
        return Path(str(filename)).name
    if isinstance(source, (str, Path)):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else "upload"


def _country_keys(units: pd.DataFrame, country: str) -> set[str]:
    """Normalised spellings of ``country`` (ISO3, ISO2, names) that are not also a unit's name."""
    from geomap import boundaries

    keys = {schema.normalise_header(country)}
    for col in ("country", "iso_a2", "country_name"):
        if col in units.columns:
            keys.update(schema.normalise_header(v) for v in units[col].dropna().unique())
    table = boundaries.list_countries()
    hit = table[table["country"] == country]
    for col in ("iso_a2", "name"):
        if col in hit.columns:
            keys.update(schema.normalise_header(v) for v in hit[col].dropna())
    # A unit's own name or code wins over the country's name (Mexico's state "México").
    for col in ("code", "name", "name_en", "name_es", "name_fr"):
        if col in units.columns:
            keys.difference_update(schema.normalise_header(v) for v in units[col].dropna())
    if "code" in units.columns:  # bare unit codes too: "MEX" is the State of México's MX-MEX
        keys.difference_update(schema.normalise_header(re.split(r"[-.]", str(v))[-1]) for v in units["code"].dropna())
    keys.discard("")
    return keys


def _resolve_country_cell(text: str) -> str | None:
    from geomap import boundaries

    try:
        return boundaries.resolve_country(text)
    except (ValueError, KeyError, LookupError):
        return None


def _int_or_none(value: Any) -> tuple[float | None, bool]:
    amount, _ = parse_amount(value)
    if amount is None:
        return None, not _missing(value)
    return amount, False


def resolve_projects(raw: pd.DataFrame, units: pd.DataFrame, *, country: str) -> pd.DataFrame:
    """Type every field and resolve every project row of ``country`` to its admin-1 units.

    Multi-unit cells are split (``;``, ``,``, ``|``, new line) and whole-country values
    (:data:`WHOLE_COUNTRY_VALUES`, the country's name or code) are expanded to every unit
    *here*; each remaining item goes through :func:`geomap.directory.resolve.resolve_admin`,
    the same code/name resolver as for provider directories.

    Parameters
    ----------
    raw
        Output of :func:`read_projects` (or any table with :data:`PROJECT_FIELD_NAMES` columns).
    units
        Admin-1 units of ``country`` (``code``, ``name`` …).
    country
        ISO 3166-1 alpha-3 of ``units``. Rows whose ``country`` cell names another country get
        status ``elsewhere``; rows with a blank country cell are taken to be in ``country``.

    Returns
    -------
    pandas.DataFrame
        Every input row, in order, with typed fields (dates as ``datetime64``, numbers as
        float, category/activity/status as codes) and :data:`PROJECT_RESOLUTION_FIELDS`:
        ``unit_codes`` / ``unit_names`` (lists), ``whole_country``, ``location_method``
        (``whole_country``/``admin_code``/``admin_name``, ``;``-joined when mixed),
        ``confidence``, ``status`` (``placed``/``flagged``/``elsewhere``) and ``reason`` (every
        problem of the row, ``"; "``-joined; empty when none). ``attrs["issues"]`` holds the
        problems as a table (see :func:`project_issues`).
    """
    from geomap.directory.resolve import resolve_admin

    df = raw.copy()
    for name in PROJECT_FIELD_NAMES:
        if name not in df.columns:
            df[name] = None
    if "source_file" not in df.columns:
        df["source_file"] = raw.attrs.get("source_file", "")
    if "source_row" not in df.columns:
        df["source_row"] = np.arange(2, 2 + len(df))
    df = df.reset_index(drop=True)
    n = len(df)
    issues: list[list[list[Any]]] = [[] for _ in range(n)]  # per row: [field, value, reason]

    def note(i: int, fld: str, value: Any, reason: str) -> None:
        issues[i].append([fld, "" if _missing(value) else str(value), reason])

    # --- country -------------------------------------------------------------------------
    keys = _country_keys(units, country)
    iso3 = []
    for i, v in enumerate(df["country"].tolist()):
        if _missing(v) or schema.normalise_header(v) in keys:
            iso3.append(country)
            continue
        other = _resolve_country_cell(str(v))
        if other == country:
            iso3.append(country)
        elif other:
            iso3.append(other)
        else:
            iso3.append(None)
            note(i, "country", v, f"unknown country {str(v)!r}; use an ISO 3166-1 code such as {country}")
    df["country_iso3"] = pd.Series(iso3, dtype=object)

    # --- typed fields --------------------------------------------------------------------
    for fld, parser, vocab in (("category", parse_category, PROGRAM_CATEGORIES),
                               ("activity_type", parse_activity_type, ACTIVITY_TYPES),
                               ("project_status", parse_project_status, PROJECT_STATUSES)):
        vals = []
        for i, v in enumerate(df[fld].tolist()):
            code = parser(v)
            if code is None and not _missing(v):
                note(i, fld, v, f"{fld} {str(v)!r} is not in the list; expected one of {', '.join(vocab)} (or their labels)")
            vals.append(code)
        df[fld] = pd.Series(vals, dtype=object)
    for fld in ("start_date", "end_date"):
        vals = []
        for i, v in enumerate(df[fld].tolist()):
            if not _missing(v) and re.fullmatch(r"\s*\d{4}(\.0)?\s*", str(v)):
                # A bare year: the whole year (1 January for a start, 31 December for an end).
                year = int(float(str(v)))
                d = pd.Timestamp(year=year, month=1, day=1) if fld == "start_date" else pd.Timestamp(year=year, month=12, day=31)
            else:
                d = schema.parse_date(v)
            if d is None and not _missing(v):
                note(i, fld, v, f"unreadable date {str(v)!r}; use YYYY-MM-DD")
            vals.append(pd.NaT if d is None else pd.Timestamp(d))
        df[fld] = pd.to_datetime(pd.Series(vals, dtype="datetime64[ns]"))
    budgets, currencies = [], []
    for i, (v, cur) in enumerate(zip(df["budget"].tolist(), df["currency"].tolist())):
        amount, cell_cur = parse_amount(v)
        if amount is None and not _missing(v):
            note(i, "budget", v, f"unreadable budget {str(v)!r}; write a number such as 150000")
        budgets.append(np.nan if amount is None else amount)
        c = None if _missing(cur) else str(cur).strip().upper()
        currencies.append(c or cell_cur)
    df["budget"] = pd.Series(budgets, dtype=float)
    df["currency"] = pd.Series(currencies, dtype=object)
    for fld in ("reached", *REACH_BREAKDOWN, "officials_trained"):
        vals = []
        for i, v in enumerate(df[fld].tolist()):
            amount, bad = _int_or_none(v)
            if bad or (amount is not None and amount < 0):
                note(i, fld, v, f"{fld} {str(v)!r} is not a count; write a whole number")
                amount = None
            vals.append(np.nan if amount is None else amount)
        df[fld] = pd.Series(vals, dtype=float)
    parts = df[list(REACH_BREAKDOWN)]
    fill = parts.sum(axis=1, min_count=1)
    df["reached"] = df["reached"].fillna(fill)
    df["fictional"] = pd.Series([schema.parse_bool(v) for v in df["fictional"].tolist()], dtype=object)
    for i, v in enumerate(df["project"].tolist()):
        if _missing(v):
            note(i, "project", v, "project name is blank")

    # --- units: split, expand whole-country, then one resolver -------------------------------
    all_codes = units["code"].astype(str).tolist()
    all_names = units["name"].astype(str).tolist()
    name_of = dict(zip(all_codes, all_names))
    whole = [False] * n
    items: list[tuple[int, str, Any, Any]] = []  # (row, field, code, name)
    for i in range(n):
        if df["country_iso3"].iat[i] != country:
            continue
        codes = split_units(df["admin1_code"].iat[i])
        names = split_units(df["admin1_name"].iat[i])
        rest_codes, rest_names = [], []
        for c in codes:
            if schema.normalise_header(c) in WHOLE_COUNTRY_VALUES or schema.normalise_header(c) in keys:
                whole[i] = True
            else:
                rest_codes.append(c)
        for nm in names:
            if schema.normalise_header(nm) in WHOLE_COUNTRY_VALUES or schema.normalise_header(nm) in keys:
                whole[i] = True
            else:
                rest_names.append(nm)
        if whole[i]:
            continue
        if rest_codes and rest_names and len(rest_codes) == len(rest_names):
            items.extend((i, "admin1_code", c, nm) for c, nm in zip(rest_codes, rest_names))
        else:
            # A code column holding a name ("Mexico", "Lagos") is tried as a code, then as a name.
            items.extend((i, "admin1_code", c, None if _CODE_LIKE.match(c) else c) for c in rest_codes)
            # A units column often mixes names and codes ("Lagos; NG-KN"): codes go as codes.
            items.extend((i, "admin1_name", nm, None) if _CODE_LIKE.match(nm) else (i, "admin1_name", None, nm) for nm in rest_names)
        if not codes and not names:
            note(i, "admin1_name", "", "no admin-1 unit given; name the unit(s), or 'national' for the whole country")

    resolved_items = pd.DataFrame(columns=["admin1_code", "admin1_name", "method", "confidence", "reason"])
    if items:
        resolved_items = resolve_admin(
            [it[2] for it in items], [it[3] for it in items], units, country=country
        ).reset_index(drop=True)

    unit_codes: list[list[str]] = [[] for _ in range(n)]
    methods: list[list[str]] = [[] for _ in range(n)]
    confs: list[list[float]] = [[] for _ in range(n)]
    for k, (i, fld, code, nm) in enumerate(items):
        rec = resolved_items.iloc[k]
        got = rec["admin1_code"]
        if _missing(got):
            value = code if not _missing(code) else nm
            why = rec["reason"] if not _missing(rec["reason"]) else f"unit {str(value)!r} not found in {country}"
            note(i, fld, value, str(why))
            continue
        if got not in unit_codes[i]:
            unit_codes[i].append(str(got))
        if not _missing(rec["method"]) and rec["method"] not in methods[i]:
            methods[i].append(str(rec["method"]))
        conf = pd.to_numeric(rec["confidence"], errors="coerce")
        if not pd.isna(conf):
            confs[i].append(float(conf))
    for i in range(n):
        if whole[i]:
            unit_codes[i] = list(all_codes)
            methods[i] = ["whole_country"]
            confs[i] = [1.0]

    status, reasons = [], []
    for i in range(n):
        iso = df["country_iso3"].iat[i]
        if iso is not None and iso != country:
            status.append(STATUS_ELSEWHERE)
            reasons.append(f"project in {iso}, not {country}")
            continue
        if not unit_codes[i]:
            if not any(f in ("admin1_code", "admin1_name", "country") for f, _, _ in issues[i]):
                note(i, "admin1_name", df["admin1_name"].iat[i], "no admin-1 unit resolved")
            status.append(schema.STATUS_FLAGGED)
        else:
            status.append(schema.STATUS_PLACED)
        reasons.append("; ".join(r if r.startswith(f"{f}:") else f"{f}: {r}" for f, _, r in issues[i]))
    df["unit_codes"] = pd.Series(unit_codes, dtype=object)
    df["unit_names"] = pd.Series([[name_of[c] for c in cs] for cs in unit_codes], dtype=object)
    df["whole_country"] = pd.Series(whole, dtype=bool)
    df["location_method"] = pd.Series(["; ".join(m) for m in methods], dtype=object)
    df["confidence"] = pd.Series([min(c) if c else np.nan for c in confs], dtype=float)
    df["status"] = pd.Series(status, dtype=object)
    df["reason"] = pd.Series(reasons, dtype=object)
    rows = []
    for i in range(n):
        for fld, value, why in issues[i]:
            rows.append([df["source_file"].iat[i], int(df["source_row"].iat[i]), fld, value, why, status[i]])
    issue_table = pd.DataFrame(rows, columns=["source_file", "source_row", "field", "value", "reason", "status"])
    out = df[list(PROJECT_FIELD_NAMES) + list(PROJECT_RESOLUTION_FIELDS)].copy()
    out.attrs = {**raw.attrs, "country": country, "issues": issue_table}
    return out


def load_projects(
    source: Any,
    units: pd.DataFrame,
    *,
    country: str,
    filename: str | None = None,
    sheet: str | int | None = None,
    mapping: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read (:func:`read_projects`) and resolve (:func:`resolve_projects`) a project file."""
    raw = read_projects(source, filename=filename, sheet=sheet, mapping=mapping)
    return resolve_projects(raw, units, country=country)


def project_row_accounting(resolved: pd.DataFrame) -> dict[str, int]:
    """Count rows by outcome: ``total``, ``placed``, ``flagged``, ``elsewhere`` (always adds up)."""
    st = resolved["status"]
    return {
        "total": len(resolved),
        "placed": int((st == schema.STATUS_PLACED).sum()),
        "flagged": int((st == schema.STATUS_FLAGGED).sum()),
        "elsewhere": int((st == STATUS_ELSEWHERE).sum()),
    }


def project_issues(resolved: pd.DataFrame) -> pd.DataFrame:
    """Every problem found while resolving: ``source_file``, ``source_row``, ``field``, ``value``,
    ``reason``, ``status`` (the row's outcome). Placed rows may have issues too (e.g. one of
    three units not found); flagged rows always have at least one."""
    table = resolved.attrs.get("issues")
    if table is None:
        return pd.DataFrame(columns=["source_file", "source_row", "field", "value", "reason", "status"])
    return table.copy()
