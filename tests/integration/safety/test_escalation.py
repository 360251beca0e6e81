"""The dead-man's switch and the ladder: family → NGO → consulate, until someone acknowledges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.alerts import links
from amparo.alerts import service as alerts_service
from amparo.alerts.models import Alert, AlertState
from amparo.errors import Conflict, NotFound
from amparo.safety import checkins, escalation, status
from amparo.safety.models import Emergency, TravellerStatus
from amparo.store.types import utcnow
from tests.integration.safety.conftest import PIN, Trip
from tests.receivers import JsonReceiver

WEB = audit.Origin(channel="web")


def ack_token(message: str) -> str:
    return message.split("/ack/")[1].split()[0]


def test_missed_check_in_climbs_the_ladder_until_acknowledged(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    trip = enrol()
    deliver()
    receiver.received.clear()
    traveller = trip.traveller
    assert traveller.alarm_at is not None
    assert escalation.find_overdue(session=db, now=traveller.alarm_at - timedelta(seconds=1)) == 0

    late = traveller.alarm_at + timedelta(seconds=1)
    assert escalation.find_overdue(session=db, now=late) == 1
    db.commit()
    assert escalation.find_overdue(session=db, now=late) == 0  # opened once, not twice
    assert traveller.status == TravellerStatus.OVERDUE
    deliver()
    assert [r.path for r in receiver.messages()] == ["/mama"]  # level 1 only
    message = receiver.messages()[0].payload["message"]
    assert "no prueba" in message  # says what is known and no more
    receiver.received.clear()

    # Nobody answers: after the escalation interval the NGO is told, then the consulate.
    assert escalation.escalate(session=db, now=late + timedelta(minutes=29)) == 0
    assert escalation.escalate(session=db, now=late + timedelta(minutes=31)) == 1
    db.commit()
    deliver()
    assert [r.path for r in receiver.messages()] == ["/ngo"]
    assert "Nadie ha respondido" in receiver.messages()[0].payload["message"]
    token = ack_token(receiver.messages()[0].payload["message"])
    receiver.received.clear()

    done = alerts_service.acknowledge(session=db, token=token, origin=WEB)
    db.commit()
    assert done.traveller_id == traveller.id
    with pytest.raises(Conflict):
        alerts_service.acknowledge(session=db, token=token, origin=WEB)
    db.rollback()
    assert escalation.escalate(session=db, now=late + timedelta(hours=5)) == 0  # stopped
    deliver()
    assert receiver.messages() == []

    # The traveller checks in: the alert closes and both alerted contacts are told.
    checkins.check_in(session=db, traveller=traveller, pin=PIN, now=late + timedelta(hours=6))
    db.commit()
    deliver()
    assert sorted(r.path for r in receiver.messages()) == ["/mama", "/ngo"]
    assert traveller.status == TravellerStatus.ACTIVE


def test_unanswered_ladder_ends_on_the_desk_as_unresolved(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int]
) -> None:
    trip = enrol()
    deliver()
    late = trip.traveller.alarm_at + timedelta(seconds=1)  # type: ignore[operator]
    escalation.find_overdue(session=db, now=late)
    for step in range(1, 4):
        escalation.escalate(session=db, now=late + timedelta(minutes=31 * step))
    db.commit()
    emergency = db.scalars(
        select(Emergency).where(Emergency.traveller_id == trip.traveller.id)
    ).one()
    assert emergency.level == 3
    assert emergency.exhausted_at is not None
    desk = alerts_service.list_alerts(session=db, org_id=None, state=AlertState.UNRESOLVED)
    assert {a.level for a in desk if a.traveller_id == trip.traveller.id} == {1, 2, 3}


def test_forged_and_foreign_links_are_refused(db: Session) -> None:
    for token in ("", "12", "12-abc", "x-" + "0" * 32, f"1-{'0' * 32}"):
        with pytest.raises(NotFound):
            alerts_service.acknowledge(session=db, token=token, origin=WEB)
    confirm = links.make(links.CONFIRM, 1)
    with pytest.raises(NotFound):  # a confirm link is not an acknowledgement link
        alerts_service.acknowledge(session=db, token=confirm, origin=WEB)


def test_confirming_a_contact_works_once(
    db: Session, enrol: Callable[..., Trip], deliver: Callable[[], int], receiver: JsonReceiver
) -> None:
    enrol()
    deliver()
    body = receiver.messages("mama")[0].payload["message"]
    token = body.split("/confirm/")[1].split()[0]
    contact = alerts_service.confirm_contact(session=db, token=token, origin=WEB)
    assert contact.confirmed_at is not None
    with pytest.raises(Conflict):
        alerts_service.confirm_contact(session=db, token=token, origin=WEB)


def test_status_shows_a_precise_location_only_during_sos_and_audits_every_place_read(
    db: Session, enrol: Callable[..., Trip]
) -> None:
    trip = enrol()
    actor = audit.Actor(type="user", id=1)
    checkins.check_in(session=db, traveller=trip.traveller, pin=PIN, place="Tapachula")
    seen = status.status(session=db, traveller=trip.traveller, actor=actor, origin=WEB)
    assert (seen.state, seen.place, seen.location) == ("ok", "Tapachula", None)
    checkins.sos(
        session=db,
        traveller=trip.traveller,
        location="14.9,-92.26",
        policy=checkins.Policy(sos_cancel_seconds=0),
    )
    seen = status.status(session=db, traveller=trip.traveller, actor=actor, origin=WEB)
    assert (seen.state, seen.emergency, seen.location) == ("emergency", "sos", "14.9,-92.26")
    checkins.im_safe(session=db, traveller=trip.traveller, pin=PIN)
    seen = status.status(session=db, traveller=trip.traveller, actor=actor, origin=WEB)
    assert (seen.state, seen.location) == ("ok", None)
    reads = db.execute(
        text("SELECT details FROM audit_events WHERE action = 'location.read' AND target_id = :id"),
        {"id": str(trip.traveller.id)},
    ).all()
    assert len(reads) == 3


def test_overdue_search_reads_the_index_not_the_table(db: Session) -> None:
    query = escalation.overdue_query(utcnow())
    compiled = query.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    if db.get_bind().dialect.name == "sqlite":
        plan = " ".join(str(r) for r in db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())
        assert "ix_travellers_status_alarm_at" in plan
    else:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in db.execute(text(f"EXPLAIN {compiled}")).all())
        assert "ix_travellers_status_alarm_at" in plan


def test_closed_trips_are_purged_after_the_retention_period(
    db: Session, enrol: Callable[..., Trip], fast_settings: object
) -> None:
    from amparo.safety import jobs
    from amparo.safety.models import Traveller

    trip = enrol()
    traveller_id = trip.traveller.id
    trip.traveller.status = TravellerStatus.CLOSED
    trip.traveller.closed_at = utcnow() - timedelta(days=31)
    db.commit()
    assert jobs.purge_closed_trips(db, fast_settings) >= 1  # type: ignore[arg-type]
    db.expire_all()
    assert db.get(Traveller, traveller_id) is None
    assert db.scalars(select(Alert).where(Alert.traveller_id == traveller_id)).all() == []
