"""The project (activity) record: fields, controlled lists, header mapping, value parsers.

The single source of truth for donor-footprint data (see :mod:`geomap.projects`): the fields
(:data:`PROJECT_FIELDS`), the program categories, activity types and statuses in English,
Spanish and French, the whole-country values, and the parsers of one cell each.
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
from geomap.i18n import N_, Message, current

__all__ = [
    "ACTIVITY_TYPES",
    "ILLUSTRATIVE_NOTICE",
    "PROGRAM_CATEGORIES",
    "PROJECT_FIELDS",
    "PROJECT_FIELD_NAMES",
    "PROJECT_RESOLUTION_FIELDS",
    "PROJECT_STATUSES",
    "REACH_BREAKDOWN",
    "SAMPLE_PROJECTS",
    "STATUS_ELSEWHERE",
    "WHOLE_COUNTRY_VALUES",
    "empty_projects",
    "map_project_headers",
    "parse_activity_type",
    "parse_amount",
    "parse_category",
    "parse_project_status",
    "project_label",
    "split_units",
]

#: Shown wherever the bundled sample projects appear.
ILLUSTRATIVE_NOTICE = N_(
    "Illustrative sample projects: generated to show the kinds of activities a counter-trafficking "
    "grants programme funds. Partners, funders, budgets and figures are fictional."
)

#: The bundled illustrative sample (see ``scripts/make_sample_projects.py``).
SAMPLE_PROJECTS = Path(__file__).resolve().parents[2] / "data" / "projects" / "sample_projects_illustrative.csv"

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
            msg = Message(N_("mapping target {target} is not a project field; valid fields: {fields}"),
                          target=repr(target), fields=tuple(PROJECT_FIELD_NAMES))
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
