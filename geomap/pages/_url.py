"""The view lives in the URL: the country and each page's own choices as query parameters.

Every page reads its parameters once per session (a shared link, a reload or a bookmark opens
the same view) and writes them back after its widgets are drawn, so the address bar always
holds the view on screen. Values are validated against the widget's options: an unknown value
is dropped, never guessed. Only the view goes into the URL, never a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import streamlit as st

from geomap import boundaries
from geomap.i18n import _

__all__ = ["Param", "apply_country", "country_param", "seed", "write", "copy_link_button"]

#: Parameters owned by the app rather than a page (kept when a page rewrites the URL).
SHARED_PARAMS = ("country", "lang")
_K_SEEDED = "geomap_url_seeded"  # {page: True}: the page's widgets were seeded from the URL
_K_COUNTRY_ERROR = "geomap_url_country_error"


@dataclass(frozen=True)
class Param:
    """One query parameter bound to one widget's session-state key.

    Attributes
    ----------
    name
        The query parameter (``service``, ``measure``…).
    key
        The widget's ``st.session_state`` key.
    kind
        ``"list"`` (comma-separated), ``"str"``, ``"int"``, ``"float"`` or ``"bool"`` (``1``).
    options
        Allowed values (for ``list`` and ``str``); ``None`` accepts any text.
    """

    name: str
    key: str
    kind: str = "str"
    options: tuple[str, ...] | None = None


def _parse(param: Param, raw: str) -> Any:
    """The widget value for ``raw``, or ``None`` when it is not a valid value."""
    raw = raw.strip()
    if param.kind == "list":
        items = [v for v in raw.split(",") if v]
        return [v for v in items if param.options is None or v in param.options]
    if param.kind == "bool":
        return raw in {"1", "true", "yes"}
    if param.kind in ("int", "float"):
        try:
            number = float(raw)
        except ValueError:
            return None
        return int(number) if param.kind == "int" else number
    if param.options is not None and raw not in param.options:
        return None
    return raw or None


def _format(param: Param, value: Any) -> str:
    """The query-parameter text for a widget value ('' leaves the parameter out)."""
    if value is None:
        return ""
    if param.kind == "list":
        return ",".join(str(v) for v in value)
    if param.kind == "bool":
        return "1" if value else ""
    if param.kind == "float":
        return f"{float(value):g}"
    if param.kind == "int":
        return str(int(value)) if value else ""
    return str(value)


def apply_country(default: str, *, set_country: Callable[[str], None]) -> None:
    """Take ``?country=`` (ISO alpha-2 or alpha-3, or a name) into this session.

    Called by ``app.py`` before the page runs. A code that names no bundled country is kept
    aside for :func:`country_error` and the session's country stays as it was.
    """
    raw = st.query_params.get("country", "")
    if not raw:
        return
    try:
        iso3 = boundaries.resolve_country(raw)
    except (ValueError, KeyError):
        st.session_state[_K_COUNTRY_ERROR] = raw
        return
    st.session_state.pop(_K_COUNTRY_ERROR, None)
    if iso3 != st.session_state.get("geomap_country", default):
        set_country(iso3)


def country_error() -> str | None:
    """The ``?country=`` text that named no country in this session's last link, if any."""
    return st.session_state.get(_K_COUNTRY_ERROR)


def country_param(iso3: str) -> str:
    """The short code written to the URL: ISO alpha-2 when the country has one, else alpha-3."""
    import pycountry

    hit = pycountry.countries.get(alpha_3=iso3)
    return hit.alpha_2 if hit is not None else iso3


def seed(page: str, params: Iterable[Param]) -> None:
    """Set ``page``'s widgets from the URL, once per session (before the widgets are drawn)."""
    seeded = st.session_state.setdefault(_K_SEEDED, {})
    if seeded.get(page):
        return
    seeded[page] = True
    query: Mapping[str, str] = st.query_params.to_dict()
    for param in params:
        if param.name not in query:
            continue
        value = _parse(param, str(query[param.name]))
        if value is not None:
            st.session_state[param.key] = value


def write(country: str, params: Iterable[Param] = (), *, extra: Mapping[str, str] | None = None) -> None:
    """Put the view on screen into the URL: the country, ``params``' current values and ``extra``.

    Parameters of other pages are dropped; the app's own (:data:`SHARED_PARAMS`) are kept.
    """
    current = st.query_params.to_dict()
    wanted = {k: str(v) for k, v in current.items() if k in SHARED_PARAMS}
    wanted["country"] = country_param(country)
    for param in params:
        text = _format(param, st.session_state.get(param.key))
        if text:
            wanted[param.name] = text
    for name, text in (extra or {}).items():
        if text:
            wanted[name] = str(text)
    if wanted != current:
        st.query_params.from_dict(wanted)


_COPY_HTML = """
<div class="geomap-copy-link">
<button type="button" data-geomap-copy title="@ARIA@" data-done="@DONE@" data-prompt="@PROMPT@"
  style="font: 14px sans-serif; padding: 6px 12px; border: 1px solid #8a8f98; border-radius: 6px;
         background: #fff; color: #1b1f24; cursor: pointer; width: 100%;">@LABEL@</button>
<span role="status" style="font: 12px sans-serif; color: #1b5e20;"></span>
</div>
<script>
(() => {
  // One listener for the page (the element is drawn again when the language changes); the
  // texts travel on the button, so the listener never holds an old language's words.
  if (window.__geomapCopyLink) { return; }
  window.__geomapCopyLink = true;
  document.addEventListener("click", async (event) => {
    const btn = event.target.closest && event.target.closest("[data-geomap-copy]");
    if (!btn) { return; }
    const url = window.location.href;
    const done = btn.nextElementSibling;
    try { await navigator.clipboard.writeText(url); done.textContent = btn.dataset.done; }
    catch (e) { window.prompt(btn.dataset.prompt, url); }
  });
})();
</script>
"""


def copy_link_button(container: Any = None) -> None:
    """A "Copy link" button: copies the page address, which holds the view on screen.

    Drawn in the page itself (``st.html`` with its script), not in a frame of its own: a frame
    is a whole document for the browser to build on every first visit, and Streamlit retires
    ``components.html``.
    """
    # Its name is its visible text ("Copy link"), so speech input and screen readers agree
    # (WCAG 2.5.3); the longer wording is its tooltip.
    texts = {  # in the run's language, escaped for HTML
        "@ARIA@": escape(_("Copy a link to this view")), "@LABEL@": escape(_("Copy link")),
        "@DONE@": escape(_("Link copied")), "@PROMPT@": escape(_("Copy this link:")),
    }
    page = _COPY_HTML
    for mark, text in texts.items():
        page = page.replace(mark, text)
    target = container if container is not None else st
    target.html(page, unsafe_allow_javascript=True)
