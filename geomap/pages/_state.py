"""Per-session context for the pages, and the cached loaders behind it.

Nothing here holds user data at module level: an upload lives in ``st.session_state`` of the
session that made it, and the cached loaders are pure functions keyed by their inputs (file
bytes, country), so identical inputs share a result and different sessions never see each
other's files.

Units, resolved directories and role views are cached with ``st.cache_resource``: every
session with the same inputs gets the *same* read-only object (``st.cache_data`` would unpickle
a copy for each session and each run: ~1 s and ~7 MB for 10,000 providers). Nothing may modify
them in place; derive a new frame instead (pandas' copy-on-write makes that cheap).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geomap import boundaries, boundary_vintage, i18n, pipeline
from geomap.directory import privacy, schema
from geomap.i18n import N_, _

__all__ = [
    "DEFAULT_COUNTRY",
    "Context",
    "activate_language",
    "apply_url",
    "get_context",
    "note_page",
    "same_page",
    "new_session_context",
    "get_role",
    "set_country",
    "switch_country",
    "set_upload",
    "set_categories",
    "upload_mappings",
    "clear_upload",
    "country_options",
    "units_for",
    "resolve_upload",
    "get_store",
    "stored_directories",
    "set_stored_directory",
    "sign_in",
    "account_locked",
    "is_admin",
]

DEFAULT_COUNTRY = "NGA"

# session_state keys
K_COUNTRY = "geomap_country"
K_UPLOAD = "geomap_upload"  # {"name", "data" (bytes), "sheet", "mapping", "digest", "edits", "categories"}
K_BOUNDARY = "geomap_boundary_upload"  # {"name", "data", "digest"}
K_AUTH = "geomap_auth"  # a geomap.auth session object
K_CONTEXT = "geomap_context"  # (inputs fingerprint, Context): this session's last built context
K_STORE_DIR = "geomap_store_directory"  # name of the stored directory this session looks at
K_LANG = "geomap_lang"  # this session's language (en, es, fr, ar), also held in the URL as ?lang=
K_URL_COUNTRY = "geomap_url_country"  # the ?country= value last applied (a link opens on its country)
K_STORE_OPEN = "geomap_store_open"  # the store URL this session has seen opened (its spinner is shown once)
K_PAGES = "geomap_pages"  # (page of the full run before, page of this full run), as url paths


def activate_language() -> i18n.Translator:
    """Set this run's language from ``?lang=`` (else the session's, else the settings'); returns it.

    The language is held in the URL so a link opens in its language, and in the session so it
    survives page changes (which drop the query string). Call it at the start of every run and
    of every fragment rerun: the language lives in a context variable of the running script,
    never in the process.
    """
    asked = st.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        lang = asked
    elif st.session_state.get(K_LANG) in i18n.LANGUAGES:
        lang = st.session_state[K_LANG]
    else:
        from geomap.settings import get_settings

        lang = get_settings().lang
    st.session_state[K_LANG] = lang
    if asked != lang:
        st.query_params["lang"] = lang
    return i18n.activate(lang)


def note_page(url_path: str) -> None:
    """Remember the page this full run of the app shows (call once per run, before the page)."""
    st.session_state[K_PAGES] = (st.session_state.get(K_PAGES, (None, None))[1], url_path)


def same_page() -> bool:
    """Whether the session's previous full run showed the page this run shows (its elements stay mounted)."""
    before, now = st.session_state.get(K_PAGES, (None, None))
    return now is not None and before == now


def set_language(lang: str) -> None:
    """Switch this session (and its URL) to ``lang``."""
    lang = i18n.normalise(lang)
    st.session_state[K_LANG] = lang
    st.query_params["lang"] = lang


def apply_url() -> None:
    """Open on the country a link names (``?country=MX`` or ``MEX``), once per new value."""
    asked = st.query_params.get("country")
    if not asked or asked == st.session_state.get(K_URL_COUNTRY):
        return
    st.session_state[K_URL_COUNTRY] = asked
    try:
        iso3 = boundaries.resolve_country(asked)
    except (ValueError, KeyError):
        return
    if iso3 != st.session_state.get(K_COUNTRY, DEFAULT_COUNTRY):
        set_country(iso3)
        clear_boundaries()


