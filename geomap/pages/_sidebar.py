"""The shared sidebar: country, the directory in use, partner sign-in."""

from __future__ import annotations

import streamlit as st

from geomap.directory import privacy
from geomap.pages import _state

__all__ = ["render"]


def _country_picker() -> None:
    opts = _state.country_options()
    codes = opts["country"].tolist()
    labels = dict(zip(opts["country"], opts["name"] + " (" + opts["units"].astype(str) + " units)"))
    current = st.session_state.get(_state.K_COUNTRY, _state.DEFAULT_COUNTRY)
    choice = st.sidebar.selectbox(
        "Country",
        codes,
        index=codes.index(current) if current in codes else 0,
        format_func=lambda c: labels.get(c, c),
        key="sidebar_country",
        help="Every country in the bundled Natural Earth admin-1 layer.",
    )
    if choice != current:
        _state.set_country(choice)
        _state.clear_boundaries()


def _sign_in() -> None:
    from geomap import auth

    role = _state.get_role()
    box = st.sidebar.expander("Partner sign-in" if role == privacy.PUBLIC else f"Signed in ({role})")
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


def render() -> None:
    """Draw the sidebar shared by every page."""
    st.sidebar.title("geomap")
    _country_picker()
    ctx = _state.get_context()
    st.sidebar.caption(f"Directory: {ctx.directory_label}")
    if ctx.is_sample:
        st.sidebar.warning("Sample records are **fictional**: not real organisations, phones or places.", icon="⚠️")
    _sign_in()
