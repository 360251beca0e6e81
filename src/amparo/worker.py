"""The worker loop: runs every registered job, again and again, until stopped.

``amparo worker`` runs it in the foreground (several may run against PostgreSQL); ``amparo serve``
runs one in a background thread. A job is a function that takes a session and the settings and
returns how much it did; a job that fails is logged and retried on the next pass, and never stops
the others. Alert deliveries are sent by the dispatcher on every pass, so an SOS leaves within a
fraction of a second of being committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from amparo.settings import Settings
from amparo.store.engine import session_scope

if TYPE_CHECKING:
    from amparo.alerts.delivery import Dispatcher

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Session, Settings], int]
    every_seconds: float


def registered_jobs() -> list[Job]:
    """Every domain's jobs. Domains add theirs here."""
    from amparo.accounts.jobs import JOBS as accounts_jobs
    from amparo.alerts.jobs import JOBS as alerts_jobs
    from amparo.safety.jobs import JOBS as safety_jobs

    return [*accounts_jobs, *safety_jobs, *alerts_jobs]


class Worker:
    def __init__(
        self, session_factory: sessionmaker[Session], settings: Settings, *, deliver: bool = True
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.jobs = registered_jobs()
        self._stop = threading.Event()
        self._last_run: dict[str, float] = {}
        self.dispatcher: Dispatcher | None = None
        if deliver:
            from amparo.alerts.delivery import Dispatcher

            self.dispatcher = Dispatcher(session_factory, settings)

    def run_once(self, now: float) -> int:
        """Run every job that is due; returns the total work done."""
        done = 0
        for job in self.jobs:
            if now - self._last_run.get(job.name, float("-inf")) < job.every_seconds:
                continue
            self._last_run[job.name] = now
            try:
                with session_scope(self.session_factory) as session:
                    count = job.run(session, self.settings)
                if count:
                    logger.info("job %s did %d units of work", job.name, count)
                done += count
            except Exception:
                logger.exception("job %s failed; it will run again on the next pass", job.name)
        if self.dispatcher is not None:
            try:
                done += self.dispatcher.run_once()
            except Exception:
                logger.exception("delivery pass failed; it will run again")
        return done

    def run_forever(self) -> None:
        import time

        logger.info("worker started with %d jobs", len(self.jobs))
        while not self._stop.is_set():
            done = self.run_once(time.monotonic())
            if not done:
                self._stop.wait(self._idle_pause())
        if self.dispatcher is not None:
            self.dispatcher.close()
        logger.info("worker stopped")

    def _idle_pause(self) -> float:
        """Deliveries are polled often (one indexed query); other jobs keep their own pace."""
        if self.dispatcher is not None:
            return min(self.settings.worker_interval_seconds, POLL_SECONDS)
        return self.settings.worker_interval_seconds

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
