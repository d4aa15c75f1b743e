"""The one gate between the full directory and anything a user sees: the public view.

Everything that shows or exports *individual records* — map markers, popups, tooltips, tables,
CSV/GeoJSON/GeoPackage/HSDS/HXL exports, reports, referral sheets, share URLs, log lines —
takes them from :func:`public_view` unless the session holds the ``partner`` or ``editor`` role.
Aggregates per unit (counts, shares, capacity totals) may be computed on the full directory.

For a confidential record the public view keeps only what cannot pin the site down: the admin-1
unit, service types, populations served, languages, hours, capacity, referral method, the
front-door contact (a hotline or intake office named on the record) and the verification date.
Every field marked ``public=False`` in :mod:`geomap.directory.schema` is blanked, the geometry is
removed, and free-text resolution notes (which may quote coordinates) are replaced. A
confidential record in a unit holding fewer than ``k`` confidential records also loses its unit
(generalised to the country): the disclosure rule of :mod:`geomap.directory.disclosure`, so that
a public export does not say "a shelter exists in this state" either.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.directory import disclosure, schema
from geomap.i18n import N_, Message, _, number

__all__ = [
    "ROLES",
    "PUBLIC",
    "PARTNER",
    "EDITOR",
    "CONFIDENTIAL_REASON",
    "can_see_confidential",
    "is_confidential",
    "public_view",
    "unit_withheld",
    "view_for_role",
    "distance_band",
]

PUBLIC = "public"
PARTNER = "partner"
EDITOR = "editor"
#: Roles in increasing order of access.
ROLES: tuple[str, ...] = (PUBLIC, PARTNER, EDITOR)

#: Replaces the resolution note of a confidential record in the public view.
CONFIDENTIAL_REASON = Message(N_("confidential location: details withheld in the public view"))

#: Distance bands (km) used instead of exact distances to confidential sites in the public view.
DISTANCE_BANDS_KM: tuple[float, ...] = (10.0, 25.0, 50.0, 100.0, 250.0)

#: Columns a confidential record keeps in the public view (an allow-list: any other column,
#: including ones future modules add, is blanked).
_PUBLIC_COLUMNS: frozenset[str] = frozenset(
    # ``stale`` (not verified lately) is derived from the public last_verified date: every
    # record, confidential ones included, keeps it so staff know to check before referring.
    [f.name for f in schema.FIELDS if f.public] + list(schema.RESOLUTION_FIELDS) + ["display_name", "confidential", "stale"]
)


def can_see_confidential(role: str) -> bool:
    """Whether ``role`` may see confidential records in full.

    Raises
    ------
    ValueError
        If ``role`` is not one of :data:`ROLES`.
    """
    if role not in ROLES:
        msg = f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
        raise ValueError(msg)
    return role in (PARTNER, EDITOR)


def _offers_shelter(directory: pd.DataFrame) -> pd.Series:
    """Whether each record lists the shelter service (each distinct cell parsed once)."""
    if "service_types" not in directory.columns:
        return pd.Series(False, index=directory.index)
    return schema.parse_codes(directory["service_types"]).map(lambda codes: "shelter" in codes).astype(bool)


def is_confidential(directory: pd.DataFrame) -> pd.Series:
    """Boolean Series: which records are confidential (a blank or unreadable flag counts as *not*).

    Fails safe: a shelter with no explicit ``false`` is confidential (shelters are confidential
    unless said otherwise), and so is any record whose flag is written but cannot be read
    (e.g. ``"maybe"``). A blank flag on a non-shelter counts as not confidential.
    """
    if "confidential" not in directory.columns:
        flags = pd.Series([None] * len(directory), index=directory.index, dtype=object)
    else:
        flags = directory["confidential"].map(schema.parse_bool)
    shelter = _offers_shelter(directory)
    if "confidential" in directory.columns:
        raw = directory["confidential"]
        unreadable = flags.isna() & raw.map(lambda v: isinstance(v, str) and bool(v.strip()))
    else:
        unreadable = pd.Series(False, index=directory.index)
    # fail safe: a shelter without a flag, or any record whose flag cannot be read, is confidential
    out = flags.map(lambda f: f is True) | (flags.isna() & shelter) | unreadable
    return out.astype(bool)


def _text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())


def _display_names(directory: pd.DataFrame, confidential: pd.Series) -> pd.Series:
    """Names to show: the record's name, or "Confidential shelter — contact via …"."""
    n = len(directory)
    names = _text(directory["name"]) if "name" in directory.columns else pd.Series([""] * n, index=directory.index)
    if not confidential.any():
        return names
    shelter = _offers_shelter(directory)
    kind = np.where(shelter, "shelter", "provider")
    contact = _text(directory["front_door_contact"]) if "front_door_contact" in directory.columns else pd.Series([""] * n, index=directory.index)
    via = np.where(contact != "", " — contact via " + contact, " — contact via the national hotline")
    hidden = pd.Series("Confidential " + pd.Series(kind, index=directory.index) + pd.Series(via, index=directory.index), index=directory.index)
    return names.where(~confidential, _told_apart(directory, hidden.where(confidential, ""), confidential))


