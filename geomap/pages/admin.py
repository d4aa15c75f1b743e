"""Admin page: the store's accounts and directories (admin role only).

Widgets and calls only: every change goes through :mod:`geomap.store` (accounts in
:mod:`geomap.store.users`, directories in :mod:`geomap.store.directories`), which checks the
values and runs one transaction. The page asks the store, on every run, whether the signed-in
account is an admin now: a role taken away applies at once.
"""

from __future__ import annotations

import streamlit as st

from geomap import auth, i18n
from geomap import store as gs
from geomap.i18n import N_, _
from geomap.pages import _state
from geomap.store import users

__all__ = ["render", "is_admin"]

#: Column headers of the accounts table.
_ACCOUNT_COLUMNS = {
    "name": N_("Account"),
    "role": N_("Role"),
    "disabled": N_("Disabled"),
    "locked_until": N_("Locked until"),
    "failed_attempts": N_("Failed sign-ins"),
    "created_at": N_("Created"),
}
#: Column headers of the directories table.
_DIRECTORY_COLUMNS = {
    "name": N_("Directory"),
    "country": N_("Country"),
    "owner": N_("Owner"),
    "licence": N_("Licence"),
    "sensitivity": N_("Sensitivity"),
    "kind": N_("Kind"),
    "fictional": N_("Fictional sample"),
    "records": N_("Records"),
}
_ROLE_LABELS = {gs.PARTNER: N_("partner"), gs.EDITOR: N_("editor"), gs.ADMIN: N_("admin")}
_SENSITIVITY_LABELS = {"public": N_("public"), "restricted": N_("restricted"), "confidential": N_("confidential")}


def is_admin() -> bool:
    """Whether this session is signed in with a store account that is an admin (asked afresh)."""
    return _state.is_admin()


def _me() -> str:
    sess = auth.current_session(st.session_state)
    return sess.user if sess is not None else ""


def _headed(table, labels: dict[str, str]):
    return table[[c for c in labels if c in table.columns]].rename(columns={c: _(v) for c, v in labels.items()})


def _done(message: str) -> None:
    # Shown after the rerun that redraws the tables with the change.
    st.session_state["admin_done"] = message
    st.rerun()


def _create_account() -> None:
    with st.form("admin_new_account", clear_on_submit=True):
        st.markdown("**" + _("Create an account") + "**")
        name = st.text_input(_("Account name"), key="admin_new_name")
        role = st.selectbox(_("Role"), list(_ROLE_LABELS), format_func=lambda r: _(_ROLE_LABELS[r]), key="admin_new_role")
        first = st.text_input(_("Password (at least {n} characters)").format(n=auth.MIN_PASSWORD_LENGTH), type="password",
                              key="admin_new_pw")
        again = st.text_input(_("Repeat the password"), type="password", key="admin_new_pw2")
        if st.form_submit_button(_("Create the account")):
            if first != again:
                st.error(_("The two passwords differ; nothing was changed."))
                return
            try:
                users.add_user(_state.get_store(), name.strip(), first, role=role)
            except ValueError as exc:
                st.error(i18n.error_text(exc))
                return
            _done(_("Account {name} created ({role}): it can sign in now.").format(name=repr(name.strip()), role=_(_ROLE_LABELS[role])))


def _account_actions(name: str, row: dict) -> None:
    store = _state.get_store()
    mine = name == _me()
    c1, c2, c3 = st.columns(3)
    role = c1.selectbox(_("Role"), list(_ROLE_LABELS), index=list(_ROLE_LABELS).index(row["role"]),
                        format_func=lambda r: _(_ROLE_LABELS[r]), key="admin_role")
    if c1.button(_("Change the role"), key="admin_set_role", disabled=role == row["role"]):
        if mine:
            st.error(_("You cannot change your own role: another admin must."))
            return
        users.set_role(store, name, role)
        _done(_("{name} is now {role}.").format(name=repr(name), role=_(_ROLE_LABELS[role])))
    if c2.button(_("Unlock"), key="admin_unlock", disabled=not row["locked_until"]):
        users.unlock(store, name)
        _done(_("{name} is unlocked.").format(name=repr(name)))
    label = _("Enable") if row["disabled"] else _("Disable")
    if c3.button(label, key="admin_disable"):
        if mine:
            st.error(_("You cannot disable your own account."))
            return
        users.set_disabled(store, name, not row["disabled"])
        _done((_("{name} is enabled.") if row["disabled"] else _("{name} is disabled: it can no longer sign in.")).format(name=repr(name)))
    with st.form("admin_reset_pw", clear_on_submit=True):
        first = st.text_input(_("New password for {name}").format(name=name), type="password", key="admin_reset_pw1")
        again = st.text_input(_("Repeat the password"), type="password", key="admin_reset_pw2")
        if st.form_submit_button(_("Reset the password")):
            if first != again:
                st.error(_("The two passwords differ; nothing was changed."))
                return
            try:
                users.set_password(store, name, first)
            except ValueError as exc:
                st.error(i18n.error_text(exc))
                return
            _done(_("Password of {name} reset (and the account unlocked).").format(name=repr(name)))


