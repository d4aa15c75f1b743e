"""The provider record and the service taxonomy: the single source of truth.

Every importer, validator, exporter, analysis and page takes field names, the service
taxonomy, the populations-served vocabulary and the required fields from this module.
Nothing else in geomap spells a directory column name as a literal string that is not
defined here.

A directory is a table (``pandas.DataFrame`` or ``geopandas.GeoDataFrame``) whose columns
are the :data:`FIELDS` below. List-valued fields (service types, populations, languages)
are held as Python lists in memory and written as ``"; "``-joined text in flat files.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from geomap import i18n

__all__ = [
    "Field",
    "FIELDS",
    "FIELD_NAMES",
    "LIST_FIELDS",
    "REQUIRED_FIELDS",
    "RESOLUTION_FIELDS",
    "SERVICE_TYPES",
    "POPULATIONS",
    "LOCATION_METHODS",
    "STATUS_PLACED",
    "STATUS_FLAGGED",
    "LIST_SEPARATOR",
    "STALE_AFTER_DAYS",
    "FICTIONAL_NOTICE",
    "HEADER_SYNONYMS",
    "header_synonyms",
    "vocab_lookup",
    "normalise_header",
    "map_headers",
    "is_missing",
    "parse_list",
    "format_list",
    "parse_service_types",
    "parse_populations",
    "parse_codes",
    "parse_bool",
    "parse_date",
    "empty_directory",
    "label",
]

#: Separator used when a list field is written to a flat file (CSV, XLSX, HXL).
LIST_SEPARATOR = "; "

#: A record not verified for longer than this is shown as stale.
STALE_AFTER_DAYS = 365

#: Shown wherever a fictional sample record appears (pages, popups, exports, reports).
FICTIONAL_NOTICE = i18n.N_("Fictional sample record: not a real organisation.")


@dataclass(frozen=True)
class Field:
    """One column of the provider record.

    Parameters
    ----------
    name
        Canonical column name.
    kind
        One of ``"str"``, ``"list"``, ``"float"``, ``"int"``, ``"bool"``, ``"date"``.
    label
        Human label (English) for tables and forms.
    required
        Whether a record without it is flagged.
    hxl
        HXL hashtag used by the HXL reader and writer.
    public
        Whether the field may be shown for a *confidential* record in the public view.
        (All fields of non-confidential records are public.)
    synonyms
        Header spellings (English, Spanish, French, common 3W/HSDS names) mapped to this field.
    """

    name: str
    kind: str
    label: str
    required: bool = False
    hxl: str = ""
    public: bool = True
    synonyms: tuple[str, ...] = field(default_factory=tuple)


#: Controlled service taxonomy: code -> English, Spanish, French, Arabic labels.
SERVICE_TYPES: dict[str, dict[str, str]] = {
    "shelter": {"en": "Shelter", "es": "Albergue", "fr": "Hébergement", "ar": "مأوى"},
    "medical": {"en": "Medical care", "es": "Atención médica", "fr": "Soins médicaux", "ar": "رعاية طبية"},
    "psychosocial": {
        "en": "Psychosocial support",
        "es": "Apoyo psicosocial",
        "fr": "Soutien psychosocial", "ar": "دعم نفسي اجتماعي",
    },
    "legal_aid": {"en": "Legal aid", "es": "Asesoría jurídica", "fr": "Aide juridique", "ar": "مساعدة قانونية"},
    "hotline": {"en": "Hotline", "es": "Línea de ayuda", "fr": "Ligne d'assistance", "ar": "خط مساعدة"},
    "economic_reintegration": {
        "en": "Economic reintegration",
        "es": "Reintegración económica",
        "fr": "Réinsertion économique", "ar": "إعادة إدماج اقتصادي",
    },
    "law_enforcement": {
        "en": "Law enforcement",
        "es": "Procuración de justicia",
        "fr": "Forces de l'ordre", "ar": "إنفاذ القانون",
    },
    "child_protection": {
        "en": "Child protection",
        "es": "Protección de la infancia",
        "fr": "Protection de l'enfance", "ar": "حماية الطفل",
    },
    "case_management": {"en": "Case management", "es": "Gestión de casos", "fr": "Gestion de cas", "ar": "إدارة الحالات"},
    "repatriation": {"en": "Repatriation", "es": "Repatriación", "fr": "Rapatriement", "ar": "إعادة إلى الوطن"},
}

#: Extra spellings accepted for service types (normalised, see :func:`_norm`).
SERVICE_SYNONYMS: dict[str, str] = {
    "shelters": "shelter",
    "safe house": "shelter",
    "safehouse": "shelter",
    "accommodation": "shelter",
    "refuge": "shelter",
    "albergue": "shelter",
    "refugio": "shelter",
    "casa de acogida": "shelter",
    "hebergement": "shelter",
    "health": "medical",
    "hea": "medical",
    "shl": "shelter",
    "emergency shelter": "shelter",
    "erl": "economic_reintegration",
    "early recovery and livelihoods": "economic_reintegration",
    "gbv": "psychosocial",
    "mental health and psycho social services": "psychosocial",
    "medical care": "medical",
    "healthcare": "medical",
    "salud": "medical",
    "atencion medica": "medical",
    "sante": "medical",
    "soins medicaux": "medical",
    "mental health": "psychosocial",
    "counselling": "psychosocial",
    "counseling": "psychosocial",
    "psychosocial support": "psychosocial",
    "mhpss": "psychosocial",
    "apoyo psicosocial": "psychosocial",
    "psicosocial": "psychosocial",
    "soutien psychosocial": "psychosocial",
    "legal": "legal_aid",
    "legal aid": "legal_aid",
    "legal assistance": "legal_aid",
    "asesoria juridica": "legal_aid",
    "asesoria legal": "legal_aid",
    "juridico": "legal_aid",
    "aide juridique": "legal_aid",
    "helpline": "hotline",
    "help line": "hotline",
    "linea de ayuda": "hotline",
    "ligne d'assistance": "hotline",
    "livelihoods": "economic_reintegration",
    "livelihood": "economic_reintegration",
    "economic reintegration": "economic_reintegration",
    "reintegration": "economic_reintegration",
    "reintegracion economica": "economic_reintegration",
    "reinsertion economique": "economic_reintegration",
    "police": "law_enforcement",
    "law enforcement": "law_enforcement",
    "prosecution": "law_enforcement",
    "policia": "law_enforcement",
    "fiscalia": "law_enforcement",
    "procuracion de justicia": "law_enforcement",
    "child protection": "child_protection",
    "proteccion de la infancia": "child_protection",
    "proteccion infantil": "child_protection",
    "protection de l'enfance": "child_protection",
    "case management": "case_management",
    "gestion de casos": "case_management",
    "repatriacion": "repatriation",
    "rapatriement": "repatriation",
}

#: Populations served: code -> labels.
POPULATIONS: dict[str, dict[str, str]] = {
    "women": {"en": "Women", "es": "Mujeres", "fr": "Femmes", "ar": "نساء"},
    "men": {"en": "Men", "es": "Hombres", "fr": "Hommes", "ar": "رجال"},
    "children": {"en": "Children", "es": "Niñez y adolescencia", "fr": "Enfants", "ar": "أطفال"},
    "unaccompanied_minors": {
        "en": "Unaccompanied minors",
        "es": "Menores no acompañados",
        "fr": "Mineurs non accompagnés", "ar": "قاصرون غير مصحوبين",
    },
    "lgbtqi": {"en": "LGBTQI+", "es": "LGBTQI+", "fr": "LGBTQI+", "ar": "مجتمع الميم (LGBTQI+)"},
    "foreign_nationals": {
        "en": "Foreign nationals",
        "es": "Personas extranjeras",
        "fr": "Ressortissants étrangers", "ar": "رعايا أجانب",
    },
}

POPULATION_SYNONYMS: dict[str, str] = {
    "woman": "women",
    "female": "women",
    "girls": "children",
    "boys": "children",
    "minors": "children",
    "child": "children",
    "mujeres": "women",
    "femmes": "women",
    "man": "men",
    "male": "men",
    "hombres": "men",
    "hommes": "men",
    "ninos": "children",
    "ninas": "children",
    "infancia": "children",
    "enfants": "children",
    "unaccompanied minors": "unaccompanied_minors",
    "unaccompanied children": "unaccompanied_minors",
    "menores no acompanados": "unaccompanied_minors",
    "lgbtqi+": "lgbtqi",
    "lgbt": "lgbtqi",
    "lgbtq": "lgbtqi",
    "lgbtiq": "lgbtqi",
    "foreign nationals": "foreign_nationals",
    "foreigners": "foreign_nationals",
    "migrants": "foreign_nationals",
    "extranjeros": "foreign_nationals",
    "migrantes": "foreign_nationals",
    "etrangers": "foreign_nationals",
}

#: How a row was placed in an admin unit (the ``location_method`` column).
LOCATION_METHODS: dict[str, str] = {
    "coordinates": i18n.N_("Point inside the unit"),
    "coordinates_nearest": i18n.N_("Point just outside every unit, assigned to the nearest within tolerance"),
    "coordinates_swapped": i18n.N_("Latitude and longitude were swapped; placed after swapping"),
    "admin_code": i18n.N_("Admin-1 code"),
    "admin_name": i18n.N_("Admin-1 name"),
    "town": i18n.N_("Town found in the offline gazetteer"),
}

STATUS_PLACED = "placed"
STATUS_FLAGGED = "flagged"

_S = Field  # short alias for the table below

#: The provider record, in display order.
FIELDS: tuple[Field, ...] = (
    _S("id", "str", i18n.N_("ID"), hxl="#org+id", synonyms=("id", "provider id", "record id", "identifier", "uid", "code", "clave", "identifiant")),
    _S("name", "str", i18n.N_("Name"), required=True, hxl="#org+name", public=False,
       synonyms=("name", "provider", "provider name", "facility", "facility name", "service name", "site name", "nombre", "nom", "organization name", "organisation name")),
    _S("organisation", "str", i18n.N_("Organisation"), hxl="#org", public=False,
       synonyms=("organisation", "organization", "org", "agency", "implementing partner", "partner", "ngo", "organizacion", "institucion", "organisme")),
    _S("org_type", "str", i18n.N_("Type of organisation"), hxl="#org+type",
       synonyms=("type of organization", "type of organisation", "organization type", "organisation type", "org type", "tipo de organizacion", "type d'organisation")),
    _S("service_types", "list", i18n.N_("Service types"), required=True, hxl="#service+type",
       synonyms=("service types", "service type", "services", "service", "type of service", "sector", "tipo de servicio", "servicio", "servicios", "type de service", "services offerts")),
    _S("populations_served", "list", i18n.N_("Populations served"), hxl="#population+served",
       synonyms=("populations served", "population served", "target population", "beneficiaries", "poblacion atendida", "population cible")),
    _S("address", "str", i18n.N_("Address"), hxl="#loc+address", public=False,
       synonyms=("address", "street address", "street", "direccion", "domicilio", "adresse")),
    _S("town", "str", i18n.N_("Town"), hxl="#loc+name", public=False,
       synonyms=("town", "city", "locality", "village", "municipality", "ciudad", "localidad", "municipio", "ville", "localite")),
    _S("admin1_code", "str", i18n.N_("Admin-1 code"), hxl="#adm1+code",
       synonyms=("admin1 code", "adm1 code", "adm1_pcode", "state pcode", "state code", "admin1pcode", "admin1pcod", "iso 3166-2", "iso_3166_2", "cve_ent", "clave estado", "code region")),
    _S("admin1_name", "str", i18n.N_("Admin-1 name"), hxl="#adm1+name",
       synonyms=("admin1 name", "adm1 name", "adm1_en", "state", "state name", "province", "region", "admin1", "admin1name", "estado", "entidad", "entidad federativa", "provincia", "departamento", "etat")),
    _S("latitude", "float", i18n.N_("Latitude"), hxl="#geo+lat", public=False,
       synonyms=("latitude", "lat", "y", "latitud", "lat_dd", "gps latitude")),
    _S("longitude", "float", i18n.N_("Longitude"), hxl="#geo+lon", public=False,
       synonyms=("longitude", "lon", "long", "lng", "x", "longitud", "lon_dd", "gps longitude")),
    _S("phone", "str", i18n.N_("Phone"), hxl="#contact+phone", public=False,
       synonyms=("phone", "telephone", "phone number", "tel", "contact phone", "telefono", "numero de telefono", "telephone number")),
    _S("email", "str", i18n.N_("Email"), hxl="#contact+email", public=False,
       synonyms=("email", "e-mail", "email address", "correo", "correo electronico", "courriel")),
    _S("website", "str", i18n.N_("Website"), hxl="#contact+url", public=False,
       synonyms=("website", "url", "web", "web site", "sitio web", "pagina web", "site web")),
    _S("hours", "str", i18n.N_("Opening hours"), hxl="#service+hours",
       synonyms=("hours", "opening hours", "schedule", "horario", "horaires")),
    _S("open_24h", "bool", i18n.N_("Open 24 hours"), hxl="#service+open_24h",
       synonyms=("open 24h", "24h", "24 hours", "24/7", "open_24h", "24 horas")),
    _S("languages", "list", i18n.N_("Languages"), hxl="#language",
       synonyms=("languages", "language", "languages spoken", "idiomas", "idioma", "langues")),
    _S("capacity", "int", i18n.N_("Capacity (beds)"), hxl="#capacity+beds",
       synonyms=("capacity", "beds", "bed capacity", "number of beds", "capacidad", "camas", "capacite", "lits")),
    _S("referral_method", "str", i18n.N_("Referral method"), hxl="#service+referral",
       synonyms=("referral method", "how to refer", "referral", "intake", "metodo de referencia", "canalizacion", "orientation")),
    _S("accepting_referrals", "bool", i18n.N_("Accepting referrals"), hxl="#service+accepting",
       synonyms=("accepting referrals", "accepting", "open for referrals", "acepta referencias", "accepte orientations")),
    _S("confidential", "bool", i18n.N_("Confidential location"), hxl="#meta+confidential",
       synonyms=("confidential", "confidential location", "restricted", "confidencial", "confidentiel")),
    _S("front_door_contact", "str", i18n.N_("Front-door contact"), hxl="#contact+intake",
       synonyms=("front door contact", "front-door contact", "intake contact", "public contact", "contacto de ingreso", "contact d'accueil")),
    _S("last_verified", "date", i18n.N_("Last verified"), hxl="#date+verified",
       synonyms=("last verified", "verified", "date verified", "last updated", "updated", "ultima verificacion", "fecha de verificacion", "derniere verification")),
    _S("source", "str", i18n.N_("Source"), hxl="#meta+source",
       synonyms=("source", "data source", "fuente", "origine")),
    _S("notes", "str", i18n.N_("Notes"), hxl="#description+notes", public=False,
       synonyms=("notes", "note", "comments", "remarks", "description", "observaciones", "notas", "remarques")),
    _S("fictional", "bool", i18n.N_("Fictional sample"), hxl="#meta+fictional",
       synonyms=("fictional", "sample", "ficticio", "fictif")),
)

#: Columns added by location resolution (``geomap.directory.resolve``).
RESOLUTION_FIELDS: tuple[str, ...] = (
    "source_file",
    "source_row",
    "location_method",
    "confidence",
    "status",
    "reason",
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
LIST_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "list")
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
_BY_NAME = {f.name: f for f in FIELDS}


def field_by_name(name: str) -> Field:
    """Return the :class:`Field` called ``name``.

    Raises
    ------
    KeyError
        If ``name`` is not a directory field; the message lists the valid names.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        msg = f"{name!r} is not a directory field; valid fields: {', '.join(FIELD_NAMES)}"
        raise KeyError(msg) from None


