"""Enrolling a traveller: validation before any write, secrets hashed, personal data sealed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from amparo.errors import InvalidInput
from amparo.safety import service as safety_service
from amparo.safety.models import Contact, ContactKind, Traveller
from tests import factories
from tests.integration.test_cli import cli_env, run

GOOD = [
    safety_service.ContactIn(level=1, name="Mamá", channels=("mailto://mama@example.org",)),
    safety_service.ContactIn(level=3, channels=("json://127.0.0.1:9/hook",)),
]


def enrol(db: Session, **overrides: object) -> Traveller:
    values: dict[str, object] = {
        "session": db,
        "org": None,
        "name": "Yesenia López",
        "pin": "4821",
        "duress_pin": "4822",
        "every_hours": 12,
        "grace_minutes": 60,
        "contacts": GOOD,
    }
    values.update(overrides)
    return safety_service.enrol_traveller(**values)  # type: ignore[arg-type]


def test_enrolment_hashes_pins_and_seals_personal_data(db: Session) -> None:
    traveller = enrol(db, org=factories.org(db))
    assert traveller.next_due_at is not None
    assert [c.kind for c in traveller.contacts] == [ContactKind.FAMILY, ContactKind.CONSULATE]
    raw = db.execute(
        text("SELECT name, pin_hash, duress_pin_hash FROM travellers WHERE id = :id"),
        {"id": traveller.id},
    ).one()
    assert "Yesenia" not in raw.name
    assert raw.pin_hash.startswith("$argon2id$")
    assert "4821" not in raw.pin_hash
    channels = (
        db.execute(
            text("SELECT channels FROM traveller_contacts WHERE traveller_id = :id"),
            {"id": traveller.id},
        )
        .scalars()
        .all()
    )
    assert all("mama@example.org" not in c and "127.0.0.1" not in c for c in channels)
    assert safety_service.contact_channels(traveller.contacts[0]) == ["mailto://mama@example.org"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pin": "12"}, "4 to 8 digits"),
        ({"pin": "abcd"}, "4 to 8 digits"),
        ({"duress_pin": "4821"}, "must differ"),
        ({"every_hours": 0.1}, "1 to 168"),
        ({"every_hours": 1000}, "1 to 168"),
        ({"grace_minutes": 1}, "grace"),
        ({"contacts": []}, "1 to 10"),
        ({"name": " "}, "name"),
        (
            {"contacts": [safety_service.ContactIn(level=4, channels=("mailto://a@b.org",))]},
            "level",
        ),
        ({"contacts": [safety_service.ContactIn(level=1, channels=("nope://x",))]}, "not valid"),
        ({"contacts": [*GOOD, safety_service.ContactIn(level=1, channels=("bad url",))]}, "valid"),
    ],
)
def test_bad_enrolments_are_refused_and_write_nothing(
    db: Session, overrides: dict[str, object], message: str
) -> None:
    before = db.scalar(select(func.count()).select_from(Contact))
    with pytest.raises(InvalidInput, match=message):
        enrol(db, **overrides)
    assert db.scalar(select(func.count()).select_from(Contact)) == before


def test_cli_enrol_prints_the_id(tmp_path: Path, fresh_database_url: str) -> None:
    env = cli_env(tmp_path, fresh_database_url)
    run(env, "db", "upgrade")
    result = run(
        env, "traveller", "enrol", "--name", "Kevin", "--pin", "1234", "--duress-pin", "9876",
        "--every", "12", "--grace", "30", "--contact", "1:mailto://mama@example.org",
        "--contact", "3:json://127.0.0.1:9/hook", "--json",
    )  # fmt: skip
    assert json.loads(result.stdout)["id"] >= 1
    bad = run(
        env, "traveller", "enrol", "--name", "K", "--pin", "1234", "--duress-pin", "9876",
        "--contact", "1:notaurl", check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "not valid" in bad.stderr
