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
    "REASON_NOTES",
    "RESOLUTION_FIELDS",
    "SERVICE_TYPES",
    "SECTORS",
    "SECTOR_SYNONYMS",
    "CATEGORIES",
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
    "category_key",
    "check_category_mapping",
    "categories_present",
    "parse_bool",
    "parse_date",
    "is_stale",
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
    "mental health and psycho social services": "psychosocial",
    "medical care": "medical",
    "healthcare": "medical",
    "health care": "medical",
    "atencion medica": "medical",
    "atencion de salud": "medical",
    "soins medicaux": "medical",
    "soins de sante": "medical",
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

#: Humanitarian cluster / sector vocabulary (IASC clusters and areas of responsibility, as 3W
#: "who does what where" files name them): code -> English, Spanish, French labels. The
#: anti-trafficking :data:`SERVICE_TYPES` stay the core; a directory may hold both. Child
#: protection (``PRO-CPN``) is the core ``child_protection`` code.
SECTORS: dict[str, dict[str, str]] = {
    "protection": {"en": "Protection", "es": "Protección", "fr": "Protection", "ar": "الحماية"},
    "gbv": {"en": "Gender-based violence", "es": "Violencia de género", "fr": "Violences basées sur le genre", "ar": "العنف القائم على النوع الاجتماعي"},
    "housing_land_property": {
        "en": "Housing, land and property",
        "es": "Vivienda, tierra y propiedad",
        "fr": "Logement, terre et biens", "ar": "السكن والأرض والملكية",
    },
    "mine_action": {"en": "Mine action", "es": "Acción contra minas", "fr": "Action contre les mines", "ar": "الأعمال المتعلقة بالألغام"},
    "health": {"en": "Health", "es": "Salud", "fr": "Santé", "ar": "الصحة"},
    "shelter_nfi": {
        "en": "Emergency shelter and NFI",
        "es": "Alojamiento de emergencia y artículos no alimentarios",
        "fr": "Abris d'urgence et articles non alimentaires", "ar": "المأوى الطارئ والمواد غير الغذائية",
    },
    "education": {"en": "Education", "es": "Educación", "fr": "Éducation", "ar": "التعليم"},
    "wash": {
        "en": "Water, sanitation and hygiene",
        "es": "Agua, saneamiento e higiene",
        "fr": "Eau, hygiène et assainissement", "ar": "المياه والصرف الصحي والنظافة",
    },
    "food_security": {"en": "Food security", "es": "Seguridad alimentaria", "fr": "Sécurité alimentaire", "ar": "الأمن الغذائي"},
    "nutrition": {"en": "Nutrition", "es": "Nutrición", "fr": "Nutrition", "ar": "التغذية"},
    "cccm": {
        "en": "Camp coordination and camp management",
        "es": "Coordinación y gestión de campamentos",
        "fr": "Coordination et gestion des camps", "ar": "تنسيق المخيمات وإدارتها",
    },
    "early_recovery": {"en": "Early recovery", "es": "Recuperación temprana", "fr": "Relèvement précoce", "ar": "التعافي المبكر"},
    "logistics": {"en": "Logistics", "es": "Logística", "fr": "Logistique", "ar": "الخدمات اللوجستية"},
    "emergency_telecommunications": {
        "en": "Emergency telecommunications",
        "es": "Telecomunicaciones de emergencia",
        "fr": "Télécommunications d'urgence", "ar": "اتصالات الطوارئ",
    },
    "multipurpose_cash": {"en": "Multi-purpose cash", "es": "Efectivo multipropósito", "fr": "Transferts monétaires à usage multiple", "ar": "النقد متعدد الأغراض"},
    "coordination": {
        "en": "Coordination and support services",
        "es": "Coordinación y servicios de apoyo",
        "fr": "Coordination et services de soutien", "ar": "التنسيق وخدمات الدعم",
    },
    "agriculture": {"en": "Agriculture", "es": "Agricultura", "fr": "Agriculture", "ar": "الزراعة"},
}

