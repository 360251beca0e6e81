from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from amparo.accounts import service as accounts_service
from amparo.accounts.models import WebSession
from amparo.settings import Settings
from amparo.store.types import utcnow
from amparo.worker import Job, Worker
from tests import factories


def test_worker_runs_due_jobs_and_survives_a_failing_one(
    db: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    person = factories.user(db, factories.org(db))
    accounts_service.start_web_session(session=db, user=person, hours=1)
    db.scalars(select(WebSession).where(WebSession.user_id == person.id)).one().expires_at = (
        utcnow() - timedelta(hours=1)
    )
    db.commit()

    def broken(_: Session, __: Settings) -> int:
        raise RuntimeError("boom")

    worker = Worker(session_factory, settings)
    worker.jobs = [Job("broken", broken, 1), *worker.jobs]
    assert worker.run_once(now=1000.0) >= 1
    assert db.scalars(select(WebSession).where(WebSession.user_id == person.id)).first() is None
    assert worker.run_once(now=1000.5) == 0  # not due again yet