@dataclass(frozen=True)
class Context:
    """What a page needs: the country, its units and the directory as this session may see it.

    Attributes
    ----------
    directory
        The full, exact resolved directory. Use it for aggregates only.
    view
        The directory as this session's role may see it (public view unless signed in as a
        partner or editor). Use it for anything that shows individual records.
    """

    country: str
    country_name: str
    units: gpd.GeoDataFrame
    directory: gpd.GeoDataFrame
    view: gpd.GeoDataFrame
    role: str
    directory_label: str
    is_sample: bool
    boundary_source: str
    boundary_vintage: str
    boundary_licence: str
    boundary_notes: tuple[str, ...]
    #: The warning that the bundled units differ from ISO 3166-2 (may be outdated), in the run's language; "" if none.
    boundary_warning: str = ""
    #: The stored directory in use and its change stamp (``None`` for an upload or a file).
    store_key: tuple | None = None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False)
def country_options() -> pd.DataFrame:
    """Countries in the bundled layer (ISO3, name, units), sorted by name."""
    return boundaries.list_countries().sort_values("name").reset_index(drop=True)


@st.cache_resource(show_spinner=False)
def _bundled_units(country: str) -> gpd.GeoDataFrame:
    # Bundled data only (no user input): one shared read-only copy per country.
    return pipeline.load_units(country)


@st.cache_resource(show_spinner=False, max_entries=8)  # the spinner, in the run's language, is at the call
def _brought_units(country: str, data: bytes, name: str, digest: str) -> gpd.GeoDataFrame:
    return pipeline.load_units(country, boundaries=data, filename=name)


def units_for(country: str) -> gpd.GeoDataFrame:
    """The units of ``country``: a brought boundary file of this session, else the bundled layer."""
    brought = st.session_state.get(K_BOUNDARY)
    with st.spinner(_("Reading boundaries…")):  # shown only when it takes a while (a cache miss)
        if brought and brought.get("country") == country:
            return _brought_units(country, brought["data"], brought["name"], brought["digest"])
        return _bundled_units(country)


@st.cache_resource(show_spinner=False, max_entries=16)
def resolve_upload(
    country: str,
    data: bytes,
    name: str,
    digest: str,
    *,
    sheet: Any = None,
    mapping: tuple[tuple[str, str], ...] = (),
    units_key: str = "bundled",
    edits: tuple = (),
    categories: tuple[tuple[str, str], ...] = (),
) -> gpd.GeoDataFrame:
    """Read and resolve uploaded bytes (cached by content, country, sheet, mappings and edits).

    A progress bar names each step while it runs (a 100,000-row file takes seconds) and is
    removed when the directory is ready.
    """
    units = units_for(country)
    bar = st.progress(0.0, text=_(_LOAD_STEPS["read"]))
    try:
        return pipeline.load_directory(
            data,
            units=units,
            country=country,
            filename=name,
            sheet=sheet,
            mapping=dict(mapping) or None,
            edits={row: dict(changes) for row, changes in edits} or None,
            categories=dict(categories) or None,
            progress=lambda fraction, stage: bar.progress(min(1.0, fraction), text=_(_LOAD_STEPS.get(stage, _LOAD_STEPS["done"]))),
        )
    finally:
        bar.empty()


#: What the progress bar says at each step of :func:`geomap.pipeline.load_directory`.
_LOAD_STEPS: dict[str, str] = {
    "read": N_("Reading the directory file…"),
    "fields": N_("Checking every field…"),
    "place": N_("Placing each row in a unit…"),
    "towns": N_("Looking up towns in the gazetteer…"),
    "duplicates": N_("Looking for duplicate rows…"),
    "done": N_("Directory ready"),
}


@st.cache_resource(show_spinner=False, max_entries=8)
def _sample_directory(country: str, units_key: str) -> gpd.GeoDataFrame:
    path = pipeline.sample_directory_path(country)
    units = units_for(country)
    if path is None:
        return _empty_directory()
    return pipeline.load_directory(path, units=units, country=country)


@st.cache_resource(show_spinner=False)
def _open_store(url: str):
    # One connection pool per server process and store URL: a resource, not user data.
    from geomap import store

    return store.open_store(url)


