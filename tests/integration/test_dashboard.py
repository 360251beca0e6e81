"""The organisation's dashboard: its real numbers, each counted as the page it links to counts
it (the reports and networks it may read, the alerts on its own travellers), in a few COUNT
queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from amparo.accounts.models import Organisation
from amparo.alerts import service as alerts_service
from amparo.alerts.delivery import Dispatcher
from amparo.alerts.models import AlertState
from amparo.network import reports, service
from amparo.network.service import IndicatorIn, ReportIn
from amparo.safety import checkins
from amparo.safety import service as safety_service
from amparo.settings import Settings
from tests import factories
from tests.integration.test_pages import HTML, login
from tests.receivers import free_port

HOT, HOT_ELSEWHERE = "+525511110000", "+525522220000"
SHARED_NUMBER, GONE = "+525533330000", "+525544440000"


def _report(db: Session, org: Organisation, phone: str, **extra: object) -> int:
    data = ReportIn(indicators=(IndicatorIn("phone", phone),), **extra)  # type: ignore[arg-type]
    return service.create_report(session=db, org_id=org.id, data=data, region="MX").id


def _sos(db: Session, org: Organisation) -> None:
    """A traveller of ``org`` presses SOS; their only contact cannot be reached."""
    traveller = safety_service.enrol_traveller(
        session=db,
        org=org,
        name="Kevin",
        pin="4821",
        duress_pin="9137",
        every_hours=12,
        grace_minutes=60,
        contacts=[
            safety_service.ContactIn(level=1, channels=(f"json://127.0.0.1:{free_port()}/x",))
        ],
    )
    checkins.sos(session=db, traveller=traveller, policy=checkins.Policy(sos_cancel_seconds=0))
    db.commit()


@contextmanager
def statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_the_dashboard_counts_what_its_pages_list(
    client: TestClient,
    db: Session,
    connection: Connection,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    mine, partner, stranger = factories.org(db), factories.org(db), factories.org(db)
    service.add_partnership(session=db, org_id=mine.id, partner_id=partner.id)
    analyst = factories.user(db, mine)
    token = factories.bearer(factories.token(db, mine))
    for _ in range(service.REVIEW_AFTER + 1):  # one value in very many reports: review it
        _report(db, mine, HOT)
        _report(db, stranger, HOT_ELSEWHERE)  # private: neither counted nor to review here
    closed = _report(db, mine, SHARED_NUMBER)
    reports.close_report(session=db, org_id=mine.id, report_id=closed)
    _report(db, partner, SHARED_NUMBER, sharing="partners")  # a network of two with ours
    _report(db, partner, GONE)  # the partner's own: not ours to read
    service.retract(session=db, org_id=mine.id, report_id=_report(db, mine, GONE))
    db.commit()
    _sos(db, mine)
    _sos(db, stranger)
    fast = settings.model_copy(update={"delivery_backoff_seconds": 0.001, "delivery_attempts": 1})
    dispatcher = Dispatcher(session_factory, fast)
    while dispatcher.run_once():
        pass
    dispatcher.close()
    _sos(db, mine)  # a second traveller, whose alert is still on its way

    found = reports.overview(session=db, org_id=mine.id)
    listed = client.get("/api/v1/reports", headers=token).json()["total"]
    networks = client.get("/api/v1/clusters", headers=token).json()
    to_review = {i["display"] for c in networks for i in c["indicators"] if i["review"]}
    assert (found.reports, found.own_open) == (listed, service.REVIEW_AFTER + 1) == (53, 51)
    assert (found.networks, found.review) == (len(networks), len(to_review)) == (2, 1)
    alerts = alerts_service.count_open(session=db, org_id=mine.id)
    desk = alerts_service.list_alerts(session=db, org_id=mine.id, limit=200)  # as /alertas
    assert alerts == {
        state: sum(1 for a in desk if a.state == state)
        for state in (AlertState.PENDING, AlertState.UNRESOLVED)
    }
    assert all(alerts.values())  # one traveller unreached, the other's alert on its way
    assert sum(alerts.values()) < len(alerts_service.list_alerts(session=db, org_id=None))
    unresolved, open_alerts = alerts[AlertState.UNRESOLVED], sum(alerts.values())

    login(client, analyst.email, factories.PASSWORD)
    with statements(connection) as run:
        page = client.get("/dashboard?lang=en", headers=HTML)
    assert page.status_code == 200
    assert len(run) <= 10, run  # the session, the user, and a few COUNT queries
    text = re.sub(r"\s+", " ", page.text)
    assert '<a href="/reportes">53 reports your organisation may read</a>' in text
    assert '<a href="/reportes?status=open&amp;own=on">51 are your organisation' in text
    assert f'<a href="/alertas">{open_alerts} open alerts on your travellers</a>' in text
    assert f"{unresolved} unresolved: nobody could be reached or nobody answered" in text
    assert '<a href="/redes">2 extortion networks (two or more linked reports)</a>' in text
    assert "1 value in very many reports: review it on the networks page" in text
    assert "Nothing to review yet" not in text


def test_an_organisation_with_nothing_yet_says_so(client: TestClient, db: Session) -> None:
    analyst = factories.user(db, factories.org(db))
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    text = re.sub(r"\s+", " ", client.get("/dashboard?lang=en", headers=HTML).text)
    assert "0 reports your organisation may read" in text
    assert "0 open alerts on your travellers" in text
    assert "Nothing to review yet" in text
