"""Numbers dictated in words — "cinco cinco, doce, treinta y cuatro …", "seven one three five",
"five five oh one" — found with their span in the original text and turned into digits by
text2num."""

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
# lone "uno" or "five dollars" never starts a phone number. No number on the route starts with
# a zero, so an English "oh" never starts a run ("oh, five five five …", "oh no").
_RUN = re.compile(
    rf"\b(?!oh\b){_TOKEN}(?:(?:[\s,.\-]{{1,3}}|\s+(?:y|and)\s+){_TOKEN}\b){{3,}}",
)
_OH = re.compile(r"\boh\b")
_LAST_OH = re.compile(r"[\s,.\-]+oh$")


@dataclass(frozen=True, slots=True)
class SpelledRun:
    start: int
    end: int
    digits: str
    shorter: SpelledRun | None = None  # without a last English "oh" ("… nine nine, oh my god")


def spelled_runs(text: str) -> Iterator[SpelledRun]:
    folded = fold_same_length(text)
    for match in _RUN.finditer(folded):
        run = _read(match.group(0), match.start())
        if run is not None:
            yield run


NUMBER_WORDS = frozenset(_ALL)
_WORD = re.compile(r"[a-z]+")


def has_worded_run(folded: str) -> bool:
    """Whether a folded text (``fold_same_length``) holds a run of tokens :func:`spelled_runs`
    reads with at least one number word in it (a run of digits alone is the digit finder's)."""
    if NUMBER_WORDS.isdisjoint(_WORD.findall(folded)):
        return False  # a set look-up per word instead of the long alternation
    return _RUN.search(folded) is not None


def _read(run: str, start: int) -> SpelledRun | None:
    words = re.findall(r"[a-z]+", run)
    if not words:
        return None  # digits only: the digit finder's business
    language = max(_WORDS, key=lambda lang: sum(w in _WORDS[lang] for w in words))
    if not any(w in _WORDS[language] for w in words if w not in ("y", "and")):
        return None
    spoken = _spaced(run)
    shorter = None
    if language == "en":
        spoken = _OH.sub("zero", spoken)  # "five five oh one …": text2num knows only "zero"
        last = _LAST_OH.search(run)
        shorter = _read(run[: last.start()], start) if last else None
    digits = re.sub(r"\D", "", alpha2digit(spoken, language))
    return SpelledRun(start, start + len(run), digits, shorter)


def _spaced(run: str) -> str:
    # text2num reads "cinco cinco uno" digit by digit but glues "12 34" into one number only
    # when they are separated by spaces; commas and dashes just become spaces.
    return re.sub(r"[,.\-]+", " ", run)
