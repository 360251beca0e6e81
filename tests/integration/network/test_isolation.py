"""What one organisation sees of another's reports, through every door: the report, the list,
the network pages, API and CLI, the paths between reports and the look-up (real databases)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts.models import Organisation
from amparo.errors import InvalidInput, NotFound
from amparo.network import service
from amparo.network.models import Report
from tests import factories
from tests.integration.test_pages import HTML, login

PHONE = "+52551234%04d"
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


def _report(db: Session, org: Organisation, *phones: str, **extra: Any) -> int:
    data = service.ReportIn(
        indicators=tuple(service.IndicatorIn("phone", p) for p in phones), **extra
    )
    return service.create_report(session=db, org_id=org.id, data=data, region="MX").id


def _links(page: str) -> list[str]:
    """The "why they are linked" list of a network page, one line of text per path."""
    listed = page.split('<ol class="advice">')[1].split("</ol>")[0]
    return [" ".join(item.split("</li>")[0].split()) for item in listed.split("<li>")[1:]]


def test_a_network_page_never_explains_a_link_through_a_private_report(
    client: TestClient, db: Session
) -> None:
    """Demo's chain A–B–C–D; Sur's private report mentions A's and D's numbers, the shortest
    way from A to D. Demo is told A–B–C–D, and never sees Sur's report anywhere."""
    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    analyst = factories.user(db, demo)
    demo_api = factories.bearer(factories.token(db, demo))
    chain = [
        _report(db, demo, PHONE % 1, PHONE % 12, external_id="chain-A"),
        _report(db, demo, PHONE % 12, PHONE % 23, external_id="chain-B"),
        _report(db, demo, PHONE % 23, PHONE % 34, external_id="chain-C"),
        _report(db, demo, PHONE % 34, PHONE % 4, external_id="chain-D"),
    ]
    secret = _report(db, sur, PHONE % 1, PHONE % 4, external_id="SUR-SECRETO-victima-Maria")
    db.commit()
    cluster_id = db.get_one(Report, chain[0]).cluster_id
    assert db.get_one(Report, secret).cluster_id == cluster_id

    login(client, analyst.email, factories.PASSWORD)
    page = client.get(f"/redes/{chain[0]}", headers=HTML)
    assert page.status_code == 200
    assert "SUR-SECRETO" not in page.text
    to_d = _links(page.text)[-1]
    assert "chain-A" in to_d
    assert to_d.index("chain-B") < to_d.index("chain-C") < to_d.index("chain-D"), to_d
    graph = json.loads(page.text.split('id="graph-data">')[1].split("</script>")[0])
    assert [r["id"] for r in graph["reports"]] == chain

    # The same network through the API and the CLI's view (``amparo network clusters``).
    (listed,) = client.get("/api/v1/clusters", headers=demo_api).json()
    assert listed["report_ids"] == chain
    (viewed,) = service.iter_clusters(db, org_id=demo.id)
    assert viewed.report_ids == chain
    assert viewed.external_ids == ["chain-A", "chain-B", "chain-C", "chain-D"]

    path = service.path_between(db, chain[0], chain[3], org_id=demo.id)
    assert path is not None
    assert [report_id for report_id, _ in path] == chain
    explained = service.explain(db, chain[0], chain[3], org_id=demo.id)
    assert [s.external_id for s in explained.steps] == ["chain-A", "chain-B", "chain-C", "chain-D"]
    assert not explained.hidden


def test_a_link_only_through_reports_one_may_not_read_is_said_without_naming_them(
    db: Session,
) -> None:
    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    first = _report(db, demo, PHONE % 101, external_id="demo-1")
    second = _report(db, demo, PHONE % 202, external_id="demo-2")
    bridge = _report(db, sur, PHONE % 101, PHONE % 202, external_id="SUR-SECRETO-puente")
    assert service.path_between(db, first, second, org_id=demo.id) is None
    hidden = service.explain(db, first, second, org_id=demo.id)
    assert hidden.hidden
    assert [(s.report_id, s.external_id, s.via_display) for s in hidden.steps] == [
        (first, "demo-1", None),
        (second, "demo-2", None),
    ]
    # Sur may not read Demo's reports: to Sur they are not a pair it can ask about.
    with pytest.raises(NotFound):
        service.path_between(db, first, second, org_id=sur.id)

    # Shared with the whole network, the bridge may be walked, but its reference stays Sur's.
    service.set_sharing(session=db, org_id=sur.id, report_id=bridge, level="network")
    shared = service.explain(db, first, second, org_id=demo.id)
    assert not shared.hidden
    assert [(s.report_id, s.external_id) for s in shared.steps] == [
        (first, "demo-1"),
        (bridge, None),
        (second, "demo-2"),
    ]
    (view,) = service.clusters_for(db, org_id=demo.id)
    assert view.external_ids == ["demo-1", "demo-2", None]
    graph = service.graph_of(db, view)
    assert {r["label"] for r in graph["reports"]} == {"demo-1", "demo-2", f"#{bridge}"}


