"""Stored messages: the resolver's reasons, the readers' warnings and the bundled layer's notes
keep their English text with the data and are said in the reader's language at display time."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from geomap import boundaries, i18n, pipeline
from geomap.directory import privacy, readers, resolve, schema
from i18n._english import PROBLEMS, english_in

LANGS = ["es", "fr", "ar"]



@pytest.fixture(scope="module")
def resolved():
    units = pipeline.load_units("MEX")
    raw = readers.read_directory(PROBLEMS, filename="problems.csv")
    return resolve.resolve_directory(raw, units, country="MEX", use_gazetteer=False)


def test_a_message_is_its_english_text_and_renders_in_each_language():
    m = i18n.Message(i18n.N_("exact duplicate of row {row}"), row=1234)
    assert m == "exact duplicate of row 1234" and isinstance(m, str)
    assert m.render("es") == "duplicado exacto de la fila 1234"  # a row number stays as given
    assert m.render("en") == str(m)
    with i18n.use("fr"):
        assert i18n.render(m) == "doublon exact de la ligne 1234"
    assert i18n.render("plain text", "fr") == "plain text"
    copy = pickle.loads(pickle.dumps(m))  # caches and processes copy them
    assert copy == m and copy.render("es") == m.render("es")
    with pytest.raises(AttributeError):
        m.template = "x"


def test_numbers_in_a_message_take_the_languages_signs_and_english_is_pythons():
    m = i18n.Message(i18n.N_("possible duplicate of row {row} (same name within {distance} m)"), row=7,
                     distance=i18n.Number(1234.5, ",.1f"))
    assert str(m) == "possible duplicate of row 7 (same name within 1,234.5 m)"
    assert "1.234,5 m" in m.render("es")
    assert "1\u202f234,5 m" in m.render("fr")


def test_arabic_lists_use_the_arabic_comma():
    ar = i18n.translator("ar")
    assert ar.join(["Lagos", "Kano", "Oyo"]) == "Lagos، Kano، Oyo"
    assert ar.join(["a", "b"], "; ") == "a؛ b"
    assert i18n.translator("es").join(["a", "b"]) == "a, b"
    with i18n.use("ar"):
        assert i18n.join(["Lagos", "Kano"]) == "Lagos، Kano"
    note = i18n.Message(i18n.N_("admin1_code: {value} matches several units ({names})"), value='"X"', names=("Lagos", "Kano"))
    text = note.render("ar")
    assert "،" in text and ", " not in text
    assert str(note).endswith("(Lagos, Kano)")  # the English is unchanged


def test_english_reasons_are_the_reason_column_and_name_each_problem(resolved):
    reasons = resolved["reason"].astype(object).tolist()
    assert resolve.reason_texts(resolved, lang="en").tolist() == [r if isinstance(r, str) else "" for r in reasons]
    by_row = dict(zip(resolved["source_row"].tolist(), reasons))
    assert by_row[4] == "exact duplicate of row 3"
    assert by_row[12] == (
        "no coordinates, admin-1 code, admin-1 name or town; warning: service_types: \"peer circles\" not in "
        "geomap's categories (kept as written; map it to a category); populations_served: unknown population "
        "\"martians\" (ignored)"
    )
    assert by_row[13] == (
        "could not be placed in a unit; latitude: 95.0 is outside -90..90 (a latitude must be between -90 and 90); "
        "longitude: 200.0 is outside -180..180 (a longitude must be between -180 and 180); not used"
    )
    notes = resolved[resolve.REASON_NOTES].tolist()
    assert all("; ".join(n) == (r if isinstance(r, str) else "") for n, r in zip(notes, reasons))


@pytest.mark.parametrize("lang", LANGS)
def test_every_reason_renders_with_no_english_template_text(resolved, lang):
    english = resolve.reason_texts(resolved, lang="en")
    texts = resolve.reason_texts(resolved, lang=lang)
    said = [t for t in texts if t]
    assert len(said) == 11  # every row but the first has something to say
    for t, e in zip(texts, english):
        assert (t == "") == (e == "")
        assert not english_in(t, lang), t
    assert "3" in texts.iloc[1]  # the duplicate names row 3, as given
    assert i18n.translator(lang).territory("MX") in texts.iloc[2]  # "outside México", in the language
    if lang == "ar":
        assert all(", " not in t.replace('", "', "") for t in said) and any("؛" in t for t in said)


@pytest.mark.parametrize("lang", LANGS)
def test_reader_warnings_render_with_no_english(resolved, lang):
    warnings = resolved.attrs["warnings"]
    assert any("comment line" in w for w in warnings) and any("empty row" in w for w in warnings)
    for w in warnings:
        assert isinstance(w, i18n.Message)
        assert not english_in(i18n.render(w, lang), lang)
    cp1252 = "name,service_types,admin1_name\nAlbergue Peña (fictional),legal_aid,Jalisco\n".encode("cp1252")
    (w,) = readers.read_directory(cp1252, filename="latin.csv").attrs["warnings"]
    assert w.startswith("latin.csv: the file is not UTF-8")
    assert not english_in(w.render(lang), lang) and "latin.csv" in w.render(lang)


@pytest.mark.parametrize("lang", LANGS)
def test_public_view_reasons_render_too(resolved, lang):
    conf = resolved.copy()
    conf["confidential"] = "yes"
    view = privacy.public_view(conf)
    assert set(view["reason"].astype(object)) <= {privacy.CONFIDENTIAL_REASON,
                                                  f"{privacy.CONFIDENTIAL_REASON}; {privacy.disclosure.generalised_reason()}"}
    for t in resolve.reason_texts(view, lang=lang):
        assert t and not english_in(t, lang)


def test_notes_are_not_written_to_files(resolved, tmp_path):
    from geomap.directory import writers

    assert schema.REASON_NOTES not in writers.flat_table(resolved).columns
    assert "reason" in writers.flat_table(resolved).columns


@pytest.mark.parametrize("lang", LANGS)
def test_bundled_boundary_notes_render_in_each_language(lang):
    for iso3 in ("COD", "MEX", "AFG", "KOS", "RUS", "BIH"):
        units = boundaries.load_boundaries(iso3)
        notes = [n for n in units.attrs["notes"] if n != units.attrs["vintage_note"]]  # that one: boundary_vintage, per run
        assert notes
        for n in notes:
            text = i18n.render(n, lang)
            assert text != str(n) and not english_in(text, lang), text
    world = boundaries.load_boundaries(None).attrs["notes"]
    assert all(isinstance(n, i18n.Message) for n in world)


def test_bundled_boundary_notes_keep_their_english_text():
    mex = boundaries.load_boundaries("MEX").attrs["notes"]
    assert mex[0] == "Natural Earth codes Ciudad de México as MX-DIF (its former name, Distrito Federal); shown here as MX-CMX."
    with pytest.raises(ValueError, match="unknown boundary note"):
        boundaries.bundled_note({"note": "nope", "params": {}})
    assert boundaries.bundled_note("an older layer's text") == "an older layer's text"


def test_reason_texts_of_a_table_without_notes_is_its_reason():
    table = pd.DataFrame({"reason": ["a; b", None]})
    assert resolve.reason_texts(table, lang="es").tolist() == ["a; b", ""]
