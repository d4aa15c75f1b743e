"""A stored directory's reasons in the reader's language: the store keeps the records' fields, and
loading resolves them afresh, so the resolved table carries its notes as messages
(``reason_notes``) like a file's; nothing English is stored for them."""

from __future__ import annotations

import pytest

from geomap import pipeline
from geomap import store as st
from geomap.directory import resolve, schema
from geomap.store import seed
from i18n._english import english_in
from tests.store.conftest import BACKENDS

NGA = seed.SAMPLE_NAMES["NGA"]


@BACKENDS
@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_stored_directory_reasons_render_in_each_language(store, lang):
    units = pipeline.load_units("NGA")
    rec = st.get_record(store, NGA, "NG-SAMPLE-0003")
    # an editor's typo: the record can no longer be placed, and says so
    st.update_record(store, NGA, "NG-SAMPLE-0003", {"latitude": "abc", "longitude": "", "admin1_code": "", "admin1_name": "Kanoo",
                                                    "town": ""},
                     expected_version=rec["version"], by="ana", role=st.EDITOR)
    loaded = st.load_directory(store, NGA, units=units)
    assert schema.REASON_NOTES in loaded.columns
    said = loaded["reason"].astype(str) != ""
    assert said.sum() >= 1
    english = resolve.reason_texts(loaded, lang="en")
    assert english.tolist() == loaded["reason"].astype(object).map(lambda v: "" if schema.is_missing(v) else str(v)).tolist()
    texts = resolve.reason_texts(loaded[said], lang=lang).tolist()
    for text, eng in zip(texts, english[said].tolist(), strict=True):
        assert text and text != eng and not english_in(text, lang), text
    typo = loaded.index[loaded["name"].astype(str) == str(rec["data"]["name"])][0]
    assert "Kanoo" in resolve.reason_texts(loaded.loc[[typo]], lang=lang).iloc[0]