def test_a_network_counts_only_the_amounts_one_may_read(client: TestClient, db: Session) -> None:
    """A partner's amounts stay with it, even summed into a network's totals."""
    demo, norte = _partners(db)
    demo_api = factories.bearer(factories.token(db, demo))
    db.commit()
    _post(
        client,
        demo_api,
        text="llamaron del 55 1234 0301",
        amount="100",
        currency="MXN",
        sharing="partners",
    )
    norte_api = factories.bearer(factories.token(db, norte))
    db.commit()
    _post(
        client,
        norte_api,
        text="el 55 1234 0301 otra vez",
        amount="7777",
        amount_paid="555",
        currency="USD",
        sharing="partners",
    )
    (mine,) = client.get("/api/v1/clusters", headers=demo_api).json()
    assert (mine["demanded"], mine["paid"]) == ({"MXN": "100.00"}, {})
    assert len(mine["report_ids"]) == 2
    (theirs,) = client.get("/api/v1/clusters", headers=norte_api).json()
    assert (theirs["demanded"], theirs["paid"]) == ({"USD": "7777.00"}, {"USD": "555.00"})


def test_a_look_up_counts_only_the_reports_one_may_read(client: TestClient, db: Session) -> None:
    """Norte (Demo's partner) finds the one report Demo shared with it: a network of one, not
    of four; Demo finds its own report among Sur's private ones: a network of one."""
    demo, norte = _partners(db)
    sur = factories.org(db, name="Sur")
    norte_api = factories.bearer(factories.token(db, norte))
    demo_api = factories.bearer(factories.token(db, demo))
    shared = service.create_report(
        session=db,
        org_id=demo.id,
        data=service.ReportIn(
            indicators=(
                service.IndicatorIn("name", "Rosa Diaz"),
                service.IndicatorIn("phone", PHONE % 501),
            ),
            sharing="partners",
            category="virtual_kidnapping",
        ),
        region="MX",
    )
    _report(db, demo, PHONE % 501, PHONE % 502, category="sextortion")
    _report(db, demo, PHONE % 502, PHONE % 503, category="other_scam")
    _report(db, demo, PHONE % 503)
    db.commit()

    found = client.get("/api/v1/lookup", params={"value": "name:Rosa Diaz"}, headers=norte_api)
    assert found.status_code == 200, found.text
    assert (found.json()["count"], found.json()["cluster_size"]) == (1, 1)
    assert found.json()["categories"] == ["virtual_kidnapping"]
    mine = service.lookup(db, "name:Rosa Diaz", org_id=demo.id)
    assert (mine.reported, mine.cluster_size) == (1, 4)

    # Five private reports of Sur mention the number of one of Demo's reports.
    for _ in range(5):
        _report(db, sur, PHONE % 503, category="telephone_extortion")
    db.commit()
    found = client.get("/api/v1/lookup", params={"value": PHONE % 503}, headers=demo_api).json()
    assert (found["count"], found["cluster_size"]) == (2, 4)
    assert found["categories"] == ["other_scam"]
    assert service.lookup(db, PHONE % 503, org_id=sur.id).cluster_size == 5
    assert db.get_one(Report, shared.id).cluster_id is not None
    lonely = _report(db, demo, PHONE % 777)
    for _ in range(3):
        _report(db, sur, PHONE % 777)
    assert service.lookup(db, PHONE % 777, org_id=demo.id).cluster_size == 1
    assert db.get_one(Report, lonely).cluster_id is not None


def test_the_review_flag_is_raised_by_the_reports_one_may_read(db: Session) -> None:
    """A number in more than ``REVIEW_AFTER`` reports is flagged for review — counted among
    the reports the organisation may read, so the flag never tells it how many it may not."""
    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    _report(db, demo, PHONE % 601, PHONE % 602)
    _report(db, demo, PHONE % 602)
    for _ in range(service.REVIEW_AFTER + 1):
        _report(db, sur, PHONE % 601)
    (view,) = service.clusters_for(db, org_id=demo.id)
    assert len(view.report_ids) == 2
    assert not any(i.get("review") for i in view.indicators)
    (theirs,) = service.clusters_for(db, org_id=sur.id)
    assert [i["display"] for i in theirs.indicators if i.get("review")] == ["+525512340601"]


