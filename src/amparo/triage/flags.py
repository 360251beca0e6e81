"""Finding red flags and context cues in a normalised message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from amparo.triage.catalogue import CUES, LANGS, Catalogue, Flag, Severity
from amparo.triage.normalise import Normalised

MAX_SPANS_PER_FLAG = 5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Span:
    """Where the evidence is, in the ORIGINAL text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class FlagMatch:
    flag: Flag
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Signals:
    """Everything the catalogue says about one message."""

    matches: tuple[FlagMatch, ...]
    advisory: int
    emergency: int
    negation: int
    words: int = 0  # words in the message: a verdict on two words rests on little

    def features(self) -> list[float]:
        """The numeric summary the risk combiner learns from."""
        by_severity = {s: 0 for s in Severity}
        for match in self.matches:
            by_severity[match.flag.severity] += 1
        return [
            float(by_severity[Severity.CRITICAL]),
            float(by_severity[Severity.HIGH]),
            float(by_severity[Severity.MEDIUM]),
            float(by_severity[Severity.LOW]),
            float(len(self.matches)),
            float(min(self.advisory, 5)),
            float(min(self.emergency, 5)),
            float(min(self.negation, 5)),
        ]


FEATURE_NAMES = (
    "flags_critical",
    "flags_high",
    "flags_medium",
    "flags_low",
    "flags_total",
    "advisory_cues",
    "emergency_cues",
    "negation_cues",
)


def find(normalised: Normalised, original: str, catalogue: Catalogue, lang: str | None) -> Signals:
    """Every flag whose patterns (of ``lang``; all languages when None) occur, with merged
    evidence spans over the original text.

    Only the patterns that the literal prefilter lets through are searched; the others cannot
    match, so the answer is that of searching every pattern (tests hold the two equal)."""
    text = normalised.text
    key = lang if lang in LANGS else None
    search = catalogue.search
    present = search.candidates(text, key)
    n_flags = len(catalogue.flags)
    matches = []
    cue_counts = [0] * len(CUES)
    for group, alternatives in present.items():
        if group >= n_flags:
            cue_counts[group - n_flags] = sum(1 for _ in search.finditer(alternatives, text))
            continue
        spans: list[tuple[int, int]] = []
        for found in search.finditer(alternatives, text):
            if found.end() == found.start():
                continue
            start, end = whole_words(
                original, *normalised.original_span(found.start(), found.end())
            )
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
            if len(spans) >= MAX_SPANS_PER_FLAG:
                break
        if spans:
            matches.append(
                FlagMatch(
                    catalogue.flags[group], tuple(Span(s, e, original[s:e]) for s, e in spans)
                )
            )
    matches.sort(key=lambda m: (-m.flag.severity, m.spans[0].start))
    advisory, emergency, negation = cue_counts
    return Signals(
        matches=tuple(matches),
        advisory=advisory,
        emergency=emergency,
        negation=negation,
        words=len(_WORD.findall(text)),
    )


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` widened to whole words of ``text``: a pattern that ends inside an account
    number or before a combining accent ("deposita" + U+0301) would otherwise highlight
    "cuenta 0121" of "cuenta 012180015555555555", or leave the accent outside the mark."""
    if start >= end:
        return start, end
    size = len(text)
    while end < size and (
        unicodedata.combining(text[end]) or (text[end].isalnum() and _in_word(text[end - 1]))
    ):
        end += 1
    while start > 0 and _in_word(text[start]) and text[start - 1].isalnum():
        start -= 1
    return start, end


def _in_word(char: str) -> bool:
    return char.isalnum() or unicodedata.combining(char) > 0
