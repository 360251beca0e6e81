"""Names and aliases, only where the text introduces one ("a nombre de …", "alias …",
"beneficiary: …", "titular: …"): guessing names in free prose would link strangers who share a
surname."""

from __future__ import annotations

import re
from collections.abc import Iterator

from amparo.indicators.text import fold

_MARKER = re.compile(
    r"(?i:\b(?:a\s+nombre\s+del?|(?:la\s+|el\s+)?titular(?:\s+de\s+la\s+cuenta|\s+\w+(?=:))?|"
    r"beneficiari[oa]s?|se\s+hac[eií]a?\s+llamar|dice\s+llamarse|se\s+llama|alias|apodo|"
    r"cobra|pregunte\s+por(?:\s+el|\s+la)?|nombre\s+que\s+(?:dieron|dio|usa|usan)|"
    r"destinatari[oa]|receptor[a]?|nombre(?:\s+del?\s+(?:titular|beneficiario|receptor))?|"
    r"in\s+the\s+name\s+of|under\s+the\s+name(?:\s+of)?|beneficiary|account\s+holders?|"
    r"holders?|recipient|receiver|goes\s+by|calls\s+(?:him|her)self|"
    r"name(?:\s+on\s+(?:the\s+)?(?:acc(?:oun)?t|account|card))?|a\s+nome\s+de|au\s+nom\s+de)\b)"
    r"[^\S\n]*(?:(?i:recurrente|era|es|is|was|de\s+la\s+cuenta))?[^\S\n]*[:\-–]?[^\S\n]*\n?[^\S\n]*"
)
_QUOTED = re.compile(r"[\"“«'‘]([^\"”»'’\n]{2,40}?)[\"”»'’]")
_TITLES = frozenset(
    "lic lic. licenciado licenciada sr sr. sra sra. srta srta. señor señora don doña dr dr. "  # noqa: SIM905
    "mr mr. mrs mrs. ms ms. miss ing ing. abogado abogada asistente joven oficial agente "
    "primo prima compadre comadre".split()
)
_PARTICLES = frozenset(["de", "del", "la", "las", "los", "y", "da", "dos", "van", "el"])
# Capitalised words that end a name rather than continue it.
_STOP_WORDS = (
    "Western Union Elektra Coppel OXXO Banco Azteca BBVA Santander Banorte Banamex HSBC Zelle "
    "Remitly Xoom MoneyGram Bitcoin USDT Tel Cel Whatsapp WhatsApp CLABE Cuenta Tarjeta Monto "
    "Fecha ICE CBP INM Phone Account Card Amount Date Chase Wells Fargo Bank STP Spin Saldazo "
    "Nu Mercado Pago No When On In At And Or Then Pero Y En Con Por Para"
)
_STOP = frozenset(fold(word) for word in _STOP_WORDS.split(" "))
_WORD = re.compile(r"[A-ZÁÉÍÓÚÑÜ][A-Za-záéíóúñüÁÉÍÓÚÑÜ'’\-]*\.?$")
_INITIAL = re.compile(r"^[A-ZÁÉÍÓÚÑ]\.$")


def canonical_name(text: str) -> str:
    return " ".join(fold(text).replace("’", "'").split())


def names(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, canonical)`` for every introduced name or alias."""
    for marker in _MARKER.finditer(text):
        at = marker.end()
        quoted = _QUOTED.match(text, at)
        if quoted:
            value = canonical_name(quoted.group(1))
            if len(value) >= 2:
                yield quoted.start(1), quoted.end(1), value
            continue
        # "Alias: El Güero / La Flaca" — several names separated by slashes.
        while True:
            span = _read_name(text, at)
            if not span:
                break
            start, end = span
            yield start, end, canonical_name(text[start:end])
            after = re.match(r"[^\S\n]*/[^\S\n]*", text[end:])
            if not after:
                break
            at = end + after.end()


def _read_name(text: str, at: int) -> tuple[int, int] | None:
    """The capitalised words from ``at`` (titles skipped), up to a comma, a sentence end or a
    word that is not part of a name."""
    start = end = None
    words = 0
    for match in re.finditer(
        r"[^\s]+", text[at : text.find("\n", at) if "\n" in text[at:] else len(text)]
    ):
        token = match.group(0)
        bare = token.rstrip(",;:)!?")
        position = at + match.start()
        folded = fold(bare)
        if start is None and folded in _TITLES:
            continue
        if folded in _PARTICLES and start is not None:
            continue
        if not _WORD.match(bare) or fold(bare.rstrip(".")) in _STOP:
            break
        if start is None:
            start = position
        ends_sentence = bare.endswith(".") and not _INITIAL.match(bare) and folded not in _TITLES
        end = position + len(bare) - (1 if ends_sentence else 0)
        words += 1
        if ends_sentence or token != bare or words >= 5:
            break
    if start is None or end is None:
        return None
    return start, end
