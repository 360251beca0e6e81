"""Editing, closing, listing and counting reports, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.errors import Conflict, InvalidInput, NotFound
from amparo.network import reports, service
from amparo.network.models import Cluster, IndicatorKey, Mention, Report, ReportStatus
from amparo.network.reports import ReportFilters
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories
from tests.integration.network.test_linking import PHONES, clusters, report


def _ids(page: reports.ReportPage) -> list[int]:
    return [row.id for row in page.items]


def _consistent(db: Session) -> None:
    """Cluster sizes and indicator counts agree with the rows they summarise."""
    for cluster in db.scalars(select(Cluster)):
        live = db.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.cluster_id == cluster.id, Report.status != ReportStatus.RETRACTED)
        )
        assert cluster.size == live, f"cluster {cluster.id}"
    for key in db.scalars(select(IndicatorKey)):
        mentioned = db.scalar(
            select(func.count(func.distinct(Mention.report_id)))
            .join(Report, Report.id == Mention.report_id)
            .where(Mention.indicator_id == key.id, Report.status != ReportStatus.RETRACTED)
        )
        assert key.report_count == mentioned, f"indicator {key.id}"


def test_editing_away_the_bridge_splits_and_adding_a_shared_number_joins(db: Session) -> None:
    org = factories.org(db)
    a = report(db, org.id, PHONES[0])
    b = report(db, org.id, PHONES[1])
    bridge = service.create_report(
        session=db,
        org_id=org.id,
        data=ReportIn(text=f"llamaron del {PHONES[0]} y luego del {PHONES[1]}"),
    )
    assert clusters(db) >= {frozenset({a.id, b.id, bridge.id})}
    edited = reports.update_report(
        session=db,
        org_id=org.id,
        report_id=bridge.id,
        changes={"text": f"sólo llamaron del {PHONES[2]}"},
    )
    assert [m.display for m in edited.mentions] == [PHONES[2]]
    mine = {g for g in clusters(db) if g & {a.id, b.id, bridge.id}}
    assert mine == {frozenset({a.id}), frozenset({b.id}), frozenset({bridge.id})}
    _consistent(db)
    # Adding a number b shares with a joins them again (a field indicator this time).
    reports.update_report(
        session=db,
        org_id=org.id,
        report_id=b.id,
        changes={"indicators": [IndicatorIn("phone", PHONES[1]), IndicatorIn("phone", PHONES[0])]},
    )
    mine = {g for g in clusters(db) if g & {a.id, b.id, bridge.id}}
    assert mine == {frozenset({a.id, b.id}), frozenset({bridge.id})}
    _consistent(db)
    assert service.lookup(db, PHONES[0], org_id=org.id).reported == 2
    assert service.lookup(db, PHONES[2], org_id=org.id).reported == 1


def test_an_edit_that_keeps_the_indicators_changes_fields_and_not_the_cluster(
    db: Session,
) -> None:
    org = factories.org(db)
    a = report(db, org.id, PHONES[0])
    b = service.create_report(
        session=db, org_id=org.id, data=ReportIn(text=f"llamaron del {PHONES[0]}")
    )
    cluster_id = b.cluster_id
    assert a.cluster_id == cluster_id
    when = datetime(2025, 1, 2, 10, tzinfo=UTC)
    edited = reports.update_report(
        session=db,
        org_id=org.id,
        report_id=b.id,
        changes={
            "text": f"Me llamaron ayer del {PHONES[0]}, pidieron dinero",
            "amount": "1,500",
            "currency": "mxn",
            "victim": "Doña R., Tegucigalpa",
            "reported_at": when,
            "category": "telephone_extortion",
        },
    )
    assert edited.cluster_id == cluster_id
    assert (edited.amount_demanded, edited.currency) == (Decimal("1500.00"), "MXN")
    assert edited.victim == "Doña R., Tegucigalpa"
    (mention,) = edited.mentions
    assert edited.text is not None
    assert edited.text[mention.start or 0 : mention.end] == PHONES[0]  # offsets follow the text
    key = db.get_one(IndicatorKey, mention.indicator_id)
    assert key.first_seen == when
    assert key.report_count == 2
    _consistent(db)


def test_bad_edits_are_refused_and_change_nothing(db: Session) -> None:
    org, other = factories.org(db), factories.org(db)
    a = report(db, org.id, PHONES[0], category="sextortion")
    with pytest.raises(InvalidInput, match="CLABE"):
        reports.update_report(
            session=db,
            org_id=org.id,
            report_id=a.id,
            changes={"indicators": [IndicatorIn("clabe", "002180700123456780")]},
        )
    with pytest.raises(InvalidInput, match="text, a narrative or indicators"):
        reports.update_report(session=db, org_id=org.id, report_id=a.id, changes={"indicators": []})
    with pytest.raises(InvalidInput, match="currency"):
        reports.update_report(session=db, org_id=org.id, report_id=a.id, changes={"currency": "$"})
    with pytest.raises(InvalidInput, match="cannot be changed"):
        reports.update_report(session=db, org_id=org.id, report_id=a.id, changes={"org_id": 1})
    with pytest.raises(InvalidInput, match="empty"):
        reports.update_report(session=db, org_id=org.id, report_id=a.id, changes={"channel": None})
    with pytest.raises(NotFound):
        reports.update_report(
            session=db, org_id=other.id, report_id=a.id, changes={"category": "other_scam"}
        )
    db.refresh(a)
    assert a.category == "sextortion"
    assert [m.value for m in a.mentions] == [PHONES[0]]
    service.retract(session=db, org_id=org.id, report_id=a.id)
    with pytest.raises(Conflict, match="retracted"):
        reports.update_report(
            session=db, org_id=org.id, report_id=a.id, changes={"category": "other_scam"}
        )
    with pytest.raises(Conflict, match="retracted"):
        reports.close_report(session=db, org_id=org.id, report_id=a.id)


def test_a_closed_report_stays_linked_and_counted(db: Session) -> None:
    org = factories.org(db)
    a = report(db, org.id, PHONES[0])
    b = report(db, org.id, PHONES[0])
    closed = reports.close_report(session=db, org_id=org.id, report_id=a.id)
    assert closed.status == ReportStatus.CLOSED
    assert closed.cluster_id == b.cluster_id
    assert service.lookup(db, PHONES[0], org_id=org.id).reported == 2
    assert [len(v.report_ids) for v in service.clusters_for(db, org_id=org.id)] == [2]
    # A closed report can still be corrected; the edit keeps its state.
    reports.update_report(
        session=db, org_id=org.id, report_id=a.id, changes={"category": "other_scam"}
    )
    assert db.get_one(Report, a.id).status == ReportStatus.CLOSED
    assert reports.reopen_report(session=db, org_id=org.id, report_id=a.id).status == "open"
    with pytest.raises(NotFound):
        reports.close_report(session=db, org_id=factories.org(db).id, report_id=a.id)


def test_the_list_filters_pages_and_shows_only_what_the_organisation_may_read(
    db: Session,
) -> None:
    mine, partner, stranger = factories.org(db), factories.org(db), factories.org(db)
    service.add_partnership(session=db, org_id=mine.id, partner_id=partner.id)

    def at(day: int) -> datetime:
        return datetime(2025, 3, day, 12, tzinfo=UTC)

    own = [
        report(db, mine.id, PHONES[0], reported_at=at(1), channel="call", category="sextortion"),
        report(db, mine.id, PHONES[1], reported_at=at(5), channel="sms"),
        service.create_report(
            session=db,
            org_id=mine.id,
            data=ReportIn(text=f"Llamaron del {PHONES[0]} pidiendo 20 mil", reported_at=at(9)),
        ),
    ]
    shared = report(db, partner.id, PHONES[0], reported_at=at(3), sharing="partners")
    report(db, partner.id, PHONES[0], reported_at=at(4))  # own-level: never listed for us
    report(db, stranger.id, PHONES[0], reported_at=at(6), sharing="partners")  # not our partner
    network = report(db, stranger.id, PHONES[2], reported_at=at(7), sharing="network")
    gone = report(db, mine.id, PHONES[3], reported_at=at(8))
    service.retract(session=db, org_id=mine.id, report_id=gone.id)

    def listed(page: int = 1, per_page: int = 50, **filters: object) -> reports.ReportPage:
        return reports.list_reports(
            session=db,
            org_id=mine.id,
            filters=ReportFilters(**filters),  # type: ignore[arg-type]
            page=page,
            per_page=per_page,
        )

    everything = listed()
    assert _ids(everything) == [own[2].id, network.id, own[1].id, shared.id, own[0].id]
    assert everything.total == 5
    first, second, third = listed(1, 2), listed(2, 2), listed(3, 2)
    assert _ids(first) + _ids(second) + _ids(third) == _ids(everything)
    assert (first.total, first.pages, len(third.items)) == (5, 3, 1)
    rows = {row.id: row for row in everything.items}
    assert rows[own[2].id].preview == f"Llamaron del {PHONES[0]} pidiendo 20 mil"
    assert rows[own[2].id].indicators == 1
    assert rows[shared.id].preview is None
    assert not rows[shared.id].own
    assert _ids(listed(own_only=True)) == [own[2].id, own[1].id, own[0].id]
    assert _ids(listed(channel="sms")) == [own[1].id]
    assert _ids(listed(category="sextortion")) == [own[0].id]
    # what the trends count as "unknown": no category given
    assert _ids(listed(category="unknown")) == [own[2].id, network.id, own[1].id, shared.id]
    assert _ids(listed(since=date(2025, 3, 3), until=date(2025, 3, 5))) == [own[1].id, shared.id]
    assert _ids(listed(indicator=PHONES[0])) == [own[2].id, shared.id, own[0].id]
    assert _ids(listed(indicator="55 9999 0000", region="MX")) == []
    assert _ids(listed(status="retracted")) == [gone.id]
    # The network as this organisation sees it (two of its five reports are not ours to read):
    # named by its first report we may read, and any of them filters on it.
    network_id = rows[shared.id].cluster_id
    assert network_id == own[0].id == rows[own[2].id].cluster_id
    assert rows[own[1].id].cluster_id == own[1].id  # a network of its own
    for named in (network_id, shared.id):
        assert _ids(listed(cluster_id=named)) == [own[2].id, shared.id, own[0].id]
    assert _ids(listed(cluster_id=gone.id)) == []
    reports.close_report(session=db, org_id=mine.id, report_id=own[1].id)
    assert _ids(listed(status="closed")) == [own[1].id]
    with pytest.raises(InvalidInput):
        listed(status="lost")
    with pytest.raises(InvalidInput, match="does not look like"):
        listed(indicator="hola")
    with pytest.raises(InvalidInput, match="after the end"):
        listed(since=date(2025, 3, 9), until=date(2025, 3, 1))
    # A partner may read the shared report, not the others'.
    assert reports.get_report(session=db, org_id=mine.id, report_id=shared.id).id == shared.id
    with pytest.raises(NotFound):
        reports.get_report(session=db, org_id=partner.id, report_id=own[0].id)


def test_trends_count_a_known_data_set(db: Session) -> None:
    org, other = factories.org(db), factories.org(db)

    def add(day: date, *phones: str, **extra: object) -> Report:
        when = datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC)
        return report(db, org.id, *phones, reported_at=when, **extra)

    # Week of Monday 2025-03-03 (Sunday the 9th late at night is still in it).
    add(date(2025, 3, 3), PHONES[0], channel="call", category="virtual_kidnapping",
        amount="1000", amount_paid="200.50", currency="MXN")  # fmt: skip
    add(date(2025, 3, 9), PHONES[0], channel="whatsapp", category="virtual_kidnapping",
        amount="500", currency="MXN")  # fmt: skip
    add(date(2025, 3, 9), PHONES[1], channel="call", amount="100", currency="USD")
    # Next week, and next month.
    add(date(2025, 3, 10), PHONES[1], channel="call", category="sextortion")
    add(date(2025, 4, 2), PHONES[2], channel="sms")
    gone = add(date(2025, 3, 4), PHONES[3], channel="sms", amount="99", currency="MXN")
    service.retract(session=db, org_id=org.id, report_id=gone.id)
    report(db, other.id, PHONES[0], reported_at=datetime(2025, 3, 5, tzinfo=UTC))  # not shared

    weekly = reports.trends(
        session=db, org_id=org.id, since=date(2025, 3, 1), until=date(2025, 4, 6), bucket="week"
    )
    by_start = {p.start: p for p in weekly.periods}
    assert [p.start for p in weekly.periods][:3] == [
        date(2025, 2, 24),
        date(2025, 3, 3),
        date(2025, 3, 10),
    ]
    assert len(weekly.periods) == 6  # empty weeks included
    first = by_start[date(2025, 3, 3)]
    assert first.reports == 3
    assert first.categories == {"unknown": 1, "virtual_kidnapping": 2}
    assert first.channels == {"call": 2, "whatsapp": 1}
    assert first.demanded == {"MXN": Decimal("1500.00"), "USD": Decimal("100.00")}
    assert first.paid == {"MXN": Decimal("200.50")}
    assert first.networks == 2  # PHONES[0]'s and PHONES[1]'s first reports are both in it
    second = by_start[date(2025, 3, 10)]
    assert (second.reports, second.channels, second.networks) == (1, {"call": 1}, 0)
    assert by_start[date(2025, 3, 31)].reports == 1
    assert by_start[date(2025, 2, 24)].reports == 0
    assert weekly.total("channels") == {"call": 3, "sms": 1, "whatsapp": 1}
    assert weekly.most == 3

    monthly = reports.trends(
        session=db, org_id=org.id, since=date(2025, 3, 1), until=date(2025, 4, 30), bucket="month"
    )
    assert [(p.start, p.reports, p.networks) for p in monthly.periods] == [
        (date(2025, 3, 1), 4, 2),
        (date(2025, 4, 1), 1, 0),
    ]
    with pytest.raises(InvalidInput):
        reports.trends(
            session=db, org_id=org.id, since=date(2025, 3, 1), until=date(2025, 3, 2), bucket="day"
        )
    with pytest.raises(InvalidInput, match="shorter"):
        reports.trends(
            session=db, org_id=org.id, since=date(2000, 1, 1), until=date(2025, 1, 1), bucket="week"
        )


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sets(st.integers(0, 3), max_size=2)),
        st.tuples(
            st.just("edit"), st.tuples(st.integers(0, 40), st.sets(st.integers(0, 3), max_size=2))
        ),
        st.tuples(st.just("retract"), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
# Always run: the bridge edited away, and a chain's middle edited to join its ends.
@example(operations=[("add", {0}), ("add", {1}), ("add", {0, 1}), ("edit", (2, {2}))])
@example(operations=[("add", {0}), ("add", {1}), ("add", {2}), ("edit", (1, {0, 2}))])
def test_clusters_equal_networkx_components_after_edits(
    db: Session, operations: list[tuple[str, object]]
) -> None:
    org = factories.org(db)
    live: list[tuple[int, set[int]]] = []
    for op, arg in operations:
        if op == "add":
            phones = sorted(arg)  # type: ignore[call-overload]
            created = service.create_report(
                session=db,
                org_id=org.id,
                data=ReportIn(
                    text=None if phones else "sin datos",
                    indicators=tuple(IndicatorIn("phone", PHONES[i]) for i in phones),
                ),
            )
            live.append((created.id, set(phones)))
        elif live and op == "edit":
            index, new = arg  # type: ignore[misc]
            report_id, _ = live[index % len(live)]
            reports.update_report(
                session=db,
                org_id=org.id,
                report_id=report_id,
                changes={
                    # a text when there is no indicator: a report must say something
                    "text": None if new else "ya no recuerda el número",
                    "indicators": [IndicatorIn("phone", PHONES[i]) for i in sorted(new)],
                },
            )
            live[index % len(live)] = (report_id, set(new))
        elif live:
            report_id, _ = live.pop(int(arg) % len(live))  # type: ignore[call-overload]
            service.retract(session=db, org_id=org.id, report_id=report_id)
    db.flush()
    graph = nx.Graph()
    for report_id, phones in live:
        graph.add_node(("r", report_id))
        for phone in phones:
            graph.add_edge(("r", report_id), ("i", phone))
    expected = {
        frozenset(node[1] for node in part if node[0] == "r")
        for part in nx.connected_components(graph)
    } - {frozenset()}
    ids = {r for r, _ in live}
    assert {group & ids for group in clusters(db)} - {frozenset()} == expected
    _consistent(db)
    db.rollback()


def test_a_value_given_twice_in_one_report_is_one_mention(db: Session) -> None:
    """Found by QA: listed twice in ``indicators`` (written two ways), a number was stored,
    shown and counted twice."""
    org = factories.org(db)
    data = ReportIn(
        indicators=(
            IndicatorIn("phone", "55 1234 5678"),
            IndicatorIn("phone", "+52 55 1234 5678"),
            IndicatorIn("email", "cobros@example.com"),
        )
    )
    report = service.create_report(session=db, org_id=org.id, data=data, region="MX")
    db.flush()
    values = sorted(db.scalars(select(Mention.value).where(Mention.report_id == report.id)))
    assert values == ["+525512345678", "cobros@example.com"]


def test_a_blank_external_id_is_refused(db: Session) -> None:
    """Found by QA: "  " was accepted as an id, standing for a report nobody finds again."""
    org = factories.org(db)
    with pytest.raises(InvalidInput) as refused:
        service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(external_id="  ", indicators=(IndicatorIn("phone", "+525512345678"),)),
            region="MX",
        )
    assert refused.value.field == "external_id"
    assert db.scalar(select(func.count()).select_from(Report)) == 0
