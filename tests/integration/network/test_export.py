"""Exports: STIX 2.1 with extension definitions, MISP events, CSV and keyed-hash feeds — the
indicators only, never the texts, and never warning-listed values."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from pathlib import Path

import pytest
import stix2
from pymisp import MISPEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.errors import InvalidInput
from amparo.network import export, service
from amparo.network.models import Report
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories

TEXT = (
    "Tenemos a su hijo Kevin. Deposite a la CLABE 002180700123456788 a nombre de Rosa Díaz, "
    "llame al 55 1234 5678 o escriba a cobros.mx@gmail.com; Consejo Ciudadano 55 5533 5533; "
    "USDT TRC20 TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
)


@pytest.fixture
def org_with_reports(db: Session) -> int:
    org = factories.org(db, name="Casa del Migrante")
    for sharing in ("network", "partners"):
        service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(
                text=TEXT, victim="Kevin, 17", narrative="La madre llamó llorando", sharing=sharing
            ),
            region="MX",
        )
    other = factories.org(db)
    service.create_report(
        session=db,
        org_id=other.id,
        data=ReportIn(text="llamaron del +52 33 1111 2222"),
        region="MX",
    )
    db.flush()
    return org.id


def own_level_and_neighbours_network_report(db: Session, org_id: int) -> None:
    """A report the organisation keeps to itself (+52 55 7777 6666), and one another
    organisation shares with the whole network (+52 55 8888 1111)."""
    service.create_report(
        session=db,
        org_id=org_id,
        data=ReportIn(text="llamaron del +52 55 7777 6666", sharing="own"),
        region="MX",
    )
    neighbour = factories.org(db)
    service.create_report(
        session=db,
        org_id=neighbour.id,
        data=ReportIn(text="llamaron del +52 55 8888 1111", sharing="network"),
        region="MX",
    )


def test_csv_for_authorities(db: Session, org_with_reports: int) -> None:
    text = export.export(db, org_id=org_with_reports, organisation="Casa", fmt="csv", key=None)
    table = list(csv.DictReader(io.StringIO(text)))
    assert {(r["type"], r["value"], r["reports"]) for r in table} == {
        ("clabe", "002180700123456788", "2"),
        ("name", "rosa diaz", "2"),
        ("phone", "'+525512345678", "2"),  # text in a spreadsheet, with its +
        ("email", "cobros.mx@gmail.com", "2"),
        ("tron", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "2"),
    }
    for secret in ("Kevin", "llorando", "+525555335533", "+523311112222"):
        assert secret not in text


FORMULAS = ('=HYPERLINK("http://evil.example","clic")', "+cmd|calc", "@SUM(A1:A9)", "-2+3 hola")


def test_csv_cells_never_start_a_formula(db: Session) -> None:
    """The QA audit's names typed as formulas: text in the CSV for people (OWASP's leading
    quote), as they were in STIX, MISP and the hashed feed, which no spreadsheet opens."""
    org = factories.org(db)
    for n, value in enumerate(FORMULAS):
        service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(
                external_id=f"D-{n}",
                text="x",
                sharing="network",
                indicators=(IndicatorIn("name", value), IndicatorIn("phone", "+52 55 1234 5678")),
            ),
            region="MX",
        )
    text = export.export(db, org_id=org.id, organisation="Casa", fmt="csv", key=None)
    table = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in table for cell in row]
    assert not [cell for cell in cells if cell.startswith(export.FORMULA_STARTS)]
    values = {row[1] for row in table[1:]}
    assert values == {"'" + v.lower() for v in FORMULAS} | {"'+525512345678"}
    assert export.spreadsheet_cell("\tx") == "'\tx"
    assert export.spreadsheet_cell("\r=1") == "'\r=1"
    assert export.spreadsheet_cell("55 1234") == "55 1234"
    stix = export.export(db, org_id=org.id, organisation="Casa", fmt="stix", key=None)
    assert '"value": "+525512345678"' in stix
    assert "value = '+525512345678'" in stix  # a STIX pattern's quotes, not a prefix
    assert "''" not in stix
    misp = export.export(db, org_id=org.id, organisation="Casa", fmt="misp", key=None)
    assert '"+525512345678"' in misp
    assert "\"'" not in misp


def test_stix_bundle_defines_its_observables(db: Session, org_with_reports: int) -> None:
    text = export.export(db, org_id=org_with_reports, organisation="Casa", fmt="stix", key=None)
    bundle = stix2.parse(text, allow_custom=True)
    by_type: dict[str, list[object]] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj["type"], []).append(obj)
    definitions = {d["id"]: d for d in by_type["extension-definition"]}
    phone = by_type["x-amparo-phone-number"][0]
    assert phone["value"] == "+525512345678"
    (extension_id,) = phone["extensions"]
    assert definitions[extension_id]["extension_types"] == ["new-sco"]
    assert by_type["email-addr"][0]["value"] == "cobros.mx@gmail.com"
    assert len(by_type["indicator"]) == 4  # phone, clabe, email, wallet: no names, no hotline
    assert "rosa" not in text.lower()
    assert "+525555335533" not in text


def stix_objects(db: Session, org_id: int) -> dict[str, dict[str, object]]:
    bundle = json.loads(export.export(db, org_id=org_id, organisation="Casa", fmt="stix", key=None))
    return {obj["id"]: obj for obj in bundle["objects"]}


def test_stix_objects_keep_their_version_until_they_change(
    db: Session, org_with_reports: int
) -> None:
    """Exported twice, an object is the same object; changed, it is a newer version of it: the
    same id and created, a later modified (STIX leaves two different objects with one id and
    one modified undefined, and a re-export used to give every indicator a new created)."""
    first = stix_objects(db, org_with_reports)
    assert stix_objects(db, org_with_reports) == first
    for obj in first.values():
        if "created" in obj:  # SDOs (observables have no versions)
            assert obj["created"] <= obj["modified"]
    phone_id = next(
        i for i, o in first.items() if o["type"] == "indicator" and "+525512345678" in o["pattern"]
    )
    email_id = next(i for i, o in first.items() if o["type"] == "indicator" and "cobros" in str(o))
    assert first[phone_id]["description"] == "Reported 2 times to Casa."

    # Another report of the phone: the phone's indicator is a new version, the e-mail's is not.
    service.create_report(
        session=db,
        org_id=org_with_reports,
        data=ReportIn(text="otra vez el 55 1234 5678"),
        region="MX",
    )
    db.flush()
    second = stix_objects(db, org_with_reports)
    assert second[email_id] == first[email_id]
    phone = second[phone_id]
    assert phone["description"] == "Reported 3 times to Casa."
    assert phone["created"] == first[phone_id]["created"]
    assert phone["modified"] > first[phone_id]["modified"]
    # stix2's own versioning accepts it as the next version of the first.
    stix2.new_version(stix2.parse(first[phone_id]), modified=phone["modified"])

    # A retraction changes the count back: newer again, never the same modified.
    newest = max(
        db.scalars(select(Report).where(Report.org_id == org_with_reports)), key=lambda r: r.id
    )
    service.retract(session=db, org_id=org_with_reports, report_id=newest.id)
    third = stix_objects(db, org_with_reports)[phone_id]
    assert third["description"] == "Reported 2 times to Casa."
    assert third["created"] == first[phone_id]["created"]
    assert third["modified"] > phone["modified"]


def misp_vocabulary() -> tuple[dict[str, list[str]], Path]:
    import pymisp

    data = Path(pymisp.__file__).parent / "data"
    types = json.loads((data / "describeTypes.json").read_text())["result"]
    return types["category_type_mappings"], data / "misp-objects" / "objects"


def test_misp_event_is_what_misps_import_takes_in_misps_types(
    db: Session, org_with_reports: int
) -> None:
    """MISP's "Import from MISP JSON" wants {"Event": {...}} with a date, a threat level, an
    analysis and a distribution; every value in one of MISP's types or objects (no "text")."""
    service.create_report(
        session=db,
        org_id=org_with_reports,
        data=ReportIn(
            indicators=(
                IndicatorIn("mtcn", "123-456-7890"),
                IndicatorIn("transfer_ref", "REF-2026-0042"),
                IndicatorIn("social", "facebook:cobros.mx"),
                IndicatorIn("social", "tiktok:@rescates.mx"),
                IndicatorIn("social", "telegram:cobrosmx"),
                IndicatorIn("card", "4152 3137 1234 5672"),
            )
        ),
        region="MX",
    )
    db.flush()
    text = export.export(db, org_id=org_with_reports, organisation="Casa", fmt="misp", key=None)
    data = json.loads(text)
    assert list(data) == ["Event"]
    root = data["Event"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", root["date"])
    assert (root["threat_level_id"], root["analysis"], root["distribution"]) == ("4", "2", "0")
    assert root["published"] is False
    assert root["timestamp"].isdigit()
    event = MISPEvent()
    event.load(json.loads(text))  # pymisp reads it (and takes keys out of what it is given)
    assert {(a.type, a.value) for a in event.attributes} == {
        ("phone-number", "+525512345678"),
        ("email", "cobros.mx@gmail.com"),
        ("cc-number", "4152313712345672"),
    }
    categories, objects = misp_vocabulary()
    for attribute in root["Attribute"]:
        assert attribute["type"] in categories[attribute["category"]], attribute
        assert attribute["first_seen"] <= attribute["last_seen"]
    found: dict[str, list[dict[str, str]]] = {}
    for obj in root["Object"]:
        template = json.loads((objects / obj["name"] / "definition.json").read_text())
        assert obj["template_uuid"] == template["uuid"]
        for attribute in obj["Attribute"]:
            relation = template["attributes"][attribute["object_relation"]]
            assert attribute["type"] == relation["misp-attribute"], attribute
        found.setdefault(obj["name"], []).append(
            {a["object_relation"]: a["value"] for a in obj["Attribute"]}
        )
    assert found["bank-account"] == [
        {"account": "002180700123456788", "institution-name": "Banamex", "currency-code": "MXN"}
    ]
    assert found["coin-address"] == [
        {"address": "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "symbol": "TRX"}
    ]
    assert sorted(t["transaction-number"] for t in found["transaction"]) == [
        "1234567890",
        "REF20260042",
    ]
    assert found["facebook-account"] == [
        {"account-name": "cobros.mx", "url": "https://www.facebook.com/cobros.mx"}
    ]
    assert found["user-account"] == [
        {
            "username": "rescates.mx",
            "link": "https://www.tiktok.com/@rescates.mx",
            "account-type": "tiktok",
        }
    ]
    assert found["telegram-account"] == [{"username": "cobrosmx"}]
    assert '"text"' not in json.dumps(root["Attribute"])  # no value left as plain text
    assert "rosa" not in text.lower()
    # Exported again, the same event: the same uuids and timestamps, so MISP updates it.
    again = export.export(db, org_id=org_with_reports, organisation="Casa", fmt="misp", key=None)
    assert again == text


def test_hashed_feed_needs_a_real_key(db: Session, org_with_reports: int) -> None:
    with pytest.raises(InvalidInput, match="key"):
        export.export(db, org_id=org_with_reports, organisation="Casa", fmt="hashed", key=None)
    with pytest.raises(InvalidInput, match="32 bytes"):
        export.export(db, org_id=org_with_reports, organisation="Casa", fmt="hashed", key=b"short")
    key = bytes(range(32))
    lines = [
        json.loads(line)
        for line in export.export(
            db, org_id=org_with_reports, organisation="Casa", fmt="hashed", key=key
        ).splitlines()
    ]
    expected = hmac.new(key, b"phone:+525512345678", hashlib.sha256).hexdigest()
    assert {"type": "phone", "hmac": expected} in [
        {"type": line["type"], "hmac": line["hmac"]} for line in lines
    ]
    assert all(line["type"] != "name" for line in lines)
    # An unkeyed hash anyone could compute is never what leaves.
    assert hashlib.sha256(b"+525512345678").hexdigest() not in json.dumps(lines)
    # Only what the organisation shares leaves in a feed: not its own-level reports, and not
    # what other organisations shared with it.
    own_level_and_neighbours_network_report(db, org_with_reports)
    feed = export.export(db, org_id=org_with_reports, organisation="Casa", fmt="hashed", key=key)
    for kept in (b"phone:+525577776666", b"phone:+525588881111"):
        assert hmac.new(key, kept, hashlib.sha256).hexdigest() not in feed
    assert len(feed.splitlines()) == len(lines)


def test_a_partner_hubs_feed_answers_look_ups_without_the_values(
    db: Session, org_with_reports: int
) -> None:
    from amparo.network.importer import import_partner_feed

    key = bytes(range(32, 64))
    feed = export.export(db, org_id=org_with_reports, organisation="Casa", fmt="hashed", key=key)
    assert "+525512345678" not in feed
    other_hub = factories.org(db, name="Otra red")  # stands for an organisation on another hub
    lines = feed + "not json\n" + json.dumps({"type": "phone", "hmac": "zz"}) + "\n"
    result = import_partner_feed(
        session=db,
        org_id=other_hub.id,
        stream=io.BytesIO(lines.encode()),
        partner="Hub Norte",
        key=key,
    )
    assert result.imported == 4  # phone, clabe, email, tron (no names, no hotline)
    assert [n for n, _ in result.errors] == [5, 6]
    found = service.lookup(db, "55 1234 5678", org_id=other_hub.id, region="MX")
    assert found.reported == 1  # the report Casa shares with the whole network (this hub)
    assert [(p.partner, p.reports) for p in found.partners] == [("Hub Norte", 2)]
    nothing = service.lookup(db, "+525599990000", org_id=other_hub.id)
    assert nothing.partners == []
    # Importing again replaces the feed; a different key finds nothing.
    import_partner_feed(
        session=db,
        org_id=other_hub.id,
        stream=io.BytesIO(feed.encode()),
        partner="Hub Norte",
        key=bytes(32),
    )
    assert service.lookup(db, "55 1234 5678", org_id=other_hub.id, region="MX").partners == []
    with pytest.raises(InvalidInput, match="32 bytes"):
        import_partner_feed(
            session=db, org_id=other_hub.id, stream=io.BytesIO(b""), partner="x", key=b"short"
        )


@pytest.mark.parametrize("fmt", ["csv", "stix", "misp"])
def test_exports_carry_only_the_organisations_own_reports(
    db: Session, org_with_reports: int, fmt: str
) -> None:
    """What another organisation shared with the whole network stays inside the deployment:
    an export for authorities carries the exporter's own reports (any sharing level)."""
    own_level_and_neighbours_network_report(db, org_with_reports)
    db.flush()
    text = export.export(db, org_id=org_with_reports, organisation="Casa", fmt=fmt, key=None)
    assert "+525577776666" in text  # its own, even kept at its own level
    assert "+525512345678" in text
    assert "+525588881111" not in text  # the neighbour's, shared with the network
    assert "+523311112222" not in text  # the neighbour's, kept to itself
