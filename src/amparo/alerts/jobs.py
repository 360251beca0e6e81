"""Alerts' session jobs (the deliveries themselves are sent by ``delivery.Dispatcher``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from amparo.alerts import delivery
from amparo.settings import Settings
from amparo.worker import Job


def climb_unacknowledged(session: Session, settings: Settings) -> int:
    return delivery.climb_unacknowledged(session=session)


JOBS = [Job(name="alerts.climb_unacknowledged", run=climb_unacknowledged, every_seconds=10)]
