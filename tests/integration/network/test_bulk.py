"""The batch import gives what storing the reports one at a time gives: the same clusters (the
connected components of the report–indicator graph), the same counts, and an answer per line."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.network import bulk, service
from amparo.network.importer import ImportResult, _write, import_reports
from amparo.network.models import IndicatorKey, Mention, Report, ReportStatus
from amparo.network.service import IndicatorIn, ReportIn
from tests import factories

POOL = [f"+5255{n:08d}" for n in random.Random(3).sample(range(10**8), 30)]
WARNED = "55 5533 5533"  # Consejo Ciudadano: warning-listed, never links


def lines(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[dict[str, object]] = []
    for i in range(n):
        chosen = rng.sample(POOL, rng.choice([0, 1, 1, 2]))
        item: dict[str, object] = {
            "external_id": f"b-{seed}-{i}",
            "reported_at": (start + timedelta(hours=rng.randrange(5000))).isoformat(),
            "channel": rng.choice(["call", "whatsapp", "sms"]),
            "indicators": [{"type": "phone", "value": v} for v in chosen],
        }
        if not chosen or rng.random() < 0.3:
            # A text whose numbers are found by the extractor, sometimes the warning-listed one.
            phone = rng.choice(POOL)
            item["text"] = f"me llamaron del {phone[3:5]} {phone[5:9]} {phone[9:]}" + (
                f", denuncié al {WARNED}" if rng.random() < 0.3 else ""
            )
        if rng.random() < 0.2:
            item["amount"] = rng.randrange(1000, 50000)
            item["currency"] = "MXN"
        out.append(item)
    return out


def partition(db: Session, org_id: int) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for external_id, cluster_id in db.execute(
        select(Report.external_id, Report.cluster_id).where(
            Report.org_id == org_id, Report.status != ReportStatus.RETRACTED
        )
    ):
        assert cluster_id is not None
        groups.setdefault(cluster_id, set()).add(str(external_id))
    return {frozenset(g) for g in groups.values()}


def components(db: Session, org_id: int) -> set[frozenset[str]]:
    """networkx's connected components of the stored report–indicator graph."""
    graph = nx.Graph()
    for external_id, indicator_id, warning in db.execute(
        select(Report.external_id, Mention.indicator_id, IndicatorKey.warning)
        .join(Mention, Mention.report_id == Report.id)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(Report.org_id == org_id, Report.status != ReportStatus.RETRACTED)
    ):
        graph.add_node(("r", external_id))
        if warning is None:
            graph.add_edge(("r", external_id), ("i", indicator_id))
    for (external_id,) in db.execute(
        select(Report.external_id).where(
            Report.org_id == org_id, Report.status != ReportStatus.RETRACTED
        )
    ):
        graph.add_node(("r", external_id))
    return {
        frozenset(str(node[1]) for node in part if node[0] == "r")
        for part in nx.connected_components(graph)
    }


def payload(items: list[dict[str, object]]) -> io.BytesIO:
    return io.BytesIO(("\n".join(json.dumps(i) for i in items) + "\n").encode())


