"""The change log's reasons: the store's own ("verified", "restored version 3", "import: …",
"approved proposal … by …", the seeding note) are written in English as before and said in the
reader's language; a reason a person typed is shown as typed, in every language."""

from __future__ import annotations

import pytest
from i18n._english import english_in

from geomap import store as st
from geomap.store import reasons, seed
from tests.store.conftest import BACKENDS

NGA = seed.SAMPLE_NAMES["NGA"]
LANGS = ["es", "fr", "ar"]

#: The texts the store wrote before its reasons had templates: recognised exactly.
WRITTEN = [
    "verified",
    "restored after deletion",
    "restored version 3",
    "seeded from the bundled fictional sample",
    "import: 2 new, 1 changed, 150 unchanged, 0 not in the file",
    "import: 0 new, 0 changed, 12 unchanged, 3 not in the file, 1 rows not importable",
    "approved proposal 5f0c2a by pat",
    "approved proposal 5f0c2a by pat: phone number checked by call",
]
#: Reasons people typed, some close to the store's own: shown as typed.
TYPED = ["verified by phone", "Verified", "restored version", "import: the new list from the ministry",
         "approved proposal", "seeded", "import: 2 new, 1 changed", " verified", ""]


@pytest.mark.parametrize("text", WRITTEN)
def test_the_stores_reasons_are_recognised_and_translated(text):
    message = reasons.recognise(text)
    assert message is not None and message == text and message.template in reasons.SYSTEM_REASONS
    assert reasons.said(text, "en") == text
    for lang in LANGS:
        said = reasons.said(text, lang)
        assert said != text and not english_in(said, lang), said


def test_values_are_put_back_as_written():
    assert reasons.said("restored version 3", "fr") == "version 3 restaurée"
    said = reasons.said("approved proposal 5f0c2a by pat: phone number checked by call", "es")
    assert said == "propuesta 5f0c2a de pat aprobada: phone number checked by call"  # the proposer's words as typed


@pytest.mark.parametrize("text", TYPED)
def test_typed_reasons_are_shown_as_typed(text):
    assert reasons.recognise(text) is None
    for lang in ["en", *LANGS]:
        assert reasons.said(text, lang) == text
    assert reasons.said(None, "es") == ""


def test_only_registered_templates_are_written():
    with pytest.raises(ValueError, match="not a change-log reason"):
        reasons.system_reason("checked")


@BACKENDS
def test_a_records_log_in_each_language(store):
    rid = "NG-SAMPLE-0004"
    st.verify_record(store, NGA, rid, by="edna", role=st.EDITOR)
    rec = st.get_record(store, NGA, rid)
    st.update_record(store, NGA, rid, {"capacity": "7"}, expected_version=rec["version"], by="edna", role=st.EDITOR,
                     reason="restored version 2 by hand")
    rec = st.get_record(store, NGA, rid)
    st.restore_version(store, NGA, rid, 1, expected_version=rec["version"], by="edna", role=st.EDITOR)
    pid = st.propose(store, NGA, rid, {"capacity": "9"}, by="pat", role=st.PARTNER, reason="counted the beds")
    st.approve(store, pid, by="edna", role=st.EDITOR)
    log = st.history(store, NGA, rid)
    written = list(dict.fromkeys(log["reason"]))
    assert written == ["seeded from the bundled fictional sample", "verified", "restored version 2 by hand",
                       "restored version 1", f"approved proposal {pid} by pat: counted the beds"]
    for lang in LANGS:
        said = [reasons.said(r, lang) for r in written]
        assert said[2] == "restored version 2 by hand"  # typed: as typed
        for text in said[:2] + said[3:]:
            assert text not in written and not english_in(text, lang), text
        assert "counted the beds" in said[4]  # the proposer's words as typed (isolated in Arabic)


@pytest.mark.parametrize("rejected", [[], [(4, "no id")]])
def test_an_imports_reason_is_its_summary_as_before(rejected):
    from geomap.store.importing import ImportPlan, _import_reason

    plan = ImportPlan("d", ["a", "b"], {"c": ["phone"]}, ["e"], [], rejected, {})
    assert _import_reason(plan) == f"import: {plan.summary()}"
    assert reasons.recognise(_import_reason(plan)) is not None
