"""The dead-man's switch: missed check-ins, and the escalation ladder of open emergencies.

``find_overdue`` reads the index on (status, alarm_at): the cost grows with the number of
travellers who are overdue now, not with the number enrolled. On PostgreSQL rows are claimed
with ``FOR UPDATE SKIP LOCKED``, so several workers never open the same emergency twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.alerts import outbox
from amparo.alerts.models import Alert, AlertKind, AlertState
from amparo.safety.models import Emergency, EmergencyKind, Traveller, TravellerStatus
from amparo.store.types import utcnow

BATCH = 200


def _locking(statement, session: Session):  # type: ignore[no-untyped-def]
    # Rows about to change are read afresh, never from a stale identity map.
    statement = statement.execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


def overdue_query(now: datetime, limit: int = BATCH):  # type: ignore[no-untyped-def]
    return (
        select(Traveller)
        .where(Traveller.status == TravellerStatus.ACTIVE, Traveller.alarm_at <= now)
        .order_by(Traveller.alarm_at)
        .limit(limit)
    )


def find_overdue(*, session: Session, now: datetime | None = None, limit: int = BATCH) -> int:
    """Open a MISSED emergency for every traveller past their grace period; alert level one."""
    now = now or utcnow()
    travellers = session.scalars(_locking(overdue_query(now, limit), session)).all()
    for traveller in travellers:
        levels = sorted({c.level for c in traveller.contacts})
        first = levels[0] if levels else 1
        emergency = Emergency(
            traveller_id=traveller.id,
            org_id=traveller.org_id,
            kind=EmergencyKind.MISSED,
            opened_at=now,
            level=first,
            next_escalation_at=now + timedelta(minutes=traveller.escalation_minutes),
        )
        session.add(emergency)
        session.flush()
        traveller.status = TravellerStatus.OVERDUE
        traveller.alarm_at = None
        outbox.raise_alert(
            session=session,
            traveller=traveller,
            kind=AlertKind.MISSED,
            contacts=[c for c in traveller.contacts if c.level == first],
            emergency=emergency,
            level=first,
            payload=_missed_payload(traveller, escalated=False),
        )
    session.flush()
    return len(travellers)


def _missed_payload(traveller: Traveller, *, escalated: bool) -> dict[str, object]:
    return {
        "last_checkin_at": traveller.last_checkin_at.isoformat()
        if traveller.last_checkin_at
        else None,
        "due_at": traveller.next_due_at.isoformat() if traveller.next_due_at else None,
        "escalated": escalated,
    }


def escalate(*, session: Session, now: datetime | None = None, limit: int = BATCH) -> int:
    """Climb one level for every open, unacknowledged emergency whose time has come.

    A MISSED emergency goes family → NGO → consulate; SOS and duress already told everyone.
    With no level left, the emergency's alerts surface on the desk as unresolved.
    """
    now = now or utcnow()
    query = (
        select(Emergency)
        .where(
            Emergency.next_escalation_at <= now,
            Emergency.closed_at.is_(None),
            Emergency.acknowledged_at.is_(None),
        )
        .order_by(Emergency.next_escalation_at)
        .limit(limit)
    )
    emergencies = session.scalars(_locking(query, session)).all()
    for emergency in emergencies:
        traveller = session.get_one(Traveller, emergency.traveller_id)
        higher = sorted({c.level for c in traveller.contacts if c.level > emergency.level})
        if emergency.kind is EmergencyKind.MISSED and higher:
            emergency.level = higher[0]
            emergency.next_escalation_at = now + timedelta(minutes=traveller.escalation_minutes)
            outbox.raise_alert(
                session=session,
                traveller=traveller,
                kind=AlertKind.MISSED,
                contacts=[c for c in traveller.contacts if c.level == higher[0]],
                emergency=emergency,
                level=higher[0],
                payload=_missed_payload(traveller, escalated=True),
            )
        else:
            emergency.exhausted_at = now
            emergency.next_escalation_at = None
            for alert in session.scalars(
                select(Alert).where(
                    Alert.emergency_id == emergency.id,
                    Alert.needs_ack.is_(True),
                    Alert.state.in_([AlertState.PENDING, AlertState.DELIVERED]),
                )
            ):
                alert.state = AlertState.UNRESOLVED
    session.flush()
    return len(emergencies)
