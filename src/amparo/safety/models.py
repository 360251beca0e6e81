"""Travellers and their trusted contacts. Names, notes and contact channels are encrypted."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
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


class Traveller(Base):
    __tablename__ = "travellers"
    # The scheduler looks for active travellers whose next check-in is due: one index range scan.
    __table_args__ = (Index("ix_travellers_status_next_due_at", "status", "next_due_at"),)

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
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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
