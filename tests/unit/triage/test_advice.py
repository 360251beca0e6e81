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


SITUATIONS = {
    # what a call for help says, normalised → the situation's own step that must be in the plan
    "held": ["nos tienen encerrados en una casa", "we are locked in a stash house",
             "estamos trancados numa casa", "on est enfermes dans une maison"],
    "desert": ["estamos perdidos en el desierto sin agua", "we are lost in the desert",
               "estamos perdidos no deserto, sem agua", "on est perdus dans le desert, sans eau"],
    "hurt_or_sick": ["esta herido y no puede caminar", "he is injured and bleeding",
                     "ele esta ferido", "il est blesse, il ne peut plus marcher",
                     "me enferme, tengo fiebre", "i'm very sick", "estou doente", "il est malade"],
    "detained_mexico": ["esta en la estacion migratoria de tapachula",
                        "lo tiene el inm en la estancia provisional"],
    "detained": ["nos agarro la migra, estoy detenido", "i was detained by ice",
                 "fui detido pela imigracao", "il a ete arrete, il est detenu"],
    "missing": ["no sabemos nada de mi hijo desde el lunes", "we haven't heard from him",
                "sem noticias do meu filho", "sans nouvelles de mon fils"],
}  # fmt: skip


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_a_call_for_help_gets_the_steps_of_what_it_describes(situation: str) -> None:
    own = next(s for s in BOOK.situations if s.id == situation).steps
    for text in SITUATIONS[situation]:
        ids = BOOK.plan_ids("genuine_emergency", "low", text)
        assert ids[0] == "call_911", text
        assert ids[-2:] == ("consulate_protection", "red_cross"), text
        assert set(own) <= set(ids), text
        assert len(ids) == len(set(ids)), text
        for lang in LANGS:
            assert len(BOOK.plan("genuine_emergency", "low", lang, text)) == len(ids)


# What the QA audit sent (2026-11-29), as a family would: the steps that must be there, and
# those that must not (a cell is not the desert, a stalled car is not an arrest, "me enfermé"
# is not "enfermé" = locked in).
QA_CASES = [
    ("Mamá nos tienen encerrados en una casa en Houston, hace mucho calor y no hay agua",
     {"held_report"}, {"desert_rescue", "stay_visible"}),
    ("Mom we are locked in a stash house, there is no water, please help",
     {"held_report"}, {"desert_rescue", "stay_visible"}),
    ("Maman nous sommes enfermés dans une maison, il fait très chaud, sans eau",
     {"held_report"}, {"desert_rescue", "stay_visible"}),
    ("Mamá estoy detenido por migración, aquí hace mucho calor y no nos dan agua",
     {"ice_locator"}, {"desert_rescue", "stay_visible"}),
    ("Mom, ICE arrested me this morning, I'm in the detention center, I lost contact with Juan",
     {"ice_locator", "official_bond_only"}, {"desert_rescue", "stay_visible", "custody_first"}),
    ("Mãe fui detido pela imigração, perdi tudo, estou sem água",
     {"ice_locator"}, {"desert_rescue", "stay_visible"}),
    ("Maman, la voiture s'est arrêtée en plein désert, on n'a plus d'eau, aide-nous",
     {"desert_rescue", "stay_visible"}, {"ice_locator", "official_bond_only"}),
    ("Mamá el carro se quedó detenido en el desierto, el coyote nos dejó, no tenemos agua",
     {"desert_rescue"}, {"ice_locator", "official_bond_only"}),
    ("Mom the truck stopped in the desert, we ran out of water, there is no ice no nothing",
     {"desert_rescue"}, {"ice_locator", "official_bond_only"}),
    ("Mamá ayúdame, estoy muy enfermo, tengo fiebre y vómito, estoy en un albergue en Monterrey",
     {"medical_help"}, {"desert_rescue", "stay_visible", "held_report"}),
    ("Mamá me enfermé de gripa en el albergue, estoy en cama, no tengo para medicinas",
     {"medical_help"}, {"held_report"}),
    ("Mamá me asaltaron en el tren, me quitaron todo, estoy en Querétaro, ayúdame",
     set(), {"desert_rescue", "stay_visible"}),
    ("Hijo de mi hermana está detenido en la estación migratoria de Tapachula desde hace 3 días",
     {"mexico_detention"}, {"ice_locator", "official_bond_only", "desert_rescue"}),
    ("Está enfermo y lo tienen en la estación migratoria, no sabemos nada más",
     {"mexico_detention", "medical_help"}, {"ice_locator", "custody_first"}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "wanted", "unwanted"), QA_CASES)
def test_what_the_audit_sent_gets_the_steps_that_fit(
    text: str, wanted: set[str], unwanted: set[str]
) -> None:
    from amparo.triage.normalise import normalise

    ids = set(BOOK.plan_ids("genuine_emergency", "low", normalise(text).text))
    assert wanted <= ids, (text, ids)
    assert not unwanted & ids, (text, ids)


def test_the_general_plan_fits_any_call_for_help() -> None:
    assert set(BOOK.plans["genuine_emergency"]["any"]).isdisjoint({"desert_rescue", "stay_visible"})


def test_advice_for_one_situation_leaves_out_the_others() -> None:
    detained = BOOK.plan_ids("genuine_emergency", "low", "nos agarro la migra, estoy detenido")
    assert "stay_visible" not in detained  # "stay in the shade" is no help in a cell
    assert "ice_locator" in detained
    desert = BOOK.plan_ids("genuine_emergency", "low", "estamos perdidos sin agua")
    assert "ice_locator" not in desert
    assert "stay_visible" in desert
    both = BOOK.plan_ids("genuine_emergency", "low", "perdidos sin agua y mi hermano esta herido")
    assert {"stay_visible", "medical_help"} <= set(both)
    # nothing recognised: the general plan; other categories never look at situations
    general = BOOK.plan_ids("genuine_emergency", "low", "ayuda por favor")
    assert general == BOOK.plans["genuine_emergency"]["any"]
    assert (
        BOOK.plan_ids("virtual_kidnapping", "high", "estoy detenido")
        == (BOOK.plans["virtual_kidnapping"]["high"])
    )


def test_the_verdict_carries_the_situations_advice() -> None:
    from amparo.triage import analyze

    verdict = analyze("Mamá, me agarró la migra en Arizona, estoy detenido, avísale a mi tío")
    assert verdict.category == "genuine_emergency"
    assert any("locator.ice.gov" in step for step in verdict.advice)
    assert not any("sombra" in step for step in verdict.advice)


def test_malformed_situations_are_refused() -> None:
    base = {
        "steps": {k: dict.fromkeys(LANGS, "x" * 20) for k in
                  ("call_911", "consulate_protection", "red_cross", "a")},
        "plans": {"benign": {"low": ["a"]}},
        "disclaimer": dict.fromkeys(LANGS, "x"),
    }  # fmt: skip
    assert parse({**base, "situations": {"s": {"steps": ["a"], "patterns": ["x"]}}}).situations
    with pytest.raises(AdviceError, match="unknown steps"):
        parse({**base, "situations": {"s": {"steps": ["nope"], "patterns": ["x"]}}})
    with pytest.raises(AdviceError, match="bad pattern"):
        parse({**base, "situations": {"s": {"steps": ["a"], "patterns": ["(x"]}}})
    with pytest.raises(AdviceError, match="no patterns"):
        parse({**base, "situations": {"s": {"steps": ["a"], "patterns": []}}})
    with pytest.raises(AdviceError, match="excludes unknown"):
        parse({**base, "situations": {"s": {"steps": ["a"], "patterns": ["x"], "excludes": ["t"]}}})
