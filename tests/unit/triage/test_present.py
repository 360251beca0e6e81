from __future__ import annotations

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