def _told_apart(directory: pd.DataFrame, hidden: pd.Series, confidential: pd.Series) -> pd.Series:
    """Confidential names end with the record's public reference (its id, else its row).

    Sites behind one front-door contact would otherwise read the same. Every confidential
    record gets it, so a site reads the same in every view and search (not only where a
    namesake happens to be listed). The id is a public field (it never says where a site is),
    and the front door knows its own records by it.
    """
    ids = _text(directory["id"]) if "id" in directory.columns else pd.Series("", index=directory.index)
    rows = _text(directory["source_row"]) if "source_row" in directory.columns else pd.Series("", index=directory.index)
    ref = ids.where(ids != "", ("row " + rows).where(rows != "", ""))
    return hidden.where(~confidential | (ref == ""), hidden + " — ref. " + ref)


def unit_withheld(directory: pd.DataFrame, *, k: int | None = None, confidential: pd.Series | None = None) -> np.ndarray:
    """Confidential records whose unit the public may not learn (the disclosure rule).

    A confidential record placed in a unit holding fewer than ``k`` confidential records of
    ``directory``, or not placed at all: :func:`public_view` generalises its unit to the
    country, and public searches (referral) do not offer it. Pass the FULL directory (a subset
    holds fewer records per unit, so it withholds more, never less).

    Returns
    -------
    numpy.ndarray
        Boolean, in ``directory``'s row order.
    """
    conf = is_confidential(directory) if confidential is None else confidential
    if "admin1_code" not in directory.columns:
        return conf.to_numpy(dtype=bool)
    placed = (
        directory["status"].astype(object).eq(schema.STATUS_PLACED).to_numpy(dtype=bool, na_value=False)
        if "status" in directory.columns
        else np.ones(len(directory), dtype=bool)
    )
    unit = np.array(
        [None if (schema.is_missing(u) or not p) else str(u) for u, p in zip(directory["admin1_code"].tolist(), placed)], dtype=object
    )
    return disclosure.withheld(unit, conf.to_numpy(dtype=bool), k=k)


def _generalise_units(out: gpd.GeoDataFrame, conf: pd.Series, *, k: int | None) -> None:
    """Blank the unit of confidential records in units with fewer than ``k`` of them (in place)."""
    if "admin1_code" not in out.columns:
        return
    gone = unit_withheld(out, k=k, confidential=conf)
    if not gone.any():
        return
    for col in ("admin1_code", "admin1_name"):
        if col in out.columns:
            out[col] = out[col].astype(object)
            out.loc[gone, col] = None
    notes = (CONFIDENTIAL_REASON, disclosure.generalised_reason(k))
    if "reason" in out.columns:
        out.loc[gone, "reason"] = "; ".join(notes)
    _set_notes(out, gone, notes)


