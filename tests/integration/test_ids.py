"""An id in a path that no key can hold names nothing: 404 on every route that takes one, as a
problem for the API and the not-found page for pages — never a 500 or a reset connection."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic.fields import FieldInfo
from sqlalchemy.orm import Session

from amparo.web.deps import MAX_ID
from tests import factories
from tests.integration.test_api import assert_problem
from tests.integration.test_pages import HTML, csrf_from, login

TOO_LARGE = ("99999999999999999999", str(2**63), str(MAX_ID + 1), "0", "-1")


def _integer_params(app: FastAPI) -> list[tuple[str, str, FieldInfo]]:
    """(method, path, field) of every integer in a path, across every router."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for param in route.dependant.path_params:
            if param.field_info.annotation is int:
                found.extend((m, context.path, param.field_info) for m in sorted(route.methods))
    return found


def _id_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted({(method, path) for method, path, _ in _integer_params(app)})


def _with(path: str, value: str) -> str:
    return re.sub(r"\{[a-z_]+\}", value, path)


def test_every_integer_in_a_path_is_bounded(app: FastAPI) -> None:
    routes = _id_routes(app)
    for expected in (
        ("GET", "/api/v1/reports/{report_id}"),
        ("GET", "/api/v1/users/{user_id}"),
        ("GET", "/redes/{network_id}"),
        ("POST", "/reportes/{report_id}/editar"),
    ):
        assert expected in routes
    for method, path, field in _integer_params(app):
        bounds = {type(m).__name__: m for m in field.metadata}
        assert getattr(bounds.get("Ge"), "ge", None) == 1, (method, path)
        assert getattr(bounds.get("Le"), "le", None) == MAX_ID, (method, path)


@pytest.mark.parametrize("value", TOO_LARGE)
def test_the_api_answers_404_for_an_id_no_key_can_hold(
    app: FastAPI, client: TestClient, db: Session, value: str
) -> None:
    headers = factories.bearer(factories.token(db, factories.org(db)))
    db.commit()
    for method, path in _id_routes(app):
        if not path.startswith("/api/"):
            continue
        body = {"level": "own"} if path.endswith("/sharing") else {}
        response = client.request(method, _with(path, value), headers=headers, json=body)
        assert_problem(response, 404, "not-found")
    # Not a number at all is still invalid input, and a stranger is still asked who they are.
    assert_problem(client.get("/api/v1/reports/nothing", headers=headers), 422)
    assert_problem(client.get(f"/api/v1/reports/{value}"), 401)
    # An id as a filter is refused as input (it names a filter value, not a resource).
    listed = client.get("/api/v1/reports", params={"cluster_id": value}, headers=headers)
    assert_problem(listed, 422)


@pytest.mark.parametrize("value", TOO_LARGE[:3])
def test_pages_show_the_not_found_page_for_an_id_no_key_can_hold(
    app: FastAPI, client: TestClient, db: Session, value: str
) -> None:
    analyst = factories.user(db, factories.org(db))
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    token = csrf_from(client.get("/reportes/nuevo", headers=HTML).text)
    pages = [(m, p) for m, p in _id_routes(app) if not p.startswith("/api/")]
    assert len(pages) >= 6
    for method, path in pages:
        response = client.request(
            method,
            _with(path, value),
            headers=HTML,
            data={"csrf_token": token} if method == "POST" else None,
            follow_redirects=False,
        )
        assert response.status_code == 404, (method, path, response.text[:200])
        assert response.headers["content-type"].startswith("text/html")
        assert "No encontrado" in response.text or "Not found" in response.text