def _norm(text: Any) -> str:
    """Lower-case, strip accents, collapse punctuation and white space."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower().strip()
    s = re.sub(r"[_\-./]+", " ", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip()


def normalise_header(header: Any) -> str:
    """Normalise a column header for synonym lookup (accents, case, separators)."""
    return _norm(header)


def header_synonyms(fields: tuple[Field, ...] | list[Field]) -> dict[str, str]:
    """``{normalised header spelling: field name}`` for a record definition's fields.

    Used for the provider record here and for the project record in :mod:`geomap.projects`.
    """
    out: dict[str, str] = {}
    for f in fields:
        out[_norm(f.name)] = f.name
        out[_norm(f.label)] = f.name
        for syn in f.synonyms:
            out.setdefault(_norm(syn), f.name)
    return out


#: normalised header spelling -> canonical field name
HEADER_SYNONYMS: dict[str, str] = header_synonyms(FIELDS)


def map_headers(headers: list[str], *, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Map input headers to canonical field names.

    Parameters
    ----------
    headers
        Column headers as they appear in the input file.
    overrides
        Explicit ``{input header: field name}`` choices (from the mapping widget or a saved
        mapping); they win over the synonyms. A value of ``""`` ignores that column.

    Returns
    -------
    dict
        ``{input header: field name}`` for every header that maps to a field. Each field is
        taken by at most one header (the first, in input order); unmapped headers are absent.
    """
    overrides = overrides or {}
    for target in overrides.values():
        if target and target not in _BY_NAME:
            msg = f"mapping target {target!r} is not a directory field; valid fields: {', '.join(FIELD_NAMES)}"
            raise ValueError(msg)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        if h in overrides:
            if overrides[h] and overrides[h] not in taken:
                out[h] = overrides[h]
                taken.add(overrides[h])
    for h in headers:
        if h in overrides:
            continue
        target = HEADER_SYNONYMS.get(_norm(h))
        if target and target not in taken:
            out[h] = target
            taken.add(target)
    return out


