"""Accounts tables. Personal data (e-mail, names) is encrypted; e-mail is found by blind index."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from amparo.store.base import Base
from amparo.store.types import EncryptedText, UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """What a person is to Amparo. Admins and analysts belong to one organisation."""

    ADMIN = "admin"
    ANALYST = "analyst"
    TRAVELLER = "traveller"
    FAMILY = "family"


class OrgKind(enum.StrEnum):
    NGO = "ngo"
    SHELTER = "shelter"
    CONSULATE = "consulate"
    OTHER = "other"


class Scope(enum.StrEnum):
    """What an API token (or a signed-in person, through their role) may do."""

    ORG_READ = "org:read"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    AUDIT_READ = "audit:read"
    TRAVELLERS_READ = "travellers:read"
    TRAVELLERS_WRITE = "travellers:write"
    ALERTS_READ = "alerts:read"
    REPORTS_READ = "reports:read"
    REPORTS_WRITE = "reports:write"
    # Deployment-wide: a warning-list entry unlinks every organisation's networks.
    WARNINGLIST_WRITE = "warninglist:write"


# What acts beyond the organisation of whoever holds it: no role carries these; the
# deployment's operator grants them to an API token (``amparo admin create-token --scope``).
DEPLOYMENT_SCOPES = frozenset({Scope.WARNINGLIST_WRITE})

ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope) - DEPLOYMENT_SCOPES,
    Role.ANALYST: frozenset(
        {
            Scope.ORG_READ,
            Scope.USERS_READ,
            Scope.TRAVELLERS_READ,
            Scope.ALERTS_READ,
            Scope.REPORTS_READ,
            Scope.REPORTS_WRITE,
        }
    ),
    Role.TRAVELLER: frozenset(),
    Role.FAMILY: frozenset(),
}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"), default=OrgKind.NGO)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(EncryptedText("users.email"))
    display_name: Mapped[str] = mapped_column(EncryptedText("users.display_name"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="es")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A page log-in. The cookie holds a random id; only its hash is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class AuditEvent(Base):
    """Append-only record of sensitive reads and writes (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_org_id_at", "org_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    client_address: Mapped[str | None] = mapped_column(EncryptedText("audit_events.client_address"))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
