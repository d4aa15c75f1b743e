"""The shared sidebar: country, the directory in use, partner sign-in."""

from __future__ import annotations

import streamlit as st

from geomap.directory import privacy
from geomap.pages import _state, _url

__all__ = ["render"]


def _on_country_change() -> None:
    # A callback runs before the next script run: the page, drawn before the sidebar, already
    # sees the new country.
    _state.set_country(st.session_state["sidebar_country"])
    _state.clear_boundaries()
    # The link follows the choice (a ?country= left in the URL would switch it back).
    st.query_params["country"] = _url.country_param(st.session_state[_state.K_COUNTRY])


def _country_picker() -> None:
    opts = _state.country_options()
    codes = opts["country"].tolist()
    labels = dict(zip(opts["country"], opts["name"] + " (" + opts["units"].astype(str) + " units)"))
    current = st.session_state.get(_state.K_COUNTRY, _state.DEFAULT_COUNTRY)
    st.sidebar.selectbox(
        "Country",
        codes,
        index=codes.index(current) if current in codes else 0,
        format_func=lambda c: labels.get(c, c),
        key="sidebar_country",
        on_change=_on_country_change,
        help="Every country in the bundled Natural Earth admin-1 layer.",
    )


def _sign_in() -> None:
    from geomap import auth

    role = _state.get_role()
    if role == privacy.PUBLIC:
        # The form is drawn only while the box is open: every visitor loads the page, few sign
        # in, and its text inputs would otherwise be fetched by the browser before the map.
        box = st.sidebar.expander("Partner sign-in", key="sign_in_open", on_change="rerun")
        if not box.open:
            box.caption("Public view: confidential shelters show only their state and a front-door contact.")
            return
    else:
        box = st.sidebar.expander(f"Signed in ({role})")
    if role != privacy.PUBLIC:
        sess = auth.current_session(st.session_state)
        box.write(f"**{sess.user}** — confidential locations are visible to you. Do not share screenshots.")
        if box.button("Sign out", key="sign_out"):
            auth.sign_out(st.session_state)
            st.rerun()
        return
    with box.form("sign_in", clear_on_submit=True):
        user = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            if auth.sign_in(st.session_state, user, password) is not None:
                st.rerun()
            elif auth.locked_until(st.session_state) is not None:
                st.error("Too many attempts: wait a minute before trying again.")
            else:
                st.error("Wrong user name or password, or no credentials file is set up.")
    box.caption("Public view: confidential shelters show only their state and a front-door contact.")


def _signed_in_banner() -> None:
    """Who is signed in, at the top of every page's sidebar (easy to miss in a closed box)."""
    role = _state.get_role()
    if role == privacy.PUBLIC:
        return
    from geomap import auth

    sess = auth.current_session(st.session_state)
    who = sess.user if sess is not None else "a partner"
    st.sidebar.success(f"Signed in as **{who}** ({role}): confidential records are shown.", icon="🔓")


def render() -> None:
    """Draw the sidebar shared by every page.

    ``app.py`` draws it after the page: the browser then fetches the page's elements (the map
    first) before the sidebar's. Nothing here may change what the page shows in the same run:
    the country changes through a callback (before the run), sign-in and sign-out rerun.
    """
    st.sidebar.title("geomap")
    _signed_in_banner()
    _country_picker()
    bad = _url.country_error()
    if bad:
        st.sidebar.warning(f"The link names a country geomap does not know ({bad!r}); pick one above.")
    _url.copy_link_button(st.sidebar)
    ctx = _state.get_context()
    st.sidebar.markdown(f"Directory: {ctx.directory_label}")
    if ctx.is_sample:
        st.sidebar.warning("Sample records are **fictional**: not real organisations, phones or places.", icon="⚠️")
    _sign_in()