def is_missing(value: Any) -> bool:
    """Whether a cell is empty: ``None``, NaN/NA, or blank text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        if pd.isna(value) is True:
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and not value.strip()


def parse_list(value: Any) -> list[str]:
    """Split a list cell (``;``, ``,``, ``|`` or new line separated) into trimmed items."""
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value if not is_missing(v)]
        return [i for i in items if i]
    if is_missing(value):
        return []
    parts = re.split(r"[;,|\n]+", str(value))
    return [p.strip() for p in parts if p.strip()]


def format_list(items: Any) -> str:
    """Join a list field for a flat file."""
    return LIST_SEPARATOR.join(parse_list(items))


def vocab_lookup(vocab: dict[str, dict[str, str]], synonyms: dict[str, str]) -> dict[str, str]:
    """``{normalised spelling: code}`` for a controlled list: codes, every label, synonyms."""
    lookup: dict[str, str] = {}
    for code, labels in vocab.items():
        lookup[_norm(code)] = code
        for lab in labels.values():
            lookup[_norm(lab)] = code
    for syn, code in synonyms.items():
        lookup[_norm(syn)] = code
    return lookup


def _parse_vocab(value: Any, lookup: dict[str, str]) -> tuple[list[str], list[str]]:
    known: list[str] = []
    unknown: list[str] = []
    for item in parse_list(value):
        code = lookup.get(_norm(item))
        if code is None:
            unknown.append(item)
        elif code not in known:
            known.append(code)
    return known, unknown


def parse_service_types(value: Any) -> tuple[list[str], list[str]]:
    """Parse a service-type cell into taxonomy codes.

    Returns
    -------
    tuple of list
        ``(codes, unknown)``: the recognised :data:`SERVICE_TYPES` codes in input order, and
        the items that match no code or synonym (so the caller can flag them).
    """
    return _parse_vocab(value, _SERVICE_LOOKUP)


def parse_populations(value: Any) -> tuple[list[str], list[str]]:
    """Parse a populations-served cell into :data:`POPULATIONS` codes; see :func:`parse_service_types`."""
    return _parse_vocab(value, _POPULATION_LOOKUP)


def parse_codes(values: pd.Series, *, vocabulary: str = "service") -> pd.Series:
    """Parse a whole service-type or populations column: each distinct cell is parsed once.

    Parameters
    ----------
    values
        The column's cells (text or lists).
    vocabulary
        ``"service"`` (:func:`parse_service_types`) or ``"population"`` (:func:`parse_populations`).

    Returns
    -------
    pandas.Series
        The recognised codes of each cell (a list), same index as ``values``. Cells with equal
        values share one list: do not modify them.

    Raises
    ------
    ValueError
        If ``vocabulary`` is neither ``"service"`` nor ``"population"``.
    """
    parsers = {"service": parse_service_types, "population": parse_populations}
    if vocabulary not in parsers:
        msg = f"unknown vocabulary {vocabulary!r}; expected 'service' or 'population'"
        raise ValueError(msg)
    parser = parsers[vocabulary]
    known = SERVICE_TYPES if vocabulary == "service" else POPULATIONS
    memo: dict[Any, list[str]] = {}

    def one(v: Any) -> list[str]:
        key = tuple(v) if isinstance(v, (list, tuple)) else v
        try:
            hit = memo.get(key)
        except TypeError:  # an unhashable cell (e.g. an array): parse it directly
            return parser(v)[0]
        if hit is None:
            if isinstance(key, tuple) and all(isinstance(c, str) and c in known for c in key):
                # Already codes (a resolved directory): nothing to parse.
                hit = memo[key] = list(dict.fromkeys(key))
            else:
                hit = memo[key] = parser(v)[0]
        return hit

    return values.map(one) if len(values) else pd.Series([], index=values.index, dtype=object)


_SERVICE_LOOKUP = vocab_lookup(SERVICE_TYPES, SERVICE_SYNONYMS)
_POPULATION_LOOKUP = vocab_lookup(POPULATIONS, POPULATION_SYNONYMS)

_TRUE = {"1", "true", "t", "yes", "y", "si", "oui", "x", "vrai", "verdadero"}
_FALSE = {"0", "false", "f", "no", "n", "non", "faux", "falso"}


def parse_bool(value: Any) -> bool | None:
    """Parse a yes/no cell (English/Spanish/French spellings); ``None`` when blank or unknown."""
    if isinstance(value, bool):
        return value
    if is_missing(value):
        return None
    s = _norm(value)
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


def parse_date(value: Any) -> date | None:
    """Parse a date cell (ISO, day-first, Excel datetime); ``None`` when blank or unreadable."""
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    try:
        ts = pd.to_datetime(s, errors="raise")
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(ts) else ts.date()


def label(code: str, *, vocabulary: str = "service", lang: str | None = None) -> str:
    """Human label for a service-type or population code in ``lang`` (en, es, fr, ar).

    ``lang=None`` (the default) uses the language of the current call or session
    (:func:`geomap.i18n.current`); machine formats pass ``lang="en"``.
    """
    vocab = SERVICE_TYPES if vocabulary == "service" else POPULATIONS
    labels = vocab.get(code)
    if labels is None:
        return code
    return labels.get(lang or i18n.current().lang) or labels["en"]


def empty_directory() -> pd.DataFrame:
    """An empty directory table with every field and resolution column."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in FIELD_NAMES + RESOLUTION_FIELDS})