@pytest.mark.parametrize("helpers", [0, 2], ids=["in-process", "helper-processes"])
def test_batches_give_the_clusters_and_counts_of_one_at_a_time(db: Session, helpers: int) -> None:
    items = lines(120, seed=helpers)
    one_by_one, batched = factories.org(db), factories.org(db)
    for item in items:
        given = item.get("indicators") or []
        service.create_report(
            session=db,
            org_id=one_by_one.id,
            data=ReportIn(
                external_id=str(item["external_id"]),
                text=item.get("text"),  # type: ignore[arg-type]
                reported_at=datetime.fromisoformat(str(item["reported_at"])),
                channel=str(item["channel"]),
                amount=None if item.get("amount") is None else str(item["amount"]),
                currency=item.get("currency"),  # type: ignore[arg-type]
                indicators=tuple(IndicatorIn(g["type"], g["value"]) for g in given),  # type: ignore[index,union-attr]
            ),
            region="MX",
        )
    db.flush()
    # Small batches, so that later batches merge clusters made by earlier ones.
    result = import_reports(
        session=db,
        org_id=batched.id,
        stream=payload(items),
        region="MX",
        workers=helpers,
        pool_after=0,
        batch_size=17,
    )
    assert result.errors == []
    assert result.imported == len(items)
    expected = partition(db, one_by_one.id)
    assert partition(db, batched.id) == expected
    assert components(db, batched.id) == expected
    assert len(expected) < len(items) - 10, "the data must actually link reports"
    # Both organisations' reports mention the same indicators: each count is twice the number
    # of the batch's reports that mention it, and first/last seen are theirs.
    seen: dict[int, list[datetime]] = {}
    for indicator_id, _report_id, reported_at in db.execute(
        select(Mention.indicator_id, Report.id, Report.reported_at)
        .join(Report, Report.id == Mention.report_id)
        .where(Report.org_id == batched.id)
        .distinct()
    ):
        seen.setdefault(indicator_id, []).append(reported_at)
    for row in db.scalars(select(IndicatorKey).where(IndicatorKey.id.in_(list(seen)))):
        dates = seen[row.id]
        assert (row.report_count, row.first_seen, row.last_seen) == (
            2 * len(dates),
            min(dates),
            max(dates),
        )
    # The stored texts and values open, and the warning-listed line is kept but never links.
    stored = db.scalars(select(Report).where(Report.org_id == batched.id)).all()
    texts = {r.external_id: r.text for r in stored}
    assert all(texts[str(i["external_id"])] == i.get("text") for i in items)
    warned = db.scalars(select(IndicatorKey).where(IndicatorKey.warning.is_not(None))).all()
    assert warned, "the warning-listed number was stored"


def test_a_batch_joins_clusters_already_stored_and_skips_retracted_reports(db: Session) -> None:
    org = factories.org(db)
    a, b, c = POOL[:3]

    def one(*phones: str, external_id: str) -> Report:
        created = service.create_report(
            session=db,
            org_id=org.id,
            data=ReportIn(
                external_id=external_id, indicators=tuple(IndicatorIn("phone", p) for p in phones)
            ),
        )
        db.flush()
        return created

    first, second = one(a, external_id="old-a"), one(b, external_id="old-b")
    gone = one(c, external_id="old-c")
    service.retract(session=db, org_id=org.id, report_id=gone.id)
    assert first.cluster_id != second.cluster_id
    result = import_reports(
        session=db,
        org_id=org.id,
        stream=payload(
            [
                {"external_id": "bridge", "indicators": [{"type": "phone", "value": a}]},
                {"external_id": "bridge-2", "text": f"del {a} y del {b}"},
                {"external_id": "c-again", "indicators": [{"type": "phone", "value": c}]},
                {"external_id": "old-a", "text": "repetido"},
            ]
        ),
    )
    assert [line for line, _ in result.errors] == [4]
    assert "already exists" in result.errors[0][1]
    assert partition(db, org.id) == {
        frozenset({"old-a", "old-b", "bridge", "bridge-2"}),
        frozenset({"c-again"}),
    }
    assert partition(db, org.id) == components(db, org.id)
    sizes = {r.external_id: r.cluster_id for r in db.scalars(select(Report))}
    from amparo.network.models import Cluster

    assert db.get_one(Cluster, sizes["bridge"]).size == 4
    # A look-up counts the batch's reports (and not the retracted one).
    assert service.lookup(db, a, org_id=org.id).reported == 3
    assert service.lookup(db, c, org_id=org.id).reported == 1
    # And the next report made one at a time links to what the batch stored.
    later = one(b, external_id="later")
    assert later.cluster_id == sizes["bridge"]


def test_a_batch_the_database_refuses_is_redone_line_by_line(db: Session) -> None:
    """Two rows with one external id in a batch (the importer never sends that; a concurrent
    writer could cause the same refusal): the first line is kept, the second is answered."""
    org = factories.org(db)
    prepared = bulk.prepare_lines(
        [
            (1, json.dumps({"external_id": "same", "text": f"del {POOL[0]}"}).encode()),
            (2, json.dumps({"external_id": "same", "text": f"del {POOL[1]}"}).encode()),
            (3, json.dumps({"external_id": "other", "text": f"del {POOL[1]}"}).encode()),
        ],
        region="MX",
    )
    rows = [r for r in prepared if isinstance(r, bulk.ReportRow)]
    result = ImportResult()
    _write(db, org.id, rows, result, None)
    assert result.imported == 2
    assert [line for line, _ in result.errors] == [2]
    assert partition(db, org.id) == {frozenset({"same"}), frozenset({"other"})}