def test_trends_sum_only_the_amounts_one_may_read(client: TestClient, db: Session) -> None:
    """A week with one report a partner shared must not show that report's amount."""
    demo, norte = _partners(db)
    demo_api = factories.bearer(factories.token(db, demo))
    norte_api = factories.bearer(factories.token(db, norte))
    db.commit()
    day = "2026-03-04"
    _post(
        client,
        demo_api,
        text="llamaron del 55 1234 0701",
        amount="100",
        currency="MXN",
        reported_at=f"{day}T12:00:00Z",
    )
    _post(
        client,
        norte_api,
        text="el 55 1234 0702",
        amount="7777",
        currency="USD",
        amount_paid="555",
        sharing="partners",
        reported_at=f"{day}T13:00:00Z",
    )
    params = {"since": day, "until": day, "bucket": "week"}
    (period,) = client.get("/api/v1/trends", params=params, headers=demo_api).json()["periods"]
    assert period["reports"] == 2  # the shared report counts; its amounts stay with Norte
    assert (period["demanded"], period["paid"]) == ({"MXN": "100.00"}, {})
    (theirs,) = client.get("/api/v1/trends", params=params, headers=norte_api).json()["periods"]
    assert (theirs["demanded"], theirs["paid"]) == ({"USD": "7777.00"}, {"USD": "555.00"})


def test_a_network_gives_the_places_of_ones_own_reports(client: TestClient, db: Session) -> None:
    """Cluster stats carry places: the ones the organisation's own reports give most (as
    written, counted case- and space-blind); a partner's places stay with the partner."""
    demo, norte = _partners(db)
    demo_api = factories.bearer(factories.token(db, demo))
    norte_api = factories.bearer(factories.token(db, norte))
    db.commit()
    for place in ("Tapachula, Chiapas", "tapachula,  chiapas", "Reynosa"):
        _post(client, demo_api, text="llamaron del 55 1234 0401", place=place, sharing="partners")
    _post(client, demo_api, text="el 55 1234 0401, sin lugar", sharing="partners")
    _post(client, norte_api, text="el 55 1234 0401 otra vez", place="Nogales", sharing="partners")
    (mine,) = client.get("/api/v1/clusters", headers=demo_api).json()
    assert len(mine["report_ids"]) == 5
    assert mine["places"] == [
        {"place": "Tapachula, Chiapas", "reports": 2},
        {"place": "Reynosa", "reports": 1},
    ]
    (theirs,) = client.get("/api/v1/clusters", headers=norte_api).json()
    assert theirs["places"] == [{"place": "Nogales", "reports": 1}]
    analyst = factories.user(db, demo)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)
    page = client.get(f"/redes/{mine['cluster_id']}", headers=HTML)
    assert page.status_code == 200
    assert "Tapachula, Chiapas (2), Reynosa (1)" in page.text
    assert "Nogales" not in page.text


def test_strangers_cannot_look_names_up(client: TestClient, db: Session) -> None:
    """An extortioner could otherwise ask whether his alias was reported."""
    demo, _norte = _partners(db)
    _report(db, demo, PHONE % 77)
    db.commit()
    refused = client.get("/api/v1/lookup", params={"value": "name:El Chato"})
    assert refused.status_code in (400, 422)
    assert refused.json()["errors"][0]["field"] == "value"
    with pytest.raises(InvalidInput):
        service.lookup(db, "name:El Chato", org_id=None)
    assert service.lookup(db, "name:El Chato", org_id=demo.id).reported == 0
    page = client.post("/consulta", data={"value": "name:El Chato"}, headers=HTML)
    assert page.status_code in (400, 422)
    assert "miembros de una organización" in page.text


