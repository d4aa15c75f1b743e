"""The referral finder: the nearest suitable providers from a starting point.

A caseworker sets a starting point (a map click, a town, an admin-1 unit or their own
organisation), chooses the needs (service types, populations, language, 24-hour, accepting
referrals) and gets the nearest matching providers ranked by geodesic distance (WGS84,
:class:`pyproj.Geod`, vectorised).

The flow is the same in the app and on the command line::

    start = resolve_start(query, country=..., units=..., directory=..., role=...)
    results = relax_filters(directory, start, services=..., ..., role=role)  # exact, internal
    shown = publish_referrals(results, role=role)                            # the only output

Confidentiality
---------------
:func:`find_referrals` runs on the FULL directory and returns exact ``distance_km`` for every
row: its result is internal and never shown. :func:`publish_referrals` is the gate: it takes the
records through :func:`geomap.directory.privacy.view_for_role` (no second redaction here) and,
in the public view, replaces the distance to a confidential site by a band
(:func:`geomap.directory.privacy.distance_band`).

A band alone is not enough, because a user may move the starting point around: the point where
the band changes from "< 10 km" to "< 25 km" lies exactly 10 km from the site, and three such
points pin it down; the same holds for the moment a site enters or leaves the *n* nearest.
So, for a search ranked for the public (``role="public"``), everything that concerns a
confidential site — whether it is selected, its band and its place in the list — is computed
from the site's location snapped to the centre of a :data:`CONFIDENTIAL_GRID_DEG` degree grid
cell (``coarse_km``), never from its exact location. Probing reveals at best that cell.
The public list puts confidential sites in a separate "Confidential services" group after the
others, ordered by band and then by display name (so the order inside a band says nothing about
distance). Partners and editors get exact distances and one list ordered by exact distance.

Partial matches
---------------
When nothing matches, :func:`relax_filters` drops filters one at a time, cumulatively, in the
order of :data:`RELAX_ORDER` — accepting referrals, 24-hour, language, population, "offers all
chosen services", and last the service types themselves — and says which it dropped
(:func:`relaxation_notes`), so the page is never empty while the directory holds at least one
located provider. With several services (``match="any"``) each service is relaxed on its own,
so a strict match for one need is never drowned by the fallback for another.

Road travel times are not computed: they need a road graph, which the app does not ship offline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from geomap import i18n
from geomap.directory import privacy, schema
from geomap.i18n import N_, _, number

__all__ = [
    "CLICK_DECIMALS",
    "CONFIDENTIAL_GRID_DEG",
    "GROUP_CONFIDENTIAL",
    "GROUP_NEAREST",
    "REFERRAL_COLUMNS",
    "RELAX_LABELS",
    "RELAX_ORDER",
    "ReferralQuery",
    "Start",
    "add_travel_times",
    "find_referrals",
    "publish_referrals",
    "referral_table",
    "relax_filters",
    "relaxation_notes",
    "resolve_start",
    "share_params",
    "start_from_point",
    "start_from_provider",
    "start_from_town",
    "start_from_unit",
]

#: Size (degrees) of the grid cell a confidential site is snapped to for public-view ranking.
CONFIDENTIAL_GRID_DEG = 0.25
#: Decimals a clicked starting point is rounded to (about 1 km), in the search and in URLs.
CLICK_DECIMALS = 2

#: Filters dropped, cumulatively and in this order, when nothing matches.
RELAX_ORDER: tuple[str, ...] = ("accepting_only", "open_24h", "language", "populations", "match_all", "services")
RELAX_LABELS: dict[str, str] = {
    "accepting_only": N_("included providers not marked as accepting referrals"),
    "open_24h": N_("included providers not open 24 hours"),
    "language": N_("included providers that do not list the language"),
    "populations": N_("included providers that do not list every chosen population"),
    "match_all": N_("included providers offering only some of the chosen services"),
    "services": N_("included providers of any service (they can refer on)"),
}


def _relaxed(steps) -> str:
    """The relaxation steps as one clause in the current language."""
    return i18n.join((_(RELAX_LABELS[r]) for r in steps), "; ")

GROUP_NEAREST = N_("Nearest partners")
GROUP_CONFIDENTIAL = N_("Confidential services")

#: Columns of a published referral list, in display/export order (present ones only are used).
REFERRAL_COLUMNS: tuple[str, ...] = (
    "rank",
    "group",
    "display_name",
    "organisation",
    "service_types",
    "matched_services",
    "populations_served",
    "languages",
    "hours",
    "open_24h",
    "accepting_referrals",
    "phone",
    "email",
    "website",
    "front_door_contact",
    "referral_method",
    "address",
    "town",
    "admin1_name",
    "distance",
    "distance_km",
    "travel_min",
    "last_verified",
    "stale",
    "location_approx",
    "fictional",
)

_GEOD = Geod(ellps="WGS84")
_MATCH_MODES = ("any", "all")
#: start kind -> URL query parameter
_PARAM_KEYS = {"point": "at", "town": "town", "unit": "state", "org": "org"}
_INTERNAL = ("coarse_km", "_key", "_conf")


# ---------------------------------------------------------------- starting point
@dataclass(frozen=True)
class Start:
    """A starting point for a referral search (EPSG:4326).

    Attributes
    ----------
    lat, lon
        The point the distances are measured from.
    label
        What the user chose, for headings ("Kano (town)", "Lagos (state)").
    kind
        ``"point"``, ``"town"``, ``"unit"`` or ``"org"``.
    value
        The text that reproduces the choice in a share URL: rounded ``"lat,lon"``, the town as
        typed, the unit code, or the organisation's record id. For a confidential organisation
        (partners only) this is its admin-1 code and ``kind`` is reported as ``"unit"`` by
        :func:`share_params`.
    shareable
        ``False`` for a confidential organisation: its id never goes into a URL.
    share_unit
        Admin-1 code put in a URL instead when ``shareable`` is ``False`` (may be ``None``).
    """

    lat: float
    lon: float
    label: str
    kind: str = "point"
    value: str = ""
    shareable: bool = True
    share_unit: str | None = None


def start_from_point(lat: float, lon: float, *, decimals: int = CLICK_DECIMALS) -> Start:
    """A clicked starting point, rounded to ``decimals`` (so a shared URL reproduces it exactly).

    Raises
    ------
    ValueError
        If the latitude or longitude is outside the valid range.
    """
    lat_f, lon_f = float(lat), float(lon)
    if not (math.isfinite(lat_f) and -90 <= lat_f <= 90 and math.isfinite(lon_f) and -180 <= lon_f <= 180):
        msg = f"starting point ({lat!r}, {lon!r}) is not a valid latitude, longitude in degrees"
        raise ValueError(msg)
    lat_r, lon_r = round(lat_f, decimals), round(lon_f, decimals)
    text = f"{lat_r:.{decimals}f},{lon_r:.{decimals}f}"
    return Start(lat_r, lon_r, f"Point {text}", "point", text)


def _parse_point(text: str) -> Start:
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2:
        msg = f"starting point {text!r} is not 'LAT,LON' (e.g. '12.00,8.52')"
        raise ValueError(msg)
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        msg = f"starting point {text!r} is not 'LAT,LON' with numbers (e.g. '12.00,8.52')"
        raise ValueError(msg) from None
    return start_from_point(lat, lon)


def start_from_town(query: str, country: str) -> Start:
    """The best gazetteer match for a typed town (accent- and typo-tolerant).

    Raises
    ------
    ValueError
        If no settlement of ``country`` matches ``query``.
    """
    from geomap.gazetteer import find_town

    hits = find_town(query, country, limit=1)
    if len(hits) == 0:
        msg = f"no town matching {query!r} in {country} (check the spelling, or click the map / pick a state)"
        raise ValueError(msg)
    hit = hits.iloc[0]
    return Start(float(hit["latitude"]), float(hit["longitude"]), f"{hit['name']} (town)", "town", str(query).strip())


def start_from_unit(units: gpd.GeoDataFrame, unit: str) -> Start:
    """The representative point (always inside the polygon) of an admin-1 unit.

    Parameters
    ----------
    units
        Admin-1 units with ``code``, ``name`` and ``geometry``.
    unit
        Unit code (``"NG-KN"``) or name (case-insensitive).

    Raises
    ------
    ValueError
        If no unit has that code or name; the message lists a few valid codes.
    """
    key = str(unit).strip()
    hit = units[units["code"].astype(str).str.upper() == key.upper()]
    if hit.empty:
        hit = units[units["name"].astype(str).str.casefold() == key.casefold()]
    if hit.empty:
        sample = ", ".join(units["code"].astype(str).head(5))
        msg = f"admin-1 unit {unit!r} not found; give a code or name such as {sample}"
        raise ValueError(msg)
    row = hit.iloc[0]
    pt = row.geometry.representative_point()
    return Start(float(pt.y), float(pt.x), f"{row['name']} (state centre)", "unit", str(row["code"]))


def start_from_provider(directory: pd.DataFrame, provider_id: str, *, role: str) -> Start:
    """The location of an organisation in the directory (the caseworker's own).

    In the public view only non-confidential organisations can be a starting point. A partner may
    start from a confidential one; its share URL then holds its admin-1 code, never its id.

    Raises
    ------
    ValueError
        If the id is unknown, has no usable location, or is confidential and ``role`` may not
        see confidential records.
    """
    ids = directory["id"].astype(str)
    hit = directory[ids == str(provider_id)]
    if hit.empty:
        msg = f"no organisation with id {provider_id!r} in the directory"
        raise ValueError(msg)
    conf = bool(privacy.is_confidential(hit).iloc[0])
    if conf and not privacy.can_see_confidential(role):
        msg = f"organisation {provider_id!r} cannot be used as a starting point in the public view"
        raise ValueError(msg)
    lat, lon = _record_points(hit)
    if not (np.isfinite(lat[0]) and np.isfinite(lon[0])):
        msg = f"organisation {provider_id!r} has no coordinates; start from its town or state instead"
        raise ValueError(msg)
    row = hit.iloc[0]
    unit = row.get("admin1_code")
    share_unit = str(unit) if isinstance(unit, str) and unit.strip() else None
    return Start(
        float(lat[0]),
        float(lon[0]),
        f"{row.get('name')} (organisation)",
        "org",
        str(provider_id),
        shareable=not conf,
        share_unit=share_unit if conf else None,
    )


@dataclass(frozen=True)
class ReferralQuery:
    """A referral search as the user set it: what a share URL holds, nothing more.

    Use :meth:`to_params` / :meth:`from_params` for ``st.query_params`` or any URL query.
    """

    start_kind: str = ""
    start_value: str = ""
    services: tuple[str, ...] = ()
    populations: tuple[str, ...] = ()
    language: str | None = None
    open_24h: bool | None = None
    accepting_only: bool = False
    match: str = "any"
    n: int = 5

    def to_params(self) -> dict[str, str]:
        """URL query parameters (strings only). The start is kept as chosen (see :func:`share_params`)."""
        out: dict[str, str] = {}
        if self.start_kind and self.start_value:
            out[_PARAM_KEYS[self.start_kind]] = self.start_value
        if self.services:
            out["service"] = ",".join(self.services)
        if self.populations:
            out["population"] = ",".join(self.populations)
        if self.language:
            out["language"] = self.language
        if self.open_24h:
            out["h24"] = "1"
        if self.accepting_only:
            out["accepting"] = "1"
        if self.match != "any":
            out["match"] = self.match
        out["n"] = str(int(self.n))
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ReferralQuery:
        """Read a query back from URL parameters; unknown codes are dropped, never guessed.

        Parameters
        ----------
        params
            A mapping such as ``st.query_params`` (values are strings).
        """

        def get(key: str) -> str:
            v = params.get(key)
            if isinstance(v, (list, tuple)):
                v = v[-1] if v else ""
            return str(v).strip() if v is not None else ""

        kind, value = "", ""
        for k, key in _PARAM_KEYS.items():
            if get(key):
                kind, value = k, get(key)
                break
        services = tuple(s for s in get("service").split(",") if s in schema.CATEGORIES)
        pops = tuple(p for p in get("population").split(",") if p in schema.POPULATIONS)
        try:
            n = max(1, min(50, int(get("n") or 5)))
        except ValueError:
            n = 5
        match = get("match") if get("match") in _MATCH_MODES else "any"
        return cls(
            start_kind=kind,
            start_value=value,
            services=services,
            populations=pops,
            language=get("language") or None,
            open_24h=True if get("h24") == "1" else None,
            accepting_only=get("accepting") == "1",
            match=match,
            n=n,
        )


def resolve_start(
    query: ReferralQuery,
    *,
    country: str,
    units: gpd.GeoDataFrame | None = None,
    directory: pd.DataFrame | None = None,
    role: str = privacy.PUBLIC,
) -> Start:
    """Turn the start of a :class:`ReferralQuery` into a :class:`Start`.

    Raises
    ------
    ValueError
        If the query has no start, or the start cannot be found.
    """
    kind, value = query.start_kind, query.start_value
    if kind == "point":
        return _parse_point(value)
    if kind == "town":
        return start_from_town(value, country)
    if kind == "unit":
        if units is None:
            msg = "a state starting point needs the admin-1 units"
            raise ValueError(msg)
        return start_from_unit(units, value)
    if kind == "org":
        if directory is None:
            msg = "an organisation starting point needs the directory"
            raise ValueError(msg)
        return start_from_provider(directory, value, role=role)
    msg = "no starting point: click the map, type a town, choose a state or your organisation"
    raise ValueError(msg)


def share_params(query: ReferralQuery, start: Start | None = None) -> dict[str, str]:
    """URL parameters that reproduce the search without any confidential record's id or location.

    A confidential organisation used as the start (partners only) is replaced by its admin-1
    unit; a clicked point is rounded to :data:`CLICK_DECIMALS`.
    """
    q = query
    if start is not None:
        if not start.shareable:
            q = replace(q, start_kind="unit" if start.share_unit else "", start_value=start.share_unit or "")
        else:
            q = replace(q, start_kind=start.kind, start_value=start.value)
    elif q.start_kind == "org":
        msg = "share_params needs the resolved Start for an organisation start (it may be confidential)"
        raise ValueError(msg)
    return q.to_params()


# ---------------------------------------------------------------- matching and ranking
def _record_points(directory: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each record (NaN where unknown): geometry first, then columns."""
    n = len(directory)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    if isinstance(directory, gpd.GeoDataFrame) and directory.geometry.name in directory.columns:
        geom = directory.geometry
        ok = (~geom.isna() & ~geom.is_empty).to_numpy()
        if ok.any():
            pts = geom[ok]
            pts = pts.where(pts.geom_type == "Point", pts.representative_point())
            lat[ok] = pts.y.to_numpy()
            lon[ok] = pts.x.to_numpy()
    if "latitude" in directory.columns and "longitude" in directory.columns:
        clat = pd.to_numeric(directory["latitude"], errors="coerce").to_numpy(dtype=float)
        clon = pd.to_numeric(directory["longitude"], errors="coerce").to_numpy(dtype=float)
        fill = np.isnan(lat) & np.isfinite(clat) & np.isfinite(clon)
        lat[fill] = clat[fill]
        lon[fill] = clon[fill]
    return lat, lon


def _unit_points(directory: pd.DataFrame, units: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Representative point of each record's admin-1 unit (NaN where the unit is unknown)."""
    reps = units.geometry.representative_point()
    by_code = dict(zip(units["code"].astype(str), zip(reps.y, reps.x)))
    codes = directory["admin1_code"] if "admin1_code" in directory.columns else pd.Series([None] * len(directory))
    pts = [by_code.get(str(c), (np.nan, np.nan)) for c in codes]
    arr = np.asarray(pts, dtype=float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _snap(values: np.ndarray, cell: float) -> np.ndarray:
    return (np.floor(values / cell) + 0.5) * cell


def _geodesic_km(start: Start, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    out = np.full(len(lat), np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.any():
        k = int(ok.sum())
        _, _, metres = _GEOD.inv(np.full(k, start.lon), np.full(k, start.lat), lon[ok], lat[ok])
        out[ok] = np.asarray(metres) / 1000.0
    return out


def _column(directory: pd.DataFrame, name: str) -> pd.Series:
    if name in directory.columns:
        return directory[name]
    return pd.Series([None] * len(directory), index=directory.index, dtype=object)


def _validate(services: Sequence[str], populations: Sequence[str], match: str, n: int, present: Sequence[str] = ()) -> None:
    bad = [s for s in services if s not in schema.CATEGORIES and s not in present]
    if bad:
        msg = f"unknown service type(s) {', '.join(map(repr, bad))}; valid: {', '.join(schema.CATEGORIES)}"
        raise ValueError(msg)
    bad = [p for p in populations if p not in schema.POPULATIONS]
    if bad:
        msg = f"unknown population(s) {', '.join(map(repr, bad))}; valid: {', '.join(schema.POPULATIONS)}"
        raise ValueError(msg)
    if match not in _MATCH_MODES:
        msg = f"match={match!r}; expected one of {', '.join(_MATCH_MODES)}"
        raise ValueError(msg)
    if int(n) < 1:
        msg = f"n must be at least 1, got {n!r}"
        raise ValueError(msg)


def find_referrals(
    directory: pd.DataFrame,
    start: Start,
    *,
    services: Sequence[str],
    populations: Sequence[str] = (),
    language: str | None = None,
    open_24h: bool | None = None,
    accepting_only: bool = False,
    match: str = "any",
    n: int = 5,
    today: date | None = None,
    units: gpd.GeoDataFrame | None = None,
    role: str = privacy.PUBLIC,
) -> gpd.GeoDataFrame:
    """The nearest providers that match the needs, on the FULL directory, with exact distances.

    Parameters
    ----------
    directory
        The full resolved directory (flagged rows are ignored). Not modified.
    start
        Where distances are measured from.
    services
        Service-type codes. An empty sequence means any service.
    populations
        Population codes the provider must list *all* of (records that list none do not match).
    language
        A language the provider must list (case- and accent-insensitive).
    open_24h
        ``True`` keeps only providers open 24 hours; ``None``/``False`` do not filter.
    accepting_only
        Keep only providers marked as accepting referrals (unknown does not count).
    match
        ``"any"``: for each chosen service, the ``n`` nearest providers offering it (a provider
        offering several counts once), so a survivor needing legal aid *and* a shelter gets
        both. ``"all"``: the ``n`` nearest providers offering every chosen service.
    n
        How many providers per service (``"any"``) or in all (``"all"``).
    today
        Reference date for staleness (default: today).
    units
        Admin-1 units; when given, a record placed only by its unit (no coordinates) gets the
        unit's representative point and ``location_approx=True``. Without units such records
        are left out and counted in ``attrs["unlocated"]``.
    role
        Whom the ranking is for. For ``"public"`` a confidential site is selected and ranked by
        the distance to its snapped grid cell (``coarse_km``, see the module notes) so that
        moving the start cannot pin it down; partners and editors are ranked by exact distance.

    Returns
    -------
    geopandas.GeoDataFrame
        The chosen rows, nearest first, with every directory column plus ``distance_km``
        (exact, internal), ``coarse_km``, ``matched_services`` (list), ``stale`` (bool: not
        verified within :data:`schema.STALE_AFTER_DAYS` days, or never), ``location_approx``,
        ``confidential`` and ``rank``. ``attrs`` carries ``start``, ``ranked_for``, ``filters``
        and ``unlocated``. Never show it as such: use :func:`publish_referrals`.
    """
    services = list(dict.fromkeys(services))
    populations = list(dict.fromkeys(populations))
    verbatim = [s for s in services if s not in schema.CATEGORIES]
    present = schema.categories_present(_column(directory, "service_types")) if verbatim else ()
    _validate(services, populations, match, n, present)
    full = privacy.can_see_confidential(role)  # also validates the role
    today = today or date.today()
    df = directory
    if not privacy.can_see_confidential(role):
        # Disclosure control: a confidential site in a unit with fewer than k of them is not
        # offered to the public (a nearby result would say that one exists there).
        df = df[~privacy.unit_withheld(directory)]
    if "status" in df.columns:
        df = df[df["status"].astype(object).ne(schema.STATUS_FLAGGED).to_numpy()]
    lat, lon, approx = _locations(df, units)
    located = np.isfinite(lat) & np.isfinite(lon)
    offered = schema.parse_codes(_column(df, "service_types"))
    keep = located & _matches(
        df, offered, services=services, populations=populations, language=language, open_24h=open_24h,
        accepting_only=accepting_only, match=match,
    )
    out = _with_distances(df[keep].copy(), start, lat[keep], lon[keep], approx[keep])
    out["matched_services"] = pd.Series(
        [[s for s in o if not services or s in services] for o in offered[keep]], index=out.index, dtype=object
    )
    out["stale"] = _column(out, "last_verified").map(lambda v: schema.is_stale(v, today=today)).astype(bool)
    out = _nearest(out, out["coarse_km"].to_numpy() if not full else out["distance_km"].to_numpy(),
                   services=services, match=match, n=n)
    out["rank"] = np.arange(1, len(out) + 1)
    out.attrs = {
        **directory.attrs,
        "start": {"lat": start.lat, "lon": start.lon, "label": start.label, "kind": start.kind},
        "ranked_for": privacy.PUBLIC if not full else "full",
        "filters": {
            "services": services,
            "populations": populations,
            "language": language,
            "open_24h": bool(open_24h),
            "accepting_only": bool(accepting_only),
            "match": match,
            "n": int(n),
        },
        "unlocated": int((~located).sum()),
        "relaxed": [],
    }
    return out


def _locations(df: pd.DataFrame, units: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each record's latitude and longitude; a record placed only by its unit gets the unit's
    representative point (``approx`` True) when ``units`` are given."""
    lat, lon = _record_points(df)
    approx = np.zeros(len(df), dtype=bool)
    if units is not None and len(df):
        ulat, ulon = _unit_points(df, units)
        fill = np.isnan(lat) & np.isfinite(ulat)
        lat[fill], lon[fill], approx[fill] = ulat[fill], ulon[fill], True
    return lat, lon, approx


def _matches(
    df: pd.DataFrame,
    offered: pd.Series,
    *,
    services: list[str],
    populations: list[str],
    language: str | None,
    open_24h: bool | None,
    accepting_only: bool,
    match: str,
) -> np.ndarray:
    """Which records meet the needs: services (any/all), populations, language, hours, intake."""
    keep = np.ones(len(df), dtype=bool)
    if services:
        want = set(services)
        test = (lambda s: want <= set(s)) if match == "all" else (lambda s: bool(want & set(s)))
        keep &= offered.map(test).to_numpy(dtype=bool)
    if populations:
        served = schema.parse_codes(_column(df, "populations_served"), vocabulary="population")
        keep &= served.map(lambda s: set(populations) <= set(s)).to_numpy(dtype=bool)
    if language:
        lang = schema.normalise_header(language)
        langs = _column(df, "languages").map(lambda v: {schema.normalise_header(x) for x in schema.parse_list(v)})
        keep &= langs.map(lambda s: lang in s).to_numpy(dtype=bool)
    if open_24h:
        keep &= _column(df, "open_24h").map(schema.parse_bool).map(lambda b: b is True).to_numpy(dtype=bool)
    if accepting_only:
        keep &= _column(df, "accepting_referrals").map(schema.parse_bool).map(lambda b: b is True).to_numpy(dtype=bool)
    return keep


def _with_distances(
    out: pd.DataFrame, start: Start, lat: np.ndarray, lon: np.ndarray, approx: np.ndarray
) -> gpd.GeoDataFrame:
    """Exact geodesic distances, and for confidential sites the distance to their grid cell."""
    if not isinstance(out, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries([None] * len(out), index=out.index), crs="EPSG:4326")
    conf = privacy.is_confidential(out).to_numpy(dtype=bool)
    exact = _geodesic_km(start, lat, lon)
    coarse = _geodesic_km(start, _snap(lat, CONFIDENTIAL_GRID_DEG), _snap(lon, CONFIDENTIAL_GRID_DEG))
    out["distance_km"] = exact
    out["coarse_km"] = np.where(conf, coarse, exact)
    out["confidential"] = conf
    out["location_approx"] = approx
    return out


def _nearest(out: gpd.GeoDataFrame, key: np.ndarray, *, services: list[str], match: str, n: int) -> gpd.GeoDataFrame:
    """Order by ``key`` (ties by id); keep the ``n`` nearest per service (``any``) or in all."""
    ids = _column(out, "id").astype(str).to_numpy()
    out = out.iloc[np.lexsort((ids, key))]
    if match == "any" and services:
        chosen: set[Any] = set()
        for s in services:
            has = out["matched_services"].map(lambda m, s=s: s in m).to_numpy(dtype=bool)
            chosen.update(out.index[has][: int(n)])
        return out[out.index.isin(chosen)]
    return out.head(int(n))


def relax_filters(
    directory: pd.DataFrame,
    start: Start,
    *,
    services: Sequence[str],
    populations: Sequence[str] = (),
    language: str | None = None,
    open_24h: bool | None = None,
    accepting_only: bool = False,
    match: str = "any",
    n: int = 5,
    today: date | None = None,
    units: gpd.GeoDataFrame | None = None,
    role: str = privacy.PUBLIC,
) -> gpd.GeoDataFrame:
    """:func:`find_referrals`, dropping filters in :data:`RELAX_ORDER` until something matches.

    The strict search is tried first; if it finds nothing, the filters are dropped one at a
    time, cumulatively (a step whose filter was not set is skipped). With ``match="any"`` and
    several services this is done for each service on its own, so a survivor who needs legal
    aid and a shelter gets the nearest shelters even when only the legal-aid search matched
    strictly. Only when no chosen service has any provider are the service types dropped too.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`find_referrals`, with ``attrs["relaxed"]`` (the dropped filters, keys of
        :data:`RELAX_LABELS`, in order; empty when the strict search matched),
        ``attrs["relaxed_by_service"]`` (``{service: dropped filters}``),
        ``attrs["unmatched_services"]`` (chosen services no located provider offers) and
        ``attrs["requested"]``. Empty only when the directory has no located provider at all.
    """
    opts: dict[str, Any] = {
        "services": list(dict.fromkeys(services)),
        "populations": list(populations),
        "language": language,
        "open_24h": open_24h,
        "accepting_only": accepting_only,
        "match": match,
    }
    common = {"n": n, "today": today, "units": units, "role": role}
    by_service: dict[str, list[str]] = {}
    unmatched: list[str] = []
    if match == "any" and len(opts["services"]) > 1:
        parts = []
        for service in opts["services"]:
            part, steps = _relax(directory, start, {**opts, "services": [service]}, common, any_service=False)
            by_service[service] = steps
            if len(part):
                parts.append(part)
            else:
                unmatched.append(service)
        if parts:
            result = _combine(parts, opts["services"])
            relaxed = [step for step in RELAX_ORDER if any(step in by_service[k] for k in by_service if k not in unmatched)]
        else:
            result, relaxed = _relax(directory, start, opts, common, any_service=True)
    else:
        result, relaxed = _relax(directory, start, opts, common, any_service=True)
        for service in opts["services"]:
            by_service[service] = relaxed
        if "services" in relaxed:
            unmatched = list(opts["services"])
    result.attrs["relaxed"] = relaxed
    result.attrs["relaxed_by_service"] = by_service
    result.attrs["unmatched_services"] = unmatched
    result.attrs["requested"] = {"services": list(opts["services"]), "populations": list(populations)}
    return result


def _relax(
    directory: pd.DataFrame, start: Start, opts: dict[str, Any], common: dict[str, Any], *, any_service: bool
) -> tuple[gpd.GeoDataFrame, list[str]]:
    opts = dict(opts)
    result = find_referrals(directory, start, **opts, **common)
    relaxed: list[str] = []
    for step in RELAX_ORDER:
        if len(result):
            break
        if step == "accepting_only" and opts["accepting_only"]:
            opts["accepting_only"] = False
        elif step == "open_24h" and opts["open_24h"]:
            opts["open_24h"] = None
        elif step == "language" and opts["language"]:
            opts["language"] = None
        elif step == "populations" and opts["populations"]:
            opts["populations"] = []
        elif step == "match_all" and opts["match"] == "all" and len(opts["services"]) > 1:
            opts["match"] = "any"
        elif step == "services" and opts["services"] and any_service:
            opts["services"] = []
        else:
            continue
        relaxed.append(step)
        result = find_referrals(directory, start, **opts, **common)
    return result, relaxed


def _combine(parts: list[gpd.GeoDataFrame], services: list[str]) -> gpd.GeoDataFrame:
    """Union of per-service results: one row per provider, services merged, nearest first."""
    attrs = dict(parts[0].attrs)
    both = pd.concat(parts)
    matched = both.groupby(level=0, sort=False)["matched_services"].agg(
        lambda col: [s for s in services if any(s in m for m in col)]
    )
    out = both[~both.index.duplicated(keep="first")].copy()
    out["matched_services"] = matched.reindex(out.index)
    key = out["coarse_km"] if attrs.get("ranked_for") == privacy.PUBLIC else out["distance_km"]
    order = np.lexsort((_column(out, "id").astype(str).to_numpy(), key.to_numpy(dtype=float)))
    out = out.iloc[order]
    out["rank"] = np.arange(1, len(out) + 1)
    attrs["filters"] = {**attrs.get("filters", {}), "services": list(services), "match": "any"}
    out.attrs = attrs
    return gpd.GeoDataFrame(out, geometry=parts[0].geometry.name, crs=parts[0].crs)


def relaxation_notes(results: pd.DataFrame) -> list[str]:
    """Plain-language lines saying which filters were dropped (empty when everything matched).

    Parameters
    ----------
    results
        Output of :func:`relax_filters` (or the published list, which keeps its ``attrs``).
    """
    attrs = results.attrs
    relaxed = attrs.get("relaxed") or []
    by_service = attrs.get("relaxed_by_service") or {}
    unmatched = attrs.get("unmatched_services") or []
    lines: list[str] = []
    if unmatched and "services" not in relaxed:
        lines.append(_("No located provider offers {services} in this directory.").format(
            services=i18n.join(schema.label(u) for u in unmatched)))
    if "services" in relaxed:
        steps = [r for r in relaxed if r != "services"]
        if steps:
            lines.append(_("No provider matches the chosen services, so the list shows the nearest providers of any "
                           "service (they can refer on); it also {relaxed}.").format(relaxed=_relaxed(steps)))
        else:
            lines.append(_("No provider matches the chosen services, so the list shows the nearest providers of any "
                           "service (they can refer on)."))
        return lines
    if not relaxed:
        return lines
    distinct = {tuple(v) for k, v in by_service.items() if k not in unmatched}
    if len(distinct) <= 1 or not by_service:
        lines.append(_("No provider matches every need, so this list {relaxed}.").format(relaxed=_relaxed(relaxed)))
        return lines
    for service, steps in by_service.items():
        if steps and service not in unmatched:
            lines.append(_("{service}: no exact match, so the list {relaxed}.").format(service=schema.label(service), relaxed=_relaxed(steps)))
    return lines


# ---------------------------------------------------------------- publishing
def _band_index(km: np.ndarray) -> np.ndarray:
    edges = np.asarray(privacy.DISTANCE_BANDS_KM, dtype=float)
    idx = np.searchsorted(edges, np.nan_to_num(km, nan=np.inf), side="right")
    return idx


def add_travel_times(results: gpd.GeoDataFrame, graph, start: Start, *, default_speed_kph: float = 40.0) -> gpd.GeoDataFrame:
    """Add road travel time (``travel_min``) from the start to each result, on a road graph.

    The ranking stays by geodesic distance (a partial road network must not push a near site
    down the list); travel time is shown beside it. Records placed only by their state centre
    get no travel time. Like ``distance_km``, ``travel_min`` would pin a confidential site down,
    so the public view blanks it for confidential records (:func:`publish_referrals` goes through
    :func:`geomap.directory.privacy.view_for_role`, whose allow-list does not include it).

    Parameters
    ----------
    results
        Output of :func:`find_referrals` / :func:`relax_filters` (full, exact).
    graph
        A road graph from :func:`geomap.analysis.catchments.load_road_graph`.
    start
        The search's start point.
    """
    from geomap.analysis import catchments

    out = results.copy()
    minutes = catchments.travel_time_from(graph, start.lon, start.lat, out, default_speed_kph=default_speed_kph)
    if "location_approx" in out.columns:
        minutes = minutes.where(~out["location_approx"].astype(bool))
    out["travel_min"] = minutes.round(1)
    out.attrs = dict(results.attrs)
    return out


def publish_referrals(results: pd.DataFrame, *, role: str) -> gpd.GeoDataFrame:
    """The referral list as ``role`` may see it: the only frame to show or export.

    Parameters
    ----------
    results
        Output of :func:`find_referrals` / :func:`relax_filters`.
    role
        ``"public"``, ``"partner"`` or ``"editor"``.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows through :func:`geomap.directory.privacy.view_for_role`, plus ``group``,
        ``rank`` and ``distance`` (text). Public view: non-confidential providers first
        (group :data:`GROUP_NEAREST`, exact distance), then confidential ones (group
        :data:`GROUP_CONFIDENTIAL`, no geometry, no address/phone/email, ``distance_km`` blank,
        ``distance`` a band such as ``"< 50 km"``), ordered by band then display name.
        Partner view: one list by exact distance, everything shown. Internal columns
        (``coarse_km``) are dropped. ``attrs`` keeps ``start``, ``filters``, ``relaxed``.

    Raises
    ------
    ValueError
        If results ranked for partners are published for the public (re-run the search with
        ``role="public"``): the selection itself would leak exact distances.
    """
    full = privacy.can_see_confidential(role)
    ranked_for = results.attrs.get("ranked_for")
    if not full and ranked_for != privacy.PUBLIC:
        msg = (
            f"these referral results were ranked for {ranked_for!r}; a public list must come from "
            "find_referrals(..., role='public') so that confidential sites are selected by band only"
        )
        raise ValueError(msg)
    keep_attrs = {k: results.attrs.get(k) for k in ("start", "filters", "relaxed", "requested", "unlocated", "ranked_for")}
    conf = privacy.is_confidential(results).to_numpy(dtype=bool)
    coarse = results["coarse_km"].to_numpy(dtype=float) if "coarse_km" in results.columns else np.full(len(results), np.nan)
    exact = results["distance_km"].to_numpy(dtype=float)
    view = privacy.view_for_role(results.drop(columns=[c for c in _INTERNAL if c in results.columns]), role)
    approx = view["location_approx"].to_numpy(dtype=bool) if "location_approx" in view.columns else np.zeros(len(view), bool)
    if full:
        text = [_km_text(d, a) for d, a in zip(exact, approx)]
        view["distance"] = pd.Series(text, index=view.index, dtype=object)
        view["group"] = np.where(conf, GROUP_CONFIDENTIAL, GROUP_NEAREST)
        view = view.iloc[np.lexsort((view["id"].astype(str).to_numpy() if "id" in view.columns else np.zeros(len(view)), exact))]
    else:
        bands = [privacy.distance_band(k) for k in coarse]
        text = [b if c else _km_text(d, a) for b, c, d, a in zip(bands, conf, exact, approx)]
        view["distance"] = pd.Series(text, index=view.index, dtype=object)
        view["group"] = np.where(conf, GROUP_CONFIDENTIAL, GROUP_NEAREST)
        names = view["display_name"].astype(str).to_numpy()
        # Confidential rows: the sort key is the band only, then the display name.
        primary = np.where(conf, _band_index(coarse).astype(float), exact)
        order = np.lexsort((names, primary, conf))
        view = view.iloc[order]
        view["distance_km"] = view["distance_km"].astype(object)
        view.loc[view["group"] == GROUP_CONFIDENTIAL, "distance_km"] = None
    view["rank"] = np.arange(1, len(view) + 1)
    view.attrs = {**view.attrs, **keep_attrs}
    return view


def _km_text(km: float, approx: bool) -> str:
    """A distance as people read it, in the current language (``"12,5 km"`` in Spanish)."""
    if not np.isfinite(km):
        return _("unknown")
    text = f"{number(km, digits=1 if km < 100 else 0)} km"
    return _("≈ {distance} (from the state centre)").format(distance=text) if approx else text


def referral_table(published: pd.DataFrame, *, columns: Iterable[str] = REFERRAL_COLUMNS) -> pd.DataFrame:
    """The published list as a flat table (list fields joined, dates as ISO text), no geometry."""
    cols = [c for c in columns if c in published.columns]
    out = pd.DataFrame(published[cols]).copy()
    for c in ("service_types", "matched_services", "populations_served", "languages"):
        if c in out.columns:
            out[c] = out[c].map(schema.format_list)
    if "last_verified" in out.columns:
        out["last_verified"] = out["last_verified"].map(lambda v: (d.isoformat() if (d := schema.parse_date(v)) else ""))
    if "distance_km" in out.columns:
        out["distance_km"] = pd.to_numeric(out["distance_km"], errors="coerce").round(2)
    return out.reset_index(drop=True)

