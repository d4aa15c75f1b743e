"""Resolve project rows to admin-1 units, with every problem listed by file, row and field.

Multi-unit cells are split and whole-country values expanded here; each remaining item goes
through :func:`geomap.directory.resolve.resolve_admin`, the one code/name resolver shared with
provider directories. :func:`resolve_projects` runs the named steps below in order.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from geomap import boundaries
from geomap.directory import schema
from geomap.directory.resolve import resolve_admin
from geomap.i18n import N_, Message, in_turn
from geomap.projects.readers import read_projects
from geomap.projects.schema import (
    _CODE_LIKE,
    ACTIVITY_TYPES,
    PROGRAM_CATEGORIES,
    PROJECT_FIELD_NAMES,
    PROJECT_RESOLUTION_FIELDS,
    PROJECT_STATUSES,
    REACH_BREAKDOWN,
    STATUS_ELSEWHERE,
    WHOLE_COUNTRY_VALUES,
    parse_activity_type,
    parse_amount,
    parse_category,
    parse_project_status,
    split_units,
)

__all__ = ["load_projects", "project_issues", "project_row_accounting", "resolve_projects"]

_missing = schema.is_missing
_ISSUE_COLUMNS = ["source_file", "source_row", "field", "value", "reason", "status"]
_BLANK_NAME = Message(N_("project name is blank"))
_NO_UNIT_GIVEN = Message(N_("no admin-1 unit given; name the unit(s), or 'national' for the whole country"))
_NONE_RESOLVED = Message(N_("no admin-1 unit resolved"))


class _Issues:
    """Problems per row: ``[field, value, reason]`` lists, in the order found.

    Each reason is a :class:`geomap.i18n.Message`: its English text, said in the reader's
    language where it is shown (:func:`geomap.i18n.render`).
    """

    def __init__(self, n: int) -> None:
        self.rows: list[list[list[Any]]] = [[] for _ in range(n)]

    def note(self, i: int, fld: str, value: Any, reason: Message) -> None:
        self.rows[i].append([fld, "" if _missing(value) else str(value), reason])


def _quote(value: Any) -> str:
    """A cell's text quoted as the user typed it (``'Jaliscx'``), never translated."""
    return repr(str(value))


def _country_keys(units: pd.DataFrame, country: str) -> set[str]:
    """Normalised spellings of ``country`` (ISO3, ISO2, names) that are not also a unit's name."""
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
    for col in ("code", "name", "name_en", "name_es", "name_fr", "name_ar"):
        if col in units.columns:
            keys.difference_update(schema.normalise_header(v) for v in units[col].dropna())
    if "code" in units.columns:  # bare unit codes too: "MEX" is the State of México's MX-MEX
        keys.difference_update(schema.normalise_header(re.split(r"[-.]", str(v))[-1]) for v in units["code"].dropna())
    keys.discard("")
    return keys


def _resolve_country_cell(text: str) -> str | None:
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
    df = _with_every_field(raw)
    issues = _Issues(len(df))
    keys = _country_keys(units, country)
    df["country_iso3"] = _row_countries(df, country, keys, issues)
    _type_vocabularies(df, issues)
    _type_dates(df, issues)
    _type_budgets(df, issues)
    _type_counts(df, issues)
    df["fictional"] = pd.Series([schema.parse_bool(v) for v in df["fictional"].tolist()], dtype=object)
    for i, v in enumerate(df["project"].tolist()):
        if _missing(v):
            issues.note(i, "project", v, _BLANK_NAME)
    whole, items = _unit_items(df, country, keys, issues)
    unit_codes, methods, confs = _resolved_units(items, units, len(df), country, issues)
    all_codes = units["code"].astype(str).tolist()
    for i in np.flatnonzero(whole):
        unit_codes[i], methods[i], confs[i] = list(all_codes), ["whole_country"], [1.0]
    status, reasons = _statuses(df, country, unit_codes, issues)
    name_of = dict(zip(all_codes, units["name"].astype(str).tolist()))
    df["unit_codes"] = pd.Series(unit_codes, dtype=object)
    df["unit_names"] = pd.Series([[name_of[c] for c in cs] for cs in unit_codes], dtype=object)
    df["whole_country"] = pd.Series(whole, dtype=bool)
    df["location_method"] = pd.Series(["; ".join(m) for m in methods], dtype=object)
    df["confidence"] = pd.Series([min(c) if c else np.nan for c in confs], dtype=float)
    df["status"] = pd.Series(status, dtype=object)
    df["reason"] = pd.Series(reasons, dtype=object)
    out = df[list(PROJECT_FIELD_NAMES) + list(PROJECT_RESOLUTION_FIELDS)].copy()
    out.attrs = {**raw.attrs, "country": country, "issues": _issue_table(df, issues, status)}
    return out


