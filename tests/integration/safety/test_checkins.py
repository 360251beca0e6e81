"""Check-ins, duress, code cards, SOS, "I'm safe", silences — and the alerts they write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent
from amparo.alerts.models import Alert, AlertKind, Delivery, DeliveryState
from amparo.errors import InvalidInput, RateLimited
from amparo.i18n import gettext_for
from amparo.safety import checkins
from amparo.safety.checkins import CredentialRefused, Policy
from amparo.safety.models import CheckIn, Emergency, EmergencyKind, TravellerStatus
from amparo.store.types import utcnow
from tests.integration.safety.conftest import DURESS, PIN, Trip
from tests.receivers import JsonReceiver


def alerts_of(db: Session, trip: Trip, kind: AlertKind) -> list[Alert]:
    return list(
        db.scalars(
            select(Alert)
            .where(Alert.traveller_id == trip.traveller.id, Alert.kind == kind)
            .order_by(Alert.id)
        )
    )


def test_enrolment_sends_each_contact_a_confirmation_link(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    assert deliver() == 3
    bodies = {r.path: r.payload["message"] for r in receiver.messages()}
    assert set(bodies) == {"/mama", "/ngo", "/consul"}
    assert "/confirm/" in bodies["/mama"]
    assert "Kevin Martínez" in bodies["/mama"]
    assert "trusted contact" in bodies["/consul"]  # the consulate's contact reads English
    assert "contacto de confianza" in bodies["/mama"]
    assert len(alerts_of(db, trip, AlertKind.CONFIRM_CONTACT)) == 3


def test_a_normal_and_a_duress_check_in_answer_exactly_the_same(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    deliver()
    receiver.received.clear()
    now = utcnow()
    normal = checkins.check_in(
        session=db, traveller=trip.traveller, pin=PIN, place="Tapachula", now=now
    )
    db.commit()
    assert deliver() == 0  # a normal check-in tells nobody
    duress = checkins.check_in(
        session=db, traveller=trip.traveller, pin=DURESS, place="Tapachula", now=now
    )
    db.commit()
    assert normal == duress
    assert normal.to_dict() == duress.to_dict()

    assert deliver() == 3
    got = {r.path: r.payload for r in receiver.messages()}
    assert set(got) == {"/mama", "/ngo", "/consul"}
    assert "código secreto de alerta" in got["/mama"]["message"]
    assert "No llame" in got["/mama"]["message"]
    db.expire_all()
    assert trip.traveller.status == TravellerStatus.EMERGENCY
    emergency = db.scalars(
        select(Emergency).where(Emergency.traveller_id == trip.traveller.id)
    ).one()
    assert emergency.kind == EmergencyKind.DURESS
    kinds = db.scalars(select(CheckIn.kind).where(CheckIn.traveller_id == trip.traveller.id)).all()
    assert sorted(kinds) == ["duress", "ok"]


def test_a_wrong_pin_is_refused_without_saying_which_and_locks_after_five(
    db: Session, enrol: Callable[..., Trip]
) -> None:
    trip = enrol()
    policy = Policy(pin_attempts=3, pin_lock_minutes=15)
    for _ in range(3):
        with pytest.raises(CredentialRefused) as refused:
            checkins.check_in(session=db, traveller=trip.traveller, pin="0000", policy=policy)
        db.rollback()  # what a request does on error; the failure was committed before it
        assert str(refused.value) == "The PIN or code was not accepted."
    with pytest.raises(RateLimited) as locked:
        checkins.check_in(session=db, traveller=trip.traveller, pin=PIN, policy=policy)
    db.rollback()
    # said as people say it: "15 minutos", never "1 minutes"
    assert locked.value.render(gettext_for("es")) == (
        "Demasiados intentos fallidos. Intente de nuevo en 15 minutos."
    )
    refused_events = db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "traveller.pin_refused",
            AuditEvent.target_id == str(trip.traveller.id),
        )
    )
    assert refused_events == 3
    assert (
        db.scalar(
            select(func.count())
            .select_from(CheckIn)
            .where(CheckIn.traveller_id == trip.traveller.id)
        )
        == 0
    )
    later = utcnow() + timedelta(minutes=16)
    assert (
        checkins.check_in(
            session=db, traveller=trip.traveller, pin=PIN, policy=policy, now=later
        ).status
        == "ok"
    )


def test_card_codes_work_once_and_duress_codes_raise_the_silent_alert(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    card = checkins.issue_card(session=db, traveller=trip.traveller)
    db.commit()
    assert len(card.codes) == 12
    assert sum(d for _, _, d in card.codes) == 4
    normal = next(code for _, code, duress in card.codes if not duress)
    duress_code = next(code for _, code, duress in card.codes if duress)

    first = checkins.check_in(
        session=db, traveller=trip.traveller, code=normal.lower().replace("-", " ")
    )
    db.commit()
    assert first.status == "ok"
    with pytest.raises(CredentialRefused):
        checkins.check_in(session=db, traveller=trip.traveller, code=normal)
    db.rollback()
    replayed = db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "traveller.code_replayed")
    )
    assert replayed == 1

    deliver()
    receiver.received.clear()
    assert checkins.check_in(session=db, traveller=trip.traveller, code=duress_code).status == "ok"
    db.commit()
    assert deliver() == 3
    assert all(
        "código secreto" in r.payload["message"] or "secret alert" in r.payload["message"]
        for r in receiver.messages()
    )

    # A new card voids what is left of the old one.
    unused = next(code for _, code, duress in card.codes if not duress and code != normal)
    checkins.issue_card(session=db, traveller=trip.traveller)
    db.commit()
    with pytest.raises(CredentialRefused):
        checkins.check_in(session=db, traveller=trip.traveller, code=unused)
    db.rollback()


def test_sos_can_be_cancelled_inside_its_window_and_then_nobody_is_told(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    deliver()
    receiver.received.clear()
    receipt = checkins.sos(
        session=db,
        traveller=trip.traveller,
        location="15.47,-92.27",
        policy=Policy(sos_cancel_seconds=30),
    )
    db.commit()
    assert receipt.cancel_until is not None
    assert deliver() == 0  # still inside the window
    checkins.cancel_sos(session=db, traveller=trip.traveller)
    db.commit()
    states = db.scalars(
        select(Delivery.state)
        .join(Alert)
        .where(Alert.kind == AlertKind.SOS, Alert.traveller_id == trip.traveller.id)
    ).all()
    assert set(states) == {DeliveryState.CANCELLED}
    assert trip.traveller.status == TravellerStatus.ACTIVE
    assert receiver.messages() == []


def test_sos_reaches_everyone_updates_location_once_and_safe_closes_it(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    deliver()
    for contact in trip.traveller.contacts[:2]:
        contact.confirmed_at = utcnow()
    db.commit()
    receiver.received.clear()
    policy = Policy(sos_cancel_seconds=0)
    checkins.sos(session=db, traveller=trip.traveller, location="Altar, Sonora", policy=policy)
    db.commit()
    assert deliver() == 3
    sos = {r.path: r.payload["message"] for r in receiver.messages()}
    assert "SOS" in sos["/mama"]
    assert "Altar, Sonora" in sos["/mama"]
    assert "Altar" not in sos["/consul"]  # not confirmed: no location
    receiver.received.clear()

    checkins.sos(session=db, traveller=trip.traveller, location="Altar, Sonora", policy=policy)
    db.commit()
    assert deliver() == 0  # unchanged location: not repeated
    checkins.sos(session=db, traveller=trip.traveller, location="Sásabe", policy=policy)
    db.commit()
    assert deliver() == 3
    assert "Sásabe" in receiver.messages("mama")[0].payload["message"]
    receiver.received.clear()

    with pytest.raises(InvalidInput):
        checkins.cancel_sos(session=db, traveller=trip.traveller)
    db.rollback()
    checkins.im_safe(session=db, traveller=trip.traveller, pin=PIN)
    db.commit()
    assert deliver() == 3
    assert all(
        "safe" in r.payload["message"] or "a salvo" in r.payload["message"]
        for r in receiver.messages()
    )
    db.expire_all()
    assert trip.traveller.status == TravellerStatus.ACTIVE
    closed = db.scalars(select(Emergency).where(Emergency.traveller_id == trip.traveller.id)).one()
    assert closed.closed_at is not None
    assert closed.location is None


def test_planned_silence_is_bounded_and_pushes_the_alarm(
    db: Session, enrol: Callable[..., Trip]
) -> None:
    trip = enrol()
    now = utcnow()
    for until in (now - timedelta(hours=1), now + timedelta(days=30)):
        with pytest.raises(InvalidInput):
            checkins.silence(session=db, traveller=trip.traveller, pin=PIN, until=until, now=now)
    until = now + timedelta(hours=48)
    checkins.silence(session=db, traveller=trip.traveller, pin=PIN, until=until, now=now)
    assert trip.traveller.next_due_at == until
    assert trip.traveller.alarm_at == until + timedelta(minutes=60)


def test_bad_places_are_refused(db: Session, enrol: Callable[..., Trip]) -> None:
    trip = enrol()
    for place in ("x" * 121, "a\x00b"):
        with pytest.raises(InvalidInput):
            checkins.check_in(session=db, traveller=trip.traveller, pin=PIN, place=place)
    with pytest.raises(InvalidInput):
        checkins.check_in(session=db, traveller=trip.traveller)


def test_closing_a_trip_ends_alarms_and_erases_the_open_location(
    db: Session, enrol: Callable[..., Trip]
) -> None:
    from amparo.safety import service as safety_service

    trip = enrol()
    checkins.sos(
        session=db,
        traveller=trip.traveller,
        location="31.3,-111.0",
        policy=Policy(sos_cancel_seconds=0),
    )
    safety_service.close_trip(session=db, traveller=trip.traveller)
    emergency = db.scalars(
        select(Emergency).where(Emergency.traveller_id == trip.traveller.id)
    ).one()
    assert emergency.close_reason == "trip_closed"
    assert emergency.location is None
    assert trip.traveller.status == TravellerStatus.CLOSED
    assert trip.traveller.alarm_at is None
    with pytest.raises(InvalidInput):
        checkins.check_in(session=db, traveller=trip.traveller, pin=PIN)
