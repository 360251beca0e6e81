"""Reports in batches: what ``amparo reports import`` runs.

Each line is checked and its indicators found, hashed and sealed on its own (in helper
processes when the file is large: that is where the time goes), then a batch of lines is
written and linked in one transaction:

1. take the linking lock (PostgreSQL's advisory lock; SQLite's one writer);
2. refuse lines whose external id is already stored;
3. insert the batch's new indicators and read back every indicator's id;
4. find the clusters of the live reports that share those indicators, and join them with the
   batch's reports in memory (union–find over reports, indicators and existing clusters): a
   component with no existing cluster becomes a new one; one that touches several existing
   clusters relabels the smaller ones into the largest, as one report at a time would;
5. write the reports, their mentions and the clusters (``COPY`` on PostgreSQL, ``executemany``
   on SQLite), and add the batch's counts to each indicator.

On PostgreSQL steps 1, 3 and 4 are one round trip (a pipeline, and one statement for 3 and 4),
and a batch of up to ``SMALL`` reports sends all of step 5 in one more.

The result is the one ``service.create_report`` gives line by line (a test compares both), at a
few statements per batch instead of about ten per report. A batch the database refuses (a race
the lock does not cover) is rolled back to its savepoint and redone line by line, so every
line still gets its own answer.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from multiprocessing import get_context
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from amparo import crypto
from amparo.errors import N_, AmparoError
from amparo.indicators import WarningList, default_warning_list
from amparo.network import money, service
from amparo.network.models import Cluster, IndicatorKey, Mention, Report, ReportStatus
from amparo.store.base import Base
from amparo.store.types import EncryptedText, sealed_context, utcnow

BATCH = 2_000
# Helper processes start when a file has more lines than this (starting them costs ~1 s).
POOL_AFTER = 20_000

_REPORT_COLUMNS = (
    "id",
    "org_id",
    "external_id",
    "reported_at",
    "channel",
    "category",
    "amount_demanded",
    "amount_paid",
    "currency",
    "place",
    "text",
    "narrative",
    "victim",
    "status",
    "sharing",
    "cluster_id",
    "created_at",
    "updated_at",
)
_MENTION_COLUMNS = (
    "report_id",
    "indicator_id",
    "value",
    "display",
    "start",
    "end",
    "confidence",
    "source",
)


def _refusals() -> tuple[type[Exception], ...]:
    """What a database raises when it refuses a row (``COPY`` raises psycopg's own)."""
    from sqlalchemy.exc import IntegrityError

    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL support is installed with Amparo
        return (IntegrityError,)
    return (IntegrityError, psycopg.IntegrityError)


REFUSED = _refusals()


def _table(model: type[Base]) -> sa.Table:
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


REPORTS, MENTIONS = _table(Report), _table(Mention)
CLUSTERS, INDICATORS = _table(Cluster), _table(IndicatorKey)


_TEXT = sealed_context(REPORTS, "text")
_NARRATIVE = sealed_context(REPORTS, "narrative")
_PLACE = sealed_context(REPORTS, "place")
_VICTIM = sealed_context(REPORTS, "victim")
_VALUE = sealed_context(MENTIONS, "value")
_DISPLAY = sealed_context(MENTIONS, "display")


class MentionRow(NamedTuple):
    type: str
    key: str  # the indicator's keyed hash
    warning: str | None
    value: str  # sealed
    display: str  # sealed
    start: int | None
    end: int | None
    confidence: int
    source: str


class ReportRow(NamedTuple):
    """One good line, checked, its indicators found, hashed and its texts sealed (a named
    tuple: helper processes send thousands of them, and tuples pickle at half the cost)."""

    line: int
    external_id: str | None
    reported_at: datetime | None
    channel: str
    category: str | None
    amount_demanded: Decimal | None
    amount_paid: Decimal | None
    currency: str | None
    place: str | None  # sealed
    text: str | None  # sealed
    narrative: str | None  # sealed
    victim: str | None  # sealed
    sharing: str
    mentions: tuple[MentionRow, ...]


@dataclass(frozen=True, slots=True)
class LineFailure:
    """A line that cannot be a report: the message (untranslated) and its parameters."""

    line: int
    message: str
    params: dict[str, Any]

    def render(self, gettext: Callable[[str], str] | None) -> str:
        return AmparoError(self.message, **self.params).render(gettext)


Prepared = ReportRow | LineFailure


def prepare_lines(
    lines: Sequence[tuple[int, bytes]], region: str | None, warnings: WarningList | None = None
) -> list[Prepared]:
    """Check, extract, hash and seal each line on its own (no database); ``warnings`` is the
    deployment's warning list, read once per import (``warninglist.effective``)."""
    from amparo.network.importer import parse_line

    warnings = warnings if warnings is not None else default_warning_list()
    out: list[Prepared] = []
    for number, raw in lines:
        try:
            out.append(
                prepare_report(parse_line(raw), region=region, line=number, warnings=warnings)
            )
        except AmparoError as exc:
            out.append(LineFailure(number, exc.message, dict(exc.params)))
    return out


def prepare_report(
    data: service.ReportIn,
    *,
    region: str | None,
    line: int = 0,
    warnings: WarningList | None = None,
) -> ReportRow:
    """One report checked (``service.prepare``), its indicators hashed and its texts sealed;
    ``InvalidInput`` says what is wrong. A new indicator is stored with the reason
    ``warnings`` gives it; one already stored keeps the database's (``warninglist.sync``
    keeps those, and stores every listed value, current)."""
    keyring = crypto.active_keyring()
    warnings = warnings if warnings is not None else default_warning_list()
    data, mentions = service.prepare(data, region=region, warnings=warnings)

    def seal(value: str | None, context: str) -> str | None:
        return None if value is None else keyring.encrypt(value, context=context)

    return ReportRow(
        line=line,
        external_id=data.external_id,
        reported_at=data.reported_at,
        channel=data.channel,
        category=data.category,
        amount_demanded=money.parse_amount(data.amount, "amount"),
        amount_paid=money.parse_amount(data.amount_paid, "amount_paid"),
        currency=data.currency,
        place=seal(data.place, _PLACE),
        text=seal(data.text, _TEXT),
        narrative=seal(data.narrative, _NARRATIVE),
        victim=seal(data.victim, _VICTIM),
        sharing=data.sharing,
        mentions=tuple(
            MentionRow(
                type=m.type,
                key=keyring.blind_index(m.value, kind=f"indicator:{m.type}"),
                warning=warnings.reason(m.type, m.value),
                value=keyring.encrypt(m.value, context=_VALUE),
                display=keyring.encrypt(m.display, context=_DISPLAY),
                start=m.start,
                end=m.end,
                confidence=m.confidence,
                source=m.source,
            )
            for m in mentions
        ),
    )


def _start_helper(keys: crypto.SealingKeys) -> None:
    crypto.set_active_keyring(keys.keyring())


class Preparer:
    """Prepares batches in order: in this process, or in helper processes once the input
    proved long (the next batches are prepared while this process writes the current one)."""

    def __init__(
        self,
        region: str | None,
        workers: int,
        pool_after: int,
        warnings: WarningList | None = None,
    ) -> None:
        self.region = region
        self.warnings = warnings
        self.workers = workers
        self.pool_after = pool_after
        self.pool: ProcessPoolExecutor | None = None
        self.seen = 0

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def run(self, batches: Iterator[list[tuple[int, bytes]]]) -> Iterator[list[Prepared]]:
        pending: deque[Future[list[Prepared]]] = deque()
        for batch in batches:
            self.seen += len(batch)
            if self.pool is None and self.workers > 1 and self.seen > self.pool_after:
                self.pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=get_context("spawn"),  # no fork: the caller may run threads
                    initializer=_start_helper,
                    initargs=(crypto.active_keyring().sealing_keys(),),
                )
            if self.pool is None:
                yield prepare_lines(batch, self.region, self.warnings)
                continue
            pending.append(self.pool.submit(prepare_lines, batch, self.region, self.warnings))
            while len(pending) > 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """During an import, Python's cycle collector leaves alone the objects that existed before
    it (``gc.freeze``: SQLAlchemy's, the models', the modules'...). Without this, every older-
    generation collection walked them all again while the writer made millions of tuples:
    75 against 48 µs a report in the writer (100,000 reports, two runs each; raising the
    collection threshold instead made it slower)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def default_workers() -> int:
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


# ---------------------------------------------------------------------------------------------
# Writing a batch


@dataclass
class Written:
    ids: dict[int, int]  # line number -> report id
    failures: list[LineFailure]
    merged: bool = False  # existing clusters were joined (reports already loaded are stale)


def write_batch(
    session: Session, *, org_id: int, rows: list[ReportRow], now: datetime | None = None
) -> Written:
    """Store and link ``rows`` in the caller's transaction (see the module's steps)."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    failures: list[LineFailure] = []
    wanted = [r.external_id for r in rows if r.external_id is not None]
    locked = False
    if wanted:
        service.lock(session)
        locked = True
        taken = _taken(session, org_id, wanted, dialect)
        if taken:
            kept = []
            for row in rows:
                if row.external_id in taken:
                    failures.append(
                        LineFailure(
                            row.line,
                            N_("A report with the external id '%(id)s' already exists."),
                            {"id": (row.external_id or "")[:60]},
                        )
                    )
                else:
                    kept.append(row)
            rows = kept
    if not rows:
        return Written({}, failures)
    counts: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        reported_at = row.reported_at or now
        for pair in {(m.type, m.key) for m in row.mentions}:
            count = counts.get(pair)
            if count is None:
                counts[pair] = [1, reported_at, reported_at]
            else:
                count[0] += 1
                count[1] = min(count[1], reported_at)
                count[2] = max(count[2], reported_at)
    warnings = {(m.type, m.key): m.warning for row in rows for m in row.mentions}
    small = dialect == "postgresql" and len(rows) <= SMALL
    if dialect == "postgresql":
        # One round trip: the lock (unless taken above), the upsert of the indicators with the
        # cluster each one is in, and - for a small batch - ids for its reports and clusters,
        # so that everything it writes can go in one more (a report on its own: two).
        indicators, found, reserved = _pg_indicators_and_clusters(
            session, counts, warnings, lock=not locked, reserve=len(rows) if small else 0
        )
    else:
        service.lock(session)
        indicators = _indicator_ids(session, counts, warnings)
        linkable = sorted({i for i, warning in indicators.values() if warning is None})
        found = _clusters_of(session, linkable)
        reserved = None
    linkable_ids = {i for i, warning in indicators.values() if warning is None}
    plan = _link(rows, indicators, linkable_ids, found)
    writes = _Writes()
    if reserved is not None:
        report_ids, cluster_ids = reserved
        fresh_ids = cluster_ids[: len(plan.fresh)]
        writes.add(
            CLUSTERS,
            ("id", "size", "created_at"),
            [(c, len(m), now) for c, m in zip(fresh_ids, plan.fresh, strict=True)],
        )
    else:
        report_ids = []
        fresh_ids = _insert_new(
            session, CLUSTERS, ("size", "created_at"), [(len(m), now) for m in plan.fresh], dialect
        )
    clusters = plan.assign(fresh_ids)
    report_values = [
        (
            org_id,
            row.external_id,
            row.reported_at or now,
            row.channel,
            row.category,
            row.amount_demanded,
            row.amount_paid,
            row.currency,
            row.place,
            row.text,
            row.narrative,
            row.victim,
            ReportStatus.OPEN.value,
            row.sharing,
            cluster_id,
            now,
            now,
        )
        for row, cluster_id in zip(rows, clusters, strict=True)
    ]
    if reserved is not None:
        writes.relabel(plan)
        writes.add(
            REPORTS,
            _REPORT_COLUMNS,
            [(i, *v) for i, v in zip(report_ids, report_values, strict=True)],
        )
    else:
        _relabel(session, plan)
        report_ids = _insert_new(session, REPORTS, _REPORT_COLUMNS[1:], report_values, dialect)
    mention_values = [
        (
            report_id,
            indicators[(m.type, m.key)][0],
            m.value,
            m.display,
            m.start,
            m.end,
            m.confidence,
            m.source,
        )
        for row, report_id in zip(rows, report_ids, strict=True)
        for m in row.mentions
    ]
    if reserved is not None:
        writes.add(MENTIONS, _MENTION_COLUMNS, mention_values)
        writes.run(session)
    else:
        _insert(session, MENTIONS, _MENTION_COLUMNS, mention_values, dialect)
    if plan.relabel or plan.grown:
        # Reports and clusters this session holds may have changed underneath it.
        for instance in list(session.identity_map.values()):
            if isinstance(instance, Report | Cluster):
                session.expire(instance)
    shared = [row for row in rows if row.sharing != "own" and row.mentions]
    if shared and _has_partner_links(session, org_id):
        # Partner hubs that ask online see shared reports at once (``partner_links``).
        keyring = crypto.active_keyring()
        service.sync_partner_links(
            session,
            org_id,
            {
                indicators[(m.type, m.key)][0]: (m.type, keyring.decrypt(m.value, context=_VALUE))
                for row in shared
                for m in row.mentions
            },
        )
    return Written(
        {row.line: rid for row, rid in zip(rows, report_ids, strict=True)},
        failures,
        bool(plan.relabel),
    )