def _with_every_field(raw: pd.DataFrame) -> pd.DataFrame:
    """Step 1: a copy with every project field, ``source_file`` and ``source_row``."""
    df = raw.copy()
    for name in PROJECT_FIELD_NAMES:
        if name not in df.columns:
            df[name] = None
    if "source_file" not in df.columns:
        df["source_file"] = raw.attrs.get("source_file", "")
    if "source_row" not in df.columns:
        df["source_row"] = np.arange(2, 2 + len(df))
    return df.reset_index(drop=True)


def _row_countries(df: pd.DataFrame, country: str, keys: set[str], issues: _Issues) -> pd.Series:
    """Step 2: each row's country (ISO3; ``None`` when the cell names no country)."""
    iso3 = []
    for i, v in enumerate(df["country"].tolist()):
        if _missing(v) or schema.normalise_header(v) in keys:
            iso3.append(country)
            continue
        other = _resolve_country_cell(str(v))
        if other:
            iso3.append(other)
        else:
            iso3.append(None)
            issues.note(i, "country", v, Message(N_("unknown country {value}; use an ISO 3166-1 code such as {country}"),
                                                  value=_quote(v), country=country))
    return pd.Series(iso3, dtype=object)


def _type_vocabularies(df: pd.DataFrame, issues: _Issues) -> None:
    """Step 3: category, activity type and status as codes of their controlled lists."""
    for fld, parser, vocab in (("category", parse_category, PROGRAM_CATEGORIES),
                               ("activity_type", parse_activity_type, ACTIVITY_TYPES),
                               ("project_status", parse_project_status, PROJECT_STATUSES)):
        vals = []
        for i, v in enumerate(df[fld].tolist()):
            code = parser(v)
            if code is None and not _missing(v):
                issues.note(i, fld, v, Message(N_("{field} {value} is not in the list; expected one of {items} (or their labels)"),
                                                field=fld, value=_quote(v), items=tuple(vocab)))
            vals.append(code)
        df[fld] = pd.Series(vals, dtype=object)


def _type_dates(df: pd.DataFrame, issues: _Issues) -> None:
    """Step 4: start and end dates; a bare year is the whole year (1 January / 31 December)."""
    for fld in ("start_date", "end_date"):
        vals = []
        for i, v in enumerate(df[fld].tolist()):
            if not _missing(v) and re.fullmatch(r"\s*\d{4}(\.0)?\s*", str(v)):
                year = int(float(str(v)))
                d = pd.Timestamp(year=year, month=1, day=1) if fld == "start_date" else pd.Timestamp(year=year, month=12, day=31)
            else:
                d = schema.parse_date(v)
            if d is None and not _missing(v):
                issues.note(i, fld, v, Message(N_("unreadable date {value}; use YYYY-MM-DD"), value=_quote(v)))
            vals.append(pd.NaT if d is None else pd.Timestamp(d))
        df[fld] = pd.to_datetime(pd.Series(vals, dtype="datetime64[ns]"))


def _type_budgets(df: pd.DataFrame, issues: _Issues) -> None:
    """Step 5: budget as a number, currency from its column or the budget cell."""
    budgets, currencies = [], []
    for i, (v, cur) in enumerate(zip(df["budget"].tolist(), df["currency"].tolist())):
        amount, cell_cur = parse_amount(v)
        if amount is None and not _missing(v):
            issues.note(i, "budget", v, Message(N_("unreadable budget {value}; write a number such as 150000"), value=_quote(v)))
        budgets.append(np.nan if amount is None else amount)
        c = None if _missing(cur) else str(cur).strip().upper()
        currencies.append(c or cell_cur)
    df["budget"] = pd.Series(budgets, dtype=float)
    df["currency"] = pd.Series(currencies, dtype=object)


def _type_counts(df: pd.DataFrame, issues: _Issues) -> None:
    """Step 6: people reached (filled from its breakdown when blank) and officials trained."""
    for fld in ("reached", *REACH_BREAKDOWN, "officials_trained"):
        vals = []
        for i, v in enumerate(df[fld].tolist()):
            amount, bad = _int_or_none(v)
            if bad or (amount is not None and amount < 0):
                issues.note(i, fld, v, Message(N_("{field} {value} is not a count; write a whole number"), field=fld, value=_quote(v)))
                amount = None
            vals.append(np.nan if amount is None else amount)
        df[fld] = pd.Series(vals, dtype=float)
    fill = df[list(REACH_BREAKDOWN)].sum(axis=1, min_count=1)
    df["reached"] = df["reached"].fillna(fill)


def _is_whole_country(text: str, keys: set[str]) -> bool:
    key = schema.normalise_header(text)
    return key in WHOLE_COUNTRY_VALUES or key in keys


