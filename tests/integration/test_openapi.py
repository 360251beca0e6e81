"""The OpenAPI schema is the API's contract: how to authenticate, and every problem an operation
really answers. A walk over every operation checks the schema against what the server does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from amparo.accounts.models import Scope
from amparo.settings import Settings
from amparo.web.app import create_app
from tests import factories
from tests.conftest import make_settings

PROBLEMS = ("401", "403", "404", "422", "429")
NOWHERE = "999999"  # an id, a personal link key or a one-time link that names nothing
QUERY = {"value": "55 1234 5678", "region": "MX", "since": "2025-01-01", "until": "2025-01-31"}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/check"): {"text": "hola"},
    ("post", "/api/v1/users"): {
        "email": "nueva@example.org",
        "display_name": "N",
        "role": "analyst",
    },
    ("post", "/api/v1/reports"): {"text": "llamaron del 55 1234 5678", "region": "MX"},
    ("patch", "/api/v1/reports/{report_id}"): {"place": "Tapachula"},
    ("put", "/api/v1/reports/{report_id}/sharing"): {"level": "own"},
    ("post", "/api/v1/partner/lookup"): {"items": [{"type": "phone", "hmac": "ab" * 32}]},
    ("post", "/api/v1/checkin-code"): {"handle": "ZZZZ9999", "code": "123456"},
    ("post", "/api/v1/t/{key}/checkin"): {"pin": "1234"},
    ("post", "/api/v1/t/{key}/safe"): {"pin": "1234"},
    ("post", "/api/v1/t/{key}/silence"): {"pin": "1234", "until": "2030-01-01T00:00:00Z"},
    ("post", "/api/v1/travellers"): {
        "name": "Kevin",
        "pin": "1234",
        "duress_pin": "9876",
        "every_hours": 12,
        "contacts": [{"level": 1, "channels": ["mailto://madre@example.org"]}],
    },
}


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def call(client: TestClient, path: str, method: str, **headers: str) -> int:
    """The operation asked as a client would, with a plausible body and query."""
    url = re.sub(r"\{[a-z_]+\}", NOWHERE, path)
    params = {**QUERY, "level": "own"} if path.endswith("/sharing") else QUERY
    body = BODIES.get((method, path), {}) if method in ("post", "put", "patch") else None
    return client.request(method, url, params=params, json=body, headers=headers).status_code


def required_token(operation: dict[str, Any]) -> bool:
    security = operation.get("security") or []
    return bool(security) and {} not in security


def test_the_schema_says_how_to_authenticate(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"]["type"] == schemes["partnerHubToken"]["type"] == "http"
    assert schemes["apiToken"]["scheme"] == schemes["partnerHubToken"]["scheme"] == "bearer"
    paths = schema["paths"]
    assert paths["/api/v1/reports"]["get"]["security"] == [{"apiToken": []}]
    assert paths["/api/v1/partner/lookup"]["post"]["security"] == [{"partnerHubToken": []}]
    assert paths["/api/v1/lookup"]["get"]["security"] == [{}, {"apiToken": []}]  # optional
    assert "security" not in paths["/api/v1/check"]["post"]
    assert "security" not in paths["/api/v1/health"]["get"]


def test_every_route_that_needs_a_token_says_so(client: TestClient, db: Session) -> None:
    """Asked without a token, an operation answers 401 exactly when its schema requires one;
    with a token it does not accept (forged, or without the scope), every problem it answers
    is listed."""
    schema = client.get("/api/v1/openapi.json").json()
    narrow = factories.bearer(factories.token(db, factories.org(db), [Scope.ORG_READ]))
    forged = factories.bearer("amp_forged")
    db.commit()
    walked = 0
    for path, method, operation in operations(schema):
        if not path.startswith("/api/"):
            continue
        anonymous = call(client, path, method)
        assert (anonymous == 401) == required_token(operation), (method, path, anonymous)
        for status in (anonymous, call(client, path, method, **narrow)):
            if str(status) in PROBLEMS:
                assert str(status) in operation["responses"], (method, path, status)
        if operation.get("security") and "partnerHubToken" not in str(operation["security"]):
            assert call(client, path, method, **forged) == 401, (method, path)
            assert "401" in operation["responses"], (method, path)
        walked += 1
    assert walked >= 30


def test_every_problem_a_member_meets_is_listed(client: TestClient, db: Session) -> None:
    """A token with every scope, asking about things that do not exist (404) or with a body
    the operation refuses: whatever problem comes back is in the schema."""
    schema = client.get("/api/v1/openapi.json").json()
    member = factories.bearer(factories.token(db, factories.org(db)))
    db.commit()
    seen: set[tuple[str, int]] = set()
    for path, method, operation in operations(schema):
        status = call(client, path, method, **member)
        if str(status) in PROBLEMS:
            assert str(status) in operation["responses"], (method, path, status)
        seen.add((path, status))
    assert ("/api/v1/reports/{report_id}", 404) in seen
    assert ("/api/v1/t/{key}/checkin", 404) in seen
    assert ("/api/v1/checkin-code", 404) in seen


def test_every_anonymous_rate_limited_operation_lists_429(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """With one request an hour allowed, an anonymous operation answers 429 the second time
    exactly when its schema lists 429."""
    tight = make_settings(
        tmp_path,
        settings.database_url,
        anonymous_rate_limit="1/hour",
        lookup_rate_limit="1/hour",
    )
    app: FastAPI = create_app(tight, engine=engine)
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as client:
        schema = client.get("/api/v1/openapi.json").json()
        limited = []
        for path, method, operation in operations(schema):
            if required_token(operation):
                continue
            call(client, path, method)
            again = call(client, path, method)
            assert (again == 429) == ("429" in operation["responses"]), (method, path, again)
            if again == 429:
                limited.append(path)
    assert {"/api/v1/check", "/api/v1/lookup", "/api/v1/t/{key}/sos"} <= set(limited)


def test_closed_vocabularies_are_enums(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    models = schema["components"]["schemas"]

    def enum_of(prop: dict[str, Any]) -> list[str]:
        for option in [prop, *prop.get("anyOf", [])]:
            if "enum" in option:
                return list(option["enum"])
            if "$ref" in option:
                return list(models[option["$ref"].rsplit("/", 1)[1]]["enum"])
        raise AssertionError(prop)

    channels = ["call", "whatsapp", "sms", "facebook", "social", "in_person", "email", "other"]
    for model in ("ReportCreate", "ReportUpdate"):
        properties = models[model]["properties"]
        assert enum_of(properties["channel"]) == channels
        assert enum_of(properties["sharing"]) == ["own", "partners", "network"]
    assert enum_of(models["SharingChange"]["properties"]["level"]) == ["own", "partners", "network"]
    listed = {p["name"]: p for p in schema["paths"]["/api/v1/reports"]["get"]["parameters"]}
    assert enum_of(listed["channel"]["schema"]) == channels
    assert enum_of(listed["status"]["schema"]) == ["open", "closed", "retracted"]
