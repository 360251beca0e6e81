"""Accounts housekeeping: expired page sessions are deleted, not left to accumulate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from amparo.accounts import service as accounts_service
from amparo.settings import Settings
from amparo.worker import Job


def purge_expired_sessions(session: Session, settings: Settings) -> int:
    return accounts_service.purge_expired_sessions(session=session)


JOBS = [Job(name="accounts.purge_expired_sessions", run=purge_expired_sessions, every_seconds=600)]
