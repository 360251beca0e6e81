"""The family's view and the organisation's desk, through the real app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent, Role
from amparo.errors import Conflict
from amparo.safety import checkins
from amparo.safety import service as safety_service
from tests import factories
from tests.integration.safety.conftest import PIN, Trip
from tests.integration.test_pages import HTML, login


def test_a_linked_family_member_sees_state_and_town_never_gps(
    client: TestClient, db: Session, enrol: Callable[..., Trip]
) -> None:
    trip = enrol(family_consent=True)
    relative = factories.user(db, None, role=Role.FAMILY)
    safety_service.share_with_family(session=db, traveller=trip.traveller, email=relative.email)
    checkins.check_in(session=db, traveller=trip.traveller, pin=PIN, place="Arriaga")
    db.commit()
    login(client, relative.email, factories.PASSWORD)
    page = client.get("/familia", headers=HTML)
    assert page.status_code == 200
    assert "Kevin Martínez" in page.text
    assert "Arriaga" in page.text
    assert "Bien" in page.text
    reads = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "location.read")
    )
    assert reads >= 1


def test_sharing_needs_the_travellers_consent(db: Session, enrol: Callable[..., Trip]) -> None:
    trip = enrol()
    relative = factories.user(db, None, role=Role.FAMILY)
    with pytest.raises(Conflict):
        safety_service.share_with_family(session=db, traveller=trip.traveller, email=relative.email)


def test_the_desk_is_for_staff_only(client: TestClient, db: Session) -> None:
    staff = factories.user(db, factories.org(db))
    relative = factories.user(db, None, role=Role.FAMILY)
    db.commit()
    login(client, relative.email, factories.PASSWORD)
    assert client.get("/alertas", headers=HTML).status_code == 403
    client.cookies.clear()
    login(client, staff.email, factories.PASSWORD)
    desk = client.get("/alertas", headers=HTML)
    assert desk.status_code == 200
    assert "Mesa de alertas" in desk.text


RANSOM = "Tenemos a Kevin, deposite 3 mil dólares hoy o no lo vuelve a ver. No llame a nadie."


def test_the_message_check_shows_a_family_members_travellers_last_check_in(
    client: TestClient, db: Session, enrol: Callable[..., Trip]
) -> None:
    """A mother signed in who checks a ransom message sees, with the verdict, that her son
    checked in a moment ago and where; a stranger, or a family account he did not link, sees
    nothing of him."""
    trip = enrol(family_consent=True)
    relative = factories.user(db, None, role=Role.FAMILY)
    other = factories.user(db, None, role=Role.FAMILY)
    safety_service.share_with_family(session=db, traveller=trip.traveller, email=relative.email)
    checkins.check_in(session=db, traveller=trip.traveller, pin=PIN, place="Arriaga")
    db.commit()

    anonymous = client.post("/", data={"text": RANSOM}, headers=HTML)
    assert anonymous.status_code == 200
    assert "Kevin Martínez" not in anonymous.text
    assert "travellers-title" not in anonymous.text

    login(client, other.email, factories.PASSWORD)
    unlinked = client.post("/", data={"text": RANSOM}, headers=HTML)
    assert "Kevin Martínez" not in unlinked.text
    client.cookies.clear()

    reads_before = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "location.read")
    )
    login(client, relative.email, factories.PASSWORD)
    page = client.post("/", data={"text": RANSOM}, headers=HTML)
    assert page.status_code == 200
    assert "Los reportes de sus viajeros" in page.text
    assert "Kevin Martínez" in page.text
    assert "se reportó sin problemas" in page.text
    assert "Último reporte: hace " in page.text
    assert "Arriaga" in page.text
    db.expire_all()
    reads_after = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "location.read")
    )
    assert reads_after == reads_before + 1  # who saw the place is in the audit trail

    # A real call for help: no doubt cast on it, and no "risk 1 %" that reads as "little danger"
    help_text = "Mamá estamos perdidos en el desierto, no tenemos agua, el coyote nos dejó. Ayuda"
    emergency = client.post("/", data={"text": help_text}, headers=HTML).text
    assert "Kevin Martínez" in emergency
    assert "no tiene ninguna alerta abierta" in emergency
    assert "antes de creer" not in emergency
    assert "Riesgo de extorsión" not in emergency
    assert "Riesgo de extorsión" in page.text

    english = client.post("/?lang=en", data={"text": RANSOM}, headers=HTML)
    assert "checked in with no problem" in english.text
    assert "Last check-in: " in english.text
    assert " ago (" in english.text
