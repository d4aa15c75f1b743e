"""The shared shell of every printable geomap document.

A document is a list of sections (title + trusted HTML body). Callers escape their own text with
:func:`esc`; tables go through :func:`table_html`, which escapes every cell.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime, timezone

import pandas as pd

from geomap import i18n
from geomap.i18n import _, ngettext

__all__ = ["esc", "table_html", "page", "Section"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:60rem;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f2f2f2} td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;font-size:.85rem} .notice{background:#fff4e5;border:1px solid #f0b860;padding:.5rem .75rem;margin:1rem 0}
.caveats li{margin:.2rem 0} iframe.map{width:100%;height:32rem;border:1px solid #ccc}
@media print{body{margin:0;max-width:none} iframe.map{height:20rem} h2{page-break-after:avoid} table{page-break-inside:auto} tr{page-break-inside:avoid}}
"""


# Right to left (Arabic): table cells and numbers mirror; unit and provider names keep their own
# direction (<bdi> or Unicode isolates around them).
_RTL_CSS = """
th,td{text-align:right} td.num{text-align:left;direction:ltr;unicode-bidi:isolate}
"""


def esc(text: object) -> str:
    """HTML-escape any value (``None`` and NaN become an empty string)."""
    if text is None:
        return ""
    try:
        if pd.isna(text) is True:
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(text), quote=True)


def _cell(value: object, fmt: str | None) -> tuple[str, bool]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if pd.isna(value):
            return esc(_("no data")), False
        return esc(_number(value, fmt)), True
    return esc(value), False


def _number(value: float, fmt: str | None) -> str:
    # The column's format keeps its decimals; grouping and decimal signs are the language's.
    return i18n.format_like(fmt or "{:,}", value)


def table_html(df: pd.DataFrame, *, formats: dict[str, str] | None = None, max_rows: int | None = None) -> str:
    """Render a DataFrame as an escaped HTML table; NaN numbers show as "no data", never 0.

    Parameters
    ----------
    df
        The table to render. Column names are shown as they are.
    formats
        ``{column: format string}`` for numeric columns, e.g. ``{"per_100k": "{:.2f}"}``.
    max_rows
        Show at most this many rows and say how many were left out.
    """
    formats = formats or {}
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
    rows = []
    for rec in shown.itertuples(index=False):
        cells = []
        for col, value in zip(shown.columns, rec):
            text, numeric = _cell(value, formats.get(col))
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        left = len(df) - max_rows
        text = ngettext("{n} more row not shown.", "{n} more rows not shown.", left).format(n=i18n.number(left))
        more = f'<p class="meta">{esc(text)}</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


class Section:
    """One titled part of a document; ``body`` is trusted HTML built with :func:`esc`/:func:`table_html`."""

    def __init__(self, title: str, body: str) -> None:
        self.title = title
        self.body = body


def page(
    title: str,
    sections: Iterable[Section],
    *,
    subtitle: str = "",
    sources: Iterable[str] = (),
    caveats: Iterable[str] = (),
    fictional: bool = False,
) -> str:
    """Assemble a self-contained, printable HTML document (no external requests).

    Parameters
    ----------
    title, subtitle
        Heading text (escaped here).
    sections
        The document body, in order.
    sources
        Data sources (boundaries, population year, directory), listed at the end.
    caveats
        Limits the reader must know, listed at the end.
    fictional
        Add the notice that the directory holds fictional sample records.

    The document is in the current language (:func:`geomap.i18n.current`): its ``lang`` and
    ``dir`` attributes, fixed headings, dates and numbers; callers translate their own text.
    """
    t = i18n.current()
    now = datetime.now(timezone.utc)
    when = f"{t.date(now)} {now.strftime('%H:%M')} UTC"
    generated = _("Generated by geomap on {when}").format(when=when)
    parts = [
        f"<!DOCTYPE html><html lang='{t.lang}' dir='{t.direction}'><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>{_CSS}{_RTL_CSS if t.direction == 'rtl' else ''}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='meta'>{esc(subtitle)}{' · ' if subtitle else ''}{esc(generated)}</p>",
    ]
    if fictional:
        parts.append(
            "<p class='notice'><strong>" + esc(_("Fictional sample data.")) + "</strong> "
            + esc(_("The directory in this document is a generated sample: its organisations, names and phone numbers are not real."))
            + "</p>"
        )
    for sec in sections:
        parts.append(f"<h2>{esc(sec.title)}</h2>{sec.body}")
    sources = list(sources)
    caveats = list(caveats)
    if sources:
        parts.append("<h2>" + esc(_("Data sources")) + "</h2><ul>" + "".join(f"<li>{esc(s)}</li>" for s in sources) + "</ul>")
    if caveats:
        parts.append("<h2>" + esc(_("Caveats")) + "</h2><ul class='caveats'>" + "".join(f"<li>{esc(c)}</li>" for c in caveats) + "</ul>")
    parts.append("</body></html>")
    return "".join(parts)
