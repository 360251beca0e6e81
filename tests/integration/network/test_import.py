"""``amparo reports import`` and ``import-list`` as the QA audit fed them: what people write is
read right, and what cannot be right is refused with its line number, never stored wrong."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import select, update
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
    assert errors[8].startswith(
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' no es un valor válido de tipo de extorsión "
        "(uno de: virtual_kidnapping, telephone_extortion,"
    )
    reports = stored(db, org.id)
    assert reports["dollars"].currency == "USD"
    assert reports["yesterday"].reported_at.isoformat() == "2026-01-02T16:00:00+00:00"


def run_list(db: Session, org_id: int, csv_text: str, source: str = "SSPC") -> ImportResult:
    from amparo.network.public_lists import import_list

    return import_list(
        session=db,
        org_id=org_id,
        stream=io.BytesIO(csv_text.encode()),
        source=source,
        region="MX",
        gettext=gettext_for("es"),
    )


def list_reports(db: Session, org_id: int, source: str = "SSPC") -> list[Report]:
    return list(
        db.scalars(
            select(Report)
            .where(Report.org_id == org_id, Report.external_id.startswith(f"list:{source}:"))
            .order_by(Report.id)
        )
    )


def test_a_number_on_a_public_list_is_one_report_however_it_is_written(db: Session) -> None:
    """The audit's file: three ways of writing one number made three network-wide reports."""
    mine, other = factories.org(db), factories.org(db)
    result = run_list(
        db, mine.id, "numero\n55 4433 2211\n(55) 4433-2211\n+52 1 55 4433 2211\n55 1020 3040\n"
    )
    assert (result.imported, result.repeated, result.errors) == (2, 2, [])
    from amparo.network import service

    assert service.lookup(db, "5544332211", org_id=other.id, region="MX").reported == 1
    (first, _second) = list_reports(db, mine.id)
    assert "4433" not in str(first.external_id)  # no number in the clear outside sealed columns


def test_importing_a_list_again_updates_it(db: Session) -> None:
    org = factories.org(db)
    run_list(
        db,
        org.id,
        "Número;Categoría;reported_at\n"  # Excel in a Spanish locale writes ";"
        "(55) 4433-2211;telephone_extortion;2026-10-01\n"
        "55 1020 3040;;\n",
    )
    before = {r.id: r.category for r in list_reports(db, org.id)}
    assert sorted(before.values(), key=str) == [None, "telephone_extortion"]
    again = run_list(
        db,
        org.id,
        "Número;Categoría;reported_at\n"
        "+52 55 4433 2211;telephone_extortion;2026-10-01\n"  # the same, written otherwise
        "5510203040;virtual_kidnapping;\n"  # a category it lacked
        "55 9988 7766;;\n",  # new on the list
    )
    assert (again.imported, again.updated, again.unchanged, again.errors) == (1, 1, 1, [])
    after = list_reports(db, org.id)
    assert len(after) == 3
    assert [r.category for r in after] == ["telephone_extortion", "virtual_kidnapping", None]
    # Another list giving the same number is another source: its own report.
    assert run_list(db, org.id, "value\n55 4433 2211\n", source="Fiscalía").imported == 1


def test_a_list_imported_before_numbers_were_canonical_is_updated_not_duplicated(
    db: Session,
) -> None:
    """Reports imported when the external id held the number as written are found by the
    number they mention."""
    from amparo.network import service
    from amparo.network.service import IndicatorIn, ReportIn

    org = factories.org(db)
    service.create_report(
        session=db,
        org_id=org.id,
        data=ReportIn(
            external_id="list:SSPC:55 1020 3040",
            sharing="network",
            indicators=(IndicatorIn("phone", "55 1020 3040"),),
        ),
        region="MX",
    )
    again = run_list(db, org.id, "telefono,categoria\n+52 55 1020 3040,sextortion\n")
    assert (again.imported, again.updated) == (0, 1)
    (report,) = list_reports(db, org.id)
    assert report.category == "sextortion"


def test_a_list_row_with_a_bad_date_leaves_the_number_to_a_later_row(db: Session) -> None:
    org = factories.org(db)
    result = run_list(
        db, org.id, "numero,reported_at\n55 4433 2211,2099-01-01\n55 4433 2211,2026-10-01\n"
    )
    assert result.imported == 1
    assert result.errors == [(2, "La fecha 2099-01-01 está en el futuro.")]


class _DiesAfter(io.BytesIO):
    """A file whose reading fails after ``lines`` lines: a lost connection, a bad disk."""

    def __init__(self, data: bytes, lines: int) -> None:
        super().__init__(data)
        self.left = lines

    def readline(self, size: int | None = -1) -> bytes:
        if self.left == 0:
            raise OSError("the connection was lost")
        self.left -= 1
        return super().readline(size)


