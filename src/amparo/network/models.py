"""Reports, the indicators they mention, and the clusters they form.

An indicator is stored once per deployment as a keyed hash (HMAC-SHA256 of ``type`` and the
canonical value under a key derived from the secret); the readable value of a mention is
encrypted inside the report's row. Storage grows with mentions, never with pairs of reports.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amparo.store.base import Base
from amparo.store.types import EncryptedText, UTCDateTime, str_enum, utcnow


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RETRACTED = "retracted"


class Channel(enum.StrEnum):
    CALL = "call"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    FACEBOOK = "facebook"
    SOCIAL = "social"
    IN_PERSON = "in_person"
    EMAIL = "email"
    OTHER = "other"


class Category(enum.StrEnum):
    """The kind of extortion: the triage's nine categories, as the report form offers them."""

    # The same as ``amparo.triage.corpus.CATEGORIES`` (a test keeps them equal). The column
    # stays text, not a database enum: rows stored before the API and the import checked the
    # category keep whatever they said, and are shown as stored.
    VIRTUAL_KIDNAPPING = "virtual_kidnapping"
    TELEPHONE_EXTORTION = "telephone_extortion"
    SMUGGLER_FEE = "smuggler_fee"
    FAKE_OFFICIAL = "fake_official"
    FAKE_RELATIVE = "fake_relative"
    SEXTORTION = "sextortion"
    OTHER_SCAM = "other_scam"
    GENUINE_EMERGENCY = "genuine_emergency"
    BENIGN = "benign"


class Sharing(enum.StrEnum):
    """Who besides the owning organisation sees a report."""

    OWN = "own"
    PARTNERS = "partners"
    NETWORK = "network"


class Partnership(Base):
    """Two organisations that share ``partners``-level reports; stored once in each direction."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("org_id", "partner_id", name="partnership_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PartnerFeed(Base):
    """A partner hub's hashed feed as last imported by an organisation, with the key shared
    with that hub (encrypted) so that look-ups can hash a value the same way."""

    __tablename__ = "partner_feeds"
    __table_args__ = (UniqueConstraint("org_id", "partner", name="partner_feed_org_partner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    partner: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(EncryptedText("partner_feeds.key"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PartnerHash(Base):
    __tablename__ = "partner_hashes"
    __table_args__ = (Index("ix_partner_hashes_lookup", "feed_id", "type", "hmac"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("partner_feeds.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    hmac: Mapped[str] = mapped_column(String(64))
    reports: Mapped[int] = mapped_column(Integer, default=1)
    last_seen: Mapped[str | None] = mapped_column(String(10), default=None)


class PartnerLink(Base):
    """Serving side: a partner hub allowed to ask this organisation's look-up online, with the
    key shared with that hub (encrypted) and the hash of the token it authenticates with."""

    __tablename__ = "partner_links"
    __table_args__ = (UniqueConstraint("org_id", "name", name="partner_link_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(EncryptedText("partner_links.key"))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PartnerLinkHash(Base):
    """One indicator of the organisation's shared reports, hashed under one link's key."""

    __tablename__ = "partner_link_hashes"
    __table_args__ = (
        Index("ix_partner_link_hashes_lookup", "link_id", "type", "hmac", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("partner_links.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    hmac: Mapped[str] = mapped_column(String(64))
    reports: Mapped[int] = mapped_column(Integer)
    last_seen: Mapped[str | None] = mapped_column(String(10), default=None)


class RemoteHub(Base):
    """Asking side: a partner hub whose look-up members' look-ups also ask online, with the
    shared key and the token that hub gave (both encrypted)."""

    __tablename__ = "remote_hubs"
    __table_args__ = (UniqueConstraint("org_id", "name", name="remote_hub_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(EncryptedText("remote_hubs.key"))
    token: Mapped[str] = mapped_column(EncryptedText("remote_hubs.token"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IndicatorKey(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("type", "key", name="indicator_type_key"),
        # The few listed values, for the warning list's re-sync (``warninglist.sync``): it
        # reads them on every upgrade, and a scan of every indicator would grow with the data.
        Index(
            "ix_indicators_listed",
            "type",
            postgresql_where=text("warning IS NOT NULL"),
            sqlite_where=text("warning IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    warning: Mapped[str | None] = mapped_column(String(200), default=None)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id", name="report_org_external_id"),
        Index("ix_reports_cluster", "cluster_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "report_channel"))
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    amount_demanded: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    amount_paid: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    place: Mapped[str | None] = mapped_column(EncryptedText("reports.place"), default=None)
    text: Mapped[str | None] = mapped_column(EncryptedText("reports.text"), default=None)
    narrative: Mapped[str | None] = mapped_column(EncryptedText("reports.narrative"), default=None)
    victim: Mapped[str | None] = mapped_column(EncryptedText("reports.victim"), default=None)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.OPEN
    )
    sharing: Mapped[Sharing] = mapped_column(
        str_enum(Sharing, "report_sharing"), default=Sharing.OWN
    )
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mentions: Mapped[list[Mention]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Mention.id"
    )


class Mention(Base):
    __tablename__ = "report_indicators"
    __table_args__ = (
        Index("ix_report_indicators_indicator", "indicator_id"),
        Index("ix_report_indicators_report", "report_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(EncryptedText("report_indicators.value"))
    display: Mapped[str] = mapped_column(EncryptedText("report_indicators.display"))
    start: Mapped[int | None] = mapped_column(Integer, default=None)
    end: Mapped[int | None] = mapped_column(Integer, default=None)
    confidence: Mapped[int] = mapped_column(Integer, default=100)  # per cent
    source: Mapped[str] = mapped_column(String(8), default="text")  # "text" or "field"

    report: Mapped[Report] = relationship(back_populates="mentions")
    indicator: Mapped[IndicatorKey] = relationship()


class WarningEntry(Base):
    """A value the deployment adds to the shipped warning list (a shelter's own hotline, a
    consulate's or a bank's switchboard): shown, never linking. Deployment-wide, as linking
    is. The value is sealed like every readable value; ``key`` is its indicator key (the
    ``indicators.key`` it matches), unique per type."""

    __tablename__ = "warning_entries"
    __table_args__ = (UniqueConstraint("type", "key", name="warning_entry_type_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(EncryptedText("warning_entries.value"))
    reason: Mapped[str] = mapped_column(String(200))
    # who added it: as the audit log names an actor (user, token or system), and the
    # organisation it acted for (none for the deployment's operator at the command line)
    added_by: Mapped[str] = mapped_column(String(16))
    added_by_id: Mapped[int | None] = mapped_column(Integer, default=None)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
