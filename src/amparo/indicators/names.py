"""Names and aliases, only where the text introduces one ("a nombre de …", "alias …",
"beneficiary: …"): guessing names in free prose would link strangers who share a surname."""

from __future__ import annotations

import re
from collections.abc import Iterator

from amparo.indicators.text import fold

_MARKERS = (
    r"a\s+nombre\s+de|beneficiari[oa]|titular(?:\s+de\s+la\s+cuenta)?|se\s+hace\s+llamar|"
    r"alias|apodo|(?<![\w-])nombre|in\s+the\s+name\s+of|beneficiary|account\s+holder|"
    r"goes\s+by|(?<![\w-])name|a\s+nome\s+de|au\s+nom\s+de"
)
_WORD = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü'’]+\.?|[A-ZÁÉÍÓÚÑÜ]{2,}"
_PARTICLE = r"de|del|la|las|los|y|da|dos|van|el"
NAME = re.compile(
    rf"(?i:{_MARKERS})\s*[:\-]?\s*"
    rf"(?:[\"“«']\s*(?P<quoted>[^\"”»'\n]{{2,40}}?)\s*[\"”»']"
    rf"|(?P<name>(?:{_WORD})(?:[^\S\n]+(?:(?:{_PARTICLE})[^\S\n]+)*(?:{_WORD})){{0,4}}))",
)
# Capitalised words that end a name rather than continue it.
_STOP = frozenset(
    fold(w)
    for w in [
        "Western",
        "Union",
        "Elektra",
        "Coppel",
        "OXXO",
        "Banco",
        "Azteca",
        "BBVA",
        "Santander",
        "Banorte",
        "Banamex",
        "HSBC",
        "Zelle",
        "Remitly",
        "Xoom",
        "MoneyGram",
        "Bitcoin",
        "USDT",
        "Tel",
        "Cel",
        "Whatsapp",
        "WhatsApp",
        "CLABE",
        "Cuenta",
        "Tarjeta",
        "Monto",
        "Fecha",
        "ICE",
        "CBP",
        "Phone",
        "Account",
        "Card",
        "Amount",
        "Date",
    ]
)


def canonical_name(text: str) -> str:
    return " ".join(fold(text).replace("’", "'").split())


def names(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, canonical)`` for every introduced name or alias."""
    for match in NAME.finditer(text):
        group = "quoted" if match.group("quoted") else "name"
        start, end = match.span(group)
        words = text[start:end].split()
        kept: list[str] = []
        for word in words:
            if fold(word.strip(".")) in _STOP:
                break
            kept.append(word)
        while kept and fold(kept[-1]) in ("de", "del", "la", "las", "los", "y", "da", "dos", "el"):
            kept.pop()
        if not kept:
            continue
        if group == "name" and not match.group("name")[:1].isupper():
            continue  # "nombre de usuario" — a marker followed by ordinary words
        written = " ".join(kept)
        end = start + text[start:end].find(kept[-1]) + len(kept[-1])
        value = canonical_name(text[start:end].rstrip("."))
        if len(value) >= 3:
            yield start, end - (1 if text[end - 1] == "." else 0), value
        del written
