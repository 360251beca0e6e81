"""``amparo reports import`` and ``import-list`` as the QA audit fed them: what people write is
read right, and what cannot be right is refused with its line number, never stored wrong."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.i18n import gettext_for
from amparo.network.importer import ImportResult, import_reports
from amparo.network.models import Report
from tests import factories


def run_import(db: Session, org_id: int, items: list[dict[str, object]]) -> ImportResult:
    body = "\n".join(json.dumps(item) for item in items) + "\n"
    return import_reports(
        session=db,
        org_id=org_id,
        stream=io.BytesIO(body.encode()),
        region="MX",
        gettext=gettext_for("es"),
        workers=0,
    )


def stored(db: Session, org_id: int) -> dict[str, Report]:
    return {
        str(r.external_id): r for r in db.scalars(select(Report).where(Report.org_id == org_id))
    }


def test_amounts_in_every_way_people_write_them(db: Session) -> None:
    org = factories.org(db)
    line = {"text": "llamaron del 55 1234 5678", "currency": "MXN"}
    result = run_import(
        db,
        org.id,
        [
            {**line, "external_id": "es", "amount": "20.000,50"},  # was stored as 20.00
            {**line, "external_id": "us", "amount": "20,000.50", "amount_paid": "$5,000"},
            {**line, "external_id": "number", "amount": 20000.5, "amount_paid": 300},
            {**line, "external_id": "words", "amount": "5mil pesos", "currency": None},
            {**line, "external_id": "spaces", "amount": "20 000"},
            {**line, "external_id": "bad", "amount": "20.000.00"},
        ],
    )
    assert result.imported == 5
    ((number, error),) = result.errors
    assert number == 6
    assert error.startswith("El monto exigido '20.000.00' no se puede leer como una cantidad")
    reports = stored(db, org.id)
    amounts = {k: (r.amount_demanded, r.amount_paid, r.currency) for k, r in reports.items()}
    assert amounts == {
        "es": (Decimal("20000.50"), None, "MXN"),
        "us": (Decimal("20000.50"), Decimal("5000.00"), "MXN"),
        "number": (Decimal("20000.50"), Decimal("300.00"), "MXN"),
        "words": (Decimal("5000.00"), None, "MXN"),
        "spaces": (Decimal("20000.00"), None, "MXN"),
    }


def test_absurd_dates_and_currencies_are_refused_with_their_line(db: Session) -> None:
    org = factories.org(db)
    line = {"text": "llamaron del 55 1234 5678"}
    result = run_import(
        db,
        org.id,
        [
            {**line, "external_id": "future", "reported_at": "2099-05-05"},
            {**line, "external_id": "past", "reported_at": "1900-05-05"},
            {**line, "external_id": "zzz", "amount": 100, "currency": "ZZZ"},
            {**line, "external_id": "pes", "amount": 100, "currency": "PES"},
            {**line, "external_id": "dollars", "amount": 100, "currency": "dólares"},
            {**line, "external_id": "yesterday", "reported_at": "2026-01-02T10:00:00-06:00"},
            {**line, "external_id": "both", "amount": "300 dls", "currency": "MXN"},
            {**line, "external_id": "kind", "category": "x" * 33},
        ],
    )
    assert result.imported == 2
    errors = dict(result.errors)
    assert sorted(errors) == [1, 2, 3, 4, 7, 8]
    assert errors[1] == "La fecha 2099-05-05 está en el futuro."
    assert errors[2] == "La fecha 1900-05-05 es anterior a 2000-01-01: revise el año."
    assert errors[3].startswith("'ZZZ' no es una moneda")
    assert errors[4].startswith("'PES' no es una moneda")
    assert errors[7] == "Los montos y la moneda indican monedas distintas (MXN, USD)."
    assert errors[8] == "El campo tipo de extorsión tiene más de 32 caracteres."
    reports = stored(db, org.id)
    assert reports["dollars"].currency == "USD"
    assert reports["yesterday"].reported_at.isoformat() == "2026-01-02T16:00:00+00:00"
