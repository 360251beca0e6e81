"""What a family member, an organisation or an acknowledging contact may see of a traveller.

Last check-in time, coarse place and state (ok / overdue / emergency); a precise location only
while an SOS or duress emergency is open. Every read that returns a place is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.safety.checkins import open_emergencies
from amparo.safety.models import EmergencyKind, Traveller, TravellerStatus, TravellerViewer
from amparo.store.types import utcnow


@dataclass(frozen=True)
class Status:
    traveller_id: int
    name: str
    state: str  # ok, overdue, emergency, closed
    last_checkin_at: datetime | None
    place: str | None
    next_due_at: datetime | None
    silenced_until: datetime | None
    emergency: str | None  # missed, sos, duress
    emergency_since: datetime | None
    acknowledged: bool
    location: str | None  # precise: only during SOS or duress
    location_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "traveller_id": self.traveller_id,
            "name": self.name,
            "state": self.state,
            "last_checkin_at": iso(self.last_checkin_at),
            "place": self.place,
            "next_due_at": iso(self.next_due_at),
            "silenced_until": iso(self.silenced_until),
            "emergency": self.emergency,
            "emergency_since": iso(self.emergency_since),
            "acknowledged": self.acknowledged,
            "location": self.location,
            "location_at": iso(self.location_at),
        }


STATE_NAMES = {
    TravellerStatus.ACTIVE: "ok",
    TravellerStatus.OVERDUE: "overdue",
    TravellerStatus.EMERGENCY: "emergency",
    TravellerStatus.CLOSED: "closed",
}


def status(
    *,
    session: Session,
    traveller: Traveller,
    actor: audit.Actor,
    origin: audit.Origin,
    now: datetime | None = None,
) -> Status:
    """The traveller's status; the read is audited when it shows a place or a location."""
    now = now or utcnow()
    emergencies = open_emergencies(session, traveller)
    precise = next(
        (e for e in reversed(emergencies) if e.kind in (EmergencyKind.SOS, EmergencyKind.DURESS)),
        None,
    )
    main = precise or (emergencies[-1] if emergencies else None)
    state = STATE_NAMES[traveller.status]
    if state == "ok" and traveller.alarm_at and traveller.alarm_at <= now:
        state = "overdue"  # past its grace period; the scheduler will open it within seconds
    location = precise.location if precise else None
    result = Status(
        traveller_id=traveller.id,
        name=traveller.name,
        state=state,
        last_checkin_at=traveller.last_checkin_at,
        place=traveller.last_place,
        next_due_at=traveller.next_due_at,
        silenced_until=traveller.silenced_until
        if traveller.silenced_until and traveller.silenced_until > now
        else None,
        emergency=main.kind.value if main else None,
        emergency_since=main.opened_at if main else None,
        acknowledged=bool(main and main.acknowledged_at),
        location=location,
        location_at=precise.location_at if precise and location else None,
    )
    if result.place or result.location:
        audit.record(
            session=session,
            actor=actor,
            action="location.read",
            origin=origin,
            target=audit.Target("traveller", traveller.id, {"precise": bool(result.location)}),
        )
    return result


def viewable(session: Session, user_id: int) -> list[Traveller]:
    """The travellers a family account may see: those that linked it and consent."""
    return list(
        session.scalars(
            select(Traveller)
            .join(TravellerViewer, TravellerViewer.traveller_id == Traveller.id)
            .where(TravellerViewer.user_id == user_id, Traveller.family_consent.is_(True))
            .order_by(Traveller.id)
        )
    )


def may_view(session: Session, traveller: Traveller, user_id: int) -> bool:
    """A linked family account, and only while the traveller consents."""
    if not traveller.family_consent:
        return False
    return (
        session.scalar(
            select(TravellerViewer).where(
                TravellerViewer.traveller_id == traveller.id, TravellerViewer.user_id == user_id
            )
        )
        is not None
    )
