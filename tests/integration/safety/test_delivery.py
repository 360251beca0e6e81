"""Delivery through apprise to real receivers: retries, fallback, the log, and the desk."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from amparo.alerts import delivery as delivery_module
from amparo.alerts.models import (
    Alert,
    AlertKind,
    AlertState,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
)
from amparo.safety import checkins, escalation
from amparo.safety import service as safety_service
from amparo.safety.models import Emergency
from amparo.settings import Settings
from amparo.store.types import utcnow
from tests.integration.safety.conftest import DURESS, Trip
from tests.receivers import JsonReceiver, SmtpReceiver, free_port


def sos_deliveries(db: Session, trip: Trip) -> list[Delivery]:
    return list(
        db.scalars(
            select(Delivery)
            .join(Alert)
            .where(Alert.traveller_id == trip.traveller.id, Alert.kind == AlertKind.SOS)
            .order_by(Delivery.id)
        )
    )


def test_every_try_carries_the_idempotency_key_and_is_logged(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    deliver()
    keys = sorted(r.key for r in receiver.messages())
    assert keys
    assert all(k.startswith("amparo-") for k in keys)
    attempts = db.scalars(select(DeliveryAttempt)).all()
    assert {a.scheme for a in attempts} == {"json"}
    assert all(a.ok and "127.0.0.1" not in (a.error or "") for a in attempts)
    assert sorted(a.idempotency_key for a in attempts if a.idempotency_key in keys) == keys
    assert trip


def test_a_receiver_that_is_down_gets_the_alert_when_it_comes_back(
    db: Session,
    enrol: Callable[..., Trip],
    deliver: Callable[[], int],
    receiver: JsonReceiver,
    fast_settings: object,
) -> None:
    trip = enrol()
    deliver()
    receiver.stop()
    checkins.sos(session=db, traveller=trip.traveller, policy=checkins.Policy(sos_cancel_seconds=0))
    db.commit()
    deliver(1)  # first try: connection refused
    db.expire_all()
    pending = sos_deliveries(db, trip)
    assert {d.state for d in pending} == {DeliveryState.QUEUED}
    assert all(d.last_error and "Connection" in d.last_error for d in pending)
    receiver.start()
    time.sleep(0.01)
    deliver()
    db.expire_all()
    assert {d.state for d in sos_deliveries(db, trip)} == {DeliveryState.SENT}
    assert len([r for r in receiver.messages() if "SOS" in r.payload["title"]]) == 3
    log = db.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_([d.id for d in pending]))
    ).all()
    assert [a.ok for a in log].count(False) == 3
    assert [a.ok for a in log].count(True) == 3


def test_a_dead_channel_falls_back_to_the_next_and_email_arrives(
    db: Session,
    enrol: Callable[..., Trip],
    deliver: Callable[[], int],
    smtp: SmtpReceiver,
    receiver: JsonReceiver,
) -> None:
    dead = f"json://127.0.0.1:{free_port()}/nobody"
    trip = enrol(
        contacts=[
            safety_service.ContactIn(
                level=1, name="Mamá", channels=(dead, smtp.url("mama@example.org"))
            ),
        ]
    )
    deliver()
    assert len(smtp.messages) == 1  # the confirmation, through the fallback channel
    assert smtp.messages[0]["To"] == "mama@example.org"
    checkins.check_in(session=db, traveller=trip.traveller, pin=DURESS)
    db.commit()
    deliver()
    assert len(smtp.messages) == 2
    assert "alerta silenciosa" in str(smtp.messages[1]["Subject"])
    attempts = db.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [(a.scheme, a.ok) for a in attempts] == [
        ("json", False),
        ("json", False),
        ("mailto", True),
    ] * 2


def test_when_nobody_can_be_reached_the_alert_goes_to_the_desk_and_the_ladder_climbs_now(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    dead = f"json://127.0.0.1:{free_port()}/nobody"
    trip = enrol(
        contacts=[
            safety_service.ContactIn(level=1, channels=(dead,)),
            safety_service.ContactIn(level=2, channels=(receiver.url("ngo"),)),
        ]
    )
    deliver()
    receiver.received.clear()
    late = trip.traveller.alarm_at + timedelta(seconds=1)  # type: ignore[operator]
    escalation.find_overdue(session=db, now=late)
    db.commit()
    deliver()
    db.expire_all()
    first = db.scalars(
        select(Alert).where(Alert.traveller_id == trip.traveller.id, Alert.kind == AlertKind.MISSED)
    ).one()
    assert first.state == AlertState.UNRESOLVED
    emergency = db.get_one(Emergency, first.emergency_id)
    assert emergency.next_escalation_at is not None
    assert emergency.next_escalation_at <= utcnow()
    assert escalation.escalate(session=db) == 1  # does not wait the 30 minutes
    db.commit()
    deliver()
    assert [r.path for r in receiver.messages()] == ["/ngo"]


def test_an_unacknowledged_emergency_alert_climbs_to_the_next_channel(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol(
        contacts=[
            safety_service.ContactIn(
                level=1, channels=(receiver.url("phone"), receiver.url("email"))
            ),
        ]
    )
    deliver()
    receiver.received.clear()
    checkins.sos(session=db, traveller=trip.traveller, policy=checkins.Policy(sos_cancel_seconds=0))
    db.commit()
    deliver()
    assert [r.path for r in receiver.messages()] == ["/phone"]
    assert (
        delivery_module.climb_unacknowledged(session=db, now=utcnow() + timedelta(minutes=16)) == 1
    )
    db.commit()
    deliver()
    assert [r.path for r in receiver.messages()] == ["/phone", "/email"]
    keys = [r.key for r in receiver.messages()]
    assert keys[0] != keys[1]  # one idempotency key per (alert, recipient, channel)


def test_backoff_grows_and_is_jittered() -> None:
    import random

    rng = random.Random(7)
    delays = [delivery_module.backoff_seconds(n, 5, rng) for n in range(1, 12)]
    assert 2.5 <= delays[0] <= 7.5
    assert 20 <= delays[3] <= 60
    assert max(delays) <= 450
    assert len({round(d, 3) for d in delays}) == len(delays)


def test_a_claim_takes_at_most_its_limit_and_never_the_same_row_twice(
    db: Session, enrol: Callable[..., Trip], fast_settings: object
) -> None:
    for _ in range(4):
        enrol()  # 3 confirmation deliveries each: 12 due
    first = delivery_module.claim(session=db, settings=fast_settings, limit=5)  # type: ignore[arg-type]
    second = delivery_module.claim(session=db, settings=fast_settings, limit=5)  # type: ignore[arg-type]
    third = delivery_module.claim(session=db, settings=fast_settings, limit=5)  # type: ignore[arg-type]
    assert [len(first), len(second), len(third)] == [5, 5, 2]
    ids = [c.delivery_id for c in first + second + third]
    assert len(set(ids)) == 12


def test_a_slow_provider_does_not_hold_back_the_deliveries_claimed_after_it(
    db: Session,
    session_factory: sessionmaker[Session],
    enrol: Callable[..., Trip],
    fast_settings: Settings,
    receiver: JsonReceiver,
) -> None:
    slow = JsonReceiver(delay=2.0).start()
    try:
        # Claimed first (the oldest due row): one contact whose provider takes 2 s to answer.
        enrol(
            contacts=[safety_service.ContactIn(level=1, name="Lento", channels=(slow.url("slow"),))]
        )
        for _ in range(4):
            enrol()  # 12 deliveries to a provider that answers at once
        settings = fast_settings.model_copy(update={"delivery_threads": 2})
        dispatcher = delivery_module.Dispatcher(session_factory, settings)
        try:
            handled = dispatcher.run_once()
        finally:
            dispatcher.close()
        assert handled == 13
        fast_arrivals = [r.at for r in receiver.messages()]
        (slow_arrival,) = [r.at for r in slow.messages()]
        assert len(fast_arrivals) == 12
        # Two threads, four claimed at a time: without topping up the pool as deliveries
        # finish, the fast ones claimed after the slow one would wait for it.
        assert max(fast_arrivals) < slow_arrival
    finally:
        slow.stop()
