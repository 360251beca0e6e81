"""Acknowledgements, contact confirmations, and the organisation's alert desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.alerts import links, outbox
from amparo.alerts.models import Alert, AlertState, Delivery, DeliveryState
from amparo.errors import N_, Conflict, NotFound
from amparo.safety.models import Contact, Emergency, Traveller
from amparo.store.types import utcnow


@dataclass(frozen=True)
class Acknowledged:
    traveller_id: int
    alert_id: int
    kind: str
    contact_id: int
    at: datetime


def acknowledge(
    *, session: Session, token: str, origin: audit.Origin, now: datetime | None = None
) -> Acknowledged:
    """A contact opened their one-time link: the alert stops climbing. Works once."""
    now = now or utcnow()
    delivery = session.get(Delivery, links.read(links.ACK, token))
    if delivery is None:
        raise NotFound(N_("This link is not valid."))
    if delivery.acknowledged_at is not None:
        raise Conflict(N_("This alert was already acknowledged through this link."))
    if delivery.state == DeliveryState.CANCELLED:
        raise Conflict(N_("This alert was cancelled before it was sent."))
    alert = delivery.alert
    delivery.acknowledged_at = now
    delivery.state = DeliveryState.ACKNOWLEDGED
    delivery.ack_due_at = None
    delivery.next_attempt_at = None
    alert.acknowledged_at = alert.acknowledged_at or now
    outbox.refresh_state(alert, now)
    if alert.emergency_id is not None:
        emergency = session.get_one(Emergency, alert.emergency_id)
        if emergency.acknowledged_at is None:
            emergency.acknowledged_at = now
            emergency.acknowledged_by = delivery.contact_id
            emergency.next_escalation_at = None
        # Every alert of this emergency is now answered: none keeps climbing channels.
        for other in session.scalars(select(Alert).where(Alert.emergency_id == emergency.id)):
            other.acknowledged_at = other.acknowledged_at or now
            for item in other.deliveries:
                item.ack_due_at = None
    audit.record(
        session=session,
        actor=audit.Actor(type="contact", id=delivery.contact_id, org_id=alert.org_id),
        action="alert.acknowledge",
        origin=origin,
        target=audit.Target("alert", alert.id, {"traveller": alert.traveller_id}),
    )
    session.flush()
    return Acknowledged(
        traveller_id=alert.traveller_id,
        alert_id=alert.id,
        kind=alert.kind.value,
        contact_id=delivery.contact_id,
        at=now,
    )


def confirm_contact(
    *, session: Session, token: str, origin: audit.Origin, now: datetime | None = None
) -> Contact:
    """A contact confirms their link; from now on alerts carry location data to them."""
    contact = session.get(Contact, links.read(links.CONFIRM, token))
    if contact is None:
        raise NotFound(N_("This link is not valid."))
    if contact.confirmed_at is not None:
        raise Conflict(N_("This contact was already confirmed."))
    contact.confirmed_at = now or utcnow()
    traveller = session.get_one(Traveller, contact.traveller_id)
    audit.record(
        session=session,
        actor=audit.Actor(type="contact", id=contact.id, org_id=traveller.org_id),
        action="contact.confirm",
        origin=origin,
        target=audit.Target("traveller", traveller.id),
    )
    session.flush()
    return contact


def list_alerts(
    *,
    session: Session,
    org_id: int | None,
    state: AlertState | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[Alert]:
    """An organisation's alerts, newest first; ``org_id=None`` is the operator's whole view."""
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if org_id is not None:
        query = query.where(Alert.org_id == org_id)
    if state is not None:
        query = query.where(Alert.state == state)
    if before_id is not None:
        query = query.where(Alert.id < before_id)
    return list(session.scalars(query))


OPEN_STATES = (AlertState.PENDING, AlertState.DELIVERED, AlertState.UNRESOLVED)


def count_open(*, session: Session, org_id: int) -> dict[AlertState, int]:
    """An organisation's alerts nobody has acknowledged or cancelled yet, per state (one
    grouped COUNT, on the ``org_id, state`` index): what its dashboard shows."""
    rows = session.execute(
        select(Alert.state, func.count())
        .where(Alert.org_id == org_id, Alert.state.in_(OPEN_STATES))
        .group_by(Alert.state)
    )
    return {AlertState(state): int(n) for state, n in rows}


def alert_summary(alert: Alert) -> dict[str, object]:
    """No personal data: ids, kinds, states and counts (the desk looks the traveller up)."""
    counts: dict[str, int] = {}
    for delivery in alert.deliveries:
        counts[delivery.state.value] = counts.get(delivery.state.value, 0) + 1
    return {
        "id": alert.id,
        "traveller_id": alert.traveller_id,
        "kind": alert.kind.value,
        "level": alert.level,
        "state": alert.state.value,
        "created_at": alert.created_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "deliveries": counts,
    }
