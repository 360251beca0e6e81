from __future__ import annotations

import pytest

from amparo.triage import advice, corpus
from amparo.triage.advice import LANGS, AdviceError, parse

BOOK = advice.load()


def test_every_step_fits_one_sms_in_every_language() -> None:
    for step, texts in BOOK.steps.items():
        for lang in LANGS:
            assert 10 < len(texts[lang]) <= 160, (step, lang)


@pytest.mark.parametrize("category", corpus.EXTORTION_CATEGORIES)
def test_every_extortion_category_has_a_plan_per_level(category: str) -> None:
    for level in ("low", "medium", "high", "critical"):
        for lang in LANGS:
            steps = BOOK.plan(category, level, lang)
            assert 2 <= len(steps) <= 6


def test_emergencies_say_911_and_never_ignore() -> None:
    steps = " ".join(BOOK.plan("genuine_emergency", "high", "es"))
    assert "911" in steps
    assert "ignore" not in " ".join(BOOK.plan("genuine_emergency", "high", "en")).lower()


def test_report_lines_by_country_and_a_default() -> None:
    assert "089" in BOOK.report_line("mx", "es")
    assert "1574" in BOOK.report_line("GT", "en")
    assert BOOK.report_line("ZZ", "fr") == BOOK.report_line(None, "fr")


def test_malformed_advice_is_refused() -> None:
    with pytest.raises(AdviceError, match="unknown steps"):
        parse({"steps": {}, "plans": {"benign": {"low": ["nope"]}}, "disclaimer": {}})
    with pytest.raises(AdviceError, match="lacks"):
        parse({"steps": {"a": {"es": "x"}}, "plans": {}, "disclaimer": {}})
