"""The analysts' report pages through HTTP: form, errors, edit, actions, list, trends."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent
from amparo.network import service
from amparo.network.models import Report, ReportStatus
from tests import factories
from tests.integration.test_pages import HTML, csrf_from, login

FORM = {
    "text": "Tenemos a su hijo. Deposite a la CLABE 002180700123456788 y llame al 55 4433 2211",
    "narrative": "",
    "indicators": "",
    "reported_at": "2025-06-02",
    "channel": "call",
    "category": "virtual_kidnapping",
    "amount": "50,000",
    "amount_paid": "",
    "currency": "mxn",
    "place": "Tapachula, Chiapas",
    "victim": "",
    "sharing": "own",
    "region": "MX",
}


def _post(
    client: TestClient, url: str, data: dict[str, str], page: str = "/reportes/nuevo"
) -> httpx.Response:
    token = csrf_from(client.get(page, headers=HTML).text)
    return client.post(
        url, data={**data, "csrf_token": token}, headers=HTML, follow_redirects=False
    )


def test_create_edit_close_and_retract_through_the_pages(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    analyst = factories.user(db, org)
    db.commit()
    assert client.get("/reportes/nuevo", headers=HTML, follow_redirects=False).status_code in (
        303,
        401,
    )
    login(client, analyst.email, factories.PASSWORD)
    form = client.get("/reportes/nuevo", headers=HTML)
    assert form.status_code == 200
    assert "Nuevo reporte" in form.text

    # An error is shown beside its field, and what was typed is kept.
    bad = _post(client, "/reportes/nuevo", {**FORM, "amount": "mucho"})
    assert bad.status_code == 422
    assert 'id="amount-error"' in bad.text
    assert "El monto exigido &#39;mucho&#39; no se puede leer como una cantidad" in bad.text
    assert "Tapachula, Chiapas" in bad.text
    assert "002180700123456788" in bad.text
    no_csrf = client.post("/reportes/nuevo", data=FORM, headers=HTML, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert db.scalar(select(Report.id).where(Report.org_id == org.id)) is None

    created = _post(client, "/reportes/nuevo", FORM)
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    report_id = int(url.rsplit("/", 1)[1])
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    assert "002 •••• 6788" in page.text
    assert "+525544332211" in page.text
    assert "Tenemos a su hijo" in page.text  # the owner reads the message
    assert "50000.00 MXN" in page.text
    assert "Tapachula, Chiapas" in page.text

    edit = client.get(f"{url}/editar", headers=HTML)
    assert "Tapachula, Chiapas" in edit.text
    assert 'value="2025-06-02"' in edit.text
    changed = {
        **FORM,
        "text": "Llamaron del 55 4433 2211 pidiendo dinero",
        "indicators": "cobros.sur@example.org",
        "amount": "50000.00",
    }
    saved = _post(client, f"{url}/editar", changed, page=f"{url}/editar")
    assert saved.status_code == 303
    page = client.get(url, headers=HTML)
    assert "002 •••• 6788" not in page.text
    assert "cobros.sur@example.org" in page.text
    (update,) = db.scalars(
        select(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.action == "report.update")
    ).all()
    assert update.details == {"fields": ["indicators", "text"]}  # the amount did not change

    closed = _post(client, f"{url}/cerrar", {}, page=url)
    assert closed.status_code == 303
    db.expire_all()
    assert db.get_one(Report, report_id).status == ReportStatus.CLOSED
    assert "Reabrir" in client.get(url, headers=HTML).text
    _post(client, f"{url}/reabrir", {}, page=url)
    _post(client, f"{url}/retirar", {}, page=url)
    db.expire_all()
    assert db.get_one(Report, report_id).status == ReportStatus.RETRACTED
    assert "Editar" not in client.get(url, headers=HTML).text
    refused = _post(client, f"{url}/editar", changed, page=url)
    assert refused.status_code == 409
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.org_id == org.id)).all()
    for action in ("report.create", "report.read", "report.close", "report.reopen"):
        assert action in actions
    assert "report.retract" in actions


def test_the_list_filters_and_pages_and_hides_what_others_keep(
    client: TestClient, db: Session
) -> None:
    mine, partner = factories.org(db), factories.org(db)
    service.add_partnership(session=db, org_id=mine.id, partner_id=partner.id)
    analyst = factories.user(db, mine)
    for n in range(27):
        service.create_report(
            session=db,
            org_id=mine.id,
            data=service.ReportIn(
                text=f"mensaje {n}: llamaron del +52 55 1000 {n:04d}",
                channel="sms" if n % 2 else "call",
            ),
        )
    secret = service.create_report(
        session=db,
        org_id=partner.id,
        data=service.ReportIn(text="el +52 55 1000 0003 otra vez", narrative="secreto"),
    )
    shared = service.create_report(
        session=db,
        org_id=partner.id,
        data=service.ReportIn(text="y el +52 55 1000 0003 de nuevo", sharing="partners"),
    )
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    first = client.get("/reportes", headers=HTML)
    assert first.status_code == 200
    assert "Reportes: 28 · página 1 de 2" in first.text
    assert len(re.findall(r'href="/reportes/\d+"', first.text)) == 25
    assert "página 2" in client.get("/reportes?page=2", headers=HTML).text
    found = client.get("/reportes", params={"indicator": "55 1000 0003"}, headers=HTML)
    assert f'href="/reportes/{shared.id}"' in found.text
    assert f'href="/reportes/{secret.id}"' not in found.text
    assert "Reportes: 2 ·" in found.text
    assert "Compartido por otra organización" in found.text
    sms = client.get("/reportes", params={"channel": "sms", "own": "on"}, headers=HTML)
    assert "Reportes: 13 ·" in sms.text
    bad = client.get("/reportes", params={"since": "ayer"}, headers=HTML)
    assert bad.status_code == 422
    assert 'id="since-error"' in bad.text
    other = client.get(f"/reportes/{shared.id}", headers=HTML)
    assert other.status_code == 200
    assert "de nuevo" not in other.text  # a partner's text stays with it
    assert "Editar" not in other.text
    assert client.get(f"/reportes/{secret.id}", headers=HTML).status_code == 404
    assert client.get(f"/reportes/{shared.id}/editar", headers=HTML).status_code == 404


def test_the_trends_page(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    analyst = factories.user(db, org)
    service.create_report(
        session=db,
        org_id=org.id,
        data=service.ReportIn(text="llamaron del +52 55 2000 1000", amount="700", currency="USD"),
    )
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    page = client.get("/tendencias", headers=HTML)
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "700.00 USD" in page.text
    monthly = client.get("/tendencias", params={"bucket": "month"}, headers=HTML)
    assert "Mes" in monthly.text
    bad = client.get(
        "/tendencias", params={"since": "2030-01-01", "until": "2020-01-01"}, headers=HTML
    )
    assert bad.status_code == 422


def test_amounts_are_read_as_people_write_them(client: TestClient, db: Session) -> None:
    """20.000,50 is twenty thousand pesos and fifty cents, not 20.00 (the QA audit's case)."""
    org = factories.org(db)
    analyst = factories.user(db, org)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    written = {"amount": "20.000,50", "amount_paid": "5 mil"}
    created = _post(client, "/reportes/nuevo", {**FORM, **written})
    assert created.status_code == 303, created.text
    report = db.get_one(Report, int(created.headers["location"].rsplit("/", 1)[1]))
    assert (report.amount_demanded, report.amount_paid) == (Decimal("20000.50"), Decimal("5000"))
    assert report.currency == "MXN"
    # What the edit form shows back is read back as the same amount (no change recorded).
    edit = client.get(f"/reportes/{report.id}/editar", headers=HTML)
    assert 'value="20000.50"' in edit.text
    named = _post(
        client,
        "/reportes/nuevo",
        {**FORM, "amount": "US$1,500", "currency": ""},
    )
    assert named.status_code == 303, named.text
    dollars = db.get_one(Report, int(named.headers["location"].rsplit("/", 1)[1]))
    assert (dollars.amount_demanded, dollars.currency) == (Decimal("1500"), "USD")
    unreadable = _post(client, "/reportes/nuevo", {**FORM, "amount_paid": "12.34.567"})
    assert unreadable.status_code == 422
    assert 'id="amount_paid-error"' in unreadable.text
    assert "El monto pagado &#39;12.34.567&#39; no se puede leer" in unreadable.text


def test_a_year_typed_wrong_and_a_currency_in_words(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    analyst = factories.user(db, org)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    old = _post(client, "/reportes/nuevo", {**FORM, "reported_at": "1900-05-05"})
    assert old.status_code == 422
    assert 'id="reported_at-error"' in old.text
    assert "La fecha 1900-05-05 es anterior a 2000-01-01: revise el año." in old.text
    unknown = _post(client, "/reportes/nuevo", {**FORM, "currency": "ZZZ"})
    assert unknown.status_code == 422
    assert 'id="currency-error"' in unknown.text
    created = _post(client, "/reportes/nuevo", {**FORM, "currency": "pesos"})
    assert created.status_code == 303, created.text
    report = db.get_one(Report, int(created.headers["location"].rsplit("/", 1)[1]))
    assert report.currency == "MXN"


def test_the_form_says_who_would_read_the_report_before_it_is_saved(
    client: TestClient, db: Session
) -> None:
    demo, norte = factories.org(db, name="Demo"), factories.org(db, name="Norte")
    factories.org(db, name="Sur")
    service.add_partnership(session=db, org_id=demo.id, partner_id=norte.id)
    analyst = factories.user(db, demo)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    form = client.get("/reportes/nuevo", headers=HTML).text
    audience = dict(re.findall(r'id="audience-(\w+)">([^<]*)<', form))
    assert audience == {
        "own": "Solo su organización lo lee.",
        "partners": "Lo leerían: Norte",
        "network": "Lo leerían: Norte, Sur",
    }
    alone = factories.org(db, name="Sola")
    lonely = factories.user(db, alone)
    db.commit()
    login(client, lonely.email, factories.PASSWORD)
    form = client.get("/reportes/nuevo", headers=HTML).text
    assert "Por ahora ninguna otra organización lo leería." in form


def test_every_problem_of_the_form_is_shown_at_once(client: TestClient, db: Session) -> None:
    """Found by QA: the form named one problem per try, so an analyst with four mistakes sent
    it four times."""
    org = factories.org(db)
    analyst = factories.user(db, org)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    bad = _post(
        client,
        "/reportes/nuevo",
        {
            **FORM,
            "reported_at": "2025-13-45",
            "amount": "mucho",
            "amount_paid": "12.34.567",
            "indicators": "hola",
            "place": "x" * 300,
        },
    )
    assert bad.status_code == 422
    for field in ("reported_at", "amount", "amount_paid", "indicators", "place"):
        assert f'id="{field}-error"' in bad.text, field
    assert 'id="currency-error"' not in bad.text
    assert "revisa los 5 campos marcados" in bad.text
    assert db.scalar(select(Report.id).where(Report.org_id == org.id)) is None
    # Unreadable indicators are still indicators: no "needs a text" on an otherwise empty form.
    empty = _post(client, "/reportes/nuevo", {**FORM, "text": "", "indicators": "hola"})
    assert 'id="indicators-error"' in empty.text
    assert 'id="text-error"' not in empty.text
    assert "revisa el campo marcado" in empty.text
    # Editing a report says them all too.
    created = _post(client, "/reportes/nuevo", FORM)
    edit = created.headers["location"] + "/editar"
    both = _post(client, edit, {**FORM, "amount": "mucho", "currency": "ZZZ"}, page=edit)
    assert both.status_code == 422
    assert 'id="amount-error"' in both.text
    assert 'id="currency-error"' in both.text


def test_editing_does_not_mark_what_it_keeps_as_stored(client: TestClient, db: Session) -> None:
    """Found in review: a refused edit marked a place stored before the length rule, which the
    edit itself keeps as it is."""
    org = factories.org(db)
    analyst = factories.user(db, org)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    created = _post(client, "/reportes/nuevo", FORM)
    report = db.get_one(Report, int(created.headers["location"].rsplit("/", 1)[1]))
    report.place = "Tapachula-" + "x" * 250  # longer than the rule allows today
    db.commit()
    edit = created.headers["location"] + "/editar"
    page = client.get(edit, headers=HTML).text
    kept = re.search(r'name="place"[^>]*value="([^"]*)"', page)
    assert kept is not None
    refused = _post(client, edit, {**FORM, "amount": "mucho", "place": kept.group(1)}, page=edit)
    assert refused.status_code == 422
    assert 'id="amount-error"' in refused.text
    assert 'id="place-error"' not in refused.text
