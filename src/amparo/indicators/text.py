"""Same-length views of a text, so every match keeps the offsets of the original.

The digit view turns what people and OCR put inside numbers back into digits without moving a
single character: other scripts' digits become ASCII digits, invisible characters become
spaces, and an ``O`` or ``l`` inside a group of digits becomes ``0`` or ``1``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), " ")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"), "-")
_OCR_TOKEN = re.compile(r"(?<![A-Za-z])[0-9OoIl|]{2,}(?![A-Za-z])")
_OCR = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def digit_view(text: str) -> str:
    """The text with digits made ASCII and OCR look-alikes inside digit groups fixed."""
    view = text.translate(_VIEW)
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
    return text.translate(_FOLD)


def _folded(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1] or char
    lowered = base.lower()
    return lowered if len(lowered) == 1 else char.lower()[:1] or " "


def _viewed(char: str) -> str:
    if char.isdecimal() and not char.isascii():
        return str(unicodedata.decimal(char))
    return _INVISIBLE.get(ord(char)) or _SPACES.get(ord(char)) or _DASHES.get(ord(char)) or char


class _PerCharacter(dict[int, str]):
    """A ``str.translate`` table that works out each character the first time it meets it: the
    loop over characters runs in C, and a message costs a few microseconds, not a hundred."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str:
        if len(self) > 100_000:  # a hostile text full of distinct characters: start again
            self.clear()
        value = self[code] = self.rule(chr(code))
        return value


_FOLD = _PerCharacter(_folded)
_VIEW = _PerCharacter(_viewed)
