"""Turning a verdict into what people and programs read: JSON, highlighted segments, names.

Pure, like the rest of triage: the faces (CLI, API, pages, bot) translate the names with their
own gettext and call these helpers instead of re-assembling the verdict.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from amparo.errors import N_
from amparo.triage.analysis import Verdict

CATEGORY_NAMES = {
    "virtual_kidnapping": N_("Virtual kidnapping"),
    "telephone_extortion": N_("Telephone extortion"),
    "smuggler_fee": N_("Smuggler or 'rescuer' asking for money"),
    "fake_official": N_("Fake official, lawyer or judge"),
    "fake_relative": N_("Fake relative or 'new number'"),
    "sextortion": N_("Sextortion"),
    "other_scam": N_("Other scam (prize, job, visa)"),
    "genuine_emergency": N_("A real call for help"),
    "benign": N_("No sign of extortion"),
}
LEVEL_NAMES = {
    "low": N_("Low risk"),
    "medium": N_("Medium risk"),
    "high": N_("High risk"),
    "critical": N_("Very high risk"),
}


def to_dict(verdict: Verdict) -> dict[str, Any]:
    """The verdict as plain JSON-able data (spans are offsets into the text as received)."""
    return {
        "risk": verdict.risk,
        "level": verdict.level.value,
        "category": verdict.category,
        "lang": verdict.lang,
        "detected_language": verdict.detected_language,
        "language_supported": verdict.language_supported,
        "flags": [
            {
                "id": flag.id,
                "severity": flag.severity,
                "title": flag.title,
                "explanation": flag.explanation,
                "advice": flag.advice,
                "evidence": [
                    {"start": s.start, "end": s.end, "text": s.text} for s in flag.evidence
                ],
            }
            for flag in verdict.flags
        ],
        "headline": verdict.headline,
        "advice": list(verdict.advice),
        "report": verdict.report,
        "disclaimer": verdict.disclaimer,
        "probabilities": verdict.probabilities,
    }


@dataclass(frozen=True)
class Segment:
    """A piece of the original message; ``flag_ids`` is empty for plain text."""

    text: str
    flag_ids: tuple[str, ...]


def segments(text: str, verdict: Verdict) -> list[Segment]:
    """The message cut into plain and flagged pieces, for highlighting."""
    cuts = {0, len(text)}
    for flag in verdict.flags:
        for span in flag.evidence:
            cuts.update((span.start, span.end))
    ordered = sorted(c for c in cuts if 0 <= c <= len(text))
    pieces = []
    for start, end in itertools.pairwise(ordered):
        if start == end:
            continue
        ids = tuple(
            flag.id
            for flag in verdict.flags
            if any(s.start <= start and end <= s.end for s in flag.evidence)
        )
        pieces.append(Segment(text[start:end], ids))
    return pieces


def highlights(text: str, verdict: Verdict) -> list[Segment]:
    """:func:`segments` with neighbouring flagged pieces joined, so a page draws one highlight
    per run of flagged words ("Mándame 500 a esta cuenta, urgente"), not three that its padding
    pulls apart ("Mándame 500  a esta cuenta ,")."""
    joined: list[Segment] = []
    for piece in segments(text, verdict):
        if joined and piece.flag_ids and joined[-1].flag_ids:
            ids = tuple(dict.fromkeys(joined[-1].flag_ids + piece.flag_ids))
            joined[-1] = Segment(joined[-1].text + piece.text, ids)
        else:
            joined.append(piece)
    return joined
