"""The referral sheet: a one-page printable list of the chosen partners and how to reach them.

Built only from a *published* referral list (:func:`geomap.analysis.referral.publish_referrals`),
so a public sheet holds exactly what the public page shows: confidential services appear with
their front-door contact, state and a distance band, never an address, a phone of their own, a
location or an exact distance. Two outputs: printable HTML (the browser's "Print → Save as PDF"
gives the PDF) and CSV.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from geomap import i18n
from geomap.analysis import referral
from geomap.directory import disclosure, privacy, schema, writers
from geomap.i18n import _
from geomap.report._template import Section, esc, page, table_html

__all__ = ["referral_sheet_csv", "referral_sheet_html", "search_summary"]

#: Fields that must be blank for a confidential row of a public sheet (second lock).
_CONFIDENTIAL_BLANK = ("address", "phone", "email", "website", "latitude", "longitude", "name", "organisation", "town", "distance_km")


def _blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_public(published: pd.DataFrame, role: str) -> bool:
    """Whether the sheet is a full (partner) one; refuse a non-public table for a public role."""
    full = privacy.can_see_confidential(role)
    if full:
        return True
    if published.attrs.get("view") != privacy.PUBLIC:
        msg = "a public referral sheet needs publish_referrals(results, role='public'), not the raw results"
        raise ValueError(msg)
    conf = privacy.is_confidential(published)
    for col in _CONFIDENTIAL_BLANK:
        if col in published.columns and not published.loc[conf, col].map(_blank).all():
            msg = f"confidential record(s) still carry {col!r}: pass the public view from publish_referrals"
            raise ValueError(msg)
    if "geometry" in published.columns:
        geoms = published.loc[conf, "geometry"]
        if not geoms.map(lambda g: g is None or getattr(g, "is_empty", False)).all():
            msg = "confidential record(s) still carry a location: pass the public view from publish_referrals"
            raise ValueError(msg)
    return False


def search_summary(published: pd.DataFrame) -> list[str]:
    """Plain-language lines describing the search (start, needs, filters, relaxed filters)."""
    attrs = published.attrs
    start = attrs.get("start") or {}
    f = attrs.get("filters") or {}
    req = attrs.get("requested") or {}
    services = req.get("services", f.get("services")) or []
    pops = req.get("populations", f.get("populations")) or []
    lines = [_("From: {place}").format(place=i18n.isolate(start.get("label")) if start.get("label") else _("unknown starting point"))]
    lines.append(_("Services: {list}").format(list=i18n.join(schema.label(s) for s in services) or _("any")))
    if pops:
        lines.append(_("For: {list}").format(list=i18n.join(schema.label(p, vocabulary="population") for p in pops)))
    extra = []
    if f.get("language"):
        extra.append(_("language {language}").format(language=f["language"]))
    if f.get("open_24h"):
        extra.append(_("open 24 hours"))
    if f.get("accepting_only"):
        extra.append(_("accepting referrals"))
    if extra:
        lines.append(_("Only: {list}").format(list=i18n.join(extra)))
    lines.extend(referral.relaxation_notes(published))
    return lines


def _verified(row: pd.Series) -> str:
    d = schema.parse_date(row.get("last_verified"))
    text = i18n.date(d) if d else _("never")
    return _("{date} (stale: check before referring)").format(date=text) if bool(row.get("stale")) else text


def _contact(row: pd.Series) -> str:
    parts = [row.get(c) for c in ("phone", "email")]
    parts = [str(p) for p in parts if not _blank(p) and str(p).strip()]
    if not parts and not _blank(row.get("front_door_contact")):
        parts = [_("via {contact}").format(contact=row.get("front_door_contact"))]
    return " · ".join(parts) or _("no contact recorded")


def _where(row: pd.Series) -> str:
    parts: list[str] = []
    for col in ("address", "town", "admin1_name"):
        v = row.get(col)
        if _blank(v) or not str(v).strip():
            continue
        text = str(v).strip()
        if not any(text.casefold() in p.casefold() for p in parts):
            parts.append(text)
    return i18n.join(parts)


def _tables(published: pd.DataFrame, *, full: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    def fmt(df: pd.DataFrame, *, confidential: bool) -> pd.DataFrame:
        rows = []
        for _i, r in df.iterrows():
            rec = {
                "#": int(r["rank"]),
                _("Provider"): r.get("display_name"),
                _("Services"): i18n.join(schema.label(s) for s in schema.parse_service_types(r.get("service_types"))[0]),
                _("Serves"): i18n.join(
                    schema.label(p, vocabulary="population") for p in schema.parse_populations(r.get("populations_served"))[0]
                ),
                _("Languages"): schema.format_list(r.get("languages")),
                _("Hours"): (_("24 hours") if schema.parse_bool(r.get("open_24h")) else (r.get("hours") or "")),
                _("How to refer"): r.get("referral_method") or "",
            }
            if not (confidential and not full):  # a confidential row's name already says whom to contact
                rec[_("Contact")] = _contact(r)
            if confidential and not full:
                rec[_("State")] = r.get("admin1_name") or r.get("admin1_code") or ""
            else:
                rec[_("Where")] = _where(r)
            rec[_("Distance")] = r.get("distance")
            rec[_("Last verified")] = _verified(r)
            rows.append(rec)
        return pd.DataFrame(rows)

    groups = published["group"] if "group" in published.columns else pd.Series(referral.GROUP_NEAREST, index=published.index)
    if full:
        return fmt(published, confidential=False), pd.DataFrame()
    return (
        fmt(published[groups != referral.GROUP_CONFIDENTIAL], confidential=False),
        fmt(published[groups == referral.GROUP_CONFIDENTIAL], confidential=True),
    )


def referral_sheet_html(
    published: pd.DataFrame,
    *,
    role: str,
    country_name: str = "",
    directory_label: str = "",
    fictional: bool = False,
    sources: Iterable[str] = (),
    lang: str | None = None,
) -> str:
    """A one-page printable referral sheet (self-contained HTML; print it to PDF).

    Parameters
    ----------
    published
        Output of :func:`geomap.analysis.referral.publish_referrals` for ``role``.
    role
        The session's role; a public sheet refuses a table that is not the public view.
    country_name, directory_label
        Shown under the title.
    fictional
        The directory is the bundled fictional sample (adds the notice).
    sources
        Data sources listed at the end.
    lang
        The sheet's language (``en``, ``es``, ``fr``, ``ar``); by default the current one.

    Raises
    ------
    ValueError
        If ``role`` is public and ``published`` is not a public view.
    """
    with i18n.use(lang):
        return _sheet(published, role=role, country_name=country_name, directory_label=directory_label,
                      fictional=fictional, sources=sources)


def _sheet(published, *, role, country_name, directory_label, fictional, sources) -> str:
    full = _check_public(published, role)
    nearest, confidential = _tables(published, full=full)
    summary = "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in search_summary(published)) + "</ul>"
    sections = [Section(_("Search"), summary)]
    if len(published) == 0:
        sections.append(Section(_("Result"), "<p>" + esc(_("No provider in this directory has a usable location.")) + "</p>"))
    if len(nearest):
        sections.append(Section(_(referral.GROUP_NEAREST) if not full else _("Partners"), table_html(nearest)))
    if len(confidential):
        note = "<p class='meta'>" + esc(_("Locations of confidential services are never shown. Contact them through "
                                          "the front-door contact; distances are approximate bands.")) + "</p>"
        sections.append(Section(_(referral.GROUP_CONFIDENTIAL), note + table_html(confidential)))
    steps = [
        _("Call the provider before referring: confirm they can take this person now."),
        _("Follow the provider's referral method and share only what the survivor consents to."),
        _("Records marked stale have not been verified for over a year: check the details first."),
        _("For a confidential service, use its front-door contact; the service gives the address itself."),
    ]
    sections.append(Section(_("Contact steps"), "<ol>" + "".join(f"<li>{esc(s)}</li>" for s in steps) + "</ol>"))
    caveats = [
        _("Distances are straight-line (geodesic, WGS84), not road travel times."),
    ]
    if full:
        caveats.insert(0, _("PARTNER SHEET: includes confidential services' details. Do not share beyond partners."))
    else:
        caveats.append(_(
            "Confidential services in a state with {band} of them are not listed here; "
            "the national hotline and signed-in partners can refer to them.").format(band=disclosure.band_label()))
    caveats.append(disclosure.caveat(exact=full))
    if any("state centre" in str(d) for d in published.get("distance", [])):
        caveats.append(_("Distances marked ≈ are to the centre of the provider's state (no coordinates on record)."))
    subtitle = " · ".join(x for x in (country_name, directory_label) if x)
    return page(
        _("Referral sheet"),
        sections,
        subtitle=subtitle,
        sources=list(sources),
        caveats=caveats,
        fictional=fictional,
    )


def referral_sheet_csv(published: pd.DataFrame, *, role: str, notice: str | None = None) -> bytes:
    """The referral list as CSV (UTF-8 with BOM; spreadsheet-formula cells neutralised).

    Parameters
    ----------
    published
        Output of :func:`geomap.analysis.referral.publish_referrals` for ``role``.
    role
        The session's role; a public CSV refuses a table that is not the public view.
    notice
        A line written first as ``# notice`` (e.g. the full-export warning for partners).
    """
    _check_public(published, role)
    table = referral.referral_table(published)
    for col in table.columns:
        if col != "distance_km" and col != "rank":
            table[col] = table[col].map(lambda v: writers.neutralise(str(v)) if isinstance(v, str) else v)
    text = table.to_csv(index=False, lineterminator="\r\n")
    if notice:
        text = f"# {notice}\r\n" + text
    return text.encode("utf-8-sig")
