"""The networks API: record, retract, clusters, and the look-up for members and strangers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from amparo.accounts.models import AuditEvent, Scope
from amparo.i18n import gettext_for
from amparo.indicators import default_warning_list
from amparo.network.models import Report
from amparo.store.types import utcnow
from tests import factories


def test_record_link_retract_and_look_up(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    first = client.post(
        "/api/v1/reports",
        headers=headers,
        json={
            "external_id": "a-1",
            "text": "Tenemos a su hijo. Deposite a la tarjeta 4152 3137 1234 5672 y llame al "
            "55 1234 5678",
            "channel": "call",
            "category": "virtual_kidnapping",
            "amount": "50000",
            "currency": "MXN",
            "region": "MX",
        },
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert [i["type"] for i in body["indicators"]] == ["card", "phone"]
    assert body["indicators"][0]["display"] == "•••• 5672"
    assert "4152" not in first.text  # a card number never goes back whole
    second = client.post(
        "/api/v1/reports",
        headers=headers,
        json={
            "text": "otra víctima",
            "indicators": [{"type": "phone", "value": "+52 1 5512345678"}],
        },
    )
    assert second.json()["cluster_id"] == body["cluster_id"]
    clusters = client.get("/api/v1/clusters", headers=headers).json()
    assert [c["external_ids"] for c in clusters] == [["a-1", None]]
    assert clusters[0]["demanded"] == {"MXN": "50000.00"}

    member = client.get(
        "/api/v1/lookup", params={"value": "55 1234 5678", "region": "MX"}, headers=headers
    )
    assert member.json()["count"] == 2
    assert member.json()["cluster_size"] == 2
    nowhere = client.get(  # a code libphonenumber does not know is said, not ignored
        "/api/v1/lookup", params={"value": "55 1234 5678", "region": "XX"}, headers=headers
    )
    assert nowhere.status_code == 422
    assert "XX" in nowhere.json()["detail"]

    # A stranger: nothing from the last day, then only "reported, 2-5 times".
    stranger = client.get("/api/v1/lookup", params={"value": "+525512345678"})
    assert stranger.status_code == 200
    assert stranger.json() == {
        "type": "phone",
        "value": "+525512345678",
        "reported": False,
        "times": "0",
        "ambiguous_with": [],
    }
    db.execute(update(Report).values(created_at=utcnow() - timedelta(days=2)))
    db.commit()
    stranger = client.get("/api/v1/lookup", params={"value": "+525512345678"}).json()
    assert stranger["reported"] is True
    assert stranger["times"] == "2-5"
    assert "first_seen" not in stranger
    assert "count" not in stranger

    retracted = client.post(f"/api/v1/reports/{second.json()['id']}/retract", headers=headers)
    assert retracted.json()["status"] == "retracted"
    assert client.get("/api/v1/clusters", headers=headers).json() == []
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.org_id == org.id)).all()
    assert actions.count("report.create") == 2
    assert "report.retract" in actions


def test_bad_reports_get_clear_errors(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    bad_clabe = client.post(
        "/api/v1/reports",
        headers=headers,
        json={"indicators": [{"type": "clabe", "value": "002180700123456780"}]},
    )
    assert bad_clabe.status_code == 422
    assert "CLABE" in bad_clabe.json()["detail"]
    unknown = client.post("/api/v1/reports", headers=headers, json={"text": "x", "colour": "red"})
    assert unknown.status_code == 422
    empty = client.post("/api/v1/reports", headers=headers, json={})
    assert empty.status_code == 422
    too_many = client.post(
        "/api/v1/reports",
        headers=headers,
        json={"indicators": [{"type": "phone", "value": "+525512345678"}] * 1001},
    )
    assert too_many.status_code == 422
    client.post("/api/v1/reports", headers=headers, json={"external_id": "dup", "text": "uno"})
    again = client.post(
        "/api/v1/reports", headers=headers, json={"external_id": "dup", "text": "dos"}
    )
    assert again.status_code == 409
    nonsense = client.get("/api/v1/lookup", params={"value": "hola"})
    assert nonsense.status_code == 422


def test_scopes_and_organisations_are_respected(client: TestClient, db: Session) -> None:
    mine, theirs = factories.org(db), factories.org(db)
    reader = factories.bearer(factories.token(db, mine, [Scope.REPORTS_READ]))
    writer_theirs = factories.bearer(factories.token(db, theirs, [Scope.REPORTS_WRITE]))
    db.commit()
    refused = client.post("/api/v1/reports", headers=reader, json={"text": "55 1234 5678"})
    assert refused.status_code == 403
    created = client.post(
        "/api/v1/reports", headers=writer_theirs, json={"text": "llamaron del +52 55 8765 4321"}
    )
    assert created.status_code == 201
    looked = client.get("/api/v1/lookup", params={"value": "+525587654321"}, headers=reader).json()
    assert looked["count"] == 0  # their report is not shared with us
    other = client.post(
        f"/api/v1/reports/{created.json()['id']}/retract",
        headers=factories.bearer(factories.token(db, mine)),
    )
    assert other.status_code == 404


def test_anonymous_look_ups_are_rate_limited(app: FastAPI, db: Session) -> None:
    app.state.settings = app.state.settings.model_copy(update={"lookup_rate_limit": "3/hour"})
    with TestClient(app, raise_server_exceptions=False) as client:
        codes = [
            client.get("/api/v1/lookup", params={"value": "+525512345678"}).status_code
            for _ in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


def test_a_forged_forwarded_for_line_does_not_escape_the_look_up_limit(
    app: FastAPI, db: Session
) -> None:
    """Behind a trusted proxy that adds its own X-Forwarded-For line (HAProxy's
    ``option forwardfor``), the client's own line comes first: it was the one believed, and a
    new made-up address per request escaped the limit (found by QA)."""
    app.state.settings = app.state.settings.model_copy(
        update={"lookup_rate_limit": "3/hour", "trusted_proxies": ["testclient"]}
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        codes = [
            client.get(
                "/api/v1/lookup",
                params={"value": "+525512345678"},
                headers=[("X-Forwarded-For", f"9.9.9.{n}"), ("X-Forwarded-For", "10.0.0.1")],
            ).status_code
            for n in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


def test_an_ipv6_client_is_counted_by_its_network(app: FastAPI, db: Session) -> None:
    """A client holds a whole /64 of IPv6 addresses: counted per address, it looked numbers up
    without limit; an IPv4 address written as IPv6 is the same client (found by QA)."""
    app.state.settings = app.state.settings.model_copy(
        update={"lookup_rate_limit": "3/hour", "trusted_proxies": ["testclient"]}
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        codes = [
            client.get(
                "/api/v1/lookup",
                params={"value": "+525512345678"},
                headers={"X-Forwarded-For": f"2001:db8:1:2::{n:x}"},
            ).status_code
            for n in range(1, 6)
        ]
        other_network = client.get(
            "/api/v1/lookup",
            params={"value": "+525512345678"},
            headers={"X-Forwarded-For": "2001:db8:1:3::1"},
        )
        mapped = [
            client.get(
                "/api/v1/lookup",
                params={"value": "+525512345678"},
                headers={"X-Forwarded-For": address},
            ).status_code
            for address in ("192.0.2.7", "::ffff:192.0.2.7", "192.0.2.7", "::ffff:c000:207")
        ]
    assert codes == [200, 200, 200, 429, 429]
    assert other_network.status_code == 200
    assert mapped == [200, 200, 200, 429]


def test_the_family_check_says_whether_a_number_was_reported(
    client: TestClient, db: Session
) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    client.post(
        "/api/v1/reports",
        headers=headers,
        json={"text": "me llamaron del +52 55 4433 2211 pidiendo rescate", "region": "MX"},
    )
    message = "Señora tenemos a su hijo, deposite ya y llame al 55 4433 2211. No cuelgue."
    fresh = client.post("/api/v1/check", json={"text": message, "country": "MX"}).json()
    (seen,) = fresh["indicators"]
    assert seen["display"] == "+525544332211"
    assert seen["reported"] is False  # a report from the last day is not told to strangers
    db.execute(update(Report).values(created_at=utcnow() - timedelta(days=2)))
    db.commit()
    later = client.post("/api/v1/check", json={"text": message, "country": "MX"}).json()
    assert later["indicators"][0]["reported"] is True
    assert later["indicators"][0]["times"] == "1"
    assert (
        message[later["indicators"][0]["start"] : later["indicators"][0]["end"]] == "55 4433 2211"
    )
    page = client.post("/", data={"text": message}, headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "Números y cuentas del mensaje" in page.text
    assert "otra familia ya lo reportó una vez" in page.text
    nothing = client.post("/api/v1/check", json={"text": "hola mamá, ya llegué bien"}).json()
    assert nothing["indicators"] == []


def test_a_number_written_without_its_country_code_is_looked_up_in_every_reading(
    client: TestClient, db: Session
) -> None:
    """ "(832) 555-0147" is a valid Mexican number and a valid US one. A family that types the
    reported US number the US way is told it was reported, whichever reading comes first."""
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    client.post(
        "/api/v1/reports",
        headers=headers,
        json={"text": "Somos del cartel, tenemos a su hijo, llame al +1 832 555 0147"},
    )
    db.execute(update(Report).values(created_at=utcnow() - timedelta(days=2)))
    db.commit()
    for written in ("(832) 555-0147", "832-555-0147", "8325550147"):
        found = client.get("/api/v1/lookup", params={"value": written}).json()
        assert found["reported"] is True, written
        assert (found["value"], found["times"]) == ("+18325550147", "1"), written
        assert found["ambiguous_with"] == ["+528325550147"], written
    member = client.get("/api/v1/lookup", params={"value": "(832) 555-0147"}, headers=headers)
    assert (member.json()["value"], member.json()["reported"]) == ("+18325550147", 1)
    # the Mexican reading, never reported: the likeliest reading first, as before
    fresh = client.get("/api/v1/lookup", params={"value": "(833) 555-0147"}).json()
    assert (fresh["value"], fresh["reported"]) == ("+528335550147", False)
    assert fresh["ambiguous_with"] == ["+18335550147"]
    # and in the message check
    message = "Tenemos a tu hijo, llama al (832) 555-0147 y deposita hoy"
    (seen,) = client.post("/api/v1/check", json={"text": message}).json()["indicators"]
    assert (seen["reported"], seen["times"]) == (True, "1")


def test_the_lookup_page(app: FastAPI, db: Session) -> None:
    org = factories.org(db)
    factories_token = factories.bearer(factories.token(db, org))
    db.commit()
    app.state.settings = app.state.settings.model_copy(update={"lookup_rate_limit": "3/hour"})
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post(
            "/api/v1/reports",
            headers=factories_token,
            json={"text": "llamaron del +52 55 9988 7766", "region": "MX"},
        )
        db.execute(update(Report).values(created_at=utcnow() - timedelta(days=2)))
        db.commit()
        form = client.get("/consulta", headers={"Accept-Language": "es"})
        assert "¿Ya reportaron este número?" in form.text
        hit = client.post(
            "/consulta", data={"value": "55-99-88-77-66"}, headers={"Accept-Language": "es"}
        )
        assert hit.status_code == 200
        assert "Otra familia ya lo reportó." in hit.text
        assert "+525599887766" in hit.text
        miss = client.post(
            "/consulta", data={"value": "+1 713 555 0123"}, headers={"Accept-Language": "es"}
        )
        assert "Ninguna otra familia lo ha reportado todavía." in miss.text
        bad = client.post("/consulta", data={"value": "hola"}, headers={"Accept-Language": "es"})
        assert bad.status_code == 422
        assert "no parece" in bad.text
        limited = client.post("/consulta", data={"value": "+525599887766"})
        assert limited.status_code == 429


@pytest.mark.parametrize("lang", ["es", "en", "pt", "fr"])
def test_public_lines_are_named_before_anyone_reports_them(
    client: TestClient, db: Session, lang: str
) -> None:
    """The warning list's reason, in the asker's language, in every look-up: a number nobody
    reported yet (until now only the message check said so), and short numbers too."""
    _ = gettext_for(lang)
    reason = default_warning_list().reason
    org = factories.org(db)
    member = {**factories.bearer(factories.token(db, org)), "Accept-Language": lang}
    db.commit()
    stranger = {"Accept-Language": lang}

    line = client.get("/api/v1/lookup", params={"value": "089"}, headers=stranger).json()
    assert line == {
        "type": "phone",
        "value": "+52089",
        "reported": False,
        "times": "0",
        "warning": _(str(reason("phone", "+52089"))),
        "ambiguous_with": [],
    }
    emergency = client.get("/api/v1/lookup", params={"value": "911"}, headers=stranger).json()
    assert (emergency["value"], emergency["ambiguous_with"]) == (
        "+52911",
        ["+1911", "+504911", "+503911"],
    )
    assert emergency["warning"] == _(str(reason("phone", "+52911")))
    us = client.get(
        "/api/v1/lookup", params={"value": "911", "region": "US"}, headers=stranger
    ).json()
    assert us["value"] == "+1911"
    consejo = client.get(
        "/api/v1/lookup", params={"value": "55 5533 5533", "region": "MX"}, headers=member
    ).json()
    assert (consejo["count"], consejo["warning"]) == (
        0,
        _(str(reason("phone", "+525555335533"))),
    )
    lifeline = client.get(
        "/api/v1/lookup", params={"value": "800 273 8255", "region": "MX"}, headers=member
    ).json()
    assert (lifeline["value"], lifeline["ambiguous_with"]) == ("+18002738255", ["+528002738255"])
    assert lifeline["warning"] == _(str(reason("phone", "+18002738255")))
    plain = client.get("/api/v1/lookup", params={"value": "+525512345678"}, headers=stranger)
    assert "warning" not in plain.json()
    assert client.get("/api/v1/lookup", params={"value": "123"}).status_code == 422

    page = client.post("/consulta", data={"value": "1574"}, headers=stranger)
    assert page.status_code == 200
    headline = _("This is a public line, not an extortioner: %(reason)s") % {
        "reason": _(str(reason("phone", "+5021574")))
    }
    assert str(escape(headline)) in page.text  # as Jinja writes it

    check = client.post(
        "/api/v1/check",
        json={"text": "Llame al Consejo Ciudadano, 55 5533 5533, antes de pagar.", "lang": lang},
    ).json()
    assert check["indicators"][0]["warning"] == gettext_for(check["lang"])(
        str(reason("phone", "+525555335533"))
    )


def test_analysts_see_their_networks_and_why_reports_are_linked(
    client: TestClient, db: Session
) -> None:
    from tests.integration.test_pages import HTML, login

    org = factories.org(db)
    analyst = factories.user(db, org)
    stranger = factories.user(db, factories.org(db))
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    for text in (
        "pidieron depositar a la CLABE 002180700123456788",
        "la misma CLABE 002 180 700123456788 y el 55 1234 5678",
        "whats +52 1 55 1234 5678",
    ):
        client.post(
            "/api/v1/reports",
            headers=headers,
            json={"text": text, "region": "MX", "amount": "100", "currency": "MXN"},
        )
    assert client.get("/redes", headers=HTML, follow_redirects=False).status_code in (303, 401)
    login(client, analyst.email, factories.PASSWORD)
    listing = client.get("/redes", headers=HTML)
    assert listing.status_code == 200
    assert "1 red con dos o más reportes." in listing.text
    cluster_id = int(listing.text.split('href="/redes/')[1].split('"')[0])
    detail = client.get(f"/redes/{cluster_id}", headers=HTML)
    assert detail.status_code == 200
    assert "002 •••• 6788" in detail.text
    assert "002180700123456788" not in detail.text  # masked, even for staff pages
    assert "300.00 MXN" in detail.text
    assert "Por qué están vinculados" in detail.text
    client.post("/logout", headers=HTML)
    login(client, stranger.email, factories.PASSWORD)
    assert client.get(f"/redes/{cluster_id}", headers=HTML).status_code == 404
    assert "Todavía no hay redes" in client.get("/redes", headers=HTML).text


def test_partners_read_what_is_shared_with_partners_after_a_preview(
    client: TestClient, db: Session
) -> None:
    from amparo.network import service as network

    mine, partner, stranger = (
        factories.org(db, name="Casa A"),
        factories.org(db, name="Casa B"),
        factories.org(db, name="Casa C"),
    )
    network.add_partnership(session=db, org_id=mine.id, partner_id=partner.id)
    writer = factories.bearer(factories.token(db, mine))
    partner_reader = factories.bearer(factories.token(db, partner, [Scope.REPORTS_READ]))
    stranger_reader = factories.bearer(factories.token(db, stranger, [Scope.REPORTS_READ]))
    db.commit()
    created = client.post(
        "/api/v1/reports",
        headers=writer,
        json={
            "text": "llamaron del +52 55 1212 3434",
            "narrative": "la señora lloraba",
            "region": "MX",
        },
    ).json()
    url = f"/api/v1/reports/{created['id']}/sharing"
    preview = client.get(url, params={"level": "partners"}, headers=writer).json()
    assert preview["organisations"] == ["Casa B"]
    assert preview["indicators"] == [["phone", "+525512123434"]]
    assert "narrative" in preview["withheld"]
    everyone = client.get(url, params={"level": "network"}, headers=writer).json()
    assert {"Casa B", "Casa C"} <= set(everyone["organisations"])

    def seen_by(headers: dict[str, str]) -> int:
        return client.get(
            "/api/v1/lookup", params={"value": "+525512123434"}, headers=headers
        ).json()["count"]

    assert (seen_by(partner_reader), seen_by(stranger_reader)) == (0, 0)
    assert client.put(url, json={"level": "partners"}, headers=writer).status_code == 200
    assert (seen_by(partner_reader), seen_by(stranger_reader)) == (1, 0)
    assert client.put(url, json={"level": "network"}, headers=writer).status_code == 200
    assert (seen_by(partner_reader), seen_by(stranger_reader)) == (1, 1)
    assert client.put(url, json={"level": "everyone"}, headers=writer).status_code == 422
    # Only the owner changes or previews its report.
    assert (
        client.get(
            url, params={"level": "own"}, headers=factories.bearer(factories.token(db, partner))
        ).status_code
        == 404
    )


def test_deleting_the_bridge_report_splits_its_network(client: TestClient, db: Session) -> None:
    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    ids = [
        client.post("/api/v1/reports", headers=headers, json={"text": text, "region": "MX"}).json()
        for text in (
            "llamaron del +52 55 1111 2222",
            "escriban a cobros.norte@example.org",
            "el +52 55 1111 2222 dio el correo cobros.norte@example.org",
        )
    ]
    (cluster,) = client.get("/api/v1/clusters", headers=headers).json()
    assert sorted(cluster["report_ids"]) == sorted(r["id"] for r in ids)
    assert client.delete(f"/api/v1/reports/{ids[2]['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/clusters", headers=headers).json() == []
    assert client.delete(f"/api/v1/reports/{ids[2]['id']}", headers=headers).status_code == 404
    found = client.get("/api/v1/lookup", params={"value": "+525511112222"}, headers=headers)
    assert found.json()["count"] == 1
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.org_id == org.id)).all()
    assert "report.delete" in actions


def test_clusters_come_largest_first_and_only_as_many_as_asked(
    client: TestClient, db: Session
) -> None:
    """Networks of 3, 2 and 2 reports and one lone report: the list is one grouped query plus
    the clusters it shows (``service.cluster_candidates``), largest first."""
    from amparo.network import service

    org = factories.org(db)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    for phone, times in (("+525511110000", 2), ("+525522220000", 3), ("+525533330000", 2)):
        for _ in range(times):
            client.post(
                "/api/v1/reports",
                headers=headers,
                json={"indicators": [{"type": "phone", "value": phone}]},
            )
    client.post("/api/v1/reports", headers=headers, json={"text": "escribió lobo@example.org"})
    sizes = [len(c["report_ids"]) for c in client.get("/api/v1/clusters", headers=headers).json()]
    assert sizes == [3, 2, 2]
    two = client.get("/api/v1/clusters", params={"limit": 2}, headers=headers).json()
    assert [len(c["report_ids"]) for c in two] == [3, 2]
    assert two[1]["report_ids"] == sorted(two[1]["report_ids"])
    everything = client.get("/api/v1/clusters", params={"min_size": 1}, headers=headers).json()
    assert [len(c["report_ids"]) for c in everything] == [3, 2, 2, 1]
    ids, total = service.cluster_candidates(db, org_id=org.id, min_size=2, limit=1)
    assert (len(ids), total) == (1, 3)
    (largest,) = service.clusters_for(session=db, org_id=org.id, cluster_ids=ids)
    assert len(largest.report_ids) == 3


def test_an_empty_value_is_said_plainly(client: TestClient) -> None:
    """Found by QA: "Necesita al menos 1 caracteres" (pydantic's minimum of one, said as a
    count in every language)."""
    empty = client.get("/api/v1/lookup", params={"value": ""}, headers={"Accept-Language": "es"})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["message"] == "Esto no puede estar vacío."


def test_a_network_with_one_readable_report_has_no_empty_why_heading(
    client: TestClient, db: Session
) -> None:
    """Found by QA: with one report of the network readable, "Why they are linked" headed an
    empty list."""
    from tests.integration.test_pages import HTML, login

    mine, theirs = factories.org(db), factories.org(db)
    analyst = factories.user(db, mine)
    tokens = [factories.bearer(factories.token(db, org)) for org in (mine, theirs)]
    db.commit()
    phone = {"indicators": [{"type": "phone", "value": "+525511112233"}]}
    created = [client.post("/api/v1/reports", headers=h, json=phone).json() for h in tokens]
    # linked across organisations, each naming the network by the report it may read
    stored = [db.get_one(Report, c["id"]) for c in created]
    assert stored[0].cluster_id == stored[1].cluster_id
    assert [c["cluster_id"] for c in created] == [c["id"] for c in created]
    login(client, analyst.email, factories.PASSWORD)
    detail = client.get(f"/redes/{created[0]['cluster_id']}", headers=HTML)
    assert detail.status_code == 200
    assert "+52 55 1111 2233" in detail.text or "5511112233" in detail.text
    assert "Por qué están vinculados" not in detail.text


def test_a_signed_in_analyst_gets_the_members_answer_on_the_look_up_page(
    client: TestClient, db: Session
) -> None:
    """Found by QA: analysts got the stranger's answer on /consulta (blind to the last day,
    bucketed, and under the shared connection's anonymous limit)."""
    from tests.integration.test_pages import HTML, login

    org = factories.org(db)
    analyst = factories.user(db, org)
    headers = factories.bearer(factories.token(db, org))
    db.commit()
    for text in ("deposite al 55 4433 2211", "el mismo 55 4433 2211 otra vez"):
        client.post("/api/v1/reports", headers=headers, json={"text": text, "region": "MX"})
    stranger = client.post("/consulta", data={"value": "+52 55 4433 2211"}, headers=HTML)
    assert "Ninguna otra familia lo ha reportado" in stranger.text  # today's: not counted
    login(client, analyst.email, factories.PASSWORD)
    member = client.post("/consulta", data={"value": "+52 55 4433 2211"}, headers=HTML)
    assert member.status_code == 200
    assert "fue reportado 2 veces" in member.text
    assert "Su red reúne 2 reportes que su organización puede leer." in member.text
    assert "Ninguna otra familia" not in member.text
    network = member.text.split('href="/redes/')[1].split('"')[0]
    assert client.get(f"/redes/{network}", headers=HTML).status_code == 200  # it opens
