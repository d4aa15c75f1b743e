"""The Open Referral HSDS 3.0 tables: names, files, columns in the specification's order.

One source of truth for geomap's HSDS writer and reader. The tables and columns are those of
the specification's tabular data package (``datapackage.json`` of HSDS 3.0.0,
https://docs.openreferral.org), written here compactly: each table is a file name and its
columns in order, where

- ``name*`` is a required column, ``name!`` a unique one;
- ``name:type`` gives a type other than string (``number``, ``date``, ``datetime``, ``time``)
  or a string format (``email``, ``uri``);
- ``id`` and every ``…_id`` column are UUID strings (except ``tax_id``); a ``<table>_id``
  column whose prefix names a table is a foreign key to that table's ``id``.

:func:`descriptor` expands this into a Frictionless tabular data package descriptor, which the
writer ships as ``datapackage.json``.

geomap's own vocabulary travels in two taxonomies: service categories (attributes linking a
service to a category term) and record fields (attributes linking a ``service_at_location``
row to a field term, with the field's text in ``value``) for the geomap fields HSDS has no
column for. Both are ordinary HSDS taxonomies, so the package stays valid HSDS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

__all__ = [
    "VERSION",
    "TABLES",
    "Column",
    "Table",
    "CATEGORY_TAXONOMY_ID",
    "FIELD_TAXONOMY_ID",
    "stable_id",
    "is_uuid",
    "descriptor",
]

VERSION = "3.0.0"

_NAMESPACE = uuid.UUID("6f1b8c1e-3a53-5b8e-9a53-7f0a4e0c2d11")

_SPEC: dict[str, tuple[str, str]] = {
    "organization": ("organizations.csv", "id* name* alternate_name description* email:email website:uri tax_status tax_id year_incorporated:number legal_status logo uri:uri parent_organization_id"),
    "program": ("programs.csv", "id* organization_id*! name* alternate_name description*"),
    "service": ("services.csv", "id* organization_id* program_id name* alternate_name description url:uri email:email status* interpretation_services application_process fees_description wait_time fees accreditations eligibility_description minimum_age:number maximum_age:number assured_date:date assurer_email:email licenses alert last_modified:datetime"),
    "attribute": ("attributes.csv", "id* link_id* taxonomy_term_id* link_type link_entity* value"),
    "service_at_location": ("service_at_location.csv", "id* service_id* location_id* description"),
    "location": ("locations.csv", "id* location_type* url:uri organization_id name alternate_name description transportation latitude:number longitude:number external_identifier external_identifier_type"),
    "phone": ("phones.csv", "id* location_id service_id organization_id contact_id service_at_location_id number* extension:number type description"),
    "contact": ("contacts.csv", "id* organization_id service_id service_at_location_id location_id name title department email:email"),
    "address": ("addresses.csv", "id* location_id attention address_1* address_2 city* region state_province* postal_code* country* address_type*"),
    "schedule": ("schedules.csv", "id* service_id location_id service_at_location_id valid_from:date valid_to:date dtstart:date timezone:number until:date count:number wkst freq interval:number byday byweekno bymonthday byyearday description opens_at:time closes_at:time schedule_link:uri attending_type notes"),
    "funding": ("funding.csv", "id* organization_id service_id source"),
    "service_area": ("service_areas.csv", "id* service_id name description extent extent_type uri"),
    "required_document": ("required_documents.csv", "id* service_id document uri:uri"),
    "language": ("languages.csv", "id* service_id location_id phone_id name code note"),
    "accessibility": ("accessibility.csv", "id* location_id description details url:uri"),
    "taxonomy_term": ("taxonomy_terms.csv", "id* code! name* description* parent_id taxonomy language taxonomy_id term_uri:uri"),
    "metadata": ("metadata.csv", "id* resource_id* resource_type* last_action_date:date* last_action_type* field_name* previous_value* replacement_value* updated_by*"),
    "meta_table_description": ("meta_table_descriptions.csv", "id* name language character_set"),
    "cost_option": ("cost_options.csv", "id* service_id* valid_from:date valid_to:date option currency amount:number amount_description"),
    "organization_identifier": ("organization_identifiers.csv", "id* organization_id* identifier_scheme identifier_type* identifier*"),
    "taxonomy": ("taxonomies.csv", "id* name* description* uri:uri version"),
}

_ENUMS: dict[tuple[str, str], list[str]] = {
    ("service", "status"): ["active", "inactive", "defunct", "temporarily closed"],
    ("location", "location_type"): ["physical", "postal", "virtual"],
    ("address", "address_type"): ["physical", "postal", "virtual"],
    ("schedule", "wkst"): ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    ("schedule", "freq"): ["WEEKLY", "MONTHLY"],
}
_TYPES = frozenset({"number", "date", "datetime", "time"})
_NOT_UUID = frozenset({"tax_id"})


@dataclass(frozen=True)
class Column:
    """One column of an HSDS table."""

    name: str
    type: str = "string"
    format: str | None = None
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    reference: str | None = None  # the table a foreign key points to


@dataclass(frozen=True)
class Table:
    """One HSDS table: resource name, file name and columns in the specification's order."""

    name: str
    path: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _column(table: str, token: str) -> Column:
    required, unique = "*" in token, "!" in token
    name, _, kind = token.replace("*", "").replace("!", "").partition(":")
    is_id = name == "id" or (name.endswith("_id") and name not in _NOT_UUID)
    return Column(
        name=name,
        type=kind if kind in _TYPES else "string",
        format=kind if kind and kind not in _TYPES else ("uuid" if is_id else None),
        required=required,
        unique=unique or name == "id",
        enum=tuple(_ENUMS.get((table, name), ())),
        reference=name[:-3] if name.endswith("_id") and name[:-3] in _SPEC else None,
    )


