"""Same-length views of a text, so every match keeps the offsets of the original.

The digit view turns what people and OCR put inside numbers back into digits without moving a
single character: other scripts' digits become ASCII digits, invisible characters become
spaces, and an ``O`` or ``l`` inside a group of digits becomes ``0`` or ``1``.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), " ")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"), "-")
_OCR_TOKEN = re.compile(r"(?<![A-Za-z])[0-9OoIl|]{2,}(?![A-Za-z])")
_OCR = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def digit_view(text: str) -> str:
    """The text with digits made ASCII and OCR look-alikes inside digit groups fixed."""
    chars = []
    for char in text:
        if char.isdecimal() and not char.isascii():
            chars.append(str(unicodedata.decimal(char)))
        else:
            chars.append(char)
    view = "".join(chars).translate(_INVISIBLE).translate(_SPACES).translate(_DASHES)
    return _OCR_TOKEN.sub(_fix_ocr, view)


def _fix_ocr(match: re.Match[str]) -> str:
    token = match.group(0)
    digits = sum(c.isdigit() for c in token)
    if digits < 1 or (digits < 2 and len(token) < 3):
        return token
    return token.translate(_OCR)


def fold(text: str) -> str:
    """Lower case without accents, for names and keywords (length may change)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold_same_length(text: str) -> str:
    """Lower case without accents, one character for one (for keyword search with offsets)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        lowered = base.lower()
        out.append(lowered if len(lowered) == 1 else char.lower()[:1] or " ")
    return "".join(out)
