"""The red-flag catalogue is data; these tests hold it to its own examples."""

from __future__ import annotations

import re

import pytest

from amparo.triage import catalogue
from amparo.triage.catalogue import LANGS, CatalogueError, parse
from amparo.triage.normalise import plain

CATALOGUE = catalogue.load()


def test_at_least_thirty_flags_each_in_four_languages() -> None:
    assert len(CATALOGUE.flags) >= 30
    for flag in CATALOGUE.flags:
        for lang in LANGS:
            assert flag.title[lang]
            assert flag.explanation[lang]
            assert flag.advice[lang]


@pytest.mark.parametrize("flag", CATALOGUE.flags, ids=[f.id for f in CATALOGUE.flags])
def test_every_flag_matches_its_examples_and_not_its_near_misses(flag: catalogue.Flag) -> None:
    for lang in LANGS:
        examples = flag.examples[lang]
        assert examples["match"], f"{flag.id}/{lang} has no examples"
        for text in examples["match"]:
            assert flag.patterns[lang].search(plain(text)), f"{flag.id}/{lang} misses: {text}"
        for text in examples["no_match"]:
            hit = flag.patterns[lang].search(plain(text))
            assert not hit, f"{flag.id}/{lang} wrongly hits: {text}"


NESTED_QUANTIFIER = re.compile(r"\((?:\?:)?[^()]*[+*][^()]*\)[+*]")


def test_patterns_have_no_nested_quantifiers() -> None:
    """(a+)+ style patterns backtrack exponentially on hostile input."""
    from importlib import resources

    import yaml

    data = yaml.safe_load(
        resources.files("amparo.triage").joinpath("data/red_flags.yaml").read_text("utf-8")
    )
    sources = [p for f in data["flags"] for ps in f["patterns"].values() for p in ps]
    sources += [p for c in data["cues"].values() for ps in c.values() for p in ps]
    offenders = [p for p in sources if NESTED_QUANTIFIER.search(p)]
    assert offenders == []


def test_hostile_input_is_searched_to_the_end() -> None:
    hostile = plain(("a " * 4000) + ("x" * 4000) + ("9" * 3000) + " tenemos a su hijo")
    assert any(flag.pattern.search(hostile) for flag in CATALOGUE.flags)


def test_malformed_catalogues_are_refused_with_a_reason() -> None:
    good = {
        "id": "x_flag",
        "severity": "high",
        "title": dict.fromkeys(LANGS, "t"),
        "explanation": dict.fromkeys(LANGS, "e"),
        "advice": dict.fromkeys(LANGS, "a"),
        "patterns": {key: ["x"] for key in LANGS},
    }
    cues = {
        "cues": {k: {key: ["y"] for key in LANGS} for k in ("advisory", "emergency", "negation")}
    }
    parse({"flags": [good], **cues})
    cases = [
        ({**good, "severity": "apocalyptic"}, "unknown severity"),
        ({**good, "title": {"es": "t"}}, "title lacks en"),
        ({**good, "patterns": {**good["patterns"], "fr": ["(unclosed"]}}, "bad pattern"),
        ({**good, "patterns": {**good["patterns"], "pt": []}}, "no patterns for pt"),
        ({**good, "id": "Bad Id"}, "malformed"),
    ]
    for entry, message in cases:
        with pytest.raises(CatalogueError, match=message):
            parse({"flags": [entry], **cues})
    with pytest.raises(CatalogueError, match="repeated"):
        parse({"flags": [good, good], **cues})
