"""The audit log: who read or changed what, when and from where. Append-only.

The database refuses UPDATE and DELETE on ``audit_events`` (triggers created by the migration),
so not even a compromised application account can rewrite history through SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent, Scope
from amparo.accounts.service import Principal


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the channel (web, api, cli, worker) and the client address."""

    channel: str
    client_address: str | None = None


CLI = Origin(channel="cli")
WORKER = Origin(channel="worker")


@dataclass(frozen=True)
class Actor:
    type: str  # user, token, system, anonymous
    id: int | None = None
    org_id: int | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(type=principal.kind, id=principal.id, org_id=principal.org_id)


SYSTEM = Actor(type="system")


@dataclass(frozen=True)
class Target:
    type: str
    id: str | int | None = None
    details: dict[str, object] = field(default_factory=dict)


def record(
    *, session: Session, actor: Actor, action: str, origin: Origin, target: Target | None = None
) -> AuditEvent:
    """Append one event to the audit log, in the caller's transaction.

    ``details`` must never hold personal data: identifiers and counts only.
    """
    event = AuditEvent(
        org_id=actor.org_id,
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        target_type=target.type if target else None,
        target_id=str(target.id) if target and target.id is not None else None,
        channel=origin.channel,
        client_address=origin.client_address,
        details=dict(target.details) if target else {},
    )
    session.add(event)
    session.flush()
    return event


def list_events(
    *, session: Session, principal: Principal, limit: int, before_id: int | None = None
) -> list[AuditEvent]:
    """The organisation's own events, newest first."""
    principal.require(Scope.AUDIT_READ)
    query = select(AuditEvent).where(AuditEvent.org_id == principal.require_org())
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