def test_every_readable_piece_of_a_network_can_be_opened(client: TestClient, db: Session) -> None:
    """Sur's private report is the only bridge between Demo's two pairs: Demo sees two pieces
    of one network, each on the list, each its own network with its own id (its first report)
    and each openable, and the page of a report opens the piece that holds it."""
    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    analyst = factories.user(db, demo)
    left = [
        _report(db, demo, PHONE % 1, PHONE % 12, external_id="left-1"),
        _report(db, demo, PHONE % 12, external_id="left-2"),
        _report(db, demo, PHONE % 12, external_id="left-3"),
    ]
    right = [
        _report(db, demo, PHONE % 4, PHONE % 45, external_id="right-1"),
        _report(db, demo, PHONE % 45, external_id="right-2"),
    ]
    _report(db, sur, PHONE % 1, PHONE % 4, external_id="SUR-puente")
    db.commit()
    cluster_id = db.get_one(Report, left[0]).cluster_id
    assert db.get_one(Report, right[0]).cluster_id == cluster_id

    login(client, analyst.email, factories.PASSWORD)
    listing = client.get("/redes", headers=HTML).text
    assert f'href="/redes/{left[0]}"' in listing
    assert f'href="/redes/{right[0]}"' in listing
    assert "parte 1 de 2" in listing
    assert "parte 2 de 2" in listing
    api = client.get("/api/v1/clusters", headers=factories.bearer(factories.token(db, demo)))
    assert [
        (c["cluster_id"], c["piece"], c["pieces"], c["other_pieces"], c["report_ids"])
        for c in api.json()
    ] == [(left[0], 1, 2, [right[0]], left), (right[0], 2, 2, [left[0]], right)]

    def graph_reports(page: str) -> list[int]:
        graph = json.loads(page.split('id="graph-data">')[1].split("</script>")[0])
        return [r["id"] for r in graph["reports"]]

    larger = client.get(f"/redes/{left[0]}", headers=HTML)
    assert graph_reports(larger.text) == left
    assert f'href="/redes/{right[0]}"' in larger.text  # the other piece
    smaller = client.get(f"/redes/{right[0]}", headers=HTML)
    assert smaller.status_code == 200
    assert graph_reports(smaller.text) == right
    assert f'href="/redes/{left[0]}"' in smaller.text
    for page in (larger.text, smaller.text, listing):
        assert "SUR-puente" not in page
    # any report of a piece opens it, under the piece's id
    moved = client.get(f"/redes/{right[1]}", headers=HTML, follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, f"/redes/{right[0]}")
    report_page = client.get(f"/reportes/{right[1]}", headers=HTML).text
    assert f'href="/redes/{right[0]}"' in report_page
    # a report one may not read, or an id no report can hold: 404
    theirs = db.scalar(select(Report.id).where(Report.external_id == "SUR-puente"))
    assert client.get(f"/redes/{theirs}", headers=HTML).status_code == 404
    assert client.get("/redes/0", headers=HTML).status_code == 404


def test_a_report_never_tells_its_organisation_that_a_private_report_holds_its_number(
    client: TestClient, db: Session
) -> None:
    """Found by the security QA round: a report's network id was the deployment's cluster id,
    so an organisation that stored a number only Sur had reported, privately, got Sur's older
    id back — at once and without limit — instead of a new one. Now every answer about a
    report that joins only reports one may not read is the answer about a new number."""
    from amparo.network import export

    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    analyst = factories.user(db, demo)
    _report(db, sur, PHONE % 1, external_id="SUR-1")
    _report(db, sur, PHONE % 1, external_id="SUR-2")
    demo_api = factories.bearer(factories.token(db, demo))
    db.commit()
    burned = _post(client, demo_api, indicators=[{"type": "phone", "value": PHONE % 1}])
    fresh = _post(client, demo_api, indicators=[{"type": "phone", "value": PHONE % 2}])
    stored = db.get_one(Report, burned["id"])
    assert stored.cluster_id is not None
    sur_cluster = db.scalar(select(Report.cluster_id).where(Report.external_id == "SUR-1"))
    assert stored.cluster_id == sur_cluster  # linked, as it must be for Sur

    def answers(report: dict[str, Any]) -> list[object]:
        """Everything Demo is told about the report's network, with its id in place of the
        report's own."""
        rid = report["id"]
        read = client.get(f"/api/v1/reports/{rid}", headers=demo_api).json()
        (row,) = [
            r
            for r in client.get("/api/v1/reports", headers=demo_api).json()["items"]
            if r["id"] == rid
        ]
        (view,) = [
            c
            for c in client.get("/api/v1/clusters", params={"min_size": 1}, headers=demo_api).json()
            if rid in c["report_ids"]
        ]
        filtered = client.get(
            "/api/v1/reports", params={"cluster_id": rid}, headers=demo_api
        ).json()["items"]
        found = service.lookup(db, read["indicators"][0]["display"], org_id=demo.id, region="MX")
        (csv_row,) = [r for r in export.rows(db, org_id=demo.id) if r.value == found.value]
        return [
            report["cluster_id"] - rid,
            read["cluster_id"] - rid,
            row["cluster_id"] - rid,
            (view["cluster_id"] - rid, view["report_ids"], view["pieces"], view["other_pieces"]),
            [r["id"] for r in filtered],
            (found.reported, found.cluster_size, (found.network or 0) - rid),
            sorted(c - rid for c in csv_row.clusters),
        ]

    assert answers(burned) == [0, 0, 0, (0, [burned["id"]], 1, []), [burned["id"]], (1, 1, 0), [0]]
    assert answers(fresh) == [0, 0, 0, (0, [fresh["id"]], 1, []), [fresh["id"]], (1, 1, 0), [0]]
    login(client, analyst.email, factories.PASSWORD)
    page = client.get(f"/reportes/{burned['id']}", headers=HTML).text
    assert f'href="/redes/{burned["id"]}"' in page
    network_page = client.get(f"/redes/{burned['id']}", headers=HTML).text
    assert "SUR-" not in network_page
    assert "Reportes que su organización no puede leer" not in network_page


