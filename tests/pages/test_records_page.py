"""The app on the embedded store: opens with no set-up; an editor imports, fixes, verifies;
after a restart it is all there, with who changed what; the public sees no record detail."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geomap import auth, pipeline
from geomap import store as gs
from geomap.store import seed, users

APP = Path(__file__).resolve().parents[2] / "app.py"
NGA = seed.SAMPLE_NAMES["NGA"]
PW = "correct horse battery staple"


@pytest.fixture
def fresh_data_dir(tmp_path, monkeypatch, store_env) -> Path:
    store_env(monkeypatch, tmp_path / "data")  # a new store (a seeded PostGIS database on that backend)
    return tmp_path / "data"


def _records_app() -> None:
    from geomap.pages import _sidebar, records

    records.render()
    _sidebar.render()


def _run(*, user: str | None = None, upload: Path | None = None) -> AppTest:
    at = AppTest.from_function(_records_app, default_timeout=240)
    at.session_state["geomap_country"] = "NGA"
    if upload is not None:
        data = upload.read_bytes()
        import hashlib

        at.session_state["geomap_upload"] = {"name": upload.name, "data": data, "sheet": None, "mapping": (),
                                             "digest": hashlib.sha256(data).hexdigest(), "edits": ()}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if user is not None:
        at.sidebar.expander[0]  # noqa: B018 - the sign-in box exists
        at.session_state["sign_in_open"] = True
        at.run()
        at.sidebar.text_input[0].input(user)
        at.sidebar.text_input[1].input(PW)
        at.sidebar.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def _submit(at: AppTest) -> None:
    [button] = [b for b in at.button if b.label in ("Save", "Propose the change")]
    button.click().run()


def test_fresh_install_opens_the_app_on_the_embedded_store(fresh_data_dir):
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    s = gs.open_store()
    assert s.backend == "postgis" or (fresh_data_dir / gs.STORE_FILENAME).is_file()
    s.close()
    assert any(f"Directory: {NGA} (kept in the store)" in c.value for c in [*at.sidebar.caption, *at.sidebar.markdown])
    assert any("fictional" in w.value for w in at.sidebar.warning)
    assert at.sidebar.selectbox(key="sidebar_store_directory").value == NGA


def test_editor_imports_fixes_verifies_and_it_survives_a_restart(fresh_data_dir, tmp_path):
    s = gs.open_store()
    users.add_user(s, "edna", PW, role=gs.EDITOR, rounds=4)
    s.close()
    sample = pipeline.sample_directory_path("NGA")
    upload = tmp_path / "kano_copy.csv"
    upload.write_bytes(sample.read_bytes())
    at = _run(user="edna", upload=upload)
    assert auth.current_role(at.session_state) == gs.EDITOR
    at.text_input(key="records_target").set_value("Kano referral directory (fictional test)")
    at.button(key="records_preview").click().run()
    assert any("150 new, 0 changed, 0 unchanged, 0 not in the file" in m.value for m in at.markdown)
    at.button(key="records_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Saved into" in m.value for m in at.success)
    # fix one record of the picked directory
    at.session_state["geomap_store_directory"] = "Kano referral directory (fictional test)"
    at.run()
    at.selectbox(key="records_record").set_value("NG-SAMPLE-0002").run()
    at.selectbox(key="records_field").set_value("hours")
    at.text_input(key="records_value").input("Mon-Sat 08:00-18:00")
    at.text_input(key="records_reason").input("phoned the office")
    _submit(at)
    assert not at.exception, [e.value for e in at.exception]
    # verify another
    at.selectbox(key="records_record").set_value("NG-SAMPLE-0003").run()
    at.button(key="records_verify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # "restart": a new store handle and a new app session see all of it
    s = gs.open_store()
    name = "Kano referral directory (fictional test)"
    fixed = gs.get_record(s, name, "NG-SAMPLE-0002")
    assert fixed["data"]["hours"] == "Mon-Sat 08:00-18:00" and fixed["version"] == 2
    log = gs.history(s, name, "NG-SAMPLE-0002")
    last = log[log["version"] == 2].iloc[0]
    assert (last["updated_by"], last["field_name"], last["reason"]) == ("edna", "hours", "phoned the office")
    assert gs.get_record(s, name, "NG-SAMPLE-0003")["verified_by"] == "edna"
    assert set(gs.history(s, name, "NG-SAMPLE-0001")["updated_by"]) == {"edna"}
    s.close()
    again = _run()
    assert not again.exception


def test_public_sees_counts_only_on_the_records_page(fresh_data_dir):
    at = _run()
    assert any("Sign in as a partner" in i.value for i in at.info)
    assert not at.get("selectbox") or all(sb.key != "records_record" for sb in at.selectbox)
    text = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "Sample Street" not in text and "+234" not in text


def test_partner_proposal_is_hidden_until_approved(fresh_data_dir):
    s = gs.open_store()
    users.add_user(s, "pat", PW, role=gs.PARTNER, rounds=4)
    s.close()
    at = _run(user="pat")
    assert auth.current_role(at.session_state) == gs.PARTNER
    at.selectbox(key="records_record").set_value("NG-SAMPLE-0004").run()
    at.selectbox(key="records_field").set_value("hours")
    at.text_input(key="records_value").input("proposed by pat")
    _submit(at)
    assert not at.exception, [e.value for e in at.exception]
    s = gs.open_store()
    assert "proposed by pat" not in set(gs.read_directory(s, NGA)["hours"].dropna())
    assert len(gs.list_proposals(s, NGA, role=gs.PARTNER)) == 1
    s.close()


def test_store_account_lockout_holds_across_browser_sessions(fresh_data_dir):
    s = gs.open_store()
    users.add_user(s, "lee", PW, role=gs.PARTNER, rounds=4)
    for _ in range(users.MAX_FAILED_ATTEMPTS):
        assert users.sign_in({}, s, "lee", "wrong password!") is None  # each a fresh browser session
    state: dict = {}
    assert users.sign_in(state, s, "lee", PW) is None and auth.SESSION_KEY not in state
    s.close()


def _providers_shown(at: AppTest) -> int:
    labels = ("Providers placed", "Providers shown exactly")
    return next(int(m.value.replace(",", "")) for m in at.metric if m.label in labels)


def _coverage_app() -> None:
    from geomap.pages import coverage

    coverage.render()


def test_pages_follow_edits_committed_elsewhere_without_restart(fresh_data_dir):
    at = AppTest.from_function(_coverage_app, default_timeout=240)
    at.session_state["geomap_country"] = "NGA"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    before = _providers_shown(at)  # public view: "Providers shown exactly" where small counts are banded (#20)
    assert before in (127, 148)
    # another server (here: the library) commits a new record to the same store
    s = gs.open_store()
    rows = {"NG-SAMPLE-9999": ({"id": "NG-SAMPLE-9999", "name": "Sample Added Office (fictional)", "service_types": "Legal aid",
                                "admin1_code": "NG-LA", "latitude": "6.45", "longitude": "3.39", "fictional": "true",
                                "confidential": "false"}, {})}
    plan = gs.preview_import(s, NGA, rows)
    assert plan.summary().startswith("1 new")
    gs.commit_import(s, plan, by="other-server", role=gs.EDITOR)
    s.close()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _providers_shown(at) == before + 1  # the new public record, without a restart
