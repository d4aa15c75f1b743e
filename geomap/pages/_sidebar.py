"""The shared sidebar: language, country, the directory in use, partner sign-in."""

from __future__ import annotations

import streamlit as st

from geomap import i18n
from geomap.directory import privacy
from geomap.i18n import _
from geomap.pages import _state, _url

__all__ = ["render"]


def _on_country_change(key: str) -> None:
    # A callback runs before the next script run: the page, drawn before the sidebar, already
    # sees the new country.
    chosen = st.session_state.get(key)
    if chosen not in set(_state.country_options()["country"]):
        return  # not a country code (a label of the picker in another language): keep the country
    _state.set_country(chosen)
    _state.clear_boundaries()
    # The link follows the choice (a ?country= left in the URL would switch it back).
    st.query_params["country"] = _url.country_param(st.session_state[_state.K_COUNTRY])


def _on_language_change() -> None:
    _state.set_language(st.session_state["sidebar_lang"])


def _language_picker() -> None:
    # Each language is named in itself, so a reader who cannot read the current one finds theirs.
    current = i18n.current().lang
    st.sidebar.selectbox(
        _("Language"),
        list(i18n.LANGUAGES),
        index=i18n.LANGUAGES.index(current),
        format_func=i18n.LANGUAGE_NAMES.get,
        key="sidebar_lang",
        on_change=_on_language_change,
        help=_("Held in the address as ?lang=: a link opens in its language."),
    )


def _country_picker() -> None:
    # Built once per language for the whole server (not on every run, for every session).
    codes, labels = _state.country_labels(i18n.current().lang)
    codes = list(codes)
    current = st.session_state.get(_state.K_COUNTRY, _state.DEFAULT_COUNTRY)
    # One widget per language: its labels are in the language, and a picker whose labels change
    # under it would send back a label of the old language instead of a country code.
    key = "sidebar_country_" + i18n.current().lang
    st.sidebar.selectbox(
        _("Country"),
        codes,
        index=codes.index(current) if current in codes else 0,
        format_func=lambda c: labels.get(c, c),
        key=key,
        on_change=_on_country_change,
        args=(key,),
        help=_("Every country in the bundled Natural Earth admin-1 layer."),
    )


def _on_directory_change() -> None:
    _state.set_stored_directory(st.session_state["sidebar_store_directory"])


def _directory_picker(country: str) -> None:
    names = _state.stored_directories(country)
    if not names:
        return
    current = st.session_state.get(_state.K_STORE_DIR)
    st.sidebar.selectbox(
        _("Directory"),
        names,
        index=names.index(current) if current in names else 0,
        key="sidebar_store_directory",
        on_change=_on_directory_change,
        help=_("Directories kept in the store for this country. An uploaded file (Data page) is shown instead, for this session only."),
    )


def _sign_in() -> None:
    from geomap import auth

    role = _state.get_role()
    if role == privacy.PUBLIC:
        # The form is drawn only while the box is open: every visitor loads the page, few sign
        # in, and its text inputs would otherwise be fetched by the browser before the map.
        box = st.sidebar.expander(_("Partner sign-in"), key="sign_in_open", on_change="rerun")
        if not box.open:
            box.caption(_("Public view: confidential shelters show only their state and a front-door contact."))
            return
    else:
        box = st.sidebar.expander(_("Signed in ({role})").format(role=role))
    if role != privacy.PUBLIC:
        sess = auth.current_session(st.session_state)
        box.write(_("**{user}** — confidential locations are visible to you. Do not share screenshots.").format(
            user=i18n.isolate(sess.user)))
        if box.button(_("Sign out"), key="sign_out"):
            auth.sign_out(st.session_state)
            st.rerun()
        return
    with box.form("sign_in", clear_on_submit=True):
        user = st.text_input(_("User name"))
        password = st.text_input(_("Password"), type="password")
        if st.form_submit_button(_("Sign in")):
            if _state.sign_in(user, password) is not None:
                st.rerun()
            elif auth.locked_until(st.session_state) is not None:
                st.error(_("Too many attempts: wait a minute before trying again."))
            else:
                st.error(_("Wrong user name or password, or no credentials file is set up."))
    box.caption(_("Public view: confidential shelters show only their state and a front-door contact."))


def _signed_in_banner() -> None:
    """Who is signed in, at the top of every page's sidebar (easy to miss in a closed box)."""
    role = _state.get_role()
    if role == privacy.PUBLIC:
        return
    from geomap import auth

    sess = auth.current_session(st.session_state)
    who = i18n.isolate(sess.user) if sess is not None else _("a partner")
    st.sidebar.success(_("Signed in as **{user}** ({role}): confidential records are shown.").format(user=who, role=role), icon="🔓")


def signed_in_note() -> None:
    """Who is signed in, at the top of every page's main area (a phone folds the sidebar away)."""
    role = _state.get_role()
    if role == privacy.PUBLIC:
        return
    from geomap import auth

    sess = auth.current_session(st.session_state)
    who = i18n.isolate(sess.user) if sess is not None else _("a partner")
    st.caption("🔓 " + _("Signed in as **{user}** ({role}): confidential records are shown. Sign out in the sidebar.").format(
        user=who, role=role))


def render() -> None:
    """Draw the sidebar shared by every page.

    ``app.py`` draws it after the page: the browser then fetches the page's elements (the map
    first) before the sidebar's. Nothing here may change what the page shows in the same run:
    the country changes through a callback (before the run), sign-in and sign-out rerun.
    """
    st.sidebar.title("geomap")
    _signed_in_banner()
    _language_picker()
    _country_picker()
    _directory_picker(st.session_state.get(_state.K_COUNTRY, _state.DEFAULT_COUNTRY))
    bad = _url.country_error()
    if bad:
        st.sidebar.warning(_("The link names a country geomap does not know ({value}); pick one above.").format(value=repr(bad)))
    _url.copy_link_button(st.sidebar)
    ctx = _state.get_context()
    st.sidebar.markdown(_("Directory: {label}").format(label=ctx.directory_label))
    if ctx.is_sample:
        st.sidebar.warning(_("Sample records are **fictional**: not real organisations, phones or places."), icon="⚠️")
    _sign_in()
