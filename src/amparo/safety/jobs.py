"""Safety's background jobs: the dead-man's switch, the escalation ladder, and retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from amparo.safety import escalation
from amparo.safety.models import Traveller, TravellerStatus
from amparo.settings import Settings
from amparo.store.types import utcnow
from amparo.worker import Job


def find_overdue(session: Session, settings: Settings) -> int:
    return escalation.find_overdue(session=session)


def escalate(session: Session, settings: Settings) -> int:
    return escalation.escalate(session=session)


def purge_closed_trips(session: Session, settings: Settings) -> int:
    """Everything about a trip is deleted a set time after the traveller closes it."""
    cutoff = utcnow() - timedelta(days=settings.trip_retention_days)
    result = session.execute(
        delete(Traveller)
        .where(Traveller.status == TravellerStatus.CLOSED, Traveller.closed_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


JOBS = [
    Job(name="safety.find_overdue", run=find_overdue, every_seconds=10),
    Job(name="safety.escalate", run=escalate, every_seconds=10),
    Job(name="safety.purge_closed_trips", run=purge_closed_trips, every_seconds=3600),
]