def get_store():
    """The store the settings point at (embedded GeoPackage, or PostGIS), opened once per server."""
    from geomap import store

    url = store.store_url()
    if get_script_run_ctx() is None or st.session_state.get(K_STORE_OPEN) == url:
        return _open_store(url)  # open (the pool is the server's): no spinner, which costs a thread a call
    with st.spinner(_("Opening the store…")):
        opened = _open_store(url)
    st.session_state[K_STORE_OPEN] = url
    return opened


def stored_directories(country: str) -> list[str]:
    """Names of the store's directories for ``country`` (asked afresh: another server may add one)."""
    from geomap import store

    return store.directory_names(get_store(), country=country, kind="directory")


def set_stored_directory(name: str) -> None:
    """Look at the stored directory ``name`` (this session only)."""
    st.session_state[K_STORE_DIR] = name


def _picked_directory(country: str) -> tuple[str, tuple[int, str]] | None:
    from geomap import store

    names = stored_directories(country)
    if not names:
        return None
    name = st.session_state.get(K_STORE_DIR)
    name = name if name in names else names[0]
    return name, store.directory_stamp(get_store(), name)


@st.cache_resource(show_spinner=False, max_entries=16)
def _stored_directory(country: str, name: str, stamp: tuple[int, str], units_key: str) -> gpd.GeoDataFrame:
    # Keyed by the directory's change stamp: any committed edit (from any server) reloads it.
    from geomap import store

    return store.load_directory(get_store(), name, units=units_for(country))


def sign_in(user: str, password: str):
    """Sign this session in: an account kept in the store first, else the credentials file.

    A store account's failed sign-ins lock the account itself (in the store), whatever browser
    session they come from; a new account works at once.
    """
    from geomap import auth
    from geomap.store import users

    session = users.sign_in(st.session_state, get_store(), user, password)
    if session is not None or users.exists(get_store(), user):
        return session
    return auth.sign_in(st.session_state, user, password)


def is_admin() -> bool:
    """Whether this session is signed in with a store account that is an admin now (asked afresh)."""
    from geomap import auth

    sess = auth.current_session(st.session_state)
    if sess is None:
        return False
    from geomap.store import users

    row = users.account(get_store(), sess.user)
    return row is not None and row["role"] == "admin" and not row["disabled"]


def account_locked(user: str) -> bool:
    """Whether the store account ``user`` is locked after failed sign-ins (in the store, for every session)."""
    from geomap.store import users

    return users.is_locked(get_store(), user)


def _empty_directory() -> gpd.GeoDataFrame:
    df = schema.empty_directory()
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def get_role() -> str:
    """This session's role: ``partner``/``editor`` while a sign-in is valid, else ``public``.

    A store account is asked afresh (one key lookup, signed-in sessions only): disabling it ends
    its sessions on every server at their next run, and a new role applies at once.
    """
    import dataclasses

    from geomap import auth
    from geomap.store import users

    role = auth.current_role(st.session_state)
    sess = auth.current_session(st.session_state)
    if sess is None or role == privacy.PUBLIC:
        return role
    row = users.account(get_store(), sess.user)
    if row is None:  # an account of the credentials file
        return role
    if row["disabled"]:
        auth.sign_out(st.session_state)
        return privacy.PUBLIC
    live = users.session_role(row["role"])
    if live != role:
        st.session_state[auth.SESSION_KEY] = dataclasses.replace(sess, role=live)
    return live


def set_country(country: str) -> None:
    """Switch this session to ``country`` (ISO3)."""
    st.session_state[K_COUNTRY] = boundaries.resolve_country(country)


def switch_country(country: str) -> None:
    """Switch this session to ``country`` as a person would: bundled boundaries, sidebar in step."""
    set_country(country)
    clear_boundaries()
    # the sidebar holds one country picker per language (see _sidebar): keep this run's in step
    st.session_state["sidebar_country_" + i18n.current().lang] = st.session_state[K_COUNTRY]


def set_upload(
    name: str, data: bytes, *, sheet: Any = None, mapping: dict[str, str] | None = None, categories: dict[str, str] | None = None
) -> None:
    """Make an uploaded directory this session's directory (kept only in this session)."""
    st.session_state[K_UPLOAD] = {
        "name": name,
        "data": data,
        "digest": _digest(data),
        "sheet": sheet,
        "mapping": tuple(sorted((mapping or {}).items())),
        "edits": (),
        "categories": tuple(sorted((categories or {}).items())),
    }


