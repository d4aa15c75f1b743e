"""Records page: keep the directory in the store — save an upload, edit, verify, review proposals.

Widgets and calls only: every write goes through :mod:`geomap.store`, which checks the role,
logs the change and refuses a save based on an old version. The public sees counts only;
partners see records in full and may propose changes; editors edit, verify, import and approve.
"""

from __future__ import annotations

import streamlit as st

from geomap import auth, i18n
from geomap import store as gs
from geomap.analysis import freshness
from geomap.directory import schema
from geomap.i18n import _
from geomap.pages import _state
from geomap.settings import get_settings

__all__ = ["render"]

_K_OPENED = "geomap_records_opened"  # {(directory, record_id): version the editor started from}
_K_PLAN = "geomap_records_import_plan"


def _user() -> str:
    sess = auth.current_session(st.session_state)
    return sess.user if sess is not None else "anonymous"


def _directory_table(country: str) -> None:
    table = gs.list_directories(_state.get_store())
    table = table[table["country"] == country]
    cols = ["name", "records", "verified", "pending_proposals", "owner", "licence", "sensitivity", "fictional"]
    labels = {"name": _("Directory"), "records": _("Records"), "verified": _("Verified"),
              "pending_proposals": _("Proposals waiting"), "owner": _("Owner"), "licence": _("Licence"),
              "sensitivity": _("Sensitivity"), "fictional": _("Fictional")}
    st.dataframe(table[[c for c in cols if c in table.columns]], hide_index=True, width="stretch", column_config=labels)


def _save_upload(ctx: _state.Context, names: list[str]) -> None:
    up = st.session_state.get(_state.K_UPLOAD)
    if not up or ctx.role != gs.EDITOR:
        return
    st.subheader(_("Save the uploaded file into the store"))
    target = st.text_input(_("Directory name"), value=names[0] if names else _("{country} directory").format(country=ctx.country_name),
                           key="records_target")
    if st.button(_("Preview the import"), key="records_preview"):
        rows, rejected = gs.read_import_file(up["data"], filename=up["name"])
        if target not in names:
            gs.ensure_directory(_state.get_store(), target, country=ctx.country, role=gs.ADMIN)
        st.session_state[_K_PLAN] = gs.preview_import(_state.get_store(), target, rows, rejected)
    plan = st.session_state.get(_K_PLAN)
    if plan is None:
        return
    st.write(plan.summary())
    if plan.changed:
        st.dataframe([{"record": k, "changed fields": ", ".join(v)} for k, v in plan.changed.items()], hide_index=True)
    for _row, reason in plan.rejected:
        st.warning(reason)
    if st.button(_("Commit the import"), key="records_commit", type="primary"):
        try:
            gs.commit_import(_state.get_store(), plan, by=_user(), role=gs.EDITOR)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(_K_PLAN, None)
            st.success(_("Saved into {directory}: {summary}").format(directory=repr(plan.directory), summary=plan.summary()))


def _record_editor(directory: str, role: str) -> None:
    raw = gs.read_directory(_state.get_store(), directory)
    if raw.empty:
        st.info(_("This directory holds no records yet."))
        return
    record_id = st.selectbox(_("Record"), raw["id"].tolist(), key="records_record")
    rec = gs.get_record(_state.get_store(), directory, record_id)
    opened = st.session_state.setdefault(_K_OPENED, {})
    started = opened.setdefault((directory, record_id), rec["version"])
    st.caption(_("Version {version}; verified {date} by {who}").format(
        version=rec["version"], date=rec["verified_at"] or _("never"), who=rec["verified_by"] or "—"))
    st.dataframe([{"field": f, "value": rec["data"].get(f)} for f in schema.FIELD_NAMES], hide_index=True, height=280)
    with st.form("records_edit", clear_on_submit=True):
        field = st.selectbox(_("Field"), [f for f in schema.FIELD_NAMES if f != "id"], key="records_field")
        value = st.text_input(_("New value (empty clears it)"), key="records_value")
        reason = st.text_input(_("Why"), key="records_reason")
        label = _("Save") if role == gs.EDITOR else _("Propose the change")
        if st.form_submit_button(label):
            _save(directory, record_id, {field: value}, started, reason, role)
    if role == gs.EDITOR and st.button(_("Mark verified today"), key="records_verify"):
        version = gs.verify_record(_state.get_store(), directory, record_id, by=_user(), role=gs.EDITOR)
        opened[(directory, record_id)] = version
        st.rerun()
    st.markdown("**" + _("History") + "**")
    log = gs.history(_state.get_store(), directory, record_id)
    cols = ["version", "last_action_date", "updated_by", "last_action_type", "field_name", "previous_value",
            "replacement_value", "reason"]
    st.dataframe(log[cols], hide_index=True, width="stretch")


