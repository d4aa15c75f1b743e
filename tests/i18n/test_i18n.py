"""geomap.i18n: per-call language, plural forms, locale numbers and dates, direction."""

from __future__ import annotations

import datetime as dt
import threading

from geomap import i18n
from geomap.directory import schema


def test_numbers_per_locale():
    assert i18n.translator("en").number(1234567) == "1,234,567"
    assert i18n.translator("es").number(1234567) == "1.234.567"
    assert i18n.translator("fr").number(1234567).replace("\u202f", " ").replace("\xa0", " ") == "1 234 567"
    assert i18n.translator("es").number(1234.5, digits=2) == "1.234,50"
    assert i18n.translator("fr").percent(0.45).replace("\u202f", " ").replace("\xa0", " ") == "45 %"
    assert i18n.translator("en").number(float("nan")) == "no data"
    assert i18n.translator("es").number(None) == "sin datos"


def test_format_like_keeps_decimals_and_takes_the_locale_signs():
    with i18n.use("es"):
        assert i18n.format_like("{:,.2f}", 12345.678) == "12.345,68"
        assert i18n.format_like("{:.0%}", 0.5) == "50%"  # not a plain number format: applied as is
    assert i18n.format_like("{:,.0f}", 12345.6) == "12,346"


def test_dates_per_locale():
    d = dt.date(2026, 12, 7)
    assert i18n.translator("es").date(d) == "7 dic 2026"
    assert "déc" in i18n.translator("fr").date(d)


def test_language_is_per_call_and_per_thread():
    assert i18n.current().lang == "en"
    with i18n.use("es"):
        assert i18n._("Coverage") == "Cobertura"
        seen = []
        worker = threading.Thread(target=lambda: seen.append(i18n._("Coverage")))
        worker.start()
        worker.join()
        assert seen == ["Coverage"]  # another thread (another session) keeps its own language
        with i18n.use("fr"):
            assert i18n._("Coverage") == "Couverture"
        assert i18n._("Coverage") == "Cobertura"
    assert i18n._("Coverage") == "Coverage"


def test_plural_forms_follow_each_language():
    es = i18n.translator("es")
    assert es.ngettext("reached {n} of {m} unit", "reached {n} of {m} units", 32).format(n=29, m=32) == "alcanzó 29 de 32 unidades"
    ar = i18n.translator("ar")
    forms = {ar.ngettext("{n} unit", "{n} units", n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(forms) >= 4  # Arabic distinguishes zero, one, two, few, many, other


def test_direction_and_isolation():
    assert i18n.translator("ar").direction == "rtl"
    assert i18n.translator("fr").direction == "ltr"
    assert i18n.translator("ar").isolate("Sample Shelter 12 (fictional)") == "\u2068Sample Shelter 12 (fictional)\u2069"
    assert i18n.translator("es").isolate("Kano") == "Kano"


def test_unknown_languages_fall_back_to_english():
    assert i18n.normalise("es_MX.UTF-8") == "es"
    assert i18n.normalise("de") == "en"
    assert i18n.translator("xx").lang == "en"


def test_schema_labels_follow_the_language_and_include_arabic():
    assert schema.label("shelter") == "Shelter"
    with i18n.use("es"):
        assert schema.label("shelter") == "Albergue"
        assert schema.label("legal_aid") == "Asesoría jurídica"
    with i18n.use("fr"):
        assert schema.label("shelter") == "Hébergement"
    assert all("ar" in labels for labels in schema.SERVICE_TYPES.values())
    assert all("ar" in labels for labels in schema.POPULATIONS.values())
    assert schema.label("shelter", lang="en") == "Shelter"  # machine formats ask for English


def test_field_terms_are_the_fields_own():
    es, fr, ar = (i18n.translator(x) for x in ("es", "fr", "ar"))
    notice = "Illustrative sample projects: generated to show the kinds of activities a counter-trafficking grants programme funds. Partners, funders, budgets and figures are fictional."
    assert "trata de personas" in es.gettext(notice) and "ficticios" in es.gettext(notice)
    assert "traite des personnes" in fr.gettext(notice) and "fictifs" in fr.gettext(notice)
    assert "الاتجار بالبشر" in ar.gettext(notice) and "خيالية" in ar.gettext(notice)
    assert "ficticio" in es.gettext(schema.FICTIONAL_NOTICE)
    assert "fictive" in fr.gettext(schema.FICTIONAL_NOTICE)
