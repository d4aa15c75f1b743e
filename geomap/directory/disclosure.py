"""Disclosure control: public counts that reveal no single confidential site.

The publish gate has two halves. :func:`geomap.directory.privacy.public_view` takes what pins a
confidential *record* down (point, address, own phone); this module takes what pins it down
through *numbers*: a unit whose count of confidential records is 1 says that a shelter exists
there, per-100k or beds give that count (or the shelter's size) back, and two filters differing
by one shelter tell what it serves.

The rule (``k`` is :attr:`geomap.settings.Settings.disclosure_k`, default 3)
-----------------------------------------------------------------------------
A *cell* is one unit under one filter (services × populations, or one service on the Gaps
page). Let ``c`` be its number of confidential records and ``p`` its number of public ones.

1. ``c`` is published exactly only when ``c >= k``. Otherwise the cell is **banded**: its
   confidential part is shown as "fewer than k" — a band that *includes 0*, so a banded cell
   does not even say that a confidential site exists in the unit.
2. Everything derived from a banded cell is computed from what the band leaves known: the
   *known* part (public records, and confidential ones of unbanded cells). Providers are shown
   as the range ``known – known + k - 1``, per-100k as the matching range, beds and beds per
   100k as "known or more", and the gap index, its components, footprint overlays and map
   shading use the known part (the lower bound).
3. A record-level public export applies the same rule at the unit level: a confidential record
   in a unit with fewer than ``k`` confidential records loses its unit (generalised to the
   country) — see :func:`generalise_units`.
4. Partners and editors (and the CLI's ``--include-confidential``) see exact figures.

Why no output — nor any pair of outputs — gives back a count below k
---------------------------------------------------------------------
The published value of a cell is a function of (a) the public records, which anyone may list,
(b) the confidential records of cells holding at least ``k`` of them, and (c) the flag
"fewer than k" of the other cells. Nothing else enters: the banded cell's confidential count
and capacity are *replaced* by the band, not added to a number. Hence:

* Within a unit holding fewer than ``k`` confidential records, every filter's cell is banded
  (a subset of fewer than ``k`` is fewer than ``k``), so every filter shows the same band and
  the differences of any two filters, or two measures (per-100k minus count, total minus
  public, beds minus beds), are functions of public records alone: moving confidential sites
  between such units, adding or removing them (keeping each under ``k``) changes no public
  output. ``tests/leaks/test_small_counts.py`` checks exactly this indistinguishability on
  every public output.
* A total (public + confidential) is a range whose width is the band's, so subtracting the
  exact public count gives the band back, not the count.
* A public record-level export lists no unit for the confidential records of such units
  (rule 3), and the coverage computed from it — read back and published with the same rule —
  is the public coverage: the export holds (a) and (b) with their units and nothing of (c)
  but the count of records generalised to the country.

What remains (stated in the README):

* In a unit holding ``k`` or more confidential records, two filters shown exactly (both
  ``>= k``) may differ by fewer than ``k``. Such a difference describes sites that share their
  unit with at least ``k - 1`` others — the public export already lists their services, one
  record at a time, without a location below the unit.
* The number of records generalised to the country is visible (they are rows of an export);
  it says how many confidential sites lie somewhere among the banded units together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from geomap.i18n import N_, Message, _, format_like, number

__all__ = [
    "BANDED_COLUMN",
    "COVERAGE_TEXT_COLUMNS",
    "band_label",
    "band_table",
    "caveat",
    "disclosure_k",
    "export_table",
    "format_cells",
    "generalised_reason",
    "public_coverage",
    "small_units",
    "withheld",
]

#: Column that says a published row holds a band ("fewer than k" confidential records).
BANDED_COLUMN = "banded"

#: The count-derived columns of a coverage table, shown as text in public tables and CSVs.
COVERAGE_TEXT_COLUMNS: tuple[str, ...] = ("providers", "confidential_providers", "capacity", "per_100k", "capacity_per_100k")


def disclosure_k(k: int | None = None) -> int:
    """The threshold ``k``: ``k`` itself when given, else the setting (``GEOMAP_DISCLOSURE_K``).

    Raises
    ------
    ValueError
        If ``k`` is not a whole number of at least 1.
    """
    if k is None:
        from geomap.settings import get_settings

        return int(get_settings().disclosure_k)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        msg = f"disclosure k must be a whole number of at least 1 (GEOMAP_DISCLOSURE_K), got {k!r}"
        raise ValueError(msg)
    return int(k)


def band_label(k: int | None = None) -> str:
    """The band shown instead of a confidential count below ``k`` (e.g. ``"fewer than 3"``)."""
    # Translators: the band shown instead of a small count of confidential sites ("fewer than 3").
    return _("fewer than {k}").format(k=number(disclosure_k(k)))


def caveat(*, k: int | None = None, exact: bool = False) -> str:
    """The rule in one sentence, for every report's caveats and the CLI.

    Parameters
    ----------
    k
        Threshold (default: the setting).
    exact
        The output shows exact figures (a partner's or an ``--include-confidential`` output).
    """
    k = disclosure_k(k)
    if exact:
        return _(
            "EXACT FIGURES (partner view): counts of confidential sites below {k} are shown exactly here; "
            "public outputs band them as '{band}'. Do not share beyond partners."
        ).format(k=number(k), band=band_label(k))
    return _(
        "Disclosure control: where a unit holds fewer than {k} confidential sites (for the filter shown), "
        "their number is shown as '{band}' (which may be none), totals as a range, beds as "
        "'… or more', and per-capita figures, gap indices and map shading use only the figures shown "
        "exactly; confidential records of such units are exported without their unit."
    ).format(k=number(k), band=band_label(k))


def generalised_reason(k: int | None = None) -> Message:
    """The note on a confidential record whose unit was withheld by :func:`generalise_units`.

    A :class:`geomap.i18n.Message`: its text is English, ``render(lang)`` translates it.
    """
    return Message(
        N_("unit withheld: fewer than {k} confidential records in it (disclosure control); generalised to the country"),
        k=disclosure_k(k),
    )


def small_units(units: pd.Series | np.ndarray, confidential: pd.Series | np.ndarray, *, k: int | None = None) -> set:
    """Unit codes holding at least one but fewer than ``k`` confidential records.

    Parameters
    ----------
    units
        The unit of each record (``None``/NaN where it has none).
    confidential
        Whether each record is confidential.
    """
    k = disclosure_k(k)
    unit = pd.Series(np.asarray(units, dtype=object))
    conf = np.asarray(confidential, dtype=bool)
    counts = unit[conf & unit.notna().to_numpy()].value_counts()
    return set(counts.index[counts < k])


def withheld(units: pd.Series | np.ndarray, confidential: pd.Series | np.ndarray, *, k: int | None = None) -> np.ndarray:
    """Which records a public figure may not count: confidential ones of banded cells.

    A record is withheld when it is confidential and its unit holds fewer than ``k``
    confidential records among the records given (pass the records of one filter), or it has
    no unit. The figures of everything else are the *known* part of a published table.
    """
    conf = np.asarray(confidential, dtype=bool)
    unit = pd.Series(np.asarray(units, dtype=object))
    small = small_units(unit, conf, k=k)
    return conf & (unit.isna().to_numpy() | unit.isin(small).to_numpy())


def _fmt(value: float, spec: str) -> str:
    """``value`` in the format ``spec`` with the current language's signs ("no data" if missing)."""
    return _("no data") if value is None or not math.isfinite(value) else format_like("{:" + spec + "}", value)


def _range(lo: float, hi: float, spec: str) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _("no data")
    return f"{_fmt(lo, spec)}–{_fmt(hi, spec)}"


def _or_more(value: float, spec: str) -> str:
    # Translators: a lower bound of a banded figure ("12 or more" beds).
    return _("{n} or more").format(n=_fmt(value, spec))


def format_cells(known: Mapping[str, np.ndarray], banded: np.ndarray, *, population: np.ndarray, k: int | None = None) -> pd.DataFrame:
    """The text of published cells, from their known parts and their band flags.

    Parameters
    ----------
    known
        ``providers`` (known count), ``confidential_providers`` (the confidential part shown
        exactly; ignored where banded) and ``capacity`` (known beds; NaN where none is stated),
        one value per row.
    banded
        Which rows hold a band.
    population
        Denominators (NaN or 0: no data).
    k
        Threshold (default: the setting).

    Returns
    -------
    pandas.DataFrame
        Text columns :data:`COVERAGE_TEXT_COLUMNS`, on a 0..n-1 index.
    """
    k = disclosure_k(k)
    band = band_label(k)
    prov = np.asarray(known["providers"], dtype=float)
    conf = np.asarray(known["confidential_providers"], dtype=float)
    cap = np.asarray(known["capacity"], dtype=float)
    pop = np.asarray(population, dtype=float)
    pop = np.where(pop > 0, pop, np.nan)
    rows = []
    for i, b in enumerate(np.asarray(banded, dtype=bool)):
        per = 1e5 / pop[i] if math.isfinite(pop[i]) else math.nan
        cap_i = 0.0 if (b and not math.isfinite(cap[i])) else cap[i]
        if b:
            rows.append(
                (
                    _range(prov[i], prov[i] + k - 1, ",.0f"),
                    band,
                    _or_more(cap_i, ",.0f"),
                    _range(prov[i] * per, (prov[i] + k - 1) * per, ",.2f"),
                    _("no data") if not math.isfinite(per) else _or_more(cap_i * per, ",.1f"),
                )
            )
        else:
            rows.append((_fmt(prov[i], ",.0f"), _fmt(conf[i], ",.0f"), _fmt(cap_i, ",.0f"), _fmt(prov[i] * per, ",.2f"), _fmt(cap_i * per, ",.1f")))
    return pd.DataFrame(rows, columns=list(COVERAGE_TEXT_COLUMNS), dtype=object)


def _verified_columns(out: pd.DataFrame, verified: np.ndarray, prov: np.ndarray, banded: np.ndarray, *, k: int) -> None:
    """``verified_recently`` and ``verified_share`` as text, and ``verified_share_known``, in place.

    A banded cell hides fewer than ``k`` confidential providers, each verified or not: its
    count is the range ``known – known + k - 1`` and its share the range of every such case,
    ``v / (p + k - 1)`` to ``(v + k - 1) / (p + k - 1)`` (``v``, ``p``: the known parts); the
    shading uses the known share ``v / p``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(prov > 0, 100.0 * verified / prov, np.nan)
        wide = prov + k - 1
        low = np.where(wide > 0, 100.0 * verified / wide, np.nan)
        high = np.where(wide > 0, 100.0 * (verified + k - 1) / wide, np.nan)
    out["verified_recently"] = [
        _range(v, v + k - 1, ",.0f") if b else _fmt(v, ",.0f") for v, b in zip(verified, banded, strict=True)
    ]
    out["verified_share"] = [
        _range(lo, hi, ",.1f") if b else _fmt(sh, ",.1f") for sh, lo, hi, b in zip(share, low, high, banded, strict=True)
    ]
    out["verified_share_known"] = share


def band_table(known: pd.DataFrame, banded: np.ndarray, *, k: int | None = None) -> pd.DataFrame:
    """Publish a per-unit table whose numbers are already the *known* parts.

    Parameters
    ----------
    known
        A table with ``providers``, ``confidential_providers`` and ``capacity`` (and
        ``population``; ``per_100k``/``capacity_per_100k`` are recomputed) counting only what may
        be known: the withheld records (:func:`withheld`) left out.
    banded
        Which rows hold a band (their cell had fewer than ``k`` confidential records).
    k
        Threshold (default: the setting).

    Returns
    -------
    pandas.DataFrame
        ``known`` with :data:`COVERAGE_TEXT_COLUMNS` as text, :data:`BANDED_COLUMN`, and the
        numeric ``providers_known``, ``capacity_known``, ``per_100k_known``,
        ``capacity_per_100k_known``; when ``known`` has ``verified_recently`` (the known
        count), it and ``verified_share`` as text and ``verified_share_known``. ``attrs`` gains
        ``disclosure_k`` and ``view="public"``.
    """
    k = disclosure_k(k)
    banded = np.asarray(banded, dtype=bool)
    prov = known["providers"].to_numpy(dtype=float)
    conf = known["confidential_providers"].to_numpy(dtype=float)
    cap = known["capacity"].to_numpy(dtype=float)
    pop = pd.to_numeric(known["population"], errors="coerce").to_numpy(dtype=float) if "population" in known else np.full(len(known), np.nan)
    text = format_cells({"providers": prov, "confidential_providers": conf, "capacity": cap}, banded, population=pop, k=k)
    out = known.drop(columns=[c for c in ("confidential_capacity", "confidential_verified") if c in known.columns]).copy()
    for col in COVERAGE_TEXT_COLUMNS:
        if col in out.columns:
            out[col] = text[col].to_numpy()
    pop_safe = np.where(pop > 0, pop, np.nan)
    cap_known = np.where(banded & ~np.isfinite(cap), 0.0, cap)
    if "verified_recently" in known.columns:
        _verified_columns(out, known["verified_recently"].to_numpy(dtype=float), prov, banded, k=k)
    out[BANDED_COLUMN] = banded
    out["providers_known"] = prov.astype(int)
    out["capacity_known"] = cap_known
    out["per_100k_known"] = prov / pop_safe * 1e5
    out["capacity_per_100k_known"] = cap_known / pop_safe * 1e5
    out.attrs = {**known.attrs, "disclosure_k": k, "view": "public"}
    return out


def public_coverage(table: pd.DataFrame, *, k: int | None = None, any_confidential: bool = True) -> pd.DataFrame:
    """A coverage table as the public may see it (cells below ``k`` banded).

    Parameters
    ----------
    table
        :func:`geomap.analysis.coverage.coverage_by_unit` (with ``confidential_capacity``),
        computed on the FULL directory for one filter.
    k
        Threshold (default: the setting).
    any_confidential
        Whether the directory holds any confidential record at all. When it holds none (which
        its public export says anyway), nothing is banded: a band would hide nothing.

    Returns
    -------
    pandas.DataFrame
        See :func:`band_table`: the count-derived columns as text (the exact figure, or the
        band, the range, "… or more"), ``banded`` and the numeric known parts (for shading,
        sorting and indices; the known part of a banded cell is its lower bound).
    """
    k = disclosure_k(k)
    conf = table["confidential_providers"].to_numpy(dtype=float)
    banded = (conf < k) & bool(any_confidential)
    conf_cap = table["confidential_capacity"].to_numpy(dtype=float) if "confidential_capacity" in table else np.zeros(len(table))
    known = table.copy()
    known["providers"] = table["providers"].to_numpy(dtype=float) - np.where(banded, conf, 0.0)
    known["confidential_providers"] = np.where(banded, 0.0, conf)
    cap = table["capacity"].to_numpy(dtype=float) - np.where(banded, np.nan_to_num(conf_cap), 0.0)
    known["capacity"] = np.where(np.isfinite(cap), np.maximum(cap, 0.0), cap)
    if "verified_recently" in table.columns:
        conf_ver = table["confidential_verified"].to_numpy(dtype=float) if "confidential_verified" in table else np.zeros(len(table))
        known["verified_recently"] = table["verified_recently"].to_numpy(dtype=float) - np.where(banded, conf_ver, 0.0)
    return band_table(known, banded, k=k)


def export_table(published: pd.DataFrame) -> pd.DataFrame:
    """A published table (:func:`public_coverage`, or a partner's) as tables and CSVs show it.

    The numeric ``*_known`` columns (for maps and indices) are dropped; in a public table
    ``banded`` becomes ``"yes"``/``"no"``, in an exact one it is dropped.
    """
    out = published.drop(columns=[c for c in published.columns
                                  if str(c).endswith("_known") or c in ("confidential_capacity", "confidential_verified")])
    if BANDED_COLUMN in out.columns:
        if published.attrs.get("view") == "public":
            out[BANDED_COLUMN] = np.where(out[BANDED_COLUMN].to_numpy(dtype=bool), "yes", "no")
        else:
            out = out.drop(columns=[BANDED_COLUMN])
    out.attrs = dict(published.attrs)
    return out
