"""Fixtures for traveller safety: real receivers, a traveller with contacts on them, and a
delivery pass that runs the real dispatcher (apprise → HTTP/SMTP on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from amparo.alerts.delivery import Dispatcher
from amparo.safety import service as safety_service
from amparo.safety.models import Traveller
from amparo.settings import Settings
from tests.receivers import JsonReceiver, SmtpReceiver

PIN = "4821"
DURESS = "9137"


@pytest.fixture
def receiver() -> Iterator[JsonReceiver]:
    hook = JsonReceiver().start()
    yield hook
    hook.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    server = SmtpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    """Retries a few milliseconds apart, so the tests do not wait for real backoff."""
    return settings.model_copy(
        update={"delivery_backoff_seconds": 0.001, "delivery_attempts": 2, "sos_cancel_seconds": 0}
    )


@dataclass
class Trip:
    traveller: Traveller
    key: str


@pytest.fixture
def enrol(db: Session, receiver: JsonReceiver) -> Callable[..., Trip]:
    def make(**overrides: object) -> Trip:
        values: dict[str, object] = {
            "session": db,
            "org": None,
            "name": "Kevin Martínez",
            "pin": PIN,
            "duress_pin": DURESS,
            "every_hours": 12,
            "grace_minutes": 60,
            "escalation_minutes": 30,
            "contacts": [
                safety_service.ContactIn(level=1, name="Mamá", channels=(receiver.url("mama"),)),
                safety_service.ContactIn(level=2, name="Casa", channels=(receiver.url("ngo"),)),
                safety_service.ContactIn(
                    level=3, name="Consulado", channels=(receiver.url("consul"),), language="en"
                ),
            ],
        }
        values.update(overrides)
        traveller = safety_service.enrol_traveller(**values)  # type: ignore[arg-type]
        key = safety_service.issue_link_key(session=db, traveller=traveller)
        db.commit()
        return Trip(traveller, key)

    return make


@pytest.fixture
def deliver(
    session_factory: sessionmaker[Session], fast_settings: Settings
) -> Iterator[Callable[[], int]]:
    dispatcher = Dispatcher(session_factory, fast_settings)

    def run(rounds: int = 10) -> int:
        total = 0
        for _ in range(rounds):
            done = dispatcher.run_once()
            total += done
            if not done:
                break
        return total

    yield run
    dispatcher.close()