#: The 21 tables of HSDS 3.0, by resource name, in the specification's order.
TABLES: dict[str, Table] = {
    name: Table(name, path, tuple(_column(name, t) for t in spec.split())) for name, (path, spec) in _SPEC.items()
}


def stable_id(*parts: Any) -> str:
    """A UUID (version 5) derived from ``parts``: the same record id gives the same UUID."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def is_uuid(text: Any) -> bool:
    """Whether ``text`` is a UUID written in its canonical form."""
    try:
        return str(uuid.UUID(str(text))) == str(text).lower()
    except ValueError:
        return False


#: The taxonomy of geomap's service categories (category terms linked to services).
CATEGORY_TAXONOMY_ID = stable_id("taxonomy", "geomap service categories")
#: The taxonomy of geomap record fields HSDS has no column for (values in ``attributes.value``).
FIELD_TAXONOMY_ID = stable_id("taxonomy", "geomap record fields")


def _field_descriptor(table: str, col: Column) -> dict[str, Any]:
    out: dict[str, Any] = {"name": col.name, "type": col.type}
    if col.format:
        out["format"] = col.format
    constraints: dict[str, Any] = {"required": col.required, "unique": col.unique}
    if col.enum:
        constraints["enum"] = list(col.enum)
    out["constraints"] = constraints
    return out


def descriptor(*, notice: str | None = None) -> dict[str, Any]:
    """The Frictionless tabular data package descriptor of an HSDS 3.0 package (every table).

    Parameters
    ----------
    notice
        Text put first in the package description and as a ``notice`` member (e.g. the CLI's
        full-export warning).
    """
    resources = []
    for table in TABLES.values():
        schema: dict[str, Any] = {
            "fields": [_field_descriptor(table.name, c) for c in table.columns],
            "primaryKey": "id",
        }
        fks = [{"fields": c.name, "reference": {"resource": c.reference, "fields": "id"}} for c in table.columns if c.reference]
        if fks:
            schema["foreignKeys"] = fks
        resources.append(
            {"name": table.name, "path": table.path, "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8", "schema": schema}
        )
    desc: dict[str, Any] = {
        "name": "geomap_directory",
        "title": "Provider directory exported by geomap",
        "profile": "tabular-data-package",
        "version": VERSION,
        "description": (
            "Open Referral HSDS 3.0 tables. geomap fields HSDS has no column for are attributes "
            "of each service_at_location row under the taxonomy 'geomap record fields'."
        ),
        "resources": resources,
    }
    if notice and str(notice).strip():
        desc["notice"] = str(notice).strip()
        desc["description"] = f"{desc['notice']} {desc['description']}"
    return desc
