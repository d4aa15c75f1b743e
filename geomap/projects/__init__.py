"""The project (activity) record: the single source of truth for donor-footprint data.

A project table is 3W-shaped ("who does what where"): one row per project and country, naming
the implementing partner, the funder, a program category from :data:`PROGRAM_CATEGORIES`, an
activity type from :data:`ACTIVITY_TYPES`, the admin-1 unit(s) it covers (one, several, or the
whole country), dates, budget, people reached and status.

The package mirrors :mod:`geomap.directory`: :mod:`~geomap.projects.schema` (fields,
vocabularies, parsers), :mod:`~geomap.projects.readers` (files into raw fields) and
:mod:`~geomap.projects.resolve` (rows to units, every problem listed).

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

from geomap.projects.readers import read_projects
from geomap.projects.resolve import load_projects, project_issues, project_row_accounting, resolve_projects
from geomap.projects.schema import (
    ACTIVITY_TYPES,
    ILLUSTRATIVE_NOTICE,
    PROGRAM_CATEGORIES,
    PROJECT_FIELD_NAMES,
    PROJECT_FIELDS,
    PROJECT_RESOLUTION_FIELDS,
    PROJECT_STATUSES,
    REACH_BREAKDOWN,
    SAMPLE_PROJECTS,
    STATUS_ELSEWHERE,
    WHOLE_COUNTRY_VALUES,
    empty_projects,
    map_project_headers,
    parse_activity_type,
    parse_amount,
    parse_category,
    parse_project_status,
    project_label,
    split_units,
)

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
