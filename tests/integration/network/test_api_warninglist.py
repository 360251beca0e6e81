"""The warning list through the API and the pages: who may change it, problems, audit, and a
deployment entry's reason shown as written wherever a reason is shown."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts.models import ROLE_SCOPES, AuditEvent, Role, Scope
from amparo.i18n import gettext_for
from amparo.indicators import default_warning_list
from amparo.network.models import WarningEntry
from tests import factories

HOTLINE = "+525580808080"
REASON = "Línea de ayuda de la Casa del Migrante (la damos a cada familia)"
EVERYTHING_ELSE = [s for s in Scope if s != Scope.WARNINGLIST_WRITE]


def test_no_role_may_change_the_warning_list() -> None:
    """An entry unlinks every organisation's networks: not even an organisation's admin may
    add one; the deployment's operator grants ``warninglist:write`` to a token."""
    assert all(Scope.WARNINGLIST_WRITE not in scopes for scopes in ROLE_SCOPES.values())
    assert Scope.REPORTS_WRITE in ROLE_SCOPES[Role.ADMIN]


def test_who_may_read_add_and_remove(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    editor = factories.bearer(factories.token(db, org, [Scope.WARNINGLIST_WRITE]))
    admin_like = factories.bearer(factories.token(db, org, EVERYTHING_ELSE))
    reader = factories.bearer(factories.token(db, org, [Scope.REPORTS_READ]))
    db.commit()
    body = {"type": "phone", "value": "55 8080 8080", "region": "MX", "reason": REASON}

    assert client.get("/api/v1/warning-list").status_code == 401
    refused = client.post("/api/v1/warning-list", json=body, headers=admin_like)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "warninglist:write" in refused.json()["detail"]
    assert client.post("/api/v1/warning-list", json=body).status_code == 401
    assert db.scalar(select(WarningEntry.id)) is None

    added = client.post("/api/v1/warning-list", json=body, headers=editor)
    assert added.status_code == 201, added.text
    entry = added.json()["entry"]
    assert {k: entry[k] for k in ("type", "value", "reason", "source", "organisation")} == {
        "type": "phone",
        "value": HOTLINE,
        "reason": REASON,
        "source": "deployment",
        "organisation": org.name,
    }
    assert added.json()["sync"] == {
        "listed": 0,  # nobody reported it: its row is stored, with its reason
        "unlisted": 0,
        "reworded": 0,
        "split": 0,
        "merged": 0,
    }

    listing = client.get("/api/v1/warning-list", headers={**reader, "Accept-Language": "es"})
    assert listing.status_code == 200
    items = listing.json()["items"]
    mine = [i for i in items if i["source"] == "deployment"]
    assert [(i["id"], i["reason"]) for i in mine] == [(entry["id"], REASON)]
    shipped = {i["value"]: i["reason"] for i in items if i["source"] == "shipped"}
    reason = default_warning_list().reason("phone", "+52911")
    assert shipped["+52911"] == gettext_for("es")(str(reason)) != reason  # translated

    assert client.delete(f"/api/v1/warning-list/{entry['id']}", headers=reader).status_code == 403
    gone = client.delete(f"/api/v1/warning-list/{entry['id']}", headers=editor)
    assert gone.status_code == 204
    again = client.delete(f"/api/v1/warning-list/{entry['id']}", headers=editor)
    assert again.status_code == 404
    assert again.headers["content-type"].startswith("application/problem+json")

    actions = [
        (e.action, e.actor_type, e.org_id, e.channel, e.target_id)
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("warninglist.%"))
            .order_by(AuditEvent.id)
        )
    ]
    assert [a[:4] for a in actions] == [
        ("warninglist.add", "token", org.id, "api"),
        ("warninglist.remove", "token", org.id, "api"),
    ]
    assert {a[4] for a in actions} == {str(entry["id"])}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"type": "fax", "value": "5580808080"}, 422, "type"),
        ({"type": "phone", "value": "+999 1234"}, 422, "value"),
        ({"type": "phone", "value": "(713) 555-0199"}, 422, "value"),
        ({"type": "phone", "value": "+52 55 8080 8080", "reason": "x" * 201}, 422, "reason"),
        ({"type": "phone", "value": "+52 55 8080 8080", "reason": " "}, 422, "reason"),
        ({"type": "phone", "value": "+52 55 8080 8080", "reason": "a\x00b"}, 422, "reason"),
        ({"type": "phone", "value": "+52 55 5533 5533"}, 409, None),  # shipped already
        ({"type": "phone", "value": "+52 1 55 1111 2222"}, 409, None),  # added below
        ({"type": "phone", "value": "+52 55 8080 8080", "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_entries_are_problems_and_write_nothing(
    client: TestClient, db: Session, body: dict[str, str], status: int, field: str | None
) -> None:
    org = factories.org(db)
    editor = {
        **factories.bearer(factories.token(db, org, [Scope.WARNINGLIST_WRITE])),
        "Accept-Language": "es",
    }
    db.commit()
    first = {"type": "phone", "value": "+525511112222", "reason": "ya está"}
    assert client.post("/api/v1/warning-list", json=first, headers=editor).status_code == 201
    refused = client.post("/api/v1/warning-list", json={"reason": REASON, **body}, headers=editor)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert len(db.scalars(select(WarningEntry)).all()) == 1
    added = db.scalars(select(AuditEvent).where(AuditEvent.action == "warninglist.add")).all()
    assert len(added) == 1


def test_a_reason_too_long_says_so_in_the_readers_language(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    editor = factories.bearer(factories.token(db, org, [Scope.WARNINGLIST_WRITE]))
    db.commit()
    refused = client.post(
        "/api/v1/warning-list",
        json={"type": "phone", "value": "+525580808080", "reason": "x" * 201},
        headers={**editor, "Accept-Language": "es"},
    )
    assert refused.json()["errors"][0]["message"] == gettext_for("es")(
        "This can have at most %(max_length)s characters."
    ) % {"max_length": 200}
    unknown = client.post(
        "/api/v1/warning-list",
        json={"type": "fax", "value": "5580808080", "reason": REASON},
        headers={**editor, "Accept-Language": "es"},
    )
    assert unknown.json()["errors"][0]["message"].startswith("Tipo de indicador desconocido")


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_a_deployment_reason_is_shown_as_written_everywhere(
    client: TestClient, db: Session, lang: str
) -> None:
    """A reason a person wrote is shown as written in every language: the look-ups (member,
    stranger, the page), the message check and the report."""
    org = factories.org(db)
    editor = factories.bearer(factories.token(db, org, [Scope.WARNINGLIST_WRITE]))
    member = {**factories.bearer(factories.token(db, org)), "Accept-Language": lang}
    stranger = {"Accept-Language": lang}
    db.commit()
    client.post(
        "/api/v1/warning-list",
        json={"type": "phone", "value": HOTLINE, "reason": REASON},
        headers=editor,
    )
    created = client.post(
        "/api/v1/reports",
        json={"text": "me dieron el 55 8080 8080 en el albergue", "region": "MX"},
        headers=member,
    ).json()
    assert created["indicators"][0]["warning"] is True

    for headers in (member, stranger):
        found = client.get(
            "/api/v1/lookup", params={"value": "55 8080 8080", "region": "MX"}, headers=headers
        ).json()
        assert found["warning"] == REASON
    page = client.post("/consulta", data={"value": HOTLINE}, headers=stranger)
    assert str(escape(REASON)) in page.text
    check = client.post(
        "/api/v1/check", json={"text": f"Le paso el {HOTLINE}, es de la casa", "lang": lang}
    ).json()
    assert [i["warning"] for i in check["indicators"]] == [REASON]
    clusters = client.get("/api/v1/clusters", params={"min_size": 1}, headers=member).json()
    shown = [i for c in clusters for i in c["indicators"] if i["display"] == HOTLINE]
    assert [i["warning"] for i in shown] == [REASON]


def test_the_openapi_schema_describes_the_warning_list(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/warning-list"]) == {"get", "post"}
    assert set(paths["/api/v1/warning-list/{entry_id}"]) == {"delete"}
    post = paths["/api/v1/warning-list"]["post"]
    assert "application/problem+json" in post["responses"]["409"]["content"]
    assert "application/problem+json" in post["responses"]["422"]["content"]