#: HXL / HDX sector codes (``#sector+cluster+code`` values, as HDX HAPI and OCHA 3Ws write them)
#: and common 3W spellings of each sector, in English, Spanish and French.
SECTOR_SYNONYMS: dict[str, str] = {
    # protection and its areas of responsibility
    "pro": "protection", "prot": "protection", "protection cluster": "protection",
    "proteccion": "protection", "general protection": "protection", "proteccion general": "protection",
    "pro cpn": "child_protection", "cpn": "child_protection", "cp": "child_protection",
    "child protection aor": "child_protection", "proteccion de la ninez": "child_protection",
    "proteccion de ninas ninos y adolescentes": "child_protection", "protection de l'enfant": "child_protection",
    "pro gbv": "gbv", "gbv": "gbv", "sgbv": "gbv", "gender based violence": "gbv", "vbg": "gbv",
    "violencia basada en genero": "gbv", "violence basee sur le genre": "gbv", "violences basees sur le genre": "gbv",
    "gbv aor": "gbv",
    "pro hlp": "housing_land_property", "hlp": "housing_land_property",
    "pro min": "mine_action", "pro mine": "mine_action", "mine action aor": "mine_action", "humanitarian mine action": "mine_action",
    # the other clusters
    "hea": "health", "hlt": "health", "sante": "health", "health cluster": "health",
    "shl": "shelter_nfi", "snfi": "shelter_nfi", "esnfi": "shelter_nfi", "es nfi": "shelter_nfi", "nfi": "shelter_nfi",
    "shelter nfi": "shelter_nfi", "shelter and nfi": "shelter_nfi", "emergency shelter": "shelter_nfi",
    "emergency shelter and nfi": "shelter_nfi", "emergency shelter and non food items": "shelter_nfi",
    "shelter and non food items": "shelter_nfi", "alojamiento": "shelter_nfi", "abris": "shelter_nfi",
    "abris et ame": "shelter_nfi", "abris nfi": "shelter_nfi",
    "edu": "education", "eie": "education", "education in emergencies": "education", "educacion en emergencias": "education",
    "wash": "wash", "wsh": "wash", "water sanitation hygiene": "wash", "water sanitation and hygiene": "wash",
    "agua saneamiento e higiene": "wash", "ash": "wash", "eha": "wash", "eau hygiene et assainissement": "wash",
    "fsc": "food_security", "fsl": "food_security", "fsa": "food_security", "fsac": "food_security", "food": "food_security",
    "food security and livelihoods": "food_security", "food security and agriculture": "food_security",
    "seguridad alimentaria y nutricion": "food_security", "san": "food_security", "securite alimentaire et moyens d'existence": "food_security",
    "nut": "nutrition",
    "cccm": "cccm", "ccm": "cccm", "camp coordination and camp management": "cccm", "camp coordination": "cccm",
    "camp management": "cccm", "cccm cluster": "cccm", "cccm shelter": "cccm",
    "erl": "early_recovery", "ery": "early_recovery", "early recovery and livelihoods": "early_recovery",
    "recuperacion temprana y medios de vida": "early_recovery", "relevement precoce": "early_recovery",
    "log": "logistics", "logistica": "logistics", "logistique": "logistics",
    "tel": "emergency_telecommunications", "etc cluster": "emergency_telecommunications", "telecommunications": "emergency_telecommunications",
    "mpc": "multipurpose_cash", "mpca": "multipurpose_cash", "cash": "multipurpose_cash", "multipurpose cash": "multipurpose_cash",
    "multi purpose cash assistance": "multipurpose_cash", "cwg": "multipurpose_cash", "cash working group": "multipurpose_cash",
    "transferencias monetarias": "multipurpose_cash", "transferts monetaires": "multipurpose_cash",
    "coo": "coordination", "css": "coordination", "ccs": "coordination", "coordination": "coordination",
    "coordination and common services": "coordination", "coordinacion": "coordination",
    "agr": "agriculture",
}

#: Every known category: the anti-trafficking core first, then the humanitarian sectors.
CATEGORIES: dict[str, dict[str, str]] = {**SERVICE_TYPES, **SECTORS}

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

#: The column of each resolved row's notes as messages (:class:`geomap.i18n.Message`) (a tuple, in the
#: order of ``reason``, whose English text they are): shown in the reader's language at display
#: time, never written to a file (``reason`` is).
REASON_NOTES = "reason_notes"

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


