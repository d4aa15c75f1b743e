"""The reasons the store writes itself in the change log, and how they are said to people.

The change log's ``reason`` column holds what a person typed ("phone number checked by call")
next to the reasons the store writes when nobody typed one ("verified", "restored version 3",
"import: 2 new, …", "approved proposal … by …", the seeding note). Those are written in English
from the templates below (:func:`system_reason`), and :func:`said` gives them in the reader's
language at display time: a reason is recognised only when it matches one template *exactly*
(a regular expression built from the template, anchored at both ends), and its values are put
back as they were written. Anything else is shown as it was typed. No stored row is changed,
so the log reads the same in every language's export.

Examples
--------
>>> said("restored version 3", "es")
'restauración de la versión 3'
>>> said("checked by phone", "es")
'checked by phone'
"""

from __future__ import annotations

import re
from functools import cache

from geomap.i18n import N_, Message

__all__ = [
    "APPROVED",
    "APPROVED_WITH_REASON",
    "IMPORTED",
    "IMPORTED_WITH_REJECTED",
    "RESTORED_AFTER_DELETION",
    "RESTORED_VERSION",
    "SEEDED",
    "SYSTEM_REASONS",
    "VERIFIED",
    "recognise",
    "said",
    "system_reason",
]

#: A record marked as verified without a typed reason.
VERIFIED = N_("verified")
#: A deleted record restored without a typed reason.
RESTORED_AFTER_DELETION = N_("restored after deletion")
#: An earlier version restored without a typed reason.
RESTORED_VERSION = N_("restored version {version}")
#: The fictional samples written on first start.
SEEDED = N_("seeded from the bundled fictional sample")
#: An import without a typed reason (the numbers of :meth:`geomap.store.importing.ImportPlan.summary`).
IMPORTED = N_("import: {new} new, {changed} changed, {unchanged} unchanged, {missing} not in the file")
IMPORTED_WITH_REJECTED = N_(
    "import: {new} new, {changed} changed, {unchanged} unchanged, {missing} not in the file, {rejected} rows not importable"
)
# Translators: {proposal} is the proposal's id and {who} the user name of the person who proposed it.
APPROVED = N_("approved proposal {proposal} by {who}")
# Translators: {reason} is the proposer's reason, as they typed it.
APPROVED_WITH_REASON = N_("approved proposal {proposal} by {who}: {reason}")

#: Every template the store writes, the longer of two alike first (the one that says more wins).
SYSTEM_REASONS: tuple[str, ...] = (
    VERIFIED, RESTORED_AFTER_DELETION, RESTORED_VERSION, SEEDED,
    IMPORTED_WITH_REJECTED, IMPORTED, APPROVED_WITH_REASON, APPROVED,
)


def system_reason(template: str, /, **params: object) -> str:
    """The English text the store writes for ``template`` (one of :data:`SYSTEM_REASONS`)."""
    if template not in SYSTEM_REASONS:
        msg = f"{template!r} is not a change-log reason the store writes; add it to SYSTEM_REASONS"
        raise ValueError(msg)
    return str.__str__(Message(template, **params))


#: What each value can be (a count or version is digits, a proposal id one word); other values any text.
_VALUES = {"version": r"\d+", "new": r"\d+", "changed": r"\d+", "unchanged": r"\d+", "missing": r"\d+",
           "rejected": r"\d+", "proposal": r"\S+"}


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """``template`` as an anchored regular expression, each ``{name}`` a named group."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_VALUES.get(p, '.+?')})" for i, p in enumerate(parts))
    return re.compile(regex, re.DOTALL)


def recognise(text: object) -> Message | None:
    """``text`` as the message it was written from, if it is exactly one the store writes; else ``None``."""
    if not isinstance(text, str) or not text:
        return None
    for template in SYSTEM_REASONS:
        m = _pattern(template).fullmatch(text)
        if m is not None:
            message = Message(template, **m.groupdict())
            if message == text:  # the values put back give the very text (no ambiguous split)
                return message
    return None


def said(text: object, lang: object | None = None) -> str:
    """A change-log reason for people in ``lang`` (default: the current language).

    A reason the store wrote is translated; one a person typed is returned as typed (and a
    missing one as ``""``).
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    message = recognise(text)
    return str(text) if message is None else message.render(lang)
