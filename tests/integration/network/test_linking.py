"""Reports link into clusters through shared indicators, incrementally, on both databases."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.accounts import audit
from amparo.errors import Conflict, InvalidInput
from amparo.network import service, warninglist
from amparo.network.importer import import_reports
from amparo.network.models import IndicatorKey, Mention, Report, ReportStatus
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories

PHONES = [f"+5255{n:08d}" for n in (10203040, 11223344, 55667788, 99887766, 12121212, 34343434)]


def report(db: Session, org_id: int, *phones: str, **extra: object) -> Report:
    data = ReportIn(indicators=tuple(IndicatorIn("phone", p) for p in phones), **extra)  # type: ignore[arg-type]
    created = service.create_report(session=db, org_id=org_id, data=data, region="MX")
    db.flush()
    return created


def clusters(db: Session) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for report_id, cluster_id in db.execute(
        select(Report.id, Report.cluster_id).where(Report.status != ReportStatus.RETRACTED)
    ):
        assert cluster_id is not None, "every live report belongs to a cluster"
        groups.setdefault(cluster_id, set()).add(report_id)
    return {frozenset(g) for g in groups.values()}


def test_reports_sharing_a_number_written_differently_join_one_cluster(db: Session) -> None:
    org = factories.org(db)
    first = service.create_report(
        session=db, org_id=org.id, data=ReportIn(text="llamaron del 55 1020 3040"), region="MX"
    )
    second = service.create_report(
        session=db,
        org_id=org.id,
        data=ReportIn(text="whats +52 1 55-10-20-30-40, pidió 20 mil"),
        region="MX",
    )
    third = report(db, org.id, PHONES[1])
    assert first.cluster_id == second.cluster_id != third.cluster_id
    path = service.path_between(db, first.id, second.id, org_id=org.id)
    assert [step[0] for step in path] == [first.id, second.id]


def test_a_bridge_report_joins_two_clusters_and_its_retraction_splits_them(db: Session) -> None:
    org = factories.org(db)
    a = report(db, org.id, PHONES[0])
    b = report(db, org.id, PHONES[1])
    assert a.cluster_id != b.cluster_id
    bridge = report(db, org.id, PHONES[0], PHONES[1])
    db.refresh(a)
    db.refresh(b)
    assert a.cluster_id == b.cluster_id == bridge.cluster_id
    path = service.path_between(db, a.id, b.id, org_id=org.id)
    assert [step[0] for step in path] == [a.id, bridge.id, b.id]
    service.retract(session=db, org_id=org.id, report_id=bridge.id)
    db.refresh(a)
    db.refresh(b)
    assert a.cluster_id != b.cluster_id
    assert service.lookup(db, PHONES[0], org_id=org.id).reported == 1


def test_warning_listed_values_never_link(db: Session) -> None:
    org = factories.org(db)
    a = service.create_report(
        session=db, org_id=org.id, data=ReportIn(text="denuncié al 55 5533 5533"), region="MX"
    )
    b = service.create_report(
        session=db, org_id=org.id, data=ReportIn(text="llamé al 55 5533 5533"), region="MX"
    )
    assert a.cluster_id != b.cluster_id
    found = service.lookup(db, "55 5533 5533", org_id=org.id, region="MX")
    assert found.reported == 2
    assert found.warning


def test_storage_grows_with_mentions_not_with_pairs(db: Session) -> None:
    org = factories.org(db)
    for _ in range(30):
        report(db, org.id, PHONES[2])
    assert db.scalar(select(func.count()).select_from(Mention)) == 30
    assert db.scalar(select(func.count()).select_from(IndicatorKey)) == 1
    assert len(clusters(db)) == 1


def test_another_organisations_reports_are_not_seen_unless_shared(db: Session) -> None:
    mine, theirs = factories.org(db), factories.org(db)
    report(db, mine.id, PHONES[3])
    report(db, theirs.id, PHONES[3])
    assert service.lookup(db, PHONES[3], org_id=mine.id).reported == 1
    assert service.clusters_for(db, org_id=mine.id) == []
    report(db, theirs.id, PHONES[3], sharing="network")
    views = service.clusters_for(db, org_id=mine.id)
    assert len(views) == 1
    assert len(views[0].report_ids) == 2
    assert service.lookup(db, PHONES[3], org_id=mine.id).reported == 2


def test_bad_reports_change_nothing(db: Session) -> None:
    org = factories.org(db)
    before = db.scalar(select(func.count()).select_from(Report))
    with pytest.raises(InvalidInput, match="CLABE"):
        service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(indicators=(IndicatorIn("clabe", "002180700123456780"),)),
        )
    with pytest.raises(InvalidInput, match="at most"):
        report(db, org.id, *(PHONES[0],) * 1001)
    with pytest.raises(InvalidInput, match="text, a narrative or indicators"):
        service.create_report(session=db, org_id=org.id, data=ReportIn())
    report(db, org.id, PHONES[0], external_id="x-1")
    with pytest.raises(Conflict):
        report(db, org.id, PHONES[1], external_id="x-1")
    assert db.scalar(select(func.count()).select_from(Report)) == before + 1


def test_import_reports_bad_lines_and_keeps_the_good_ones(db: Session) -> None:
    org = factories.org(db)
    lines = [
        json.dumps({"external_id": "a", "text": "llamaron del 55 1020 3040"}),
        "{not json",
        json.dumps({"external_id": "b", "indicators": [{"type": "phone", "value": "5510203040"}]}),
        json.dumps({"external_id": "a", "text": "repetido"}),
        json.dumps({"external_id": "c", "indicators": [{"type": "clabe", "value": "123"}]}),
        json.dumps({"external_id": "d", "text": "x", "colour": "red"}),
        json.dumps(["a list"]),
        "",
        json.dumps({"external_id": "e", "text": "sin indicadores"}),
    ]
    stream = io.BytesIO(("\n".join(lines) + "\n").encode() + b"\xff\xfe bad utf8\n")
    result = import_reports(session=db, org_id=org.id, stream=stream, region="MX")
    assert result.imported == 3
    assert [n for n, _ in result.errors] == [2, 4, 5, 6, 7, 10]
    assert "JSON" in result.errors[0][1]
    assert "repeats" in result.errors[1][1]
    assert "CLABE" in result.errors[2][1]
    assert "colour" in result.errors[3][1]
    assert "UTF-8" in result.errors[5][1]
    views = service.clusters_for(db, org_id=org.id)
    assert [v.external_ids for v in views] == [["a", "b"]]


OPERATIONS = st.lists(
    st.one_of(
        # Few distinct numbers, so that bridges (and their retraction) are common.
        st.tuples(st.just("add"), st.sets(st.integers(0, 3), max_size=2)),
        st.tuples(st.just("retract"), st.integers(0, 40).map(lambda n: -1 - n)),
        # The deployment's warning list changes: a number listed stops linking, taken off
        # the list it links again (``warninglist``: the re-sync runs with each change).
        st.tuples(st.sampled_from(["list", "unlist"]), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
# Random sequences rarely retract exactly the bridge, so these two are always run: a bridge
# between two clusters, and the middle link of a chain, each retracted.
@example(operations=[("add", {0}), ("add", {1}), ("add", {0, 1}), ("retract", -1)])
@example(
    operations=[("add", {0, 1}), ("add", {1, 2}), ("add", {2, 3}), ("add", {3}), ("retract", 1)]
)
# And the warning list: a number listed while it bridges two reports (the cluster splits,
# and a report added then links to nothing through it); one listed, a report retracted, then
# the number taken off the list (the rest link again).
@example(operations=[("add", {0}), ("add", {0, 1}), ("add", {1}), ("list", 1), ("add", {1})])
@example(
    operations=[
        ("add", {0}),
        ("add", {0}),
        ("add", {0, 2}),
        ("list", 0),
        ("add", {0}),
        ("retract", 0),
        ("unlist", 0),
    ]
)
def test_clusters_equal_networkx_components_after_any_sequence(
    db: Session, operations: list[tuple[str, object]]
) -> None:
    org = factories.org(db)
    live: list[tuple[int, set[int]]] = []
    listed: dict[int, int] = {}  # number -> its warning-list entry
    for op, arg in operations:
        if op == "list" and arg not in listed:
            entry, _ = warninglist.add_entry(
                session=db,
                kind="phone",
                value=PHONES[int(arg)],  # type: ignore[call-overload]
                reason="a public line",
                region=None,
                actor=audit.SYSTEM,
                origin=audit.CLI,
            )
            listed[int(arg)] = entry.id  # type: ignore[call-overload]
        elif op == "unlist" and arg in listed:
            warninglist.remove_entry(
                session=db,
                entry_id=listed.pop(int(arg)),  # type: ignore[call-overload]
                actor=audit.SYSTEM,
                origin=audit.CLI,
            )
        elif op == "add":
            phones = sorted(arg)  # type: ignore[call-overload]
            text = "sin datos" if not phones else None
            created = service.create_report(
                session=db,
                org_id=org.id,
                data=ReportIn(
                    text=text, indicators=tuple(IndicatorIn("phone", PHONES[i]) for i in phones)
                ),
            )
            live.append((created.id, set(phones)))
        elif op == "retract" and live:
            index = int(arg) % len(live)  # type: ignore[call-overload]  # -1: the newest
            report_id, _ = live.pop(index)
            service.retract(session=db, org_id=org.id, report_id=report_id)
    db.flush()
    graph = nx.Graph()
    for report_id, phones in live:
        graph.add_node(("r", report_id))
        for phone in phones - listed.keys():  # no warning-listed value links two reports
            graph.add_edge(("r", report_id), ("i", phone))
    expected = {
        frozenset(node[1] for node in part if node[0] == "r")
        for part in nx.connected_components(graph)
    }
    expected.discard(frozenset())
    ids = {r for r, _ in live}
    mine = {group & ids for group in clusters(db)} - {frozenset()}
    assert mine == expected
    # Retracted reports are in no cluster and no look-up; a listed number is in no network.
    for n, phone in enumerate(PHONES):
        live_count = sum(n in phones for _, phones in live)
        found = service.lookup(db, phone, org_id=org.id)
        assert found.reported == live_count
        assert (found.warning is not None) == (n in listed)
        if n in listed:
            assert found.cluster_size == 0
    db.rollback()


def test_a_public_list_of_numbers_is_imported_and_shared(db: Session) -> None:
    from amparo.network.public_lists import import_list

    mine, other = factories.org(db), factories.org(db)
    csv_text = (
        "Número,category,reported_at\n"
        "55 1020 3040,telephone_extortion,2026-10-01\n"
        "no es un número,,\n"
        "+52 1 55 1122 3344,,\n"
        "55 1020 3040,,\n"
    )
    result = import_list(
        session=db, org_id=mine.id, stream=io.BytesIO(csv_text.encode()), source="SSPC", region="MX"
    )
    assert result.imported == 2
    assert [n for n, _ in result.errors] == [3]  # not a number
    assert result.repeated == 1  # the first number again: one report
    assert service.lookup(db, "5510203040", org_id=other.id, region="MX").reported == 1
    bad = import_list(
        session=db, org_id=mine.id, stream=io.BytesIO(b"a,b\n1,2\n"), source="x", region="MX"
    )
    assert bad.imported == 0
    assert "column" in bad.errors[0][1]


def test_networks_read_a_chunk_at_a_time_are_the_networks(db: Session) -> None:
    """``amparo network clusters`` reads the networks in chunks (``iter_clusters``): the same
    views, in the same order, as reading them all at once — texts left sealed."""
    org = factories.org(db)
    for i in range(5):  # five networks of two or three reports, and one report on its own
        for _ in range(2 + i % 2):
            report(db, org.id, PHONES[i], text=f"llamó el {PHONES[i]}, quiere dinero")
    report(db, org.id, "+5255" + "31313131")
    whole = service.clusters_for(db, org_id=org.id)
    assert len(whole) == 5
    assert list(service.iter_clusters(db, org_id=org.id, chunk=2)) == whole
    assert list(service.iter_clusters(db, org_id=org.id, min_size=3, chunk=1)) == [
        v for v in whole if len(v.report_ids) >= 3
    ]
