"""What the extractor returns: one ``Indicator`` per mention, with its span in the source."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IndicatorType(StrEnum):
    PHONE = "phone"
    CLABE = "clabe"
    CARD = "card"
    MTCN = "mtcn"
    TRANSFER_REF = "transfer_ref"
    EMAIL = "email"
    URL = "url"
    SOCIAL = "social"
    BTC = "btc"
    TRON = "tron"
    ETH = "eth"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Indicator:
    """One mention of an indicator.

    ``value`` is the canonical form every way of writing it maps to (E.164, 18 digits,
    ``platform:handle`` …); ``display`` is what a person may be shown (cards masked);
    ``start``/``end`` index the original text (``text[start:end]`` is the mention as written).
    ``candidates`` are other canonical values the same mention could be (a phone number
    written without a country code that is valid in more than one likely country); linking
    uses ``value`` only.
    """

    type: IndicatorType
    value: str
    display: str
    start: int
    end: int
    text: str
    confidence: float
    candidates: tuple[str, ...] = ()
    shortener: bool = False
    warning: str | None = None

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)
