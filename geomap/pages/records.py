"""Records page: keep the directory in the store — save an upload, edit, verify, review proposals.

Widgets and calls only: every write goes through :mod:`geomap.store`, which checks the role,
logs the change and refuses a save based on an old version. The public sees counts only;
partners see records in full and may propose changes; editors edit, verify, import and approve.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from geomap import auth, i18n
from geomap import store as gs
from geomap.analysis import freshness
from geomap.directory import disclosure, privacy, schema, writers
from geomap.i18n import _
from geomap.pages import _state, _widgets
from geomap.settings import get_settings
from geomap.store import reasons

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
        st.dataframe([{"record": k, "changed fields": i18n.join(v)} for k, v in plan.changed.items()], hide_index=True)
    for _row, reason in plan.rejected:
        st.warning(reason)
    if st.button(_("Commit the import"), key="records_commit", type="primary"):
        try:
            gs.commit_import(_state.get_store(), plan, by=_user(), role=gs.EDITOR)
        except ValueError as exc:
            st.error(i18n.error_text(exc))
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
    if role == gs.EDITOR and st.button(_("Delete this record"), key="records_delete",
                                       help=_("It stays in the history and can be restored below.")):
        try:
            gs.delete_record(_state.get_store(), directory, record_id, expected_version=started, by=_user(), role=gs.EDITOR)
        except gs.ConflictError as exc:
            opened.pop((directory, record_id), None)
            st.error(i18n.error_text(exc))
        else:
            opened.pop((directory, record_id), None)
            st.rerun()
    st.markdown("**" + _("History") + "**")
    log = gs.history(_state.get_store(), directory, record_id)
    log["reason"] = [reasons.said(r) for r in log["reason"]]  # the store's own reasons in the page's language
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
        st.error(i18n.error_text(exc))


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
            st.error(i18n.error_text(exc))
        if no.button(_("Reject"), key=f"reject_{prop.id}"):
            gs.reject(_state.get_store(), prop.id, by=_user(), role=gs.EDITOR)
            st.rerun()


def _freshness(ctx: _state.Context) -> None:
    days = get_settings().stale_after_days
    st.subheader(_("Verification and freshness"))
    # The public table leaves out what the disclosure rule withholds (a lone confidential
    # record's verification date says it exists); partners and editors see every record.
    table = freshness.published_freshness(ctx.units, ctx.directory, role=ctx.role, stale_after_days=days)
    total = int(table["records"].sum())
    exact = not table[disclosure.BANDED_COLUMN].any()
    st.metric(_("Verified in the last 12 months") if exact else _("Verified in the last 12 months (records shown exactly)"),
              i18n.percent(table["verified_recently"].sum() / total, digits=1) if total else _("no records"))
    cols = ["name", "records", "verified_recently", "share_verified", "stale", "code"] + ([] if exact else [disclosure.BANDED_COLUMN])
    st.dataframe(table.loc[table["records"] > 0, cols], hide_index=True, width="stretch",
                 column_config={"name": _("Unit"), "records": _("Records"), "verified_recently": _("Verified in 12 months"),
                                "share_verified": st.column_config.NumberColumn(_("% verified (12 months)"), format="%.0f"),
                                "stale": _("not verified in {days} days").format(days=i18n.number(days)), "code": _("Code"),
                                disclosure.BANDED_COLUMN: _("Banded (confidential sites fewer than k)")})
    if not exact:
        st.caption(_("Public view: in a banded unit the figures count the records shown exactly; fewer than {k} "
                     "confidential ones (maybe none) are left out.").format(k=disclosure.disclosure_k()))
    if ctx.role != gs.PUBLIC:
        _stale_by_unit(ctx, days)


def _stale_by_unit(ctx: _state.Context, days: int) -> None:
    stale = freshness.stale_records(ctx.view, stale_after_days=days)
    state = dict(zip(ctx.units["code"].astype(str), ctx.units["name"].astype(str), strict=False))
    stale = stale.assign(state=stale["admin1_code"].map(lambda c: state.get(str(c), c) if isinstance(c, str) else ""))
    stale = stale.sort_values(["state", "days_since_verified"], ascending=[True, False], na_position="first")
    st.markdown("**" + _("Stale records by unit") + "**")
    st.caption(_("{n} records not verified in the last {days} days (GEOMAP_STALE_AFTER_DAYS)").format(
        n=i18n.number(len(stale)), days=i18n.number(days)))
    name = "display_name" if "display_name" in stale.columns else "name"
    st.dataframe(stale[["state", name, "last_verified", "days_since_verified", "id"]], hide_index=True, width="stretch",
                 column_config={name: _("Record"), "state": _("State"), "last_verified": _("Last verified"),
                                "days_since_verified": _("Days since verified"), "id": _("ID")})


def _deleted(directory: str) -> None:
    gone = gs.deleted_records(_state.get_store(), directory)
    if gone.empty:
        return
    st.markdown("**" + _("Deleted records ({n})").format(n=len(gone)) + "**")
    st.dataframe(gone, hide_index=True, width="stretch",
                 column_config={"record_id": _("Record"), "version": _("Version"), "deleted_at": _("Deleted at"),
                                "deleted_by": _("Deleted by")})
    record_id = st.selectbox(_("Deleted record"), gone["record_id"].tolist(), key="records_deleted")
    if st.button(_("Restore this record"), key="records_restore"):
        version = gs.restore_record(_state.get_store(), directory, record_id, by=_user(), role=gs.EDITOR)
        st.session_state.get(_K_OPENED, {}).pop((directory, record_id), None)
        st.success(_("Restored: version {version}.").format(version=version))


def _over_time(ctx: _state.Context, directory: str) -> None:
    """The directory as of a date, two dates compared per unit, and the change log (partners and editors)."""
    # Drawn only while open: rebuilding two past states replays the change log.
    box = st.expander(_("The directory over time: as of a date, two dates compared, the change log"),
                      key="records_over_time_open", on_change="rerun")
    if not box.open:
        return
    with box:
        _compare_dates(ctx, directory)


def _compare_dates(ctx: _state.Context, directory: str) -> None:
    from geomap.analysis.compare import compare_by_unit
    from geomap.directory import resolve

    today = date.today()
    c1, c2 = st.columns(2)
    since = c1.date_input(_("From"), value=today - timedelta(days=30), max_value=today, key="records_since")
    until = c2.date_input(_("To"), value=today, max_value=today, key="records_until")
    store = _state.get_store()
    country = ctx.country
    states = [resolve.resolve_directory(gs.as_of(store, directory, d.isoformat()), ctx.units, country=country)
              for d in (since, until)]
    table = compare_by_unit(ctx.units, *states)
    moved = table[(table["added"] > 0) | (table["removed"] > 0)]
    st.write(_("{before} providers on {since}, {after} on {until}: {added} added, {removed} removed, in {n} units.").format(
        before=int(table["before"].sum()), since=since.isoformat(), after=int(table["after"].sum()), until=until.isoformat(),
        added=int(table["added"].sum()), removed=int(table["removed"].sum()), n=len(moved)))
    st.dataframe(moved, hide_index=True, width="stretch",
                 column_config={"code": _("Code"), "name": _("Unit"), "before": _("Providers before"),
                                "after": _("Providers after"), "added": _("Added"), "removed": _("Removed")})
    d1, d2, d3 = st.columns(3)
    d1.download_button(_("Compared per unit (CSV)"), data=lambda: _widgets.csv_bytes(table), on_click="ignore",
                       file_name=f"geomap_compare_{since}_{until}.csv", mime="text/csv", key="records_dl_compare")
    d2.download_button(_("The directory as of {date} (CSV)").format(date=until.isoformat()), on_click="ignore",
                       data=lambda: writers.to_bytes(privacy.view_for_role(states[1], ctx.role), format="csv"),
                       file_name=f"geomap_directory_{until}.csv", mime="text/csv", key="records_dl_asof")
    d3.download_button(_("The change log (CSV)"), data=lambda: _widgets.csv_bytes(gs.history(store, directory)),
                       on_click="ignore", file_name="geomap_changes.csv", mime="text/csv", key="records_dl_log",
                       help=_("Every change with its previous and new value, who and when (HSDS 3.0 metadata). "
                              "It holds confidential details: partners only."))


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
        _deleted(directory)
        _proposals(directory)
    _over_time(ctx, directory)
