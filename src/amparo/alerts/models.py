"""The outbox: alerts, one delivery per recipient, and a log row per delivery attempt.

An alert is written in the same transaction as the event that causes it (a check-in, an SOS, a
missed check-in), so an event without its alert cannot exist. Workers claim deliveries whose
``next_attempt_at`` has come; claiming pushes ``next_attempt_at`` forward by a lease, so a worker
that dies mid-delivery only delays the delivery until the lease runs out.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amparo.store.base import Base
from amparo.store.types import EncryptedText, UTCDateTime, str_enum, utcnow


class AlertKind(enum.StrEnum):
    CONFIRM_CONTACT = "confirm_contact"
    MISSED = "missed"
    SOS = "sos"
    DURESS = "duress"
    LOCATION = "location"
    SAFE = "safe"
    CHECKED_IN = "checked_in"


class AlertState(enum.StrEnum):
    PENDING = "pending"  # some delivery is still queued
    DELIVERED = "delivered"  # every delivery ended, at least one was sent
    ACKNOWLEDGED = "acknowledged"
    UNRESOLVED = "unresolved"  # nobody could be reached, or nobody answered: the desk must act
    CANCELLED = "cancelled"


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # a provider accepted it; not proof that a person read it
    ACKNOWLEDGED = "acknowledged"  # a person opened the one-time link
    FAILED = "failed"  # every channel of this contact failed
    CANCELLED = "cancelled"


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_org_id_state", "org_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    traveller_id: Mapped[int] = mapped_column(
        ForeignKey("travellers.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    emergency_id: Mapped[int | None] = mapped_column(
        ForeignKey("emergencies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"))
    level: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[AlertState] = mapped_column(
        str_enum(AlertState, "alert_state"), default=AlertState.PENDING
    )
    needs_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the message says (times, places); sealed because it may hold a location.
    payload: Mapped[str] = mapped_column(EncryptedText("alerts.payload"), default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="Delivery.id"
    )


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "contact_id", name="alert_contact"),
        Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_deliveries_state_ack_due_at", "state", "ack_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("traveller_contacts.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[DeliveryState] = mapped_column(
        str_enum(DeliveryState, "delivery_state"), default=DeliveryState.QUEUED
    )
    channel_index: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # on the current channel
    total_attempts: Mapped[int] = mapped_column(Integer, default=0)  # also the claim's fence
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))

    alert: Mapped[Alert] = relationship(back_populates="deliveries")


class DeliveryAttempt(Base):
    """One try on one channel. Holds the channel's scheme, never its address."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    channel_index: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(200))
    worker: Mapped[str] = mapped_column(String(64))
