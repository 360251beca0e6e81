"""The worker loop: runs every registered job, again and again, until stopped.

``amparo worker`` runs it in the foreground (several may run against PostgreSQL); ``amparo serve``
runs one in a background thread. A job is a function that takes a session and returns how much it
did; a job that fails is logged and retried on the next pass, and never stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from amparo.settings import Settings
from amparo.store.engine import session_scope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Session], int]
    every_seconds: float


def registered_jobs() -> list[Job]:
    """Every domain's jobs. Domains add theirs here."""
    from amparo.accounts.jobs import JOBS as accounts_jobs

    return [*accounts_jobs]


class Worker:
    def __init__(self, session_factory: sessionmaker[Session], settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.jobs = registered_jobs()
        self._stop = threading.Event()
        self._last_run: dict[str, float] = {}

    def run_once(self, now: float) -> int:
        """Run every job that is due; returns the total work done."""
        done = 0
        for job in self.jobs:
            if now - self._last_run.get(job.name, float("-inf")) < job.every_seconds:
                continue
            self._last_run[job.name] = now
            try:
                with session_scope(self.session_factory) as session:
                    count = job.run(session)
                if count:
                    logger.info("job %s did %d units of work", job.name, count)
                done += count
            except Exception:
                logger.exception("job %s failed; it will run again on the next pass", job.name)
        return done

    def run_forever(self) -> None:
        import time

        logger.info("worker started with %d jobs", len(self.jobs))
        while not self._stop.is_set():
            done = self.run_once(time.monotonic())
            if not done:
                self._stop.wait(self.settings.worker_interval_seconds)
        logger.info("worker stopped")

    def stop(self) -> None:
        self._stop.set()


class BackgroundWorker(Worker):
    """The embedded worker of ``amparo serve``: the same loop in a daemon thread."""

    def __init__(self, session_factory: sessionmaker[Session], settings: Settings) -> None:
        super().__init__(session_factory, settings)
        self._thread = threading.Thread(target=self.run_forever, name="amparo-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        super().stop()
        self._thread.join(timeout=10)