_PRESENCE = re.compile(r"^operat\w* presence ")
_CATEGORY_PUNCT = re.compile(r"[,:;()\[\]\"]+")


def category_key(text: Any) -> str:
    """Normalised spelling of a category for look-ups.

    Accents, case and separators as :func:`normalise_header`; ``&`` reads as *and*; commas,
    colons and brackets are dropped; an OCHA "Operational Presence: " prefix (also misspelt,
    as in real files) and a ``_OP`` suffix are removed. ``"Operational Presence: Water,
    Sanitation & Hygiene"`` and ``"WASH_OP"`` become ``"water sanitation and hygiene"`` and
    ``"wash"``.
    """
    s = _norm(text).replace("&", " and ")
    s = _CATEGORY_PUNCT.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = _PRESENCE.sub("", s)
    s = re.sub(r" op$", "", s)
    return s.strip()


def vocab_lookup(
    vocab: dict[str, dict[str, str]], synonyms: dict[str, str], *, key: Any = None
) -> dict[str, str]:
    """``{normalised spelling: code}`` for a controlled list: codes, every label, synonyms.

    ``key`` is the normalising function (default :func:`normalise_header`).
    """
    key = key or _norm
    lookup: dict[str, str] = {}
    for code, labels in vocab.items():
        lookup[key(code)] = code
        for lab in labels.values():
            lookup[key(lab)] = code
    for syn, code in synonyms.items():
        lookup[key(syn)] = code
    return lookup


def _parse_vocab(value: Any, lookup: dict[str, str], key: Any = _norm) -> tuple[list[str], list[str]]:
    known: list[str] = []
    unknown: list[str] = []
    whole = None if isinstance(value, (list, tuple)) or is_missing(value) else lookup.get(key(value))
    items = [str(value).strip()] if whole is not None else parse_list(value)
    for item in items:
        code = lookup.get(key(item))
        if code is None:
            if item not in unknown:
                unknown.append(item)
        elif code and code not in known:  # "" = the user chose to ignore this spelling
            known.append(code)
    return known, unknown


def check_category_mapping(mapping: dict[str, str] | None, *, source: str = "category mapping") -> dict[str, str]:
    """Check a user's ``{raw category: code}`` mapping; return it as a plain dict.

    A target must be a :data:`CATEGORIES` code, or ``""`` to ignore that spelling.

    Raises
    ------
    ValueError
        Naming ``source``, the raw category and the bad target, and listing the valid codes.
    """
    out: dict[str, str] = {}
    for raw, code in (mapping or {}).items():
        target = "" if code is None else str(code).strip()
        if target and target not in CATEGORIES:
            hit = _CATEGORY_LOOKUP.get(category_key(target))
            if hit is None:
                msg = i18n.Message(
                    i18n.N_("{file}: {raw} is mapped to {target}, which is not a category code; valid codes: {codes} (or empty to ignore it)"),
                    file=source, raw=repr(raw), target=repr(target), codes=tuple(CATEGORIES),
                )
                raise ValueError(msg)
            target = hit
        out[str(raw)] = target
    return out


def _category_lookup_with(mapping: dict[str, str] | None) -> dict[str, str]:
    if not mapping:
        return _CATEGORY_LOOKUP
    lookup = dict(_CATEGORY_LOOKUP)
    for raw, code in check_category_mapping(mapping).items():
        lookup[category_key(raw)] = code
    return lookup


