"""The catalogs are complete: every marked message has a reviewed translation in es, fr and ar.

Extraction runs here with Babel's own extractor and the project's ``babel.cfg``, so a string
marked in the code but missing from a catalog fails, as does a fuzzy (unreviewed) entry, an
empty translation, a placeholder the English does not have, or a catalog that does not compile.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages import mofile, pofile
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from geomap import i18n

ROOT = Path(__file__).resolve().parents[2]
LANGS = [lang for lang in i18n.LANGUAGES if lang != "en"]
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keys = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            keys.add((context, msgid))
    return keys


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


def _catalog(lang):
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        return pofile.read_po(fh, locale=lang)


def test_extraction_finds_the_marked_text(extracted):
    ids = {m for _c, m in extracted}
    assert "reached {n} of {m} unit" in ids  # a plural (ngettext)
    assert "Coverage — {country}" in ids  # a page title
    assert "Fictional sample record: not a real organisation." in ids  # an N_() constant
    assert len(ids) > 200


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_every_message_translated_and_reviewed(lang, extracted):
    cat = _catalog(lang)
    problems = []
    for context, msgid in sorted(extracted, key=lambda k: k[1]):
        msg = cat.get(msgid, context=context)
        if msg is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if msg.fuzzy:
            problems.append(f"fuzzy (needs review): {msgid!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"empty translation: {msgid!r}")
        english = set(_PLACEHOLDER.findall(" ".join(msg.id if isinstance(msg.id, tuple) else (msg.id,))))
        for s in strings:
            unknown = set(_PLACEHOLDER.findall(s)) - english
            if unknown:
                problems.append(f"placeholder(s) {sorted(unknown)} not in the English: {msgid!r}")
        if not isinstance(msg.string, tuple) and english != set(_PLACEHOLDER.findall(msg.string)):
            problems.append(f"placeholders differ from the English: {msgid!r}")
    assert not problems, f"{lang} catalog:\n" + "\n".join(problems[:50])


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_compiles_with_the_languages_plural_forms(lang):
    cat = _catalog(lang)
    assert cat.num_plurals == {"es": 3, "fr": 3, "ar": 6}[lang]  # CLDR: es/fr have a "many" form (1 000 000)
    assert not [str(e) for e in pofile.read_po(io.BytesIO(_po_bytes(lang)), locale=lang).check()]
    buf = io.BytesIO()
    mofile.write_mo(buf, cat, use_fuzzy=False)
    assert buf.tell() > 1000


def _po_bytes(lang) -> bytes:
    return (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").read_bytes()


def test_template_is_up_to_date(extracted):
    # The .pot translators start from holds what the code marks (README: "update the catalogs").
    with (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("rb") as fh:
        pot = pofile.read_po(fh)
    in_pot = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in pot if m.id}
    assert in_pot == extracted, "run the README's pybabel extract/update commands"


def test_every_message_has_translator_context_where_placeholders_are_ambiguous():
    # Messages whose placeholders alone do not say what they stand for carry a comment.
    with (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("rb") as fh:
        pot = pofile.read_po(fh)
    headline = pot.get(("reached {n} of {m} unit", "reached {n} of {m} units"))
    headline = headline or next(m for m in pot if isinstance(m.id, tuple) and m.id[0] == "reached {n} of {m} unit")
    assert any("Translators" in c or "headline" in c for c in headline.auto_comments)
