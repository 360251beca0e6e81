"""API shapes of traveller safety. Unknown fields are refused, lengths are bounded."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["es", "en", "pt", "fr"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactCreate(Strict):
    level: int = Field(ge=1, le=3, description="1 family, 2 NGO, 3 consulate.")
    name: str = Field(default="", max_length=200)
    channels: list[str] = Field(
        min_length=1,
        max_length=5,
        description="apprise URLs, tried in this order: mailto://, json://, ntfy://, tgram://…",
    )
    language: Lang = "es"


class TravellerCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    pin: str = Field(min_length=4, max_length=8, pattern=r"^\d+$")
    duress_pin: str = Field(min_length=4, max_length=8, pattern=r"^\d+$")
    every_hours: float | None = Field(default=None, description="Check in every N hours.")
    times: str | None = Field(
        default=None, max_length=64, description='Or fixed times: "08:00,20:00".'
    )
    timezone: str = Field(default="UTC", max_length=64)
    grace_minutes: int = 60
    escalation_minutes: int = 60
    language: Lang = "es"
    nationality: str | None = Field(default=None, pattern="^[A-Za-z]{2}$")
    consulate: str | None = Field(default=None, max_length=500)
    route_notes: str | None = Field(default=None, max_length=500)
    family_consent: bool = False
    contacts: list[ContactCreate] = Field(min_length=1, max_length=10)


class CodeRead(BaseModel):
    position: int
    code: str


class CardRead(BaseModel):
    handle: str = Field(description="The traveller number printed on the card.")
    card: int
    codes: list[CodeRead]
    duress_positions: list[int] = Field(
        description="Positions whose codes raise a silent alert (print apart, to memorise)."
    )


class Enrolled(BaseModel):
    id: int
    handle: str
    link: str = Field(description="The personal check-in and SOS page; shown only once.")
    card: CardRead


class CheckInRequest(Strict):
    pin: str | None = Field(default=None, max_length=16)
    code: str | None = Field(default=None, max_length=32)
    where: str | None = Field(default=None, max_length=120, description="Coarse place.")


class CodeCheckInRequest(Strict):
    handle: str = Field(min_length=4, max_length=20, description="The traveller number.")
    code: str = Field(min_length=4, max_length=32)
    where: str | None = Field(default=None, max_length=120)


class PinRequest(Strict):
    pin: str = Field(max_length=16)


class SosRequest(Strict):
    location: str | None = Field(
        default=None, max_length=200, description="Precise location, e.g. '31.33,-111.05'."
    )


class SilenceRequest(Strict):
    pin: str = Field(max_length=16)
    until: datetime = Field(description="End of the planned silence, with its time zone.")


class Receipt(BaseModel):
    status: Literal["ok"]
    at: datetime
    next_due_at: datetime | None


class SosReceipt(BaseModel):
    status: Literal["sos"]
    emergency_id: int
    cancel_until: datetime | None


class StatusRead(BaseModel):
    traveller_id: int
    name: str
    state: Literal["ok", "overdue", "emergency", "closed"]
    last_checkin_at: datetime | None
    place: str | None
    next_due_at: datetime | None
    silenced_until: datetime | None
    emergency: Literal["missed", "sos", "duress"] | None
    emergency_since: datetime | None
    acknowledged: bool
    location: str | None = Field(description="Precise; only during an SOS or duress emergency.")
    location_at: datetime | None


class Acknowledged(BaseModel):
    acknowledged: bool
    alert_id: int
    kind: str


class Confirmed(BaseModel):
    confirmed: bool


class AlertRead(BaseModel):
    id: int
    traveller_id: int
    kind: str
    level: int
    state: str
    created_at: datetime
    acknowledged_at: datetime | None
    deliveries: dict[str, int]


class AlertPage(BaseModel):
    items: list[AlertRead]
