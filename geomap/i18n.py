"""Translations and locale-aware formatting for pages, layers, reports and the CLI.

Text is marked in the code with the usual gettext names and translated from the catalogs in
``geomap/locales/<lang>/LC_MESSAGES/geomap.po`` (Spanish, French, Arabic; English is the source
language). Numbers, percentages and dates are formatted by Babel for the same language
(``1.234.567`` in Spanish, ``1 234 567`` in French).

The language is never process-wide. It is held in a :class:`contextvars.ContextVar`: the CLI
sets it for one command (:func:`use`), the Streamlit app for one script run of one session
(:func:`activate`, from the ``?lang=`` URL parameter), and a report function for one call
(``lang=``). Code that only translates calls :func:`_` (or :func:`ngettext`, :func:`pgettext`),
which read the language of the current call; a translator object from :func:`translator` can be
passed around instead.

The ``.po`` files are the source of truth; they are compiled in memory at first use (one
compile per language and process, with Babel's own ``.mo`` writer), so no compiled file can go
stale. Fuzzy entries are never used.

Examples
--------
>>> from geomap import i18n
>>> with i18n.use("es"):
...     i18n.number(1234567)
'1.234.567'
>>> i18n.translator("fr").number(1234567) == "1\u202f234\u202f567"
True
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import functools
import gettext as _gettext
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel import dates as _dates
from babel import numbers as _numbers
from babel.messages import mofile, pofile
from babel.support import Translations

from geomap.settings import LANGUAGES as _SETTINGS_LANGUAGES

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "Message",
    "Number",
    "Territory",
    "Translator",
    "N_",
    "_",
    "activate",
    "current",
    "date",
    "direction",
    "error_text",
    "format_like",
    "in_turn",
    "isolate",
    "join",
    "ngettext",
    "normalise",
    "number",
    "percent",
    "pgettext",
    "render",
    "territory",
    "translator",
    "use",
]

#: The catalogs' domain and folder (``<LOCALE_DIR>/<lang>/LC_MESSAGES/<DOMAIN>.po``).
DOMAIN = "geomap"
LOCALE_DIR = Path(__file__).parent / "locales"
#: Languages offered, English first (the source language of every message); one list, the settings'.
LANGUAGES: tuple[str, ...] = _SETTINGS_LANGUAGES
#: Each language named in itself (for the language picker).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية"}
_RTL = frozenset({"ar"})
_FSI, _PDI = "\u2068", "\u2069"  # Unicode first-strong isolate / pop directional isolate
#: List separators people read, per language where they differ from the English ones (the
#: Arabic comma and semicolon; CLDR's Arabic list patterns use "و" and have no comma).
_SEPARATORS: dict[str, dict[str, str]] = {"ar": {", ": "، ", "; ": "؛ "}, "fr": {"; ": " ; "}}

_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("geomap_lang", default="en")


def normalise(lang: object) -> str:
    """A supported language code for ``lang`` (``es_MX.UTF-8`` → ``es``; unknown → ``en``)."""
    code = str(lang or "").split(".")[0].split("_")[0].split("-")[0].strip().lower()
    return code if code in LANGUAGES else "en"


def _load_catalog(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        msg = f"no catalog for language {lang!r}: {path} is missing"
        raise FileNotFoundError(msg)
    with path.open("rb") as fh:
        catalog = pofile.read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    mofile.write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)



@functools.cache
def _locale(lang: str) -> Locale:
    # Parsed once per language (Babel's Locale objects are read-only once loaded): pages format
    # hundreds of numbers per run, and parsing the locale and pattern each time was most of it.
    return Locale.parse(lang)


@functools.cache
def _decimal_pattern(lang: str, digits: int | None) -> tuple[_numbers.NumberPattern, Locale]:
    """Babel's decimal pattern of ``lang`` (``digits`` fixed decimals, or the locale's own)."""
    locale = _locale(lang)
    fmt = locale.decimal_formats[None] if digits is None else "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _numbers.parse_pattern(fmt), locale


@functools.lru_cache(maxsize=16384, typed=True)
def _decimal_text(lang: str, value: float, digits: int | None) -> str:
    # The text of a number depends on nothing but these three: tables format the same counts
    # and rates again on every filter change (~500 a run for 37 units).
    pattern, locale = _decimal_pattern(lang, digits)
    return pattern.apply(value, locale)


@dataclass(frozen=True, eq=False)
class Translator:
    """The messages and formats of one language (immutable; share it freely).

    Parameters
    ----------
    lang : str
        One of :data:`LANGUAGES`.
    catalog : gettext.NullTranslations
        The compiled catalog (a null catalog for English).
    """

    lang: str
    catalog: _gettext.NullTranslations

    @property
    def locale(self) -> Locale:
        """The Babel locale of :attr:`lang`."""
        return _locale(self.lang)

    @property
    def direction(self) -> str:
        """``"rtl"`` for right-to-left languages (Arabic), else ``"ltr"``."""
        return "rtl" if self.lang in _RTL else "ltr"

    def gettext(self, message: str) -> str:
        """``message`` in this language (itself when untranslated)."""
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The plural form of a message that fits ``n`` (Arabic has six)."""
        return self.catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` translated in ``context`` (for words that differ by use)."""
        return self.catalog.pgettext(context, message)

    def number(self, value: float | int | None, *, digits: int | None = None, na: str | None = None) -> str:
        """``value`` with this language's grouping and decimal signs; ``na`` (or "no data") if missing."""
        if value is None or value != value:  # None or NaN
            return na if na is not None else self.gettext("no data")
        try:
            return _decimal_text(self.lang, value, digits)
        except TypeError:  # an unhashable number type: formatted, not remembered
            pattern, locale = _decimal_pattern(self.lang, digits)
            return pattern.apply(value, locale)

    def percent(self, share: float | None, *, digits: int = 0) -> str:
        """``share`` (0–1) as a percentage in this language (``45 %`` in French)."""
        if share is None or share != share:
            return self.gettext("no data")
        pattern = self.locale.percent_formats[None].pattern  # "#,##0 %" in French, "#,##0%" in English
        if digits > 0:
            head, zero, tail = pattern.rpartition("0")
            pattern = f"{head}{zero}.{'0' * digits}{tail}"
        return _numbers.format_percent(share, format=pattern, locale=self.lang)

    def date(self, value: _dt.date | _dt.datetime | None, *, format: str = "medium") -> str:
        """``value`` as a date in this language (``7 dic 2026``)."""
        if value is None:
            return self.gettext("no data")
        if isinstance(value, _dt.datetime):
            value = value.date()
        return _dates.format_date(value, format=format, locale=self.lang)

    def territory(self, iso_a2: object, default: str = "") -> str:
        """The country (ISO 3166-1 alpha-2) named in this language (CLDR), else ``default``."""
        return self.locale.territories.get(str(iso_a2 or "").upper(), default) or default

    def join(self, items: object, sep: str = ", ") -> str:
        """``items`` joined for people: ``sep`` is ``", "`` or ``"; "`` in English, and the
        language's own sign elsewhere (the Arabic comma ``،`` and semicolon ``؛``).

        Items are rendered in this language when they are messages (:class:`Message`).
        """
        mark = _SEPARATORS.get(self.lang, {}).get(sep, sep)
        return mark.join(self.render(x) for x in items)  # type: ignore[attr-defined]

    def render(self, value: object) -> str:
        """``value`` for people in this language: a :class:`Message` translated, anything else as text."""
        if isinstance(value, Message):
            return value.render(self.lang)
        return "" if value is None else str(value)

    def isolate(self, text: object) -> str:
        """``text`` isolated from the surrounding direction (names inside Arabic sentences).

        In a right-to-left language a Latin name (or one with digits and brackets, such as
        "Sample Shelter 12 (fictional)") is wrapped in Unicode first-strong isolate marks so it
        keeps its own order; in other languages the text is returned unchanged.
        """
        s = "" if text is None else str(text)
        return f"{_FSI}{s}{_PDI}" if self.lang in _RTL and s else s


@dataclass(frozen=True)
class Number:
    """A number inside a :class:`Message`: Python's ``spec`` in English, the language's signs elsewhere.

    Parameters
    ----------
    value : float
        The number.
    spec : str
        A Python format spec (``".1f"``, ``","``, ``".0f"``, ``"g"``); it gives the English
        text exactly and the number of decimals in the other languages.
    """

    value: float
    spec: str = ""

    def __str__(self) -> str:
        return format(self.value, self.spec)

    def render(self, t: Translator) -> str:
        """The number in the language of ``t`` (English exactly as :meth:`__str__`)."""
        if t.lang == "en":
            return str(self)
        m = re.fullmatch(r",?(?:\.(\d+))?[fd]?", self.spec)
        if m is None or self.spec.endswith("g") or (m.group(1) is None and self.spec.endswith("f")):
            return t.number(self.value)
        return t.number(self.value, digits=int(m.group(1)) if m.group(1) is not None else None)


@dataclass(frozen=True)
class Territory:
    """A country inside a :class:`Message`: ``name`` in English, the language's own name elsewhere.

    Parameters
    ----------
    iso_a2 : str
        ISO 3166-1 alpha-2 code (CLDR names the country in each language).
    name : str
        The English name, as the data gives it (also used where CLDR has no name).
    """

    iso_a2: str
    name: str

    def __str__(self) -> str:
        return self.name

    def render(self, t: Translator) -> str:
        """The country's name in the language of ``t`` (English exactly as :meth:`__str__`)."""
        return self.name if t.lang == "en" else t.territory(self.iso_a2, self.name)


def _param_text(value: object, t: Translator) -> str:
    """One parameter of a :class:`Message` in the language of ``t``."""
    if isinstance(value, Message):
        return value.render(t.lang)
    if isinstance(value, (Number, Territory)):
        return value.render(t)
    if isinstance(value, (tuple, list)):
        return t.join([_param_text(v, t) for v in value], ", ")
    return "" if value is None else str(value)


class Message(str):
    """A message for people, kept as its English template and parameters until it is shown.

    It *is* its English text (a :class:`str`), so stored data, joins and comparisons see exactly
    the English they always did; :meth:`render` gives it in another language, at display time
    (a cached result shared by sessions holds no language). Parameters are inserted as given —
    field names, file names, row numbers and quoted cell text are never translated — except
    :class:`Number` (the language's digits and signs), nested messages (translated) and tuples
    (joined with the language's comma).

    Parameters
    ----------
    template : str
        The English text with ``{name}`` placeholders, marked for extraction where it is
        written (``Message(N_("row {row} is empty"), row=3)``, with a ``# Translators:``
        comment when the words need context).
    **params
        The values of the placeholders.

    Messages that count something have a plural form (:meth:`ngettext`): the catalogs give
    each language its own forms (Arabic has six) and the count chooses one.

    Examples
    --------
    >>> m = Message("exact duplicate of row {row}", row=12)
    >>> str(m) == "exact duplicate of row 12"
    True
    >>> str(Message.ngettext("{n} row skipped", "{n} rows skipped", 2, n=2))
    '2 rows skipped'
    """

    def __new__(cls, template: str, /, **params: object) -> Message:
        return cls._make(template, None, params)

    @classmethod
    def ngettext(cls, singular: str, plural: str, count: int, /, **params: object) -> Message:
        """A message with a plural form: ``singular`` when ``count`` is 1 in English, else ``plural``.

        Written where the message is made as ``Message.ngettext("{n} row skipped", "{n} rows
        skipped", n, n=Number(n))``, which marks both forms for extraction (Babel's ``ngettext``
        keyword); other languages take the form their plural rules give for ``count``.
        """
        return cls._make(singular, (plural, int(count)), params)

    @classmethod
    def _make(cls, template: str, plural: tuple[str, int] | None, params: dict[str, object]) -> Message:
        english_template = template if plural is None or plural[1] == 1 else plural[0]
        if not _SPECIAL.isdisjoint(map(type, params.values())):
            english = translator("en")
            text = english_template.format(**{k: _param_text(v, english) for k, v in params.items()})
        else:  # plain values (text, numbers, messages) read the same in English: format them at once
            text = english_template.format(**params)
        obj = super().__new__(cls, text)
        obj.__dict__["_parts"] = (template, tuple(params.items()), plural)
        return obj

    @property
    def template(self) -> str:
        """The English template (the catalogs' msgid)."""
        return self.__dict__["_parts"][0]

    @property
    def params(self) -> dict[str, object]:
        """The values of the placeholders (a copy)."""
        return dict(self.__dict__["_parts"][1])

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"a Message is immutable (tried to set {name!r})"
        raise AttributeError(msg)

    @property
    def plural(self) -> tuple[str, int] | None:
        """The English plural template and the count, or ``None`` for a message without plural."""
        return self.__dict__["_parts"][2]

    def __reduce__(self) -> tuple:
        return (_message, self.__dict__["_parts"])

    def render(self, lang: object | None = None) -> str:
        """The message in ``lang`` (default: the current language); English is :class:`str` itself."""
        t = current() if lang is None else translator(lang)
        if t.lang == "en":
            return str.__str__(self)
        template, params, plural = self.__dict__["_parts"]
        values = {k: _param_text(v, t) for k, v in params}
        if t.lang in _RTL:
            values = {k: (values[k] if isinstance(v, (Message, Number, Territory)) else t.isolate(values[k])) for k, v in params}
        said = t.gettext(template) if plural is None else t.ngettext(template, *plural)
        try:
            return said.format(**values)
        except (KeyError, IndexError, ValueError):  # a broken translation must not hide the message
            return (template if plural is None or plural[1] == 1 else plural[0]).format(**values)


def in_turn(parts: list[Message]) -> Message:
    """Notes said one after the other (``"a; b"`` in English), as one message (``parts`` not empty)."""
    out = parts[0]
    for part in parts[1:]:
        # Translators: two notes said one after the other; keep the separator of your language.
        out = Message(N_("{first}; {then}"), first=out, then=part)
    return out


#: Parameter types a message formats itself (the others read the same in English as given).
_SPECIAL = frozenset({tuple, list, Number, Territory, type(None)})


def _message(template: str, params: tuple, plural: tuple[str, int] | None = None) -> Message:
    """Rebuild a pickled :class:`Message` (caches and worker processes copy them)."""
    return Message._make(template, plural, dict(params))


@functools.cache
def translator(lang: object = "en") -> Translator:
    """The (cached, immutable) :class:`Translator` of ``lang``; unknown languages give English."""
    code = normalise(lang)
    return Translator(code, _load_catalog(code))


def current() -> Translator:
    """The translator of the language set for the current call or session (English by default)."""
    return translator(_CURRENT.get())


def activate(lang: object) -> Translator:
    """Set the language of the current context (one Streamlit script run); returns its translator."""
    t = translator(lang)
    _CURRENT.set(t.lang)
    return t


@contextlib.contextmanager
def use(lang: object | None) -> Iterator[Translator]:
    """Translate in ``lang`` inside the ``with`` block (``None`` keeps the current language)."""
    if lang is None:
        yield current()
        return
    token = _CURRENT.set(normalise(lang))
    try:
        yield current()
    finally:
        _CURRENT.reset(token)


# Short names, for marked text in pages, layers, reports and the CLI.
def _(message: str) -> str:
    """``message`` in the current language."""
    return current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form for ``n`` in the current language."""
    return current().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in ``context``, in the current language."""
    return current().pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; translate it later with :func:`_` where it is shown."""
    return message


def number(value: float | int | None, *, digits: int | None = None, na: str | None = None) -> str:
    """:meth:`Translator.number` in the current language."""
    return current().number(value, digits=digits, na=na)


def percent(share: float | None, *, digits: int = 0) -> str:
    """:meth:`Translator.percent` in the current language."""
    return current().percent(share, digits=digits)


def date(value: _dt.date | _dt.datetime | None, *, format: str = "medium") -> str:
    """:meth:`Translator.date` in the current language."""
    return current().date(value, format=format)


_SPEC = re.compile(r"\{:(,?)(?:\.(\d+))?([fd]?)\}")


def format_like(fmt: str, value: float) -> str:
    """``value`` formatted as the Python format ``fmt`` asks, in the current language's signs.

    Simple number formats (``"{:,.0f}"``, ``"{:.2f}"``, ``"{:,}"``, ``"{}"``) keep their number
    of decimals and take the language's grouping and decimal marks (``1.234,5`` in Spanish);
    any other format (``"{:.0%}"``, ``"{:g} km"``) is applied as it is.
    """
    m = _SPEC.fullmatch(fmt)
    if m is None:
        return fmt.format(value)
    digits = m.group(2)
    if digits is None and m.group(3) != "f":
        return number(value)
    return number(value, digits=int(digits) if digits is not None else 6)


def territory(iso_a2: object, default: str = "") -> str:
    """:meth:`Translator.territory` in the current language."""
    return current().territory(iso_a2, default)


def isolate(text: object) -> str:
    """:meth:`Translator.isolate` in the current language."""
    return current().isolate(text)


def join(items: object, sep: str = ", ") -> str:
    """:meth:`Translator.join` in the current language (``،`` between Arabic list items)."""
    return current().join(items, sep)


def render(value: object, lang: object | None = None) -> str:
    """``value`` (a :class:`Message` or any text) for people in ``lang`` (default: the current language)."""
    return (current() if lang is None else translator(lang)).render(value)


def error_text(err: BaseException, lang: object | None = None) -> str:
    """The text of ``err`` for people in ``lang`` (default: the current language).

    An error raised with a :class:`Message` as its text (``raise ValueError(Message(N_("..."),
    ...))``, so ``str(err)`` stays English for logs and tests) is translated; any other error
    is shown as its own text.
    """
    first = err.args[0] if len(err.args) == 1 else None
    if isinstance(first, Message):
        return first.render(lang)
    return str(err)


def direction() -> str:
    """``"rtl"`` or ``"ltr"``: the text direction of the current language."""
    return current().direction