def _save(directory: str, record_id: str, changes: dict, started: int, reason: str, role: str) -> None:
    opened = st.session_state[_K_OPENED]
    try:
        if role == gs.EDITOR:
            version = gs.update_record(_state.get_store(), directory, record_id, changes, expected_version=started,
                                       by=_user(), role=role, reason=reason or None)
            opened[(directory, record_id)] = version
            st.success(_("Saved: version {version}.").format(version=version))
        else:
            gs.propose(_state.get_store(), directory, record_id, changes, by=_user(), role=role, reason=reason or None)
            st.success(_("Proposed: an editor will review it. It stays hidden from the public until approved."))
    except gs.ConflictError as exc:
        opened.pop((directory, record_id), None)  # the next view starts from the stored version
        st.error(str(exc))


def _proposals(directory: str) -> None:
    table = gs.list_proposals(_state.get_store(), directory, role=gs.EDITOR)
    if table.empty:
        return
    st.subheader(_("Proposals awaiting review ({n})").format(n=len(table)))
    for prop in table.itertuples(index=False):
        st.write(_("**{record}** by {who}: {changes}").format(record=prop.record_id, who=prop.proposed_by, changes=prop.data)
                 + (f" — {prop.reason}" if prop.reason else ""))
        ok, no = st.columns(2)
        try:
            if ok.button(_("Approve"), key=f"approve_{prop.id}"):
                gs.approve(_state.get_store(), prop.id, by=_user(), role=gs.EDITOR)
                st.rerun()
        except gs.ConflictError as exc:
            st.error(str(exc))
        if no.button(_("Reject"), key=f"reject_{prop.id}"):
            gs.reject(_state.get_store(), prop.id, by=_user(), role=gs.EDITOR)
            st.rerun()


def _freshness(ctx: _state.Context) -> None:
    days = get_settings().stale_after_days
    st.subheader(_("Verification and freshness"))
    st.metric(_("Verified in the last 12 months"), i18n.percent(freshness.share_verified(ctx.directory) / 100, digits=1)
              if len(ctx.directory) else _("no records"))
    table = freshness.freshness_by_unit(ctx.units, ctx.directory, stale_after_days=days)
    shown = table.loc[table["records"] > 0, ["name", "records", "verified_recently", "share_verified", "stale", "code"]]
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"name": _("Unit"), "records": _("Records"), "verified_recently": _("Verified in 12 months"),
                                "share_verified": st.column_config.NumberColumn(_("% verified (12 months)"), format="%.0f"),
                                "stale": _("not verified in {days} days").format(days=i18n.number(days)), "code": _("Code")})
    if ctx.role != gs.PUBLIC:
        stale = freshness.stale_records(ctx.view, stale_after_days=days)
        st.caption(_("{n} records not verified in the last {days} days (GEOMAP_STALE_AFTER_DAYS)").format(n=i18n.number(len(stale)), days=i18n.number(days)))
        state = dict(zip(ctx.units["code"].astype(str), ctx.units["name"].astype(str)))
        stale = stale.assign(state=stale["admin1_code"].map(lambda c: state.get(str(c), c) if isinstance(c, str) else ""))
        name = "display_name" if "display_name" in stale.columns else "name"
        st.dataframe(stale[[name, "state", "last_verified", "days_since_verified", "id"]], hide_index=True, width="stretch",
                     column_config={name: _("Record"), "state": _("State"), "last_verified": _("Last verified"),
                                    "days_since_verified": _("Days since verified"), "id": _("ID")})


def render() -> None:
    """Draw the Records page."""
    ctx = _state.get_context()
    st.title(_("Records — {country}").format(country=ctx.country_name))
    st.caption(_("The directories kept in the store: every change is logged with who, when and why."))
    _directory_table(ctx.country)
    _freshness(ctx)
    if ctx.role == gs.PUBLIC:
        st.info(_("Sign in as a partner to see and propose changes to records, or as an editor to edit and verify them."))
        return
    names = _state.stored_directories(ctx.country)
    _save_upload(ctx, names)
    if not names:
        return
    directory = st.session_state.get(_state.K_STORE_DIR)
    directory = directory if directory in names else names[0]
    st.subheader(directory)
    _record_editor(directory, ctx.role)
    if ctx.role == gs.EDITOR:
        _proposals(directory)
