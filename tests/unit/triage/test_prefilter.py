"""The literal prefilter must not change a single flag or span (see triage/prefilter.py)."""

from __future__ import annotations

import re

import pytest

from amparo.triage import catalogue, corpus, language
from amparo.triage.catalogue import LANGS, Catalogue
from amparo.triage.flags import MAX_SPANS_PER_FLAG, FlagMatch, Signals, Span, find, whole_words
from amparo.triage.normalise import Normalised, normalise
from amparo.triage.prefilter import Prefilter, required_literals, requirement

CATALOGUE = catalogue.load()


def exhaustive_find(
    normalised: Normalised, original: str, catalogue: Catalogue, lang: str | None
) -> Signals:
    """``flags.find`` as it was before the prefilter: every pattern of every flag searched."""
    text = normalised.text
    key = lang if lang in LANGS else "*"
    matches = []
    for flag in catalogue.flags:
        pattern = flag.patterns[key] if key != "*" else flag.pattern
        spans: list[tuple[int, int]] = []
        for found in pattern.finditer(text):
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
            matches.append(FlagMatch(flag, tuple(Span(s, e, original[s:e]) for s, e in spans)))
    matches.sort(key=lambda m: (-m.flag.severity, m.spans[0].start))
    return Signals(
        matches=tuple(matches),
        advisory=sum(1 for _ in catalogue.cues["advisory"][key].finditer(text)),
        emergency=sum(1 for _ in catalogue.cues["emergency"][key].finditer(text)),
        negation=sum(1 for _ in catalogue.cues["negation"][key].finditer(text)),
    )


def _summary(signals: Signals) -> tuple[object, ...]:
    return (
        tuple((m.flag.id, m.spans) for m in signals.matches),
        signals.advisory,
        signals.emergency,
        signals.negation,
    )


def _assert_same(text: str, langs: tuple[str | None, ...]) -> None:
    normalised = normalise(text)
    for lang in langs:
        fast = find(normalised, text, CATALOGUE, lang)
        slow = exhaustive_find(normalised, text, CATALOGUE, lang)
        assert _summary(fast) == _summary(slow), (lang, text)


def test_catalogue_examples_give_identical_answers() -> None:
    for flag in CATALOGUE.flags:
        for by_kind in flag.examples.values():
            for texts in by_kind.values():
                for text in texts:
                    _assert_same(text, (*LANGS, None))


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_corpus_gives_identical_answers(split: str) -> None:
    for example in corpus.load(split):
        detected = language.detect(example.text).pattern_language
        _assert_same(example.text, (detected, None) if detected else (None,))


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bse[ck]uestr(?:ad|o)\b", [{"secuestrad", "secuestro", "sekuestrad", "sekuestro"}]),
        (r"\b(?:deposit|transfer)(?:e|a)?\b", [{"deposit", "transfer"}]),
        (r"\bpago(?=.{0,30}\bhoy\b)", [{"pago"}]),
        (r"(?<!no )\bpa(?=.{0,30}\bhoy\b)", [{"hoy"}]),
        (r"(?:foo|.)bar", [{"bar"}]),
        (r"\$ ?\d", [{"$\x01", "$ \x01"}]),
        (r"hola|\d{3} ?(?:usd|dolares)", [{"hola"}, {"usd", "dolares"}]),
        (r"\d{4,}", None),  # left to the digit count
        (r"[a-z]{4,}", None),
        (r"(?i)secuestro", None),
        (r"a?b?", None),
        (r"hola|a?b?", None),
    ],
)
def test_required_literals(pattern: str, literals: list[set[str]] | None) -> None:
    found = required_literals(pattern)
    assert ([set(x) for x in found] if found is not None else None) == literals


def test_clauses_need_every_set_and_the_digits() -> None:
    needs = requirement(r"\b(?:mand|envi)\w{0,6}\b.{0,20}\b(?:dinero|plata)\b|\ba-?\d{8,9}\b")
    first, second = needs.clauses
    assert set(map(frozenset, first.literals)) == {
        frozenset({"mand", "envi"}),
        frozenset({"dinero", "plata"}),
    }
    assert second.digits == 8
    prefilter = Prefilter([needs_source := r"\bmand\w* (?:dinero|plata)|\ba\d{8}\b"])
    assert re.search(needs_source, "manda plata")
    assert prefilter.candidates("manda plata") == [0]
    assert prefilter.candidates("manda algo") == []
    assert prefilter.candidates("a12345678") == [0]
    assert prefilter.candidates("a1234567") == []


def test_prefilter_lets_through_every_pattern_that_matches() -> None:
    patterns = [r"\bhola\b", r"\d+", r"(?<!no )pag[ao]", r"x{2,}y", r"\$ ?\d|q\d{2}"]
    prefilter = Prefilter(patterns)
    for text in ["hola 123", "no pago", "pagas xxy", "", "nada", "$ ٣", "q12", "q1 $"]:
        matching = {i for i, p in enumerate(patterns) if re.search(p, text)}
        assert matching <= set(prefilter.candidates(text))
