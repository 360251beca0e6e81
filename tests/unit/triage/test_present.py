from __future__ import annotations

import itertools

from amparo.triage import analyze, present


def test_segments_rebuild_the_message_and_mark_only_evidence() -> None:
    text = "Señora no cuelgue, tenemos a su hijo. Deposite 5 mil en OXXO hoy."
    verdict = analyze(text)
    pieces = present.segments(text, verdict)
    assert "".join(p.text for p in pieces) == text
    marked = [p for p in pieces if p.flag_ids]
    assert marked
    spans = {(s.start, s.end) for f in verdict.flags for s in f.evidence}
    for piece in marked:
        start = text.index(piece.text)
        assert any(a <= start < b for a, b in spans)


def test_json_form_has_the_documented_fields() -> None:
    data = present.to_dict(analyze("hola mija, ¿ya comiste?"))
    assert {"risk", "level", "category", "lang", "flags", "advice", "headline"} <= set(data)
    assert data["level"] in ("low", "medium", "high", "critical")


def test_every_category_and_level_has_a_translatable_name() -> None:
    from amparo.triage.corpus import CATEGORIES

    assert set(present.CATEGORY_NAMES) == set(CATEGORIES)
    assert set(present.LEVEL_NAMES) == {"low", "medium", "high", "critical"}


def test_a_page_draws_one_highlight_per_run_of_flagged_words() -> None:
    text = "Hola mamá, cambié de número. Mándame 500 a esta cuenta, urgente"
    verdict = analyze(text)
    assert len([p for p in present.segments(text, verdict) if p.flag_ids]) > 2  # overlapping flags
    pieces = present.highlights(text, verdict)
    assert "".join(p.text for p in pieces) == text
    assert [p.text for p in pieces if p.flag_ids] == [
        "cambié de número",
        "Mándame 500 a esta cuenta, urgente",
    ]
    assert all(not (a.flag_ids and b.flag_ids) for a, b in itertools.pairwise(pieces))