def _set_notes(out: pd.DataFrame, rows: object, notes: tuple) -> None:
    """Give ``rows`` the notes ``notes`` (the English of their ``reason``), in place."""
    if schema.REASON_NOTES in out.columns:
        column = out[schema.REASON_NOTES].to_numpy(dtype=object).copy()
        for i in np.flatnonzero(np.asarray(rows, dtype=bool)):
            column[i] = notes
        out[schema.REASON_NOTES] = column


def public_view(directory: pd.DataFrame, *, k: int | None = None) -> gpd.GeoDataFrame:
    """Return the public view of a directory: confidential records stripped of location detail.

    Parameters
    ----------
    directory
        A resolved directory (see :func:`geomap.directory.resolve.resolve_directory`) or any
        table with the schema's columns. It is not modified.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, plus ``display_name``. For confidential records: geometry is
        empty, ``reason`` holds :data:`CONFIDENTIAL_REASON`, and every column outside an
        allow-list (the schema's ``public=True`` fields, the resolution columns,
        ``display_name`` and ``confidential``) is blank — so a column a future module adds is
        hidden until someone decides it is safe. A confidential record placed in a unit with
        fewer than ``k`` confidential records (or not placed) also has no ``admin1_code`` and
        ``admin1_name`` (generalised to the country; its ``reason`` says so).
        ``attrs["view"] == "public"``, ``attrs["disclosure_k"]`` is ``k``.

    Other Parameters
    ----------------
    k
        Disclosure threshold (default: :attr:`geomap.settings.Settings.disclosure_k`).
    """
    k = disclosure.disclosure_k(k)
    out = directory.copy()
    if not isinstance(out, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries([None] * len(out), index=out.index), crs="EPSG:4326")
    elif out.geometry.name not in out.columns:
        out = out.set_geometry(gpd.GeoSeries([None] * len(out), index=out.index, crs="EPSG:4326"))
    conf = is_confidential(out)
    out["confidential"] = conf
    out["display_name"] = _display_names(out, conf)
    if conf.any():
        geom_col = out.geometry.name
        out.loc[conf, geom_col] = None
        for col in out.columns:
            if col != geom_col and col not in _PUBLIC_COLUMNS:
                out[col] = out[col].astype(object)
                out.loc[conf, col] = None
        if "reason" in out.columns:
            out["reason"] = out["reason"].astype(object)
            out.loc[conf, "reason"] = CONFIDENTIAL_REASON
        _set_notes(out, conf, (CONFIDENTIAL_REASON,))
        _generalise_units(out, conf, k=k)
    out.attrs = {**directory.attrs, "view": PUBLIC, "disclosure_k": k}
    return out


def view_for_role(directory: pd.DataFrame, role: str) -> gpd.GeoDataFrame:
    """The view a session with ``role`` may see: full for partners and editors, else public."""
    if can_see_confidential(role):
        out = directory.copy()
        if not isinstance(out, gpd.GeoDataFrame):
            out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries([None] * len(out), index=out.index), crs="EPSG:4326")
        conf = is_confidential(out)
        out["confidential"] = conf
        names = _text(out["name"]) if "name" in out.columns else pd.Series([""] * len(out), index=out.index)
        out["display_name"] = names.where(~conf, names + " (confidential)")
        out.attrs = {**directory.attrs, "view": "full"}
        return out
    return public_view(directory)


def distance_band(km: float) -> str:
    """A coarse distance band for the public view of a confidential site (e.g. ``"< 50 km"``)."""
    if km is None or not np.isfinite(km):
        return _("unknown")
    for edge in DISTANCE_BANDS_KM:
        if km < edge:
            return f"< {number(edge)} km"
    return f"> {number(DISTANCE_BANDS_KM[-1])} km"