def test_an_import_that_dies_half_way_has_audited_every_batch_that_landed(db: Session) -> None:
    from amparo.accounts import audit
    from amparo.accounts.models import AuditEvent

    org = factories.org(db)
    db.commit()
    data = b"".join(
        json.dumps(
            {
                "external_id": f"x-{i}",
                "indicators": [{"type": "phone", "value": f"+5255123{i:05d}"}],
            }
        ).encode()
        + b"\n"
        for i in range(10)
    )

    def on_commit(session: Session, imported: int, skipped: int) -> None:
        audit.record(
            session=session,
            actor=audit.Actor(type="system", id=None, org_id=org.id),
            action="reports.import_batch",
            origin=audit.CLI,
            target=audit.Target("organisation", org.id, {"imported": imported}),
        )

    try:
        import_reports(
            session=db,
            org_id=org.id,
            stream=_DiesAfter(data, lines=7),
            region="MX",
            workers=0,
            batch_size=3,
            on_commit=on_commit,
        )
    except OSError:
        db.rollback()
    else:  # pragma: no cover - the stream always fails
        raise AssertionError("the import should have failed")
    landed = len(stored(db, org.id))
    batches = db.scalars(
        select(AuditEvent).where(
            AuditEvent.org_id == org.id, AuditEvent.action == "reports.import_batch"
        )
    ).all()
    assert landed == 6  # two batches of three committed before the file failed
    assert [event.details["imported"] for event in batches] == [3, 3]


def test_the_import_keeps_the_apis_limits(db: Session) -> None:
    """The QA audit's 300-character "coarse place" (an address and a phone): refused like the
    API and the form refuse it, with the line; a place of 200 characters is kept."""
    org = factories.org(db)
    address = "Calle Hidalgo 12, casa de María López, tel 6641234567 " * 6
    result = run_import(
        db,
        org.id,
        [
            {"external_id": "C-6", "text": "x", "place": address},
            {"external_id": "C-7", "text": "x", "place": "T" * 200},
            {"external_id": "C-8", "text": "x", "sharing": 3},
        ],
    )
    assert result.imported == 1
    assert dict(result.errors) == {
        1: "Escribe solo la ciudad o el estado (200 caracteres como máximo).",
        3: "'sharing' debe ser un texto.",
    }
    assert [r.place for r in stored(db, org.id).values()] == ["T" * 200]


def test_a_report_with_a_place_stored_before_the_limit_stays_editable(db: Session) -> None:
    from amparo.errors import InvalidInput
    from amparo.network import reports, service
    from amparo.network.service import ReportIn

    org = factories.org(db)
    with pytest.raises(InvalidInput) as refused:
        service.prepare(ReportIn(text="x", victim="v" * 2001), region="MX")
    assert refused.value.field == "victim"
    created = service.create_report(
        session=db, org_id=org.id, data=ReportIn(text="x", place="Tapachula"), region="MX"
    )
    db.execute(update(Report).where(Report.id == created.id).values(place="P" * 300))
    db.flush()
    db.expire_all()
    changed = reports.update_report(
        session=db, org_id=org.id, report_id=created.id, changes={"amount": "500"}
    )
    assert (changed.place, changed.amount_demanded) == ("P" * 300, Decimal("500.00"))
    with pytest.raises(InvalidInput, match="200"):
        reports.update_report(
            session=db, org_id=org.id, report_id=created.id, changes={"place": "Q" * 201}
        )


def test_a_nul_in_an_external_id_skips_its_line_only(db: Session) -> None:
    """On PostgreSQL a NUL in the external id failed the whole import ("nothing was saved")."""
    org = factories.org(db)
    line = {"text": "llamaron del 55 1234 5678"}
    result = run_import(
        db,
        org.id,
        [
            {**line, "external_id": "before"},
            {**line, "external_id": "nul\x00id"},
            {**line, "external_id": "after"},
        ],
    )
    assert result.imported == 2
    refused = gettext_for("es")("The external id holds control characters.")
    assert result.errors == [(2, refused)]
    assert sorted(stored(db, org.id)) == ["after", "before"]


def test_a_file_saved_as_utf8_with_a_bom_imports_its_first_line(db: Session) -> None:
    """Notepad and Excel save "UTF-8" with a byte-order mark: the first line was refused as
    "not JSON (column 1)" (``import-list`` and ``check --jsonl`` already read it)."""
    org = factories.org(db)
    lines = [
        {"external_id": "first", "text": "llamaron del 55 1234 5678"},
        {"external_id": "second", "text": "otra vez el 55 1234 5678"},
    ]
    body = "\ufeff" + "\r\n".join(json.dumps(line) for line in lines) + "\r\n"
    result = import_reports(
        session=db,
        org_id=org.id,
        stream=io.BytesIO(body.encode()),
        region="MX",
        gettext=gettext_for("es"),
        workers=0,
    )
    assert (result.imported, result.errors) == (2, [])
    assert sorted(stored(db, org.id)) == ["first", "second"]