def parse_service_types(value: Any, *, mapping: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Parse a service-type (category) cell into :data:`CATEGORIES` codes.

    The whole cell is tried first (``"Water, Sanitation & Hygiene"`` is one sector), then each
    item of the list (``;``, ``,``, ``|`` or new line separated).

    Parameters
    ----------
    value
        The cell (text or a list).
    mapping
        The user's own ``{raw category: code}`` choices; they win over the built-in spellings.

    Returns
    -------
    tuple of list
        ``(codes, unknown)``: the recognised codes in input order, and the items that match no
        code, label or synonym, as written (the caller keeps them verbatim and reports them).
    """
    return _parse_vocab(value, _category_lookup_with(mapping), category_key)


def parse_populations(value: Any) -> tuple[list[str], list[str]]:
    """Parse a populations-served cell into :data:`POPULATIONS` codes; see :func:`parse_service_types`."""
    return _parse_vocab(value, _POPULATION_LOOKUP)


def parse_codes(
    values: pd.Series, *, vocabulary: str = "service", mapping: dict[str, str] | None = None
) -> pd.Series:
    """Parse a whole service-type or populations column: each distinct cell is parsed once.

    Parameters
    ----------
    values
        The column's cells (text or lists).
    vocabulary
        ``"service"`` (:func:`parse_service_types`) or ``"population"`` (:func:`parse_populations`).
    mapping
        For ``"service"``: the user's ``{raw category: code}`` mapping.

    Returns
    -------
    pandas.Series
        Per cell, a list: for services the recognised codes followed by unknown categories kept
        verbatim; for populations the recognised codes only. Same index as ``values``. Cells
        with equal values share one list: do not modify them.

    Raises
    ------
    ValueError
        If ``vocabulary`` is neither ``"service"`` nor ``"population"``.
    """
    if vocabulary not in ("service", "population"):
        msg = f"unknown vocabulary {vocabulary!r}; expected 'service' or 'population'"
        raise ValueError(msg)
    if vocabulary == "service":
        lookup = _category_lookup_with(mapping)

        def parser(v: Any) -> list[str]:
            known, unknown = _parse_vocab(v, lookup, category_key)
            return known + [u for u in unknown if u not in known]

        known_codes: dict[str, Any] = CATEGORIES
    else:

        def parser(v: Any) -> list[str]:
            return parse_populations(v)[0]

        known_codes = POPULATIONS
    memo: dict[Any, list[str]] = {}

    def one(v: Any) -> list[str]:
        key = tuple(v) if isinstance(v, (list, tuple)) else v
        try:
            hit = memo.get(key)
        except TypeError:  # an unhashable cell (e.g. an array): parse it directly
            return parser(v)
        if hit is None:
            if isinstance(key, tuple) and all(isinstance(c, str) and c in known_codes for c in key):
                # Already codes (a resolved directory): nothing to parse.
                hit = memo[key] = list(dict.fromkeys(key))
            else:
                hit = memo[key] = parser(v)
        return hit

    return values.map(one) if len(values) else pd.Series([], index=values.index, dtype=object)


def categories_present(values: pd.Series) -> list[str]:
    """Every category in a service-type column, known codes in :data:`CATEGORIES` order first.

    Used to offer a filter over what a directory actually holds (verbatim unknown categories
    included, after the known ones, alphabetically).
    """
    seen: set[str] = set()
    for row in parse_codes(values, vocabulary="service"):
        seen.update(row)
    known = [c for c in CATEGORIES if c in seen]
    return known + sorted(seen - set(CATEGORIES), key=str.casefold)


_CATEGORY_LOOKUP = vocab_lookup(CATEGORIES, {**SERVICE_SYNONYMS, **SECTOR_SYNONYMS}, key=category_key)
_SERVICE_LOOKUP = _CATEGORY_LOOKUP
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


def is_stale(value: Any, *, today: date | None = None, after_days: int | None = None) -> bool:
    """Whether a record last verified on ``value`` is stale (never verified counts as stale).

    Parameters
    ----------
    value
        A ``last_verified`` cell (any format :func:`parse_date` reads).
    today
        Reference date (default: today).
    after_days
        Days after which a record is stale (default: ``settings.stale_after_days``).
    """
    if after_days is None:
        from geomap.settings import get_settings

        after_days = get_settings().stale_after_days
    verified = parse_date(value)
    return verified is None or ((today or date.today()) - verified).days > after_days


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
    """Human label for a category (service type or sector) or population code in ``lang`` (en, es, fr, ar).

    A category that is not in the vocabulary (kept verbatim from a file) is its own label.

    ``lang=None`` (the default) uses the language of the current call or session
    (:func:`geomap.i18n.current`); machine formats pass ``lang="en"``.
    """
    vocab = CATEGORIES if vocabulary == "service" else POPULATIONS
    labels = vocab.get(code)
    if labels is None:
        return code
    return labels.get(lang or i18n.current().lang) or labels["en"]


def empty_directory() -> pd.DataFrame:
    """An empty directory table with every field and resolution column."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in FIELD_NAMES + RESOLUTION_FIELDS})
