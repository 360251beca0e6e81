"""What one organisation sees of another's reports, through every door: the report, the list,
the network pages, API and CLI, the paths between reports and the look-up (real databases)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from amparo.accounts.models import Organisation
from amparo.network import service
from tests import factories
from tests.integration.test_pages import HTML, login

OWNER_ONLY = ("external_id", "sharing", "amount", "amount_paid", "currency", "preview")


def _post(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    created = client.post("/api/v1/reports", headers=headers, json={"region": "MX", **body})
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def _partners(db: Session) -> tuple[Organisation, Organisation]:
    demo, norte = factories.org(db, name="Demo"), factories.org(db, name="Norte")
    service.add_partnership(session=db, org_id=demo.id, partner_id=norte.id)
    return demo, norte


def test_a_partner_lists_a_shared_report_as_it_reads_it(client: TestClient, db: Session) -> None:
    """The list applies the detail's policy: a partner sees numbers, channel, kind and date;
    never the amounts, currency, sharing level or the owner's reference."""
    demo, norte = _partners(db)
    demo_api = factories.bearer(factories.token(db, demo))
    norte_api = factories.bearer(factories.token(db, norte))
    norte_user = factories.user(db, norte)
    db.commit()
    shared = _post(
        client,
        demo_api,
        external_id="DEMO-caso-Rosa",
        text="Tenemos a su hijo, llame al 55 1234 0001",
        channel="call",
        category="virtual_kidnapping",
        amount="50000",
        amount_paid="12000",
        currency="MXN",
        sharing="partners",
    )
    query = {"cluster_id": shared["cluster_id"]}

    (listed,) = client.get("/api/v1/reports", params=query, headers=norte_api).json()["items"]
    detail = client.get(f"/api/v1/reports/{shared['id']}", headers=norte_api).json()
    assert listed["own"] is detail["own"] is False
    for name in OWNER_ONLY:
        assert listed[name] is None, name
    assert (listed["channel"], listed["category"], listed["indicators"]) == (
        "call",
        "virtual_kidnapping",
        1,
    )
    for name in set(listed) & set(detail) - {"indicators"}:
        assert listed[name] == detail[name], name  # one policy, not two
    assert detail["indicators"][0]["start"] is None

    # The owner still reads everything, in the list and the detail.
    (mine,) = client.get("/api/v1/reports", params=query, headers=demo_api).json()["items"]
    assert (mine["external_id"], mine["amount"], mine["amount_paid"], mine["currency"]) == (
        "DEMO-caso-Rosa",
        "50000.00",
        "12000.00",
        "MXN",
    )
    assert mine["sharing"] == "partners"
    assert mine["preview"].startswith("Tenemos a su hijo")

    # The page of the report, as the partner reads it.
    login(client, norte_user.email, factories.PASSWORD)
    page = client.get(f"/reportes/{shared['id']}", headers=HTML)
    assert page.status_code == 200
    assert "+525512340001" in page.text or "55 1234 0001" in page.text
    for secret in ("DEMO-caso-Rosa", "50000", "12000", "MXN", "Tenemos a su hijo"):
        assert secret not in page.text, secret