class _Writes:
    """Statements to send to PostgreSQL together, in one pipeline (one round trip)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[tuple[Any, ...]]]] = []

    def add(self, table: sa.Table, columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
        if values:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - our names
            self.statements.append((sql, values))

    def relabel(self, plan: _LinkPlan) -> None:
        if plan.relabel:
            self.statements.append(
                ("UPDATE reports SET cluster_id = %s WHERE cluster_id = %s",
                 [(new, old) for old, new in plan.relabel])
            )  # fmt: skip
            self.statements.append(
                ("DELETE FROM clusters WHERE id = ANY(%s)", [([old for old, _ in plan.relabel],)])
            )
        if plan.grown:
            self.statements.append(
                ("UPDATE clusters SET size = %s WHERE id = %s", [(n, c) for c, n in plan.grown])
            )

    def run(self, session: Session) -> None:
        connection = _driver(session)
        with connection.pipeline():
            cursor = connection.cursor()
            for sql, values in self.statements:
                cursor.executemany(sql, values)


def _has_partner_links(session: Session, org_id: int) -> bool:
    from amparo.network.models import PartnerLink

    return (
        session.scalar(
            sa.select(PartnerLink.id)
            .where(PartnerLink.org_id == org_id, PartnerLink.revoked_at.is_(None))
            .limit(1)
        )
        is not None
    )


def _taken(session: Session, org_id: int, wanted: list[str], dialect: str) -> set[str]:
    """Which of these external ids the organisation already stored."""
    if dialect == "postgresql":
        cursor = _driver(session).cursor()
        cursor.execute(
            "SELECT external_id FROM reports WHERE org_id = %s AND external_id = ANY(%b)",
            (org_id, wanted),
        )
        return {row[0] for row in cursor.fetchall()}
    taken: set[str] = set()
    for start in range(0, len(wanted), 5_000):
        taken.update(
            str(value)
            for value in session.scalars(
                sa.select(Report.external_id).where(
                    Report.org_id == org_id, Report.external_id.in_(wanted[start : start + 5_000])
                )
            )
        )
    return taken


def _indicator_ids(
    session: Session,
    counts: dict[tuple[str, str], list[Any]],
    warnings: dict[tuple[str, str], str | None],
) -> dict[tuple[str, str], tuple[int, str | None]]:
    """SQLite: ``(type, key) -> (id, warning)`` for every indicator of the batch: new ones
    inserted, and each one's count, first and last seen brought up to date, in one statement
    per 2,000 (PostgreSQL: ``_pg_indicators_and_clusters``)."""
    pairs = list(counts)
    found: dict[tuple[str, str], tuple[int, str | None]] = {}
    for start in range(0, len(pairs), 2_000):
        returned = session.execute(
            _sqlite_upsert(),
            [
                {
                    "type": t,
                    "key": k,
                    "warning": warnings[(t, k)],
                    "report_count": counts[(t, k)][0],
                    "first_seen": counts[(t, k)][1],
                    "last_seen": counts[(t, k)][2],
                }
                for t, k in pairs[start : start + 2_000]
            ],
        )
        for indicator_id, kind, key, warning in returned:
            found[(kind, key)] = (indicator_id, warning)
    return found


# The arrays go in binary (``%b``): psycopg escapes text arrays element by element in Python,
# which took the writer from 112 to 147 µs a report (one run each, 100,000 reports).
_PG_UPSERT = (
    "INSERT INTO indicators AS i (type, key, warning, report_count, first_seen, last_seen) "
    "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::int[], "
    "%b::timestamptz[], %b::timestamptz[]) "
    "ON CONFLICT (type, key) DO UPDATE SET "
    "report_count = i.report_count + excluded.report_count, "
    "first_seen = LEAST(i.first_seen, excluded.first_seen), "
    "last_seen = GREATEST(i.last_seen, excluded.last_seen) "
    "RETURNING i.id, i.type, i.key, i.warning"
)


def _pg_indicators_and_clusters(
    session: Session,
    counts: dict[tuple[str, str], list[Any]],
    warnings: dict[tuple[str, str], str | None],
    *,
    lock: bool,
    reserve: int,
) -> tuple[
    dict[tuple[str, str], tuple[int, str | None]],
    list[tuple[int, int, int]],
    tuple[list[int], list[int]] | None,
]:
    """PostgreSQL, in one pipeline: the linking lock, the indicators' upsert joined with the
    cluster of one live report per linkable indicator (the statement sees the reports stored
    before it, which is all ``_clusters_of`` asks), and ``reserve`` ids for reports and for
    clusters. Returns ``_indicator_ids``'s and ``_clusters_of``'s answers and the ids."""
    pairs = list(counts)
    connection = _driver(session)
    with connection.pipeline():
        if lock:
            connection.execute(service.LOCK_SQL)
        upsert = connection.cursor()
        upsert.execute(
            f"WITH up AS ({_PG_UPSERT}) "  # noqa: S608 - a constant; values are parameters
            "SELECT up.id, up.type, up.key, up.warning, x.cluster_id, c.size FROM up "
            "LEFT JOIN LATERAL (SELECT r.cluster_id FROM report_indicators m "
            "JOIN reports r ON r.id = m.report_id WHERE m.indicator_id = up.id "
            "AND up.warning IS NULL AND r.status <> %s LIMIT 1) x ON true "
            "LEFT JOIN clusters c ON c.id = x.cluster_id",
            (
                [p[0] for p in pairs],
                [p[1] for p in pairs],
                [warnings[p] for p in pairs],
                [counts[p][0] for p in pairs],
                [counts[p][1] for p in pairs],
                [counts[p][2] for p in pairs],
                ReportStatus.RETRACTED.value,
            ),
        )
        ids = connection.cursor()
        if reserve:
            ids.execute(
                "SELECT nextval(pg_get_serial_sequence('reports', 'id')), "
                "nextval(pg_get_serial_sequence('clusters', 'id')) "
                "FROM generate_series(1, %s)",
                (reserve,),
            )
    indicators: dict[tuple[str, str], tuple[int, str | None]] = {}
    found: list[tuple[int, int, int]] = []
    for indicator_id, kind, key, warning, cluster_id, size in upsert.fetchall():
        indicators[(kind, key)] = (indicator_id, warning)
        if cluster_id is not None:
            found.append((int(indicator_id), int(cluster_id), int(size)))
    reserved = None
    if reserve:
        taken = ids.fetchall()
        reserved = ([int(r) for r, _ in taken], [int(c) for _, c in taken])
    return indicators, found, reserved


@functools.lru_cache(maxsize=1)
def _sqlite_upsert() -> Any:
    """The SQLite form of the upsert above (built once: building it cost more than running it)."""
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    table = INDICATORS
    upsert = sqlite_insert(table)
    return upsert.on_conflict_do_update(
        index_elements=[table.c.type, table.c.key],
        set_={
            "report_count": table.c.report_count + upsert.excluded.report_count,
            "first_seen": sa.func.min(
                sa.func.coalesce(table.c.first_seen, upsert.excluded.first_seen),
                upsert.excluded.first_seen,
            ),
            "last_seen": sa.func.max(
                sa.func.coalesce(table.c.last_seen, upsert.excluded.last_seen),
                upsert.excluded.last_seen,
            ),
        },
    ).returning(
        table.c.id, table.c.type, table.c.key, table.c.warning, sort_by_parameter_order=True
    )


@dataclass
class _LinkPlan:
    """How a batch joins the clusters: computed in memory, written by the caller."""

    fresh: list[list[int]]  # rows (indices) of each new cluster
    joined: list[tuple[list[int], int]]  # rows that join an existing cluster, and which
    relabel: list[tuple[int, int]]  # (old cluster, cluster it is merged into)
    grown: list[tuple[int, int]]  # (cluster, its new size)
    n_rows: int

    def assign(self, fresh_ids: Sequence[int]) -> list[int]:
        """The cluster of each row, once the new clusters have ids."""
        assigned = [0] * self.n_rows
        for members, cluster_id in zip(self.fresh, fresh_ids, strict=True):
            for index in members:
                assigned[index] = cluster_id
        for members, cluster_id in self.joined:
            for index in members:
                assigned[index] = cluster_id
        return assigned


def _link(
    rows: list[ReportRow],
    indicators: dict[tuple[str, str], tuple[int, str | None]],
    linkable: set[int],
    found: list[tuple[int, int, int]],
) -> _LinkPlan:
    """Union–find over the batch's reports, its linkable indicators and the clusters ``found``
    (``(indicator, cluster, size)``): which rows form new clusters, which join (and merge)
    existing ones."""
    parent: dict[object, object] = {}

    def find(node: object) -> object:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while node != root:
            parent[node], node = root, parent[node]
        return root

    def union(a: object, b: object) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    sizes: dict[int, int] = {}  # clusters of live reports sharing the batch's indicators
    for indicator_id, cluster_id, size in found:
        sizes[cluster_id] = size
        union(("i", indicator_id), ("c", cluster_id))
    for index, row in enumerate(rows):
        parent.setdefault(("r", index), ("r", index))
        for m in row.mentions:
            indicator_id = indicators[(m.type, m.key)][0]
            if indicator_id in linkable:
                union(("r", index), ("i", indicator_id))
    groups: dict[object, tuple[list[int], set[int]]] = defaultdict(lambda: ([], set()))
    for index in range(len(rows)):
        groups[find(("r", index))][0].append(index)
    for cluster_id in sizes:
        root = find(("c", cluster_id))
        if root in groups:
            groups[root][1].add(cluster_id)
    plan = _LinkPlan([], [], [], [], len(rows))
    for members, olds in groups.values():
        if not olds:
            plan.fresh.append(members)
            continue
        root = max(olds, key=lambda c: (sizes[c], -c))
        others = [c for c in olds if c != root]
        plan.grown.append((root, sizes[root] + sum(sizes[c] for c in others) + len(members)))
        plan.relabel.extend((other, root) for other in others)
        plan.joined.append((members, root))
    return plan


def _relabel(session: Session, plan: _LinkPlan) -> None:
    relabel_reports, drop_clusters, resize_clusters = _cluster_statements()
    if plan.relabel:
        session.execute(relabel_reports, [{"old": old, "new": new} for old, new in plan.relabel])
        session.execute(drop_clusters, {"ids": [old for old, _ in plan.relabel]})
    if plan.grown:
        session.execute(resize_clusters, [{"cid": c, "grown_size": n} for c, n in plan.grown])


@functools.lru_cache(maxsize=1)
def _cluster_statements() -> tuple[Any, Any, Any]:
    return (
        sa.update(REPORTS)
        .where(REPORTS.c.cluster_id == sa.bindparam("old"))
        .values(cluster_id=sa.bindparam("new")),
        sa.delete(CLUSTERS).where(CLUSTERS.c.id.in_(sa.bindparam("ids", expanding=True))),
        sa.update(CLUSTERS)
        .where(CLUSTERS.c.id == sa.bindparam("cid"))
        .values(size=sa.bindparam("grown_size")),
    )


def _clusters_of(session: Session, indicator_ids: list[int]) -> list[tuple[int, int, int]]:
    """SQLite: ``(indicator, cluster, cluster size)`` of the live reports mentioning these
    indicators (PostgreSQL: ``_pg_indicators_and_clusters``).

    All live reports that mention one linkable indicator are in one cluster (that is what a
    cluster is; the property tests hold it), so one live report per indicator says which:
    the cost no longer grows with how often a number was reported."""
    found: list[tuple[int, int, int]] = []
    for start in range(0, len(indicator_ids), 5_000):
        found.extend(
            (int(i), int(c), int(n))
            for i, c, n in session.execute(
                _sqlite_clusters_of(), {"ids": indicator_ids[start : start + 5_000]}
            )
        )
    return found


@functools.lru_cache(maxsize=1)
def _sqlite_clusters_of() -> Any:
    cluster = (
        sa.select(REPORTS.c.cluster_id)
        .join(MENTIONS, REPORTS.c.id == MENTIONS.c.report_id)
        .where(
            MENTIONS.c.indicator_id == INDICATORS.c.id,
            REPORTS.c.status != ReportStatus.RETRACTED.value,
        )
        .limit(1)
        .scalar_subquery()
    )
    first = (
        sa.select(INDICATORS.c.id.label("indicator"), cluster.label("cluster"))
        .where(INDICATORS.c.id.in_(sa.bindparam("ids", expanding=True)))
        .subquery()
    )
    return sa.select(first.c.indicator, first.c.cluster, CLUSTERS.c.size).join(
        CLUSTERS, CLUSTERS.c.id == first.c.cluster
    )


def _new_ids(session: Session, table: sa.Table, n: int, dialect: str) -> list[int]:
    """``n`` ids for new rows of ``table``, taken before writing them (under the lock)."""
    if dialect == "postgresql":
        cursor = _driver(session).cursor()
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, n),
        )
        return [row[0] for row in cursor.fetchall()]
    start = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0
    return list(range(start + 1, start + 1 + n))


SMALL = 32  # rows up to which one INSERT … RETURNING beats taking ids and then COPY


def _insert_new(
    session: Session,
    table: sa.Table,
    columns: Sequence[str],
    values: list[tuple[Any, ...]],
    dialect: str,
) -> list[int]:
    """Insert rows without their ids; the new ids, in order."""
    if not values:
        return []
    if len(values) > SMALL:
        ids = _new_ids(session, table, len(values), dialect)
        _insert(
            session,
            table,
            ("id", *columns),
            [(i, *v) for i, v in zip(ids, values, strict=True)],
            dialect,
        )
        return ids
    returned = session.execute(
        _insert_returning(table, tuple(columns)),
        [dict(zip(columns, v, strict=True)) for v in values],
    )
    return [int(i) for i in returned.scalars()]


@functools.lru_cache(maxsize=16)
def _insert_returning(table: sa.Table, columns: tuple[str, ...]) -> Any:
    plain = _plain(table, ("id", *columns))
    return sa.insert(plain).returning(plain.c.id, sort_by_parameter_order=True)


@functools.lru_cache(maxsize=16)
def _insert_plain(table: sa.Table, columns: tuple[str, ...]) -> Any:
    return sa.insert(_plain(table, columns))


@functools.lru_cache(maxsize=16)
def _plain(table: sa.Table, columns: tuple[str, ...]) -> sa.Table:
    """``table`` with its sealed columns as plain text: the values are sealed already."""
    return sa.Table(
        table.name,
        sa.MetaData(),
        *(
            sa.Column(
                c,
                sa.Text() if isinstance(table.c[c].type, EncryptedText) else table.c[c].type,
                primary_key=c == "id",
            )
            for c in columns
        ),
    )


def _insert(
    session: Session,
    table: sa.Table,
    columns: Sequence[str],
    values: list[tuple[Any, ...]],
    dialect: str,
) -> None:
    if not values:
        return
    if dialect == "postgresql" and len(values) > SMALL:
        cursor = _driver(session).cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    session.execute(
        _insert_plain(table, tuple(columns)), [dict(zip(columns, v, strict=True)) for v in values]
    )


def analyse(session: Session) -> None:
    """Refresh the planner's statistics of the tables an import fills (PostgreSQL; SQLite's
    planner goes by its indexes without them)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(sa.text("ANALYZE reports, report_indicators, indicators, clusters"))
    session.commit()


def _driver(session: Session) -> Any:
    """The psycopg connection under the session's (same transaction)."""
    return session.connection().connection.driver_connection


def read_batches(
    lines: Iterator[tuple[int, bytes]], size: int = BATCH
) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for item in lines:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