def set_categories(categories: dict[str, str]) -> None:
    """Map raw categories of this session's upload to codes (``{raw: code}``, ``""`` ignores one)."""
    up = st.session_state.get(K_UPLOAD)
    if not up:
        msg = "there is no uploaded directory to map categories of; upload one first"
        raise ValueError(msg)
    merged = dict(up.get("categories", ()))
    merged.update(schema.check_category_mapping(categories))
    up["categories"] = tuple(sorted(merged.items()))


def upload_mappings() -> tuple[dict[str, str], dict[str, str]]:
    """This session's column and category mappings (empty without an upload)."""
    up = st.session_state.get(K_UPLOAD) or {}
    return dict(up.get("mapping", ())), dict(up.get("categories", ()))


def add_edits(edits: dict[int, dict[str, str]]) -> None:
    """Record corrections to this session's uploaded directory (``{source_row: {field: value}}``)."""
    up = st.session_state.get(K_UPLOAD)
    if not up:
        msg = "there is no uploaded directory to correct; upload one first"
        raise ValueError(msg)
    merged = {row: dict(changes) for row, changes in up.get("edits", ())}
    for row, changes in edits.items():
        merged.setdefault(int(row), {}).update(changes)
    up["edits"] = tuple(sorted((row, tuple(sorted(ch.items()))) for row, ch in merged.items()))


def clear_upload() -> None:
    """Go back to the bundled sample directory."""
    st.session_state.pop(K_UPLOAD, None)


def set_boundaries(name: str, data: bytes, *, country: str) -> None:
    """Use a brought boundary file for ``country`` in this session."""
    st.session_state[K_BOUNDARY] = {"name": name, "data": data, "digest": _digest(data), "country": country}


def clear_boundaries() -> None:
    """Go back to the bundled boundary layer."""
    st.session_state.pop(K_BOUNDARY, None)


def current_directory(country: str, *, picked: tuple | None | bool = True) -> tuple[gpd.GeoDataFrame, str, bool]:
    """This session's resolved directory, its label and whether it is the fictional sample.

    ``picked``: the stored directory in use and its stamp, when the caller asked the store already
    (``None``: none); ``True`` asks the store.
    """
    brought = st.session_state.get(K_BOUNDARY)
    units_key = brought["digest"] if brought and brought.get("country") == country else "bundled"
    up = st.session_state.get(K_UPLOAD)
    if up:
        with st.spinner(_("Resolving the directory…")):
            directory = resolve_upload(
                country, up["data"], up["name"], up["digest"],
                sheet=up["sheet"], mapping=up["mapping"], units_key=units_key, edits=up.get("edits", ()),
                categories=up.get("categories", ()),
            )
        return directory, _("Uploaded: {name}").format(name=up["name"]), False
    if picked is True:
        picked = _picked_directory(country)
    if picked is not None:
        with st.spinner(_("Loading the directory…")):
            directory = _stored_directory(country, picked[0], picked[1], units_key)
        return directory, _("{name} (kept in the store)").format(name=picked[0]), bool(directory.attrs.get("fictional"))
    path = pipeline.sample_directory_path(country)
    with st.spinner(_("Loading the sample directory…")):
        directory = _sample_directory(country, units_key)
    if path is None:
        return directory, _("No directory loaded (no bundled sample for this country)"), False
    return directory, _("{country} sample directory (fictional)").format(country=country_name(country)), True


@st.cache_resource(show_spinner=False, max_entries=8)
def _country_names(lang: str) -> MappingProxyType:
    # Every bundled country's name in ``lang``, built once per language and server (read-only,
    # shared by every session): the sidebar names ~250 countries on every run, and looking each
    # one up in the table cost 1-2 s per run.
    opts = country_options()
    territories = i18n.translator(lang).locale.territories
    a2 = opts["iso_a2"] if "iso_a2" in opts.columns else [None] * len(opts)
    names = {str(c): territories.get(str(a)) or str(n) for c, n, a in zip(opts["country"], opts["name"], a2)}
    return MappingProxyType(names)