def test_the_graph_never_shows_a_stored_indicator_id(client: TestClient, db: Session) -> None:
    """Found in review: the network page's graph named each indicator by its stored id, and a
    value someone had reported before, even privately, kept its older, smaller id: one test
    report told whether a number was known. The graph numbers them on the page."""
    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    analyst = factories.user(db, demo)
    for k in range(5):
        _report(db, sur, PHONE % (100 + k))
    burned = _report(db, demo, PHONE % 100)
    fresh = _report(db, demo, PHONE % 999)
    db.commit()
    login(client, analyst.email, factories.PASSWORD)

    def graph(report_id: int) -> dict[str, Any]:
        page = client.get(f"/redes/{report_id}", headers=HTML).text
        data: dict[str, Any] = json.loads(page.split('id="graph-data">')[1].split("</script>")[0])
        return data

    for report_id in (burned, fresh):
        assert graph(report_id) == {
            "reports": [{"id": report_id, "label": f"#{report_id}"}],
            "indicators": [{"id": 1, "label": graph(report_id)["indicators"][0]["label"]}],
            "edges": [[report_id, 1]],
        }


def test_no_order_or_count_tells_of_a_private_report(client: TestClient, db: Session) -> None:
    """Found in review: ties in the list of networks were broken by the cluster's id, and
    ties among a network's top values by the value's stored id — both older when another
    organisation had reported the value privately; and the dashboard counted clusters, so two
    of Demo's networks joined only by Sur's private report counted as one."""
    from amparo.network import reports

    demo, sur = factories.org(db, name="Demo"), factories.org(db, name="Sur")
    _report(db, sur, PHONE % 1)  # private, and first: 1 is known
    _report(db, sur, PHONE % 8)  # the same for 8
    _report(db, sur, PHONE % 5, PHONE % 6)  # private: links 5 and 6
    for phone in (PHONE % 3, PHONE % 3, PHONE % 1, PHONE % 1):
        _report(db, demo, phone)
    db.commit()
    ids, _total = service.cluster_candidates(db, org_id=demo.id, min_size=2, limit=1)
    (first,) = service.clusters_for(db, org_id=demo.id, cluster_ids=ids)
    assert str(first.indicators[0]["display"]).endswith("0003")  # its first report is first
    for phone in (PHONE % 5, PHONE % 5, PHONE % 6, PHONE % 6):
        _report(db, demo, phone)
    db.commit()
    _ids, total = service.cluster_candidates(db, org_id=demo.id, min_size=2, limit=0)
    assert total == reports.overview(session=db, org_id=demo.id).networks == 4
    views = service.clusters_for(db, org_id=demo.id)
    assert len(views) == 4
    assert [v.id for v in views] == sorted(v.id for v in views)
    # a network's values, tied, in the order they first appear (9 before 8, which Sur had)
    chain = [_report(db, demo, PHONE % 9), _report(db, demo, PHONE % 8, PHONE % 9)]
    chain.append(_report(db, demo, PHONE % 8))
    db.commit()
    (view,) = [v for v in service.clusters_for(db, org_id=demo.id) if v.id == chain[0]]
    assert [str(i["display"])[-4:] for i in view.indicators] == ["0009", "0008"]