def _unit_items(
    df: pd.DataFrame, country: str, keys: set[str], issues: _Issues
) -> tuple[list[bool], list[tuple[int, str, Any, Any]]]:
    """Step 7: split the unit cells; whole-country rows, and ``(row, field, code, name)`` items."""
    whole = [False] * len(df)
    items: list[tuple[int, str, Any, Any]] = []
    for i in range(len(df)):
        if df["country_iso3"].iat[i] != country:
            continue
        codes = split_units(df["admin1_code"].iat[i])
        names = split_units(df["admin1_name"].iat[i])
        rest_codes = [c for c in codes if not _is_whole_country(c, keys)]
        rest_names = [nm for nm in names if not _is_whole_country(nm, keys)]
        whole[i] = len(rest_codes) < len(codes) or len(rest_names) < len(names)
        if whole[i]:
            continue
        items.extend(_row_items(i, rest_codes, rest_names))
        if not codes and not names:
            issues.note(i, "admin1_name", "", _NO_UNIT_GIVEN)
    return whole, items


def _row_items(i: int, codes: list[str], names: list[str]) -> list[tuple[int, str, Any, Any]]:
    """The resolver items of one row: code/name pairs, or each code and name on its own."""
    if codes and names and len(codes) == len(names):
        return [(i, "admin1_code", c, nm) for c, nm in zip(codes, names)]
    # A code column holding a name ("Mexico", "Lagos") is tried as a code, then as a name.
    items = [(i, "admin1_code", c, None if _CODE_LIKE.match(c) else c) for c in codes]
    # A units column often mixes names and codes ("Lagos; NG-KN"): codes go as codes.
    items.extend((i, "admin1_name", nm, None) if _CODE_LIKE.match(nm) else (i, "admin1_name", None, nm) for nm in names)
    return items


def _resolved_units(
    items: list[tuple[int, str, Any, Any]], units: pd.DataFrame, n: int, country: str, issues: _Issues
) -> tuple[list[list[str]], list[list[str]], list[list[float]]]:
    """Step 8: every item through the one resolver; per row its unit codes, methods, confidences."""
    unit_codes: list[list[str]] = [[] for _ in range(n)]
    methods: list[list[str]] = [[] for _ in range(n)]
    confs: list[list[float]] = [[] for _ in range(n)]
    if not items:
        return unit_codes, methods, confs
    resolved = resolve_admin([it[2] for it in items], [it[3] for it in items], units, country=country).reset_index(drop=True)
    for k, (i, fld, code, nm) in enumerate(items):
        rec = resolved.iloc[k]
        got = rec["admin1_code"]
        if _missing(got):
            value = code if not _missing(code) else nm
            why = rec["reason"] if not _missing(rec["reason"]) else Message(N_("unit {value} not found in {country}"),
                                                                            value=_quote(value), country=country)
            issues.note(i, fld, value, why)
            continue
        if got not in unit_codes[i]:
            unit_codes[i].append(str(got))
        if not _missing(rec["method"]) and rec["method"] not in methods[i]:
            methods[i].append(str(rec["method"]))
        conf = pd.to_numeric(rec["confidence"], errors="coerce")
        if not pd.isna(conf):
            confs[i].append(float(conf))
    return unit_codes, methods, confs


def _statuses(
    df: pd.DataFrame, country: str, unit_codes: list[list[str]], issues: _Issues
) -> tuple[list[str], list[str]]:
    """Step 9: each row's status (placed / flagged / elsewhere) and its reasons joined."""
    status, reasons = [], []
    for i in range(len(df)):
        iso = df["country_iso3"].iat[i]
        if iso is not None and iso != country:
            status.append(STATUS_ELSEWHERE)
            reasons.append(Message(N_("project in {iso3}, not {country}"), iso3=iso, country=country))
            continue
        if not unit_codes[i]:
            if not any(f in ("admin1_code", "admin1_name", "country") for f, _, _ in issues.rows[i]):
                issues.note(i, "admin1_name", df["admin1_name"].iat[i], _NONE_RESOLVED)
            status.append(schema.STATUS_FLAGGED)
        else:
            status.append(schema.STATUS_PLACED)
        reasons.append(_row_reason(issues.rows[i]))
    return status, reasons


def _row_reason(problems: list[list[Any]]) -> Message | str:
    """One row's problems said together, each after its field (``"budget: unreadable …; …"``)."""
    if not problems:
        return ""
    # Translators: a problem of a project row after the field it is about (a field name such as budget).
    said = [r if r.startswith(f"{f}:") else Message(N_("{field}: {problem}"), field=f, problem=r) for f, _, r in problems]
    return in_turn(said)


def _issue_table(df: pd.DataFrame, issues: _Issues, status: list[str]) -> pd.DataFrame:
    """Step 10: every problem as a row: file, row, field, value, reason and the row's status."""
    rows = [
        [df["source_file"].iat[i], int(df["source_row"].iat[i]), fld, value, why, status[i]]
        for i in range(len(df))
        for fld, value, why in issues.rows[i]
    ]
    table = pd.DataFrame(rows, columns=_ISSUE_COLUMNS)
    # the reasons are messages: an object column keeps them (a str column would keep only their English)
    table["reason"] = pd.Series([r[4] for r in rows], dtype=object)
    return table


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
        return pd.DataFrame(columns=_ISSUE_COLUMNS)
    return table.copy()
