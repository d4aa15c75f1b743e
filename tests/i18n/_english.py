"""English left behind: the words of the resolver's, readers' and boundary notes' templates.

A template's fixed text (between its ``{placeholders}``) with at least two words, which its
translation does not itself contain ("Natural Earth" stays), must not show in a page or the CLI
run in another language.
"""

from __future__ import annotations

import re
from functools import cache

from babel.messages import pofile

from geomap import i18n

#: Modules whose messages are stored with the data and rendered at display time.
STORED = ("geomap/directory/resolve.py", "geomap/directory/readers.py", "geomap/io/text.py", "geomap/directory/privacy.py",
          "geomap/directory/disclosure.py", "geomap/boundaries.py")
_WORDS = re.compile(r"[A-Za-z]{2,}")


@cache
def fragments(lang: str) -> tuple[str, ...]:
    """The English fragments that must not appear in ``lang``."""
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        catalog = pofile.read_po(fh, locale=lang)
    out = set()
    for msg in catalog:
        if not msg.id or isinstance(msg.id, tuple) or not any(loc[0] in STORED for loc in msg.locations):
            continue
        for part in re.split(r"\{\w*\}", msg.id):
            part = part.strip(" :;,.()'\"")
            if len(_WORDS.findall(part)) >= 2 and part not in msg.string:
                out.add(part)
    return tuple(sorted(out))


def english_in(text: str, lang: str) -> list[str]:
    """The English fragments found in ``text``."""
    return [f for f in fragments(lang) if f in text]