def _accounts() -> None:
    st.subheader(_("Accounts"))
    table = users.list_users(_state.get_store())
    shown = table.assign(role=table["role"].map(lambda r: _(_ROLE_LABELS.get(r, r))),
                         disabled=table["disabled"].map({True: _("yes"), False: _("no")}))
    st.dataframe(_headed(shown, _ACCOUNT_COLUMNS), hide_index=True, width="stretch")
    st.caption(_("Accounts live in the store: a new account, a role or a password works at once on every app server. "
                 "{n} failed sign-ins in a row lock an account for {minutes} minutes.").format(
                     n=users.MAX_FAILED_ATTEMPTS, minutes=int(users.LOCKOUT.total_seconds() // 60)))
    _create_account()
    if table.empty:
        return
    names = table["name"].tolist()
    name = st.selectbox(_("Manage the account"), names, key="admin_account")
    _account_actions(name, table.set_index("name").loc[name].to_dict())


def _create_directory() -> None:
    with st.form("admin_new_directory", clear_on_submit=True):
        st.markdown("**" + _("Create a directory") + "**")
        name = st.text_input(_("Name"), key="admin_dir_name", placeholder=_("Nigeria — national referral directory"))
        codes = _state.country_options()["country"].tolist()
        current = st.session_state.get(_state.K_COUNTRY, _state.DEFAULT_COUNTRY)
        country = st.selectbox(_("Country"), codes, index=codes.index(current) if current in codes else 0,
                               format_func=_state.country_name, key="admin_dir_country")
        owner = st.text_input(_("Owner"), key="admin_dir_owner")
        licence = st.text_input(_("Licence"), key="admin_dir_licence")
        sensitivity = st.selectbox(_("Sensitivity"), list(gs.SENSITIVITIES), index=1,
                                   format_func=lambda v: _(_SENSITIVITY_LABELS[v]), key="admin_dir_sensitivity")
        if st.form_submit_button(_("Create the directory")):
            try:
                gs.create_directory(_state.get_store(), name, country=country, role=gs.ADMIN, owner=owner,
                                    licence=licence, sensitivity=sensitivity)
            except ValueError as exc:
                st.error(i18n.error_text(exc))
                return
            _done(_("Directory {name} created.").format(name=repr(name.strip())))


def _directory_details(name: str, row: dict) -> None:
    store = _state.get_store()
    with st.form("admin_edit_directory"):
        owner = st.text_input(_("Owner"), value=row["owner"], key="admin_edit_owner")
        licence = st.text_input(_("Licence"), value=row["licence"], key="admin_edit_licence")
        sensitivity = st.selectbox(_("Sensitivity"), list(gs.SENSITIVITIES), index=list(gs.SENSITIVITIES).index(row["sensitivity"]),
                                   format_func=lambda v: _(_SENSITIVITY_LABELS[v]), key="admin_edit_sensitivity")
        if st.form_submit_button(_("Save the details")):
            gs.update_directory(store, name, role=gs.ADMIN, owner=owner, licence=licence, sensitivity=sensitivity)
            _done(_("Details of {name} saved.").format(name=repr(name)))
    new_name = st.text_input(_("New name"), value=name, key="admin_rename_to")
    if st.button(_("Rename"), key="admin_rename", disabled=new_name.strip() in ("", name)):
        try:
            gs.rename_directory(store, name, new_name, role=gs.ADMIN)
        except ValueError as exc:
            st.error(i18n.error_text(exc))
            return
        if st.session_state.get(_state.K_STORE_DIR) == name:
            _state.set_stored_directory(new_name.strip())
        _done(_("{old} renamed {new}: its records and history go with it.").format(old=repr(name), new=repr(new_name.strip())))
    _delete_directory(name, int(row["records"]))


def _delete_directory(name: str, records: int) -> None:
    st.markdown("**" + _("Delete the directory") + "**")
    st.caption(_("Its {n} records, their history and proposals are deleted with it. Make a backup first "
                 "(geomap store backup) to keep them.").format(n=records))
    typed = st.text_input(_("Type the directory's name to confirm"), key="admin_delete_confirm")
    if st.button(_("Delete"), key="admin_delete", type="primary", disabled=typed != name):
        try:
            gs.delete_directory(_state.get_store(), name, role=gs.ADMIN, confirm=typed)
        except ValueError as exc:
            st.error(i18n.error_text(exc))
            return
        _done(_("Directory {name} deleted.").format(name=repr(name)))


def _directories() -> None:
    st.subheader(_("Directories"))
    table = gs.list_directories(_state.get_store())
    shown = table.assign(sensitivity=table["sensitivity"].map(lambda v: _(_SENSITIVITY_LABELS.get(v, v))),
                         fictional=table["fictional"].map({True: _("yes"), False: _("no")}))
    st.dataframe(_headed(shown, _DIRECTORY_COLUMNS), hide_index=True, width="stretch")
    _create_directory()
    if table.empty:
        return
    name = st.selectbox(_("Manage the directory"), table["name"].tolist(), key="admin_directory")
    _directory_details(name, table.set_index("name").loc[name].to_dict() | {"name": name})


def render() -> None:
    """Draw the Admin page (admin role only)."""
    st.title(_("Admin"))
    if not is_admin():
        st.warning(_("This page is for admins: sign in with an admin account kept in the store."))
        return
    done = st.session_state.pop("admin_done", None)
    if done:
        st.success(done)
    st.caption(_("Signed-in admins manage the store's accounts and directories here; `geomap users --store` and "
                 "`geomap store` do the same from the command line."))
    _accounts()
    _directories()
