"""Assemble the answer to "is this message extortion?"."""

from __future__ import annotations

from amparo.triage import Verdict, analyze


def check_message(*, text: str, lang: str | None, country: str | None) -> Verdict:
    """Triage a message. Stores nothing: the text is not kept, logged or audited."""
    return analyze(text, lang=lang, country=country)
