"""API shapes of the message check."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from amparo.i18n import supported
from amparo.triage import MAX_CHARS

_SURROGATE = re.compile("[\ud800-\udfff]")  # only ever unpaired in a str


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(  # an empty one gets the check's own "the message is empty"
        max_length=MAX_CHARS,
        description="The message as received (WhatsApp, SMS, a voice-note transcript).",
    )

    @field_validator("text", mode="before")
    @classmethod
    def _half_an_emoji(cls, value: object) -> object:
        """A lone surrogate ("\\ud83d": an emoji cut in two by the app that forwarded the
        message) becomes a replacement character, as the check itself does, one code point
        for one, so the offsets still hold: pydantic would refuse the whole message."""
        return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value

    lang: Literal["es", "en", "pt", "fr"] | None = Field(
        default=None, description="Language of the answer; default: the message's language."
    )

    @field_validator("lang", mode="before")
    @classmethod
    def _language_code(cls, value: object) -> object:
        """ "EN", "en-US", "pt_BR" → en, en, pt (as the command line takes them)."""
        return (supported(value) or value) if isinstance(value, str) else value

    country: str | None = Field(
        default=None,
        pattern="^[A-Za-z]{2}$",
        description="ISO country code that chooses where to report (MX, US, GT, HN, SV…).",
    )


class EvidenceRead(BaseModel):
    start: int = Field(
        description="Offset of the first character in the text as sent, counted in Unicode "
        "code points (as Python counts; JavaScript strings count UTF-16 units: use "
        "Array.from(text) to index them)."
    )
    end: int = Field(description="Offset after the last character, in code points.")
    text: str


class FlagRead(BaseModel):
    id: str
    severity: Literal["low", "medium", "high", "critical"]
    title: str
    explanation: str
    advice: str
    evidence: list[EvidenceRead]


class IndicatorRead(BaseModel):
    type: str = Field(description="phone, clabe, card, email, url, social, btc …")
    display: str = Field(description="As it may be shown (card and account numbers masked).")
    start: int
    end: int
    reported: bool = Field(description="Reported by others (reports older than a day).")
    times: Literal["0", "1", "2-5", "6+"]
    warning: str | None = Field(default=None, description="A public line, not the extortioner.")


Category = Literal[
    "virtual_kidnapping", "telephone_extortion", "smuggler_fee", "fake_official",
    "fake_relative", "sextortion", "other_scam", "genuine_emergency", "benign",
]  # fmt: skip


class CheckResponse(BaseModel):
    risk: float = Field(ge=0, le=1, description="Calibrated probability that this is extortion.")
    level: Literal["low", "medium", "high", "critical"]
    category: Category
    category_name: str
    lang: str
    detected_language: str | None
    language_supported: bool
    flags: list[FlagRead]
    headline: str
    advice: list[str]
    report: str
    disclaimer: str
    indicators: list[IndicatorRead] = Field(
        default_factory=list,
        description="Numbers, accounts and profiles in the message; were they reported?",
    )
    indicators_not_looked_up: int = Field(
        default=0,
        description="Values in the message that were not looked up: past the first five, or "
        "past the client's look-up limit (the same as GET /api/v1/lookup's).",
    )