def country_name(country: str) -> str:
    """Name of a country (ISO3) in the current language (CLDR, via Babel), else the bundled layer's."""
    return _country_names(i18n.current().lang).get(country, country)


@st.cache_resource(show_spinner=False, max_entries=8)
def country_labels(lang: str) -> tuple[tuple[str, ...], MappingProxyType]:
    """The country picker's codes (sorted by English name) and labels ("Mexico (32 units)") in ``lang``.

    Built once per language and server, shared read-only by every session.
    """
    opts = country_options()
    names = _country_names(lang)
    t = i18n.translator(lang)
    labels = {
        str(c): names[str(c)] + " (" + t.ngettext("{n} unit", "{n} units", int(n)).format(n=t.number(int(n))) + ")"
        for c, n in zip(opts["country"], opts["units"])
    }
    return tuple(labels), MappingProxyType(labels)


def _context_inputs(country: str, role: str) -> tuple:
    """Everything a context is built from (the session's choices, not their bytes)."""
    brought = st.session_state.get(K_BOUNDARY)
    up = st.session_state.get(K_UPLOAD)
    return (
        country,
        role,
        i18n.current().lang,
        (brought["digest"], brought.get("country")) if brought else None,
        (up["digest"], up["name"], repr(up["sheet"]), up["mapping"], up.get("edits", ()), up.get("categories", ())) if up else None,
        None if up else _picked_directory(country),
    )


def get_context() -> Context:
    """This session's context.

    Built once per change of its inputs (country, role, brought boundaries, upload and its
    edits) and kept in this session's state, so a rerun that only changes a filter, and the
    sidebar and page asking for it in the same run, do not rebuild it. Pages must treat its
    frames as read-only.
    """
    country = st.session_state.get(K_COUNTRY, DEFAULT_COUNTRY)
    role = get_role()
    inputs = _context_inputs(country, role)
    kept = st.session_state.get(K_CONTEXT)
    if kept is not None and kept[0] == inputs:
        return kept[1]
    ctx = _build_context(country, role, inputs=inputs)
    st.session_state[K_CONTEXT] = (inputs, ctx)
    return ctx


def new_session_context(country: str, *, role: str = privacy.PUBLIC) -> Context:
    """The context a new session of ``role`` gets for ``country`` (no upload, bundled boundaries).

    Builds through the same shared caches as :func:`get_context`, in the current language;
    works outside a script run too (the server's start-up warm-up, ``geomap.pages._startup``),
    where the session state is empty, as a new session's is.
    """
    return _build_context(country, role)


@st.cache_resource(show_spinner=False, max_entries=32)
def _view_for_role(directory_key: tuple, role: str, _directory: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Keyed by what the directory was built from (country, brought boundaries, upload and edits).
    return privacy.view_for_role(_directory, role)


def _build_context(country: str, role: str, *, inputs: tuple | None = None) -> Context:
    inputs = inputs or _context_inputs(country, role)
    units = units_for(country)
    directory, label, is_sample = current_directory(country, picked=inputs[5])
    view = _view_for_role((inputs[0], *inputs[3:]), role, directory)
    units = boundaries.localized_names(units, i18n.current().lang)
    notes = tuple(units.attrs.get("notes", ()) or ())
    warning = ""
    if units.attrs.get("vintage_note"):  # said again in this run's language (the loaded note is cached)
        warning = boundary_vintage.vintage_note(country, country_name=country_name(country)) or ""
        notes = tuple(warning if n == units.attrs["vintage_note"] else n for n in notes)
    source = str(units.attrs.get("source", "") or _("source not stated"))
    vintage = str(units.attrs.get("vintage", "") or _("vintage not stated"))
    licence = str(units.attrs.get("licence", "") or "")
    return Context(
        country=country,
        country_name=country_name(country),
        units=units,
        directory=directory,
        view=view,
        role=role,
        directory_label=label,
        is_sample=is_sample,
        boundary_source=source,
        boundary_vintage=vintage,
        boundary_licence=licence,
        boundary_notes=notes,
        boundary_warning=warning,
        store_key=inputs[5],  # the picked stored directory and its change stamp (None for an upload)
    )
