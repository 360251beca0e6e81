from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from amparo.triage.normalise import _slow_pairs, normalise, plain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TENEMOS a su HIJO!!!!", "tenemos a su hijo!"),
        ("S3CU3STR0 de tu h1j0", "secuestro de tu hijo"),
        ("d e p o s i t a  ya", "deposita ya"),
        # a whole phrase spaced out, words two spaces apart: the short words too (QA)
        ("t e n e m o s  a  t u  h i j o", "tenemos a tu hijo"),
        ("n o  l l a m e s  a  l a  p o l i c i a", "no llames a la policia"),
        ("hola t e n e m o s  a  t u  h i j o  ya", "hola tenemos a tu hijo ya"),
        ("t  e  n  e  m  o  s", "tenemos"),
        ("y  o sea", "y o sea"),
        ("t e n e m o s  a  t u hijo", "tenemos a tu hijo"),  # ends before a plain word (review)
        ("n o  l l a m e s  a  l a policia", "no llames a la policia"),
        ("T-E-N-E-M-O-S a su H-I-J-O", "tenemos a su hijo"),
        ("p.a.g.a ya", "paga ya"),
        ("U.S.A. y s.a. de c.v.", "u.s.a. y s.a. de c.v."),  # abbreviations stay
        ("de\u200bpósito en OXXO", "deposito en oxxo"),
        ("*no cuelgue* _ahora_ ~ya~", "no cuelgue ahora ya"),
        ("ayudaaaaa llamar 5000 pesos", "ayuda llamar 5000 pesos"),
        ("Ｏｘｘｏ", "oxxo"),
        ("раgue", "pague"),  # Cyrillic р and а
        ("ТЕNЕМОS А SU НIЈО", "tenemos a su hijo"),  # capital Cyrillic: Т Е М О А Н Ј
        ("ΤΕΝΕΜΟS", "tenemos"),  # capital Greek: Ν is an N (its small ν stays a v)
        ("ᴛᴇɴᴇᴍᴏꜱ ᴀ ꜱᴜ ʜɪᴊᴏ", "tenemos a su hijo"),  # small capitals
        ("我们绑架了你的儿子", "我们绑架了你的儿子"),  # another script stays as it is
        ("¡Págame ya!", "¡pagame ya!"),  # Spanish punctuation is not a letter
        ("mamá 🙏🙏 ayúdame", "mama 🙏 ayudame"),
        ("$500 dólares", "$500 dolares"),
        ("c4rt3l   del\n\ngolfo", "cartel del golfo"),
        ("Ñandú coração façade", "nandu coracao facade"),
        ("", ""),
    ],
)
def test_known_evasions_are_undone(raw: str, expected: str) -> None:
    assert plain(raw) == expected


text_strategy = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("aeiouñáéíóú0134578@$!*_~ .,¡?¿\n\t\u200b😀AEIOUXsS")),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(text_strategy)
@example("a  b!!  c")
@example("x1 2 3 4 y")
def test_fast_path_equals_the_character_path(raw: str) -> None:
    assert plain(raw) == "".join(c for c, _ in _slow_pairs(raw))


@settings(max_examples=300, deadline=None)
@given(text_strategy)
@example("﹍")  # folds to "_", which a second pass removed (found by hypothesis)
@example("a  b  c  d")  # "a b c d" after one pass, "abcd" after two
@example("a@@!ñ!")  # "a@!n!" after one pass, "aain" after two: marks collapse first (review)
@example("＊urgente＊")
def test_normalisation_is_idempotent(raw: str) -> None:
    once = plain(raw)
    assert plain(once) == once


@settings(max_examples=300, deadline=None)
@given(text_strategy)
def test_every_span_maps_back_inside_the_original(raw: str) -> None:
    result = normalise(raw)
    assert len(result.offsets) == len(result.text)
    assert list(result.offsets) == sorted(result.offsets)
    for start in range(len(result.text)):
        begin, end = result.original_span(start, start + 1)
        assert 0 <= begin < end <= len(raw)


def test_evidence_is_shown_in_the_words_received() -> None:
    raw = "Señora, *TENEMOS* a su h1j0, d e p o s i t e"
    result = normalise(raw)
    start = result.text.index("tenemos a su hijo")
    begin, end = result.original_span(start, start + len("tenemos a su hijo"))
    assert raw[begin:end] == "TENEMOS* a su h1j0"
    start = result.text.index("deposite")
    begin, end = result.original_span(start, start + len("deposite"))
    assert raw[begin:end] == "d e p o s i t e"


@settings(max_examples=500, deadline=None)
@given(text_strategy)
@example("a  b!!  c")
@example("x1 2 3 4 y")
@example("  s e c u e s t r o  ß ﬁn *ya* \u200b!!!  ")
def test_offsets_equal_the_character_path(raw: str) -> None:
    assert normalise(raw).offsets == tuple(p for _, p in _slow_pairs(raw))


def test_offsets_equal_the_character_path_on_the_corpus() -> None:
    from amparo.triage import corpus

    for split in ("train", "heldout"):
        for example_ in corpus.load(split):
            expected = tuple(p for _, p in _slow_pairs(example_.text))
            assert normalise(example_.text).offsets == expected, example_.text


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab0134579@$!._ -éñ٣²x\n")), max_size=30))
def test_leet_token_pattern_matches_as_the_plain_one(raw: str) -> None:
    import re

    from amparo.triage.normalise import _TOKEN_WITH_LEET

    plain_pattern = re.compile(r"[\w@$!]*[013457@$!][\w@$!]*")
    expected = [m.span() for m in plain_pattern.finditer(raw)]
    assert [m.span() for m in _TOKEN_WITH_LEET.finditer(raw)] == expected


def test_a_spaced_out_phrase_is_flagged_in_the_words_received() -> None:
    from amparo.triage import analyze

    raw = "Sra. t e n e m o s  a  t u  h i j o, n o  l l a m e s  a  l a  p o l i c i a"
    verdict = analyze(raw)
    spans = {f.id: [e.text for e in f.evidence] for f in verdict.flags}
    assert spans["custody_claim"] == ["t e n e m o s  a  t u  h i j o"]
    assert spans["no_police"] == ["n o  l l a m e s  a  l a  p o l i c i a"]
    assert verdict.level == "critical"
