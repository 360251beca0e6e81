"""The API as a client sees it: problem+json errors, isolation, limits, no partial writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent, Scope, User
from tests import factories

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    if code:
        assert body["code"] == code
    return dict(body)


def test_health(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.headers["x-request-id"]


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/users", "/api/v1/users/{user_id}", "/api/v1/audit"} <= set(
        schema["paths"]
    )
    assert "password" not in json.dumps(schema["components"]["schemas"]["UserRead"])


def test_docs_page_is_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/swagger-ui/swagger-ui-bundle.js" in page.text
    assert client.get("/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_missing_and_bad_tokens(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/users"), 401, "not-authenticated")
    assert_problem(client.get("/api/v1/users", headers={"Authorization": "Basic abc"}), 401)
    assert_problem(client.get("/api/v1/users", headers=factories.bearer("amp_forged")), 401)


def test_org_a_cannot_read_org_b_through_the_api(client: TestClient, db: Session) -> None:
    org_a, org_b = factories.org(db), factories.org(db)
    person_a, person_b = factories.user(db, org_a), factories.user(db, org_b)
    token_a = factories.token(db, org_a)
    db.commit()
    headers = factories.bearer(token_a)
    assert client.get(f"/api/v1/users/{person_a.id}", headers=headers).status_code == 200
    assert_problem(client.get(f"/api/v1/users/{person_b.id}", headers=headers), 404, "not-found")
    listed = client.get("/api/v1/users", headers=headers).json()["items"]
    assert {u["id"] for u in listed} == {person_a.id}
    assert client.get("/api/v1/organisation", headers=headers).json()["id"] == org_a.id
    events = client.get("/api/v1/audit", headers=headers).json()["items"]
    assert events
    assert all(e["action"] for e in events)
    assert (
        db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.org_id == org_b.id))
        == 0
    )


def test_reads_of_people_are_audited_without_personal_data(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    person = factories.user(db, org, email="private.person@example.org")
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    client.get(f"/api/v1/users/{person.id}", headers=headers)
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.read", AuditEvent.org_id == org.id)
    ).one()
    assert event.target_id == str(person.id)
    assert event.channel == "api"
    assert event.client_address == "testclient"
    assert "private" not in json.dumps(event.details)


def test_scopes_are_enforced(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    read_only = factories.token(db, org, [Scope.USERS_READ])
    db.commit()
    body = {
        "email": "new@example.org",
        "display_name": "New",
        "role": "analyst",
        "password": "a long enough password",
    }
    problem = assert_problem(
        client.post("/api/v1/users", json=body, headers=factories.bearer(read_only)), 403
    )
    assert "users:write" in str(problem["detail"])


BAD_BODIES: list[tuple[str, object, int]] = [
    ("malformed json", b'{"email": "x@example.org",', 422),
    ("not an object", b"[1, 2, 3]", 422),
    ("wrong type", {"email": 12, "display_name": "X", "role": "analyst"}, 422),
    (
        "unknown field",
        {"email": "u@example.org", "display_name": "X", "role": "analyst", "is_admin": True},
        422,
    ),
    ("unknown role", {"email": "u@example.org", "display_name": "X", "role": "superuser"}, 422),
    ("bad email", {"email": "not-an-email", "display_name": "X", "role": "analyst"}, 422),
    (
        "short password",
        {"email": "u@example.org", "display_name": "X", "role": "analyst", "password": "short"},
        422,
    ),
    ("empty name", {"email": "u@example.org", "display_name": "", "role": "analyst"}, 422),
    (
        "sql in email",
        {"email": "x'); DROP TABLE users;--@example.org", "display_name": "X", "role": "analyst"},
        422,
    ),
]


@pytest.mark.parametrize(("case", "body", "status"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_input_gets_a_clear_4xx_and_writes_nothing(
    client: TestClient, db: Session, case: str, body: object, status: int
) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    before = db.scalar(select(func.count()).select_from(User))
    if isinstance(body, bytes):
        response = client.post(
            "/api/v1/users", content=body, headers={**headers, "content-type": "application/json"}
        )
    else:
        response = client.post("/api/v1/users", json=body, headers=headers)
    problem = assert_problem(response, status)
    assert problem.get("errors"), problem
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_html_in_names_is_stored_as_plain_text(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    body = {
        "email": "xss@example.org",
        "display_name": "<script>alert(1)</script>",
        "role": "analyst",
        "password": "a long enough password",
    }
    created = client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code == 201
    assert created.json()["display_name"] == "<script>alert(1)</script>"


def test_duplicate_is_a_conflict_not_a_500(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    body = {"email": "twice@example.org", "display_name": "Twice", "role": "analyst"}
    assert client.post("/api/v1/users", json=body, headers=headers).status_code == 201
    assert_problem(client.post("/api/v1/users", json=body, headers=headers), 409, "conflict")


def test_oversized_bodies_are_refused(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    big = b'{"email": "' + b"a" * 2_000_000 + b'"}'
    assert_problem(
        client.post(
            "/api/v1/users", content=big, headers={**headers, "content-type": "application/json"}
        ),
        413,
        "payload-too-large",
    )

    def chunks() -> object:
        for _ in range(40):
            yield b"x" * 65536

    streamed = client.post(
        "/api/v1/users", content=chunks(), headers={**headers, "content-type": "application/json"}
    )
    assert_problem(streamed, 413, "payload-too-large")


def test_unknown_routes_and_methods(client: TestClient, db: Session) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.delete("/api/v1/health"), 405)
    # authentication comes first: a stranger learns nothing about valid parameters
    assert_problem(client.get("/api/v1/users/x", headers=factories.bearer("amp_x")), 401)
    headers = factories.bearer(factories.token(db, factories.org(db)))
    db.commit()
    assert_problem(client.get("/api/v1/users/not-a-number", headers=headers), 422)
    assert_problem(client.get("/api/v1/users?limit=100000", headers=headers), 422)


def test_errors_are_translated(client: TestClient) -> None:
    body = client.get("/api/v1/users", headers={"Accept-Language": "es-MX"}).json()
    assert body["title"] == "Necesita iniciar sesión"
    body = client.get("/api/v1/users?lang=fr").json()
    assert body["title"] == "Vous devez vous connecter"


def test_unexpected_errors_are_a_clean_500(client: TestClient) -> None:
    from fastapi import FastAPI

    app = client.app
    assert isinstance(app, FastAPI)

    @app.get("/api/v1/_boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internal detail +52 55 1234 5678")

    problem = assert_problem(client.get("/api/v1/_boom"), 500, "internal-error")
    assert "secret" not in json.dumps(problem)
    assert problem["request_id"]


def test_security_headers(client: TestClient) -> None:
    page = client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
