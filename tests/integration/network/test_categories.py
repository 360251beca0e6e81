"""A report's category is one of the triage's nine, checked alike by the API, the import, the
public lists and the form; rows stored before the check keep their value and are shown as
stored; the trends name reports without one "unknown"."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from amparo.i18n import gettext_for
from amparo.network import reports, service
from amparo.network.importer import import_reports
from amparo.network.models import Report
from amparo.network.public_lists import import_list
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories
from tests.integration.network.test_report_pages import FORM, _post
from tests.integration.test_api import assert_problem
from tests.integration.test_pages import HTML, login

TEXT = "pague al +52 55 1212 3434"


def _legacy(db: Session, org_id: int, category: str, phone: str = "+525512123434") -> Report:
    """A report stored before categories were checked (the column is free text)."""
    created = service.create_report(
        session=db,
        org_id=org_id,
        data=ReportIn(
            indicators=(IndicatorIn("phone", phone),),
            reported_at=datetime(2025, 5, 6, 12, tzinfo=UTC),
            place="Tapachula",
        ),
        region="MX",
    )
    db.execute(update(Report).where(Report.id == created.id).values(category=category))
    db.commit()
    db.refresh(created)
    return created


def test_the_api_refuses_a_category_outside_the_vocabulary(client: TestClient, db: Session) -> None:
    headers = factories.bearer(factories.token(db, factories.org(db)))
    db.commit()
    refused = client.post(
        "/api/v1/reports?lang=en", headers=headers, json={"text": TEXT, "category": "foo"}
    )
    body = assert_problem(refused, 422, "invalid-input")
    ((error,),) = [body["errors"]]
    assert error["field"] == "category"
    assert error["message"].startswith("This must be one of: virtual_kidnapping, ")
    assert "foo" not in json.dumps(client.get("/api/v1/reports", headers=headers).json())
    created = client.post(
        "/api/v1/reports", headers=headers, json={"text": TEXT, "category": "sextortion"}
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/reports/{created.json()['id']}"
    assert_problem(client.patch(url, headers=headers, json={"category": "unknown_cat"}), 422)
    assert client.patch(url, headers=headers, json={"category": None}).status_code == 200
    assert client.get(url, headers=headers).json()["category"] is None
    listed = client.get("/api/v1/reports", headers=headers, params={"category": "foo"})
    assert_problem(listed, 422)
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["Category"]["enum"][:2] == ["virtual_kidnapping", "telephone_extortion"]


def test_the_import_and_the_public_lists_refuse_it_with_the_line(db: Session) -> None:
    org = factories.org(db)
    lines = [
        {"external_id": "B-8", "text": "pague", "category": "unknown_cat"},
        {"external_id": "B-9", "text": TEXT, "category": "fake_official"},
    ]
    result = import_reports(
        session=db,
        org_id=org.id,
        stream=io.BytesIO("".join(json.dumps(line) + "\n" for line in lines).encode()),
        region="MX",
        gettext=gettext_for("en"),
        workers=0,
    )
    assert result.imported == 1
    ((line, message),) = result.errors
    assert line == 1
    assert message.startswith("'unknown_cat' is not a valid kind of extortion (one of: ")
    listed = import_list(
        session=db,
        org_id=org.id,
        stream=io.BytesIO(b"numero,categoria\n55 1234 0009,extorsion\n55 1234 0010,sextortion\n"),
        source="SSPC",
        region="MX",
        gettext=gettext_for("en"),
    )
    assert listed.imported == 1
    assert [n for n, _ in listed.errors] == [2]
    assert "kind of extortion" in listed.errors[0][1]


def test_the_form_refuses_a_posted_category_outside_its_choices(
    client: TestClient, db: Session
) -> None:
    org = factories.org(db)
    analyst = factories.user(db, org)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    refused = _post(client, "/reportes/nuevo?lang=en", {**FORM, "category": "foo"})
    assert refused.status_code == 422
    assert 'id="category-error"' in refused.text
    assert "&#39;foo&#39; is not a valid kind of extortion" in refused.text


def test_a_category_stored_before_the_check_is_shown_as_stored_and_kept(
    client: TestClient, db: Session
) -> None:
    org = factories.org(db)
    analyst = factories.user(db, org)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    old = _legacy(db, org.id, "Trends")  # a msgid too: shown as stored, never translated
    service.create_report(
        session=db,
        org_id=org.id,
        data=ReportIn(text=TEXT, reported_at=datetime(2025, 5, 7, tzinfo=UTC)),
        region="MX",
    )
    db.commit()

    assert client.get(f"/api/v1/reports/{old.id}", headers=headers).json()["category"] == "Trends"
    trends = client.get(
        "/api/v1/trends",
        headers=headers,
        params={"since": "2025-05-01", "until": "2025-05-31", "bucket": "month"},
    ).json()
    assert trends["periods"][0]["categories"] == {"Trends": 1, "unknown": 1}
    # An edit of another field neither refuses nor loses the stored category.
    changed = reports.update_report(
        session=db, org_id=org.id, report_id=old.id, changes={"place": "Tuxtla"}
    )
    assert (changed.category, changed.place) == ("Trends", "Tuxtla")
    db.commit()

    login(client, analyst.email, factories.PASSWORD)
    for url in (f"/reportes/{old.id}", "/reportes", f"/redes/{old.cluster_id}"):
        page = client.get(url + "?lang=pt", headers=HTML)
        assert page.status_code == 200, url
        assert ">Trends<" in page.text, url
    trend_page = client.get(
        "/tendencias?lang=pt&since=2025-05-01&until=2025-05-31&bucket=month", headers=HTML
    )
    assert "Trends 1" in trend_page.text
    assert "Tendências" in trend_page.text  # the page itself is translated
    form = client.get(f"/reportes/{old.id}/editar", headers=HTML)
    assert '<option value="Trends" selected>Trends</option>' in form.text
    fields = {**FORM, "text": "", "indicators": "phone:+525512123434", "category": "Trends"}
    fields.update(reported_at="2025-05-06", place="Tuxtla", currency="", amount="")
    saved = _post(client, f"/reportes/{old.id}/editar", fields, page=f"/reportes/{old.id}/editar")
    assert saved.status_code == 303, saved.text
    db.expire_all()
    assert db.get_one(Report, old.id).category == "Trends"


def test_trends_name_the_reports_without_a_category(db: Session) -> None:
    org = factories.org(db)
    for category in (None, None, "sextortion"):
        service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(
                text=TEXT, category=category, reported_at=datetime(2025, 5, 6, tzinfo=UTC)
            ),
            region="MX",
        )
    _legacy(db, org.id, reports.UNKNOWN_CATEGORY, phone="+525512120000")  # added up, not lost
    (may,) = reports.trends(
        session=db, org_id=org.id, since=date(2025, 5, 1), until=date(2025, 5, 31), bucket="month"
    ).periods
    assert may.categories == {"sextortion": 1, "unknown": 3}
    assert may.reports == 4
