"""The report API: read, list, edit, close, reopen and trends — with permissions and audit."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent, Scope
from amparo.i18n import gettext_for
from amparo.network import service
from amparo.network.models import Report
from tests import factories


def test_edit_close_reopen_and_read_are_audited(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    first = client.post(
        "/api/v1/reports",
        headers=headers,
        json={"text": "llamaron del 55 1234 5678", "region": "MX", "category": "sextortion"},
    ).json()
    second = client.post(
        "/api/v1/reports", headers=headers, json={"text": "escribieron de cobros@example.org"}
    ).json()
    assert first["cluster_id"] != second["cluster_id"]
    edited = client.patch(
        f"/api/v1/reports/{second['id']}",
        headers=headers,
        json={
            "text": "escribieron de cobros@example.org y dieron el +52 55 1234 5678",
            "amount": "2500.5",
            "currency": "usd",
            "victim": "Sra. M.",
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["cluster_id"] == first["cluster_id"]
    assert [i["type"] for i in edited.json()["indicators"]] == ["email", "phone"]
    read = client.get(f"/api/v1/reports/{second['id']}", headers=headers).json()
    assert read["own"] is True
    assert (read["amount"], read["currency"], read["victim"]) == ("2500.50", "USD", "Sra. M.")
    assert {i["display"]: i["reported"] for i in read["indicators"]} == {
        "cobros@example.org": 1,
        "+525512345678": 2,
    }
    closed = client.post(f"/api/v1/reports/{first['id']}/close", headers=headers)
    assert closed.json()["status"] == "closed"
    assert closed.json()["cluster_id"] == first["cluster_id"]  # still linked
    reopened = client.post(f"/api/v1/reports/{first['id']}/reopen", headers=headers)
    assert reopened.json()["status"] == "open"
    client.post(f"/api/v1/reports/{first['id']}/retract", headers=headers)
    refused = client.patch(
        f"/api/v1/reports/{first['id']}", headers=headers, json={"category": "sextortion"}
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    bad = client.patch(f"/api/v1/reports/{second['id']}", headers=headers, json={"channel": None})
    assert bad.status_code == 422
    unknown = client.patch(
        f"/api/v1/reports/{second['id']}", headers=headers, json={"status": "closed"}
    )
    assert unknown.status_code == 422
    events = db.execute(
        select(AuditEvent.action, AuditEvent.target_id, AuditEvent.details).where(
            AuditEvent.org_id == org.id
        )
    ).all()
    actions = [e.action for e in events]
    for action in ("report.update", "report.read", "report.close", "report.reopen"):
        assert action in actions
    (update,) = [e for e in events if e.action == "report.update"]
    assert update.target_id == str(second["id"])
    assert update.details == {"fields": ["amount", "currency", "text", "victim"]}
    assert "Sra. M." not in str([e.details for e in events])  # never personal data


def test_other_organisations_get_404_and_readers_get_403(client: TestClient, db: Session) -> None:
    mine, partner, stranger = factories.org(db), factories.org(db), factories.org(db)
    service.add_partnership(session=db, org_id=mine.id, partner_id=partner.id)
    writer = factories.bearer(factories.token(db, mine))
    reader = factories.bearer(factories.token(db, mine, [Scope.REPORTS_READ]))
    partner_all = factories.bearer(factories.token(db, partner))
    stranger_all = factories.bearer(factories.token(db, stranger))
    db.commit()
    created = client.post(
        "/api/v1/reports",
        headers=writer,
        json={
            "text": "llamaron del 55 7777 1212",
            "narrative": "la señora lloraba",
            "region": "MX",
            "external_id": "caso-9",
            "place": "Tapachula",
            "amount": "9137.45",
            "currency": "MXN",
            "victim": "Doña Rosa, 55 años",
        },
    ).json()
    url = f"/api/v1/reports/{created['id']}"
    own = client.get(url, headers=reader)
    assert own.status_code == 200
    assert own.json()["victim"] == "Doña Rosa, 55 años"  # the organisation reads it back ...
    stored = db.execute(
        sa.text("SELECT victim FROM reports WHERE id = :id"), {"id": created["id"]}
    ).scalar_one()
    assert "Rosa" not in stored  # ... and the database holds it sealed
    for method, path, body in (
        ("PATCH", url, {"category": "sextortion"}),
        ("POST", f"{url}/close", None),
        ("POST", f"{url}/reopen", None),
    ):
        assert client.request(method, path, headers=reader, json=body).status_code == 403
        assert client.request(method, path, headers=partner_all, json=body).status_code == 404
        assert client.request(method, path, headers=stranger_all, json=body).status_code == 404
    assert client.get(url, headers=partner_all).status_code == 404  # not shared yet
    assert client.get(url, headers=stranger_all).status_code == 404
    assert client.get("/api/v1/reports", headers=partner_all).json()["total"] == 0
    client.put(f"{url}/sharing", headers=writer, json={"level": "partners"})
    seen = client.get(url, headers=partner_all)
    assert seen.status_code == 200
    body = seen.json()
    assert body["own"] is False
    assert [i["display"] for i in body["indicators"]] == ["+525577771212"]
    for withheld in ("text", "narrative", "victim", "place", "amount", "external_id", "sharing"):
        assert body[withheld] is None, withheld
    for secret in ("lloraba", "Tapachula", "caso-9", "9137.45", "Rosa"):
        assert secret not in seen.text
    listed = client.get("/api/v1/reports", headers=partner_all).json()
    assert [(r["id"], r["preview"]) for r in listed["items"]] == [(created["id"], None)]
    assert client.get(url, headers=stranger_all).status_code == 404
    client.post(f"{url}/retract", headers=writer)
    assert client.get(url, headers=partner_all).status_code == 404  # gone for everyone else
    assert client.get(url, headers=writer).json()["status"] == "retracted"


def test_list_filters_and_trends_over_http(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    for day, channel, text in (
        ("2025-05-05T10:00:00Z", "call", "llamaron del 55 4545 1010"),
        ("2025-05-06T10:00:00Z", "sms", "sms del 55 4545 1010, pidió 3 mil"),
        ("2025-05-20T10:00:00Z", "sms", "otro número: 55 4545 2020"),
    ):
        client.post(
            "/api/v1/reports",
            headers=headers,
            json={
                "text": text,
                "channel": channel,
                "reported_at": day,
                "region": "MX",
                "amount": "100",
                "currency": "MXN",
            },
        )
    page = client.get(
        "/api/v1/reports",
        headers=headers,
        params={"indicator": "55 4545 1010", "region": "MX", "per_page": 1},
    )
    assert page.status_code == 200
    body = page.json()
    assert (body["total"], len(body["items"]), body["items"][0]["channel"]) == (2, 1, "sms")
    assert body["items"][0]["preview"] == "sms del 55 4545 1010, pidió 3 mil"
    sms = client.get(
        "/api/v1/reports", headers=headers, params={"channel": "sms", "since": "2025-05-10"}
    ).json()
    assert [r["reported_at"][:10] for r in sms["items"]] == ["2025-05-20"]
    assert client.get("/api/v1/reports", headers=headers, params={"status": "x"}).status_code == 422
    nonsense = client.get("/api/v1/reports", headers=headers, params={"indicator": "hola"})
    assert nonsense.status_code == 422
    trends = client.get(
        "/api/v1/trends",
        headers=headers,
        params={"since": "2025-05-01", "until": "2025-05-31", "bucket": "month"},
    ).json()
    (may,) = trends["periods"]
    assert may == {
        "start": "2025-05-01",
        "reports": 3,
        "categories": {"unknown": 3},
        "channels": {"call": 1, "sms": 2},
        "demanded": {"MXN": "300.00"},
        "paid": {},
        "networks": 1,
    }
    # the trends' "unknown" kind is a filter of the list too
    for kind, total in (("unknown", 3), ("sextortion", 0)):
        listed = client.get("/api/v1/reports", headers=headers, params={"category": kind})
        assert listed.json()["total"] == total, kind
    assert (
        client.get("/api/v1/reports", headers=headers, params={"category": "x"}).status_code == 422
    )
    weeks = client.get(
        "/api/v1/trends", headers=headers, params={"since": "2025-05-01", "until": "2025-05-31"}
    ).json()["periods"]
    assert [w["reports"] for w in weeks] == [0, 2, 0, 1, 0]
    assert client.get("/api/v1/trends", headers=headers).status_code == 422  # dates needed


def test_absurd_dates_and_currencies_are_refused(client: TestClient, db: Session) -> None:
    """The QA audit's 2099-05-05, 1900-05-05, ZZZ and PES: each refused, naming its field."""
    org = factories.org(db)
    headers = {**factories.bearer(factories.token(db, org)), "Accept-Language": "es"}
    db.commit()
    body = {"text": "llamaron del 55 1234 5678", "region": "MX"}
    for field, value in (
        ("reported_at", "2099-05-05T12:00:00Z"),
        ("reported_at", "1900-05-05T12:00:00Z"),
        ("currency", "ZZZ"),
        ("currency", "PES"),
    ):
        refused = client.post("/api/v1/reports", headers=headers, json={**body, field: value})
        assert refused.status_code == 422, (value, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    created = client.post(
        "/api/v1/reports",
        headers=headers,
        json={**body, "amount": 500, "currency": "pesos", "reported_at": "2026-01-02T10:00:00"},
    )
    assert created.status_code == 201, created.text
    read = client.get(f"/api/v1/reports/{created.json()['id']}", headers=headers).json()
    assert (read["amount"], read["currency"]) == ("500.00", "MXN")
    assert read["reported_at"] == "2026-01-02T10:00:00Z"  # no zone: UTC
    future = client.patch(
        f"/api/v1/reports/{created.json()['id']}",
        headers=headers,
        json={"reported_at": "2099-05-05T00:00:00Z"},
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["message"] == "La fecha 2099-05-05 está en el futuro."


def test_an_external_id_with_control_characters_is_refused(client: TestClient, db: Session) -> None:
    """A NUL in the external id (stored as written, not sealed) made PostgreSQL fail the
    request with a 500; a line break would split the import's one-line messages."""
    org = factories.org(db)
    headers = {**factories.bearer(factories.token(db, org)), "Accept-Language": "es"}
    db.commit()
    body = {"text": "llamaron del 55 1234 5678"}
    for external_id in ("a\x00b", "a\nb", "\tb"):
        refused = client.post(
            "/api/v1/reports", headers=headers, json={**body, "external_id": external_id}
        )
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["field"] == "external_id"
        assert error["message"] == gettext_for("es")("The external id holds control characters.")
    assert db.scalars(select(Report).where(Report.org_id == org.id)).all() == []
    created = client.post("/api/v1/reports", headers=headers, json={**body, "external_id": "a b"})
    assert created.status_code == 201, created.text
