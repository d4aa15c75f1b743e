"""Text from bytes: the one encoding detection for every text file geomap reads.

:func:`decode` tries byte-order marks, then UTF-8; a file pasted together from UTF-8 and
Windows-1252 lines is read line by line; Western text (accented letters among mostly ASCII
ones) is read as Windows-1252, the encoding Western spreadsheets are saved in; anything else is
guessed with charset-normalizer. Whenever the text was not UTF-8 a warning naming the file says
how it was read.
"""

from __future__ import annotations

import codecs

from geomap.i18n import N_, Message

__all__ = ["WESTERN", "decode"]

#: Label of the single-byte encoding Western text that is not UTF-8 is read as.
WESTERN = "cp1252"


def _western(data: bytes) -> str:
    """Bytes as Windows-1252, falling back to Latin-1 (which decodes every byte)."""
    try:
        return data.decode(WESTERN)
    except UnicodeDecodeError:
        return data.decode("latin-1")


#: Bytes that are not ASCII letters (deleted to count the ASCII letters of a text).
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))
_ASCII = bytes(range(128))


def _looks_western(data: bytes) -> bool:
    """Whether single-byte ``data`` reads as Western text (accents among mostly ASCII letters).

    In Spanish, French or Portuguese a few letters in a hundred are accented; text in another
    script (Cyrillic, Greek, a double-byte Asian encoding) is almost all high bytes.
    """
    high = len(data.translate(None, _ASCII))
    letters = len(data.translate(None, _NOT_ASCII_LETTERS))
    return high < 0.3 * (high + letters)


def decode(data: bytes, name: str, warnings: list[str]) -> tuple[str, str, list[int]]:
    """Decode bytes: ``(text, encoding, 1-based numbers of the lines read as Windows-1252)``.

    BOMs first, then UTF-8. A file whose lines are partly valid (non-ASCII) UTF-8 and partly
    not was pasted together from two sources: each line is read as UTF-8, the others as
    Windows-1252, and their numbers are returned (the caller names the rows). Otherwise the encoding is guessed with
    charset-normalizer, except that Western text (accented letters among mostly ASCII ones) is
    read as Windows-1252, the encoding Western spreadsheets are saved in: on short files the
    detector's guesses (``mac_iceland``, ``iso8859_10``, ``cp775``, even ``big5``) read the same
    bytes as other letters.
    """
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc), enc, []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    # CR and LF never occur inside a UTF-8 or single-byte character, so lines split cleanly
    lines = data.splitlines(keepends=True)
    decoded: list[str | None] = []
    bad: list[int] = []
    utf8_accents = False
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
            utf8_accents = utf8_accents or not line.isascii()
        except UnicodeDecodeError:
            decoded.append(None)
            bad.append(number)
    if utf8_accents:
        text = "".join(d if d is not None else _western(line) for d, line in zip(decoded, lines))
        return text, f"utf-8+{WESTERN}", bad
    guess = None
    if _looks_western(data):
        enc = WESTERN
    else:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        guess = best.encoding if best is not None else None
        enc = guess or WESTERN
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        enc, text = ("latin-1", data.decode("latin-1")) if enc == WESTERN else (WESTERN, _western(data))
    label = f"Windows-1252 ({enc})" if enc == WESTERN else enc
    if guess not in (None, enc):
        warnings.append(Message(
            N_("{file}: the file is not UTF-8; its text was read as {encoding} (the encoding detector guessed {guess}). "
               "If letters look wrong, save the file as UTF-8 and load it again"),
            file=name, encoding=label, guess=guess,
        ))
    else:
        warnings.append(Message(
            N_("{file}: the file is not UTF-8; its text was read as {encoding}. If letters look wrong, "
               "save the file as UTF-8 and load it again"),
            file=name, encoding=label,
        ))
    return text, enc, []
