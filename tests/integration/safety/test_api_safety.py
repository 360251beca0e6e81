"""Traveller safety over HTTP: enrolment, check-in, duress parity, codes, SOS, acknowledgement,
status with organisation isolation, the desk, and bad input answered with clear problems."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from amparo.accounts.models import Scope
from tests import factories
from tests.integration.test_api import assert_problem
from tests.receivers import JsonReceiver


def enrol_body(receiver: JsonReceiver, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Yesenia López",
        "pin": "4821",
        "duress_pin": "9137",
        "every_hours": 12,
        "grace_minutes": 60,
        "contacts": [
            {"level": 1, "name": "Mamá", "channels": [receiver.url("mama")]},
            {"level": 3, "channels": [receiver.url("consul")], "language": "en"},
        ],
    }
    body.update(overrides)
    return body


def test_enrol_check_in_and_duress_answer_identically(
    client: TestClient, db: Session, receiver: JsonReceiver
) -> None:
    org = factories.org(db)
    token = factories.token(db, org, [Scope.TRAVELLERS_WRITE, Scope.TRAVELLERS_READ])
    db.commit()
    created = client.post(
        "/api/v1/travellers", json=enrol_body(receiver), headers=factories.bearer(token)
    )
    assert created.status_code == 201, created.text
    data = created.json()
    key = data["link"].rsplit("/t/", 1)[1]
    assert len(data["card"]["codes"]) == 12
    assert len(data["card"]["duress_positions"]) == 4

    normal = client.post(f"/api/v1/t/{key}/checkin", json={"pin": "4821", "where": "Tapachula"})
    duress = client.post(f"/api/v1/t/{key}/checkin", json={"pin": "9137", "where": "Tapachula"})
    assert normal.status_code == duress.status_code == 200
    assert normal.json().keys() == duress.json().keys()
    assert normal.json()["next_due_at"][:16] == duress.json()["next_due_at"][:16]
    strip = {"date", "x-request-id", "content-length"}
    assert {k: v for k, v in normal.headers.items() if k not in strip} == {
        k: v for k, v in duress.headers.items() if k not in strip
    }

    seen = client.get(f"/api/v1/travellers/{data['id']}", headers=factories.bearer(token)).json()
    assert seen["state"] == "emergency"
    assert seen["emergency"] == "duress"

    # Another organisation sees nothing: 404, not 403.
    other = factories.token(db, factories.org(db), [Scope.TRAVELLERS_READ])
    db.commit()
    assert_problem(
        client.get(f"/api/v1/travellers/{data['id']}", headers=factories.bearer(other)), 404
    )

    wrong = client.post(f"/api/v1/t/{key}/checkin", json={"pin": "0000"})
    problem = assert_problem(wrong, 401)
    assert "4821" not in wrong.text
    assert "duress" not in wrong.text.lower()
    assert problem["detail"]


def test_a_borrowed_phone_checks_in_with_a_code_once(
    client: TestClient, receiver: JsonReceiver
) -> None:
    data = client.post("/api/v1/travellers", json=enrol_body(receiver)).json()
    duress = set(data["card"]["duress_positions"])
    code = next(c["code"] for c in data["card"]["codes"] if c["position"] not in duress)
    first = client.post("/api/v1/checkin-code", json={"handle": data["handle"], "code": code})
    assert first.status_code == 200
    assert_problem(
        client.post("/api/v1/checkin-code", json={"handle": data["handle"], "code": code}), 401
    )
    assert_problem(
        client.post("/api/v1/checkin-code", json={"handle": "ZZZZZZZZ", "code": code}), 404
    )


def test_sos_cancel_safe_and_silence_over_http(client: TestClient, receiver: JsonReceiver) -> None:
    data = client.post("/api/v1/travellers", json=enrol_body(receiver)).json()
    key = data["link"].rsplit("/t/", 1)[1]
    sos = client.post(f"/api/v1/t/{key}/sos", json={"location": "31.33,-111.05"})
    assert sos.status_code == 200
    assert sos.json()["cancel_until"]
    assert client.post(f"/api/v1/t/{key}/sos/cancel").status_code == 204
    assert_problem(client.post(f"/api/v1/t/{key}/sos/cancel"), 422)
    assert client.post(f"/api/v1/t/{key}/safe", json={"pin": "4821"}).status_code == 200
    assert_problem(
        client.post(
            f"/api/v1/t/{key}/silence", json={"pin": "4821", "until": "2020-01-01T00:00:00Z"}
        ),
        422,
    )
    assert_problem(
        client.post(
            f"/api/v1/t/{key}/silence", json={"pin": "4821", "until": "2099-01-01T00:00:00Z"}
        ),
        422,
    )
    assert_problem(client.post("/api/v1/t/not-a-key/sos", json={}), 404)


def test_acknowledge_over_http_works_once(
    client: TestClient, db: Session, receiver: JsonReceiver, deliver: Any
) -> None:
    org = factories.org(db)
    token = factories.token(db, org)
    db.commit()
    data = client.post(
        "/api/v1/travellers", json=enrol_body(receiver), headers=factories.bearer(token)
    ).json()
    key = data["link"].rsplit("/t/", 1)[1]
    client.post(f"/api/v1/t/{key}/checkin", json={"pin": "9137"})
    deliver()
    message = next(m for m in receiver.messages("mama") if "/ack/" in m.payload["message"])
    ack = message.payload["message"].split("/ack/")[1].split()[0]
    first = client.post(f"/api/v1/ack/{ack}")
    assert first.status_code == 200
    assert first.json()["kind"] == "duress"
    assert_problem(client.post(f"/api/v1/ack/{ack}"), 409)
    assert_problem(client.post(f"/api/v1/ack/{ack[:-1]}0"), 404)
    desk = client.get("/api/v1/alerts", headers=factories.bearer(token)).json()["items"]
    assert any(a["kind"] == "duress" and a["state"] == "acknowledged" for a in desk)
    assert all("Yesenia" not in str(a) for a in desk)


def test_bad_enrolments_are_clear_problems_and_write_nothing(
    client: TestClient, receiver: JsonReceiver
) -> None:
    cases = [
        enrol_body(receiver, pin="12"),
        enrol_body(receiver, duress_pin="4821"),
        enrol_body(receiver, every_hours=500),
        enrol_body(receiver, times="25:00"),
        enrol_body(receiver, timezone="Mars/Olympus"),
        enrol_body(receiver, contacts=[{"level": 1, "channels": ["nonsense://x"]}]),
        enrol_body(receiver, contacts=[{"level": 4, "channels": [receiver.url()]}]),
        enrol_body(receiver, contacts=[]),
        enrol_body(receiver, surprise=True),
    ]
    for body in cases:
        response = client.post("/api/v1/travellers", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in response.text
