"""Writing alerts into the outbox, in the caller's transaction.

Nothing here sends anything: a function writes an ``Alert`` and one ``Delivery`` per recipient,
and the worker (``amparo.alerts.delivery``) delivers them after the transaction commits. If the
transaction rolls back, the alert never existed; if it commits, the alert will be delivered or
surface on the organisation's desk as unresolved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.alerts.models import Alert, AlertKind, AlertState, Delivery, DeliveryState
from amparo.safety.models import Contact, Emergency, Traveller
from amparo.store.types import utcnow

NEEDS_ACK = frozenset({AlertKind.MISSED, AlertKind.SOS, AlertKind.DURESS})


def raise_alert(
    *,
    session: Session,
    traveller: Traveller,
    kind: AlertKind,
    contacts: Iterable[Contact],
    emergency: Emergency | None = None,
    level: int = 1,
    payload: dict[str, object] | None = None,
    not_before: datetime | None = None,
) -> Alert | None:
    """One alert to ``contacts``; ``None`` when there is nobody to tell."""
    recipients = list(contacts)
    if not recipients:
        return None
    due = not_before or utcnow()
    alert = Alert(
        traveller_id=traveller.id,
        org_id=traveller.org_id,
        emergency_id=emergency.id if emergency else None,
        kind=kind,
        level=level,
        needs_ack=kind in NEEDS_ACK,
        payload=json.dumps(payload or {}, sort_keys=True),
        state=AlertState.PENDING,
        deliveries=[
            Delivery(
                contact_id=contact.id,
                state=DeliveryState.QUEUED,
                next_attempt_at=due,
                channel_index=0,
                attempts=0,
                total_attempts=0,
            )
            for contact in recipients
        ],
    )
    session.add(alert)
    session.flush()
    return alert


def confirm_contact(*, session: Session, traveller: Traveller, contact: Contact) -> Alert | None:
    return raise_alert(
        session=session, traveller=traveller, kind=AlertKind.CONFIRM_CONTACT, contacts=[contact]
    )


def alerted_contacts(session: Session, emergency: Emergency) -> list[Contact]:
    """Every contact that was sent an alert of this emergency (to tell them it is over)."""
    ids = session.scalars(
        select(Delivery.contact_id)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(Alert.emergency_id == emergency.id, Delivery.state != DeliveryState.CANCELLED)
        .distinct()
    ).all()
    if not ids:
        return []
    return list(session.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id)))


def cancel_alerts(*, session: Session, emergency: Emergency) -> int:
    """Cancel the still-queued deliveries of an emergency (a mistaken SOS inside its window)."""
    cancelled = 0
    for alert in session.scalars(select(Alert).where(Alert.emergency_id == emergency.id)):
        for delivery in alert.deliveries:
            if delivery.state == DeliveryState.QUEUED:
                delivery.state = DeliveryState.CANCELLED
                delivery.next_attempt_at = None
                cancelled += 1
        if all(d.state == DeliveryState.CANCELLED for d in alert.deliveries):
            alert.state = AlertState.CANCELLED
            alert.resolved_at = utcnow()
    session.flush()
    return cancelled


def refresh_state(alert: Alert, now: datetime) -> None:
    """Derive the alert's state from its deliveries (after each delivery result)."""
    derive_state(alert, {d.state for d in alert.deliveries}, now)


def derive_state(alert: Alert, states: set[DeliveryState], now: datetime) -> None:
    """The alert's state from the states of its deliveries."""
    if alert.state == AlertState.CANCELLED:
        return
    if DeliveryState.ACKNOWLEDGED in states:
        alert.state = AlertState.ACKNOWLEDGED
    elif alert.state == AlertState.UNRESOLVED:
        return  # only an acknowledgement takes an alert off the desk
    elif DeliveryState.QUEUED in states:
        alert.state = AlertState.PENDING
    elif DeliveryState.SENT in states:
        alert.state = AlertState.DELIVERED
    elif states <= {DeliveryState.FAILED, DeliveryState.CANCELLED}:
        if DeliveryState.FAILED in states:
            alert.state = AlertState.UNRESOLVED
            alert.resolved_at = None
        else:
            alert.state = AlertState.CANCELLED
    if alert.state in (AlertState.DELIVERED, AlertState.ACKNOWLEDGED):
        alert.resolved_at = alert.resolved_at or now


def delay(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
