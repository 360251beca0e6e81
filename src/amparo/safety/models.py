"""Travellers and their trusted contacts. Names, notes and contact channels are encrypted."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amparo.store.base import Base
from amparo.store.types import EncryptedText, UTCDateTime, str_enum, utcnow


class TravellerStatus(enum.StrEnum):
    ACTIVE = "active"
    OVERDUE = "overdue"
    EMERGENCY = "emergency"
    CLOSED = "closed"


class ContactKind(enum.StrEnum):
    FAMILY = "family"
    NGO = "ngo"
    CONSULATE = "consulate"
    OTHER = "other"


class CheckInKind(enum.StrEnum):
    OK = "ok"
    DURESS = "duress"
    SOS = "sos"
    SAFE = "safe"


class EmergencyKind(enum.StrEnum):
    MISSED = "missed"
    SOS = "sos"
    DURESS = "duress"


class Traveller(Base):
    __tablename__ = "travellers"
    # The scheduler looks for active travellers whose alarm time has passed: one index range scan
    # over (status, alarm_at), never a scan of every traveller.
    __table_args__ = (Index("ix_travellers_status_alarm_at", "status", "alarm_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(EncryptedText("travellers.name"))
    language: Mapped[str] = mapped_column(String(8), default="es")
    nationality: Mapped[str | None] = mapped_column(String(2))
    consulate: Mapped[str | None] = mapped_column(EncryptedText("travellers.consulate"))
    route_notes: Mapped[str | None] = mapped_column(EncryptedText("travellers.route_notes"))
    pin_hash: Mapped[str] = mapped_column(String(200))
    duress_pin_hash: Mapped[str] = mapped_column(String(200))
    checkin_every_minutes: Mapped[int | None] = mapped_column(Integer)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Fixed check-in times ("08:00,20:00") in ``timezone``, instead of every N minutes.
    checkin_times: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    escalation_minutes: Mapped[int] = mapped_column(Integer, default=60)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # next_due_at + grace, or null when nothing is scheduled: what the scheduler indexes.
    alarm_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_place: Mapped[str | None] = mapped_column(EncryptedText("travellers.last_place"))
    # The public traveller number printed on the card, and the SHA-256 of the secret personal
    # link (the traveller's own check-in and SOS page).
    handle: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_salt: Mapped[str] = mapped_column(String(32))
    failed_pin_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    family_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[TravellerStatus] = mapped_column(
        str_enum(TravellerStatus, "traveller_status"), default=TravellerStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="traveller", cascade="all, delete-orphan", order_by="Contact.level"
    )


class Contact(Base):
    __tablename__ = "traveller_contacts"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    traveller_id: Mapped[int] = mapped_column(
        ForeignKey("travellers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(EncryptedText("traveller_contacts.name"))
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"))
    level: Mapped[int] = mapped_column(Integer)
    # A JSON list of apprise URLs; they hold phone numbers and tokens, so they are sealed.
    channels: Mapped[str] = mapped_column(EncryptedText("traveller_contacts.channels"))
    language: Mapped[str] = mapped_column(String(8), default="es")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    traveller: Mapped[Traveller] = relationship(back_populates="contacts")


class CheckIn(Base):
    """A check-in, SOS or "I'm safe". Only the last few are kept (see ``safety.retention``)."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_traveller_id_at", "traveller_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    traveller_id: Mapped[int] = mapped_column(ForeignKey("travellers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[CheckInKind] = mapped_column(str_enum(CheckInKind, "checkin_kind"))
    via: Mapped[str] = mapped_column(String(16))  # pin, code, link, cli
    place: Mapped[str | None] = mapped_column(EncryptedText("checkins.place"))


class CheckCode(Base):
    """A one-time code of a printed card; stored as a salted SHA-256, never in clear."""

    __tablename__ = "check_codes"
    __table_args__ = (UniqueConstraint("traveller_id", "code_hash", name="traveller_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    traveller_id: Mapped[int] = mapped_column(ForeignKey("travellers.id", ondelete="CASCADE"))
    card: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(64))
    duress: Mapped[bool] = mapped_column(Boolean, default=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Emergency(Base):
    """An open alarm: a missed check-in, an SOS or a duress check-in, until someone closes it."""

    __tablename__ = "emergencies"
    __table_args__ = (
        Index("ix_emergencies_next_escalation_at", "next_escalation_at"),
        Index("ix_emergencies_traveller_id_closed_at", "traveller_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    traveller_id: Mapped[int] = mapped_column(ForeignKey("travellers.id", ondelete="CASCADE"))
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[EmergencyKind] = mapped_column(str_enum(EmergencyKind, "emergency_kind"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    level: Mapped[int] = mapped_column(Integer, default=1)
    # While unacknowledged, the ladder climbs at this time; null once acknowledged or exhausted.
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[int | None] = mapped_column(Integer)  # a contact id
    exhausted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Precise location: only for SOS and duress, only while the emergency is open.
    location: Mapped[str | None] = mapped_column(EncryptedText("emergencies.location"))
    location_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(32))


class TravellerViewer(Base):
    """A family member's account that may see a traveller's status, with the traveller's consent."""

    __tablename__ = "traveller_viewers"

    traveller_id: Mapped[int] = mapped_column(
        ForeignKey("travellers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
