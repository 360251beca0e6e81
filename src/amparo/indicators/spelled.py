"""Numbers dictated in words — "cinco cinco, doce, treinta y cuatro …", "seven one three five" —
found with their span in the original text and turned into digits by text2num."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from text_to_num import alpha2digit

from amparo.indicators.phones import ENGLISH_NUMBER_WORDS, SPANISH_NUMBER_WORDS
from amparo.indicators.text import fold_same_length

_WORDS = {"es": frozenset(SPANISH_NUMBER_WORDS), "en": frozenset(ENGLISH_NUMBER_WORDS)}
_ALL = sorted(_WORDS["es"] | _WORDS["en"], key=len, reverse=True)
_TOKEN = r"(?:\d{1,4}|" + "|".join(_ALL) + r")"
# Tokens joined by spaces, commas, dashes, dots or "y"/"and"; at least four tokens, so that a
# lone "uno" or "five dollars" never starts a phone number.
_RUN = re.compile(
    rf"\b{_TOKEN}(?:(?:[\s,.\-]{{1,3}}|\s+(?:y|and)\s+){_TOKEN}\b){{3,}}",
)


@dataclass(frozen=True, slots=True)
class SpelledRun:
    start: int
    end: int
    digits: str


def spelled_runs(text: str) -> Iterator[SpelledRun]:
    folded = fold_same_length(text)
    for match in _RUN.finditer(folded):
        words = re.findall(r"[a-z]+", match.group(0))
        if not words:
            continue  # digits only: the digit finder's business
        language = max(_WORDS, key=lambda lang: sum(w in _WORDS[lang] for w in words))
        if not any(w in _WORDS[language] for w in words if w not in ("y", "and")):
            continue
        converted = alpha2digit(_spaced(match.group(0)), language)
        digits = re.sub(r"\D", "", converted)
        yield SpelledRun(match.start(), match.end(), digits)


def _spaced(run: str) -> str:
    # text2num reads "cinco cinco uno" digit by digit but glues "12 34" into one number only
    # when they are separated by spaces; commas and dashes just become spaces.
    return re.sub(r"[,.\-]+", " ", run)
