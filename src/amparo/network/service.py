"""Reports in, clusters out.

Linking is incremental: a new report joins the clusters of every report that shares a linkable
indicator with it (union by size: the smaller clusters are relabelled into the largest), so a
report costs work proportional to what it touches, never a recomputation of everything. A report
that is retracted or deleted leaves its cluster at once; the rest of that cluster is re-walked
(only that cluster) and splits if the report was the bridge.

Warning-listed indicators are kept and shown but never link. An indicator in more than
``REVIEW_AFTER`` reports still links, and is flagged for review (MISP drops such values past
20 matches without saying so; here a person decides).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import BindParameter

from amparo.crypto import active_keyring
from amparo.errors import N_, Conflict, InvalidInput, NotFound
from amparo.indicators import Indicator, WarningList, default_warning_list, extract, phones
from amparo.network import fields, money, names, policy, warninglist
from amparo.network.models import (
    Category,
    Channel,
    Cluster,
    IndicatorKey,
    Mention,
    Partnership,
    Report,
    ReportStatus,
    Sharing,
)
from amparo.store.types import UTCDateTime, sealed_context, utcnow

MAX_TEXT = 20_000
MAX_PLACE = 200  # coarse: a town, a state (never an address)
MAX_VICTIM = 2_000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # reports older than this are typing mistakes
CLOCK_SKEW = timedelta(days=1)
MAX_INDICATORS = 1_000
REVIEW_AFTER = 50
_LINK_LOCK = 0x616D7061726F  # "amparo": one linker at a time on PostgreSQL
LOCK_SQL = f"SELECT pg_advisory_xact_lock({_LINK_LOCK})"


@dataclass(frozen=True)
class IndicatorIn:
    type: str
    value: str


@dataclass(frozen=True)
class ReportIn:
    text: str | None = None
    narrative: str | None = None
    external_id: str | None = None
    reported_at: datetime | None = None
    channel: str = "other"
    category: str | None = None
    amount: str | Decimal | None = None  # text is read as people write it; numbers are taken
    amount_paid: str | Decimal | None = None
    currency: str | None = None
    place: str | None = None
    victim: str | None = None
    sharing: str = "own"
    indicators: Sequence[IndicatorIn] = field(default_factory=tuple)


@dataclass(frozen=True)
class PreparedMention:
    type: str
    value: str
    display: str
    start: int | None
    end: int | None
    confidence: int
    source: str


def indicator_key(kind: str, value: str) -> str:
    """The keyed hash an indicator is stored and matched under (HMAC-SHA256)."""
    return active_keyring().blind_index(value, kind=f"indicator:{kind}")


def prepare(
    data: ReportIn, *, region: str | None, warnings: WarningList | None = None
) -> tuple[ReportIn, list[PreparedMention]]:
    """Validate a report and find its indicators, before anything is written (``warnings``:
    the deployment's list, ``warninglist.effective``; the shipped one when not given)."""
    _lengths(data)
    _required(data)
    if len(data.indicators) > MAX_INDICATORS:
        raise InvalidInput(
            N_("A report may list at most %(n)d indicators (this one has %(count)d)."),
            field="indicators",
            n=MAX_INDICATORS,
            count=len(data.indicators),
        )
    _choice(data.channel, Channel, "channel")
    _choice(data.sharing, Sharing, "sharing")
    if data.category is not None:
        _choice(data.category, Category, "category")
        data = dataclasses.replace(data, category=Category(data.category).value)
    _limits(data)
    data = _money(dataclasses.replace(data, reported_at=_reported_at(data.reported_at)))
    _external_id(data.external_id)
    mentions: list[PreparedMention] = []
    for source in (data.text, data.narrative):
        if source:
            mentions.extend(_from_text(extract(source, region=region, warnings=warnings)))
    given_already: set[tuple[str, str]] = set()
    for given in data.indicators:
        value, display = fields.normalise(given.type, given.value, region=region, warnings=warnings)
        if (given.type.lower(), value) in given_already:
            continue  # one value given twice ("55 1234 5678" and "+52 55 1234 5678") is one
        given_already.add((given.type.lower(), value))
        mentions.append(
            PreparedMention(given.type.lower(), value, display, None, None, 100, "field")
        )
    if len(mentions) > MAX_INDICATORS:
        raise InvalidInput(
            N_("A report may hold at most %(n)d indicators (this one has %(count)d)."),
            field="indicators",
            n=MAX_INDICATORS,
            count=len(mentions),
        )
    return data, mentions


def field_errors(data: ReportIn) -> list[InvalidInput]:
    """What :func:`prepare` would refuse in ``data``, every field at once (the first problem
    of each): ``prepare`` stops at the first, and a form shows each beside its field. The
    indicators themselves are not read here (the form reads them line by line)."""
    checks: list[Callable[[], object]] = [
        lambda: _lengths(dataclasses.replace(data, narrative=None)),
        lambda: _lengths(dataclasses.replace(data, text=None)),
        lambda: _required(data),
        lambda: _choice(data.channel, Channel, "channel"),
        lambda: _choice(data.sharing, Sharing, "sharing"),
        lambda: _category(data.category),
        lambda: _limits(dataclasses.replace(data, victim=None)),
        lambda: _limits(dataclasses.replace(data, place=None)),
        lambda: _reported_at(data.reported_at),
        lambda: money.read_amount(data.amount, "amount"),
        lambda: money.read_amount(data.amount_paid, "amount_paid"),
        lambda: money.currency(data.currency),
        lambda: _money(data),  # the amounts and the currency agree
        lambda: _external_id(data.external_id),
    ]
    found: dict[str | None, InvalidInput] = {}
    for check in checks:
        try:
            check()
        except InvalidInput as exc:
            found.setdefault(exc.field, exc)
    return list(found.values())


def _category(value: str | None) -> None:
    if value is not None:
        _choice(value, Category, "category")


def _lengths(data: ReportIn) -> None:
    for name, text in (("text", data.text), ("narrative", data.narrative)):
        if text is not None and len(text) > MAX_TEXT:
            raise InvalidInput(
                N_("The %(name)s is longer than %(n)d characters."),
                field=name,
                name=names.field(name),
                n=MAX_TEXT,
            )


def _required(data: ReportIn) -> None:
    if not (data.text or data.narrative or data.indicators):
        raise InvalidInput(N_("A report needs a text, a narrative or indicators."), field="text")


def _external_id(value: str | None) -> None:
    if value is None:
        return
    if not (value.strip() and len(value) <= 200):
        # blank ("  ") is no id: it would stand for a report nobody can find again
        raise InvalidInput(
            N_("The external id must have 1 to 200 characters."), field="external_id"
        )
    if _has_control(value):
        # stored as written (not sealed): PostgreSQL refuses a NUL in a text column, which
        # failed the request (500) or the whole import, and a line break splits the import's
        # one-line messages that quote the id
        raise InvalidInput(N_("The external id holds control characters."), field="external_id")


def _from_text(found: Iterable[Indicator]) -> list[PreparedMention]:
    return [
        PreparedMention(
            i.type.value, i.value, i.display, i.start, i.end, round(i.confidence * 100), "text"
        )
        for i in found
    ]


def _has_control(value: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in value)


def _limits(data: ReportIn) -> None:
    """The API's limits on the place and the victim's details, for every way in (the import
    and the form have no schema to say them)."""
    if data.place is not None and len(data.place) > MAX_PLACE:
        raise InvalidInput(
            N_("Write only the town or state (200 characters at most)."), field="place"
        )
    if data.victim is not None and len(data.victim) > MAX_VICTIM:
        raise InvalidInput(
            N_("The victim's details are longer than 2000 characters."), field="victim"
        )


def _choice(value: str, kind: type[enum.StrEnum], name: str) -> None:
    allowed = [m.value for m in kind]
    if value not in allowed:
        raise InvalidInput(
            N_("'%(value)s' is not a valid %(name)s (one of: %(allowed)s)."),
            field=name,
            name=names.field(name),
            value=str(value)[:30],
            allowed=", ".join(allowed),
        )


def _reported_at(value: datetime | None) -> datetime | None:
    """When it happened, in UTC (a moment without a zone is taken as UTC): not in the future
    beyond ``CLOCK_SKEW`` (a clock a little ahead, a day in another time zone), not before
    ``EARLIEST`` (a year typed wrong: 1900, 0202)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value > utcnow() + CLOCK_SKEW:
        raise InvalidInput(
            N_("The date %(date)s is in the future."),
            field="reported_at",
            date=value.date().isoformat(),
        )
    if value < EARLIEST:
        raise InvalidInput(
            N_("The date %(date)s is before %(earliest)s: check the year."),
            field="reported_at",
            date=value.date().isoformat(),
            earliest=EARLIEST.date().isoformat(),
        )
    return value


def _money(data: ReportIn) -> ReportIn:
    """The amounts as numbers (read the way people write them, ``amparo.network.money``) and
    the currency they name when the currency field was left empty."""
    amount, named = money.read_amount(data.amount, "amount")
    paid, named_paid = money.read_amount(data.amount_paid, "amount_paid")
    currency = money.currency(data.currency)
    named_ones = {c for c in (named, named_paid, currency) if c}
    if len(named_ones) > 1:
        raise InvalidInput(
            N_("The amounts and the currency name different currencies (%(found)s)."),
            field="currency",
            found=", ".join(sorted(named_ones)),
        )
    return dataclasses.replace(
        data, amount=amount, amount_paid=paid, currency=currency or named or named_paid
    )


def create_report(
    *,
    session: Session,
    org_id: int,
    data: ReportIn,
    region: str | None = None,
    warnings: WarningList | None = None,
) -> Report:
    """Store a report with its indicators and link it, in the caller's transaction: the
    import's path with a batch of one (``amparo.network.bulk``), so both link alike."""
    from amparo.network import bulk

    if warnings is None:
        warnings = warninglist.effective(session)
    row = bulk.prepare_report(data, region=region, warnings=warnings)
    session.flush()
    written = bulk.write_batch(session, org_id=org_id, rows=[row])
    if written.failures:
        failure = written.failures[0]
        raise Conflict(failure.message, **failure.params)
    return session.get_one(Report, written.ids[0])


def sync_partner_links(
    session: Session, org_id: int, indicators: dict[int, tuple[str, str]]
) -> None:
    """Partner hubs asking online see shared reports as they change (see ``partner_links``)."""
    from amparo.network import partner_links

    lock(session)  # one writer of the hash tables at a time on PostgreSQL
    partner_links.sync(session, org_id=org_id, indicators=indicators)


def indicators_of(report: Report) -> dict[int, tuple[str, str]]:
    return {m.indicator_id: (m.indicator.type, m.value) for m in report.mentions}


def lock(session: Session) -> None:
    """One linker at a time on PostgreSQL, until the transaction ends (SQLite has one writer).

    Taken before anything is written: an importer that inserted a new indicator and then
    waited for the lock, while the lock holder waited for that indicator's row, deadlocked
    (two concurrent imports on PostgreSQL, found by a test)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(LOCK_SQL)


def indicator_rows(
    session: Session, mentions: Sequence[PreparedMention], warnings: WarningList
) -> dict[tuple[str, str], IndicatorKey]:
    wanted = {(m.type, m.value) for m in mentions}
    if not wanted:
        return {}
    hashed = {(kind, value): indicator_key(kind, value) for kind, value in wanted}
    rows = [
        {
            "type": kind,
            "key": key,
            "warning": warnings.reason(kind, value),
            "report_count": 0,
        }
        for (kind, value), key in hashed.items()
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(IndicatorKey).values(rows).on_conflict_do_nothing())
    found = [
        row
        for kind in {kind for kind, _ in hashed}
        for row in session.scalars(
            select(IndicatorKey).where(
                IndicatorKey.type == kind,
                IndicatorKey.key.in_([key for (k, _), key in hashed.items() if k == kind]),
            )
        )
    ]
    by_key = {(row.type, row.key): row for row in found}
    return {pair: by_key[(pair[0], key)] for pair, key in hashed.items()}


def link(session: Session, report: Report, indicator_ids: Sequence[int]) -> None:
    """Join the clusters of every live report that shares an indicator with ``report`` (an
    edited report linking again; new reports link in ``bulk.write_batch``)."""
    lock(session)
    neighbours: list[int] = []
    if indicator_ids:
        neighbours = list(
            session.scalars(
                select(Report.cluster_id)
                .join(Mention, Mention.report_id == Report.id)
                .where(
                    Mention.indicator_id.in_(list(indicator_ids)),
                    Report.id != report.id,
                    Report.status != ReportStatus.RETRACTED,
                    Report.cluster_id.is_not(None),
                )
                .distinct()
            )
        )
    if not neighbours:
        cluster = Cluster(size=1)
        session.add(cluster)
        session.flush()
        report.cluster_id = cluster.id
        return
    root = merge(session, neighbours)
    root.size += 1
    report.cluster_id = root.id
    session.flush()
    session.expire_all()


def merge(session: Session, cluster_ids: Collection[int]) -> Cluster:
    """Join clusters into the largest (union by size): the smaller ones' reports are
    relabelled into it and they are deleted. The caller holds the linking lock."""
    clusters = session.scalars(select(Cluster).where(Cluster.id.in_(sorted(cluster_ids)))).all()
    root = max(clusters, key=lambda c: (c.size, -c.id))
    others = [c for c in clusters if c.id != root.id]
    # a statement per thousand clusters, not per cluster: a value taken off the warning list
    # may join thousands at once (``warninglist.sync``)
    for start in range(0, len(others), 1000):
        session.execute(
            update(Report)
            .where(Report.cluster_id.in_([c.id for c in others[start : start + 1000]]))
            .values(cluster_id=root.id)
            .execution_options(synchronize_session=False)
        )
    for other in others:
        root.size += other.size
        session.delete(other)
    session.flush()
    return root


def retract(*, session: Session, org_id: int, report_id: int) -> Report:
    """The report stops counting: it leaves its cluster and every look-up at once."""
    report = _own(session, org_id, report_id)
    if report.status == ReportStatus.RETRACTED:
        return report
    _leave(session, report)
    report.status = ReportStatus.RETRACTED
    report.updated_at = utcnow()
    session.flush()
    if report.sharing != Sharing.OWN:
        sync_partner_links(session, org_id, indicators_of(report))
    return report


def delete_report(*, session: Session, org_id: int, report_id: int) -> None:
    report = _own(session, org_id, report_id)
    indicators = indicators_of(report) if report.sharing != Sharing.OWN else {}
    if report.status != ReportStatus.RETRACTED:
        _leave(session, report)
    session.delete(report)
    session.flush()
    if indicators:
        sync_partner_links(session, org_id, indicators)


def _own(session: Session, org_id: int, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None or report.org_id != org_id:
        raise NotFound(N_("There is no such report."))
    return report


def _leave(session: Session, report: Report) -> None:
    lock(session)
    counted = {m.indicator_id for m in report.mentions}
    for row in session.scalars(select(IndicatorKey).where(IndicatorKey.id.in_(counted))):
        row.report_count = max(0, row.report_count - 1)
    cluster_id = report.cluster_id
    report.cluster_id = None
    session.flush()
    if cluster_id is not None:
        resplit(session, cluster_id)


def resplit(session: Session, cluster_id: int) -> int:
    """Walk one cluster's live reports again; give every piece but the largest a new cluster.
    Returns how many new clusters that made."""
    parts = components(session, cluster_id)
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        return 0
    if not parts:
        session.execute(
            update(Report)
            .where(Report.cluster_id == cluster_id)
            .values(cluster_id=None)
            .execution_options(synchronize_session=False)
        )
        session.delete(cluster)
        session.flush()
        return 0
    parts.sort(key=len, reverse=True)
    cluster.size = len(parts[0])
    pieces = parts[1:]
    if pieces:
        # The new clusters in one statement and the moved reports in another (executemany):
        # a value put on the warning list may split one cluster into thousands at once.
        now = utcnow()
        ids = session.scalars(
            insert(Cluster).returning(Cluster.id, sort_by_parameter_order=True),
            [{"size": len(part), "created_at": now} for part in pieces],
        ).all()
        session.execute(
            update(Report),
            [
                {"id": report_id, "cluster_id": piece_id}
                for piece_id, part in zip(ids, pieces, strict=True)
                for report_id in sorted(part)
            ],
        )
    session.flush()
    session.expire_all()
    return len(pieces)


def _edges(
    session: Session, cluster_id: int, *, org_id: int | None = None
) -> list[tuple[int, int]]:
    """(report, indicator) pairs of a cluster's live reports, linkable indicators only; with
    ``org_id``, of the reports that organisation may read only."""
    query = (
        select(Mention.report_id, Mention.indicator_id)
        .join(Report, Report.id == Mention.report_id)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(
            Report.cluster_id == cluster_id,
            Report.status != ReportStatus.RETRACTED,
            IndicatorKey.warning.is_(None),
        )
    )
    if org_id is not None:
        query = query.where(visible(org_id))  # type: ignore[arg-type]
    return [(r, i) for r, i in session.execute(query)]


def components(session: Session, cluster_id: int) -> list[set[int]]:
    members = set(
        session.scalars(
            select(Report.id).where(
                Report.cluster_id == cluster_id, Report.status != ReportStatus.RETRACTED
            )
        )
    )
    return [set(part) for part in _parts(_edges(session, cluster_id), members)]


def _parts(pairs: Iterable[tuple[int, int]], reports: Iterable[int] = ()) -> list[list[int]]:
    """:func:`_bipartite_parts` of (report, indicator) ``pairs``, with ``reports`` that may
    mention none of them each a part of its own."""
    by_indicator: dict[int, set[int]] = defaultdict(set)
    by_report: dict[int, set[int]] = defaultdict(set)
    for report_id, indicator_id in pairs:
        by_indicator[indicator_id].add(report_id)
        by_report[report_id].add(indicator_id)
    return _bipartite_parts(sorted(set(reports) | by_report.keys()), by_report, by_indicator)


def _bipartite_parts(
    reports: Sequence[int],
    by_report: dict[int, set[int]],
    by_indicator: dict[int, set[int]],
) -> list[list[int]]:
    """Connected parts of the report–indicator graph, each a list of report ids, the parts in
    the order of their smallest report. Every indicator is expanded once: a value shared by
    thousands of reports costs one pass over them, not one per report that shares it."""
    seen_reports: set[int] = set()
    seen_indicators: set[int] = set()
    parts: list[list[int]] = []
    for start in reports:
        if start in seen_reports:
            continue
        seen_reports.add(start)
        part, queue = [start], deque([start])
        while queue:
            current = queue.popleft()
            for indicator_id in by_report.get(current, ()):
                if indicator_id in seen_indicators:
                    continue
                seen_indicators.add(indicator_id)
                for other in by_indicator[indicator_id]:
                    if other not in seen_reports:
                        seen_reports.add(other)
                        part.append(other)
                        queue.append(other)
        parts.append(part)
    return parts


def path_between(
    session: Session, first: int, second: int, *, org_id: int
) -> list[tuple[int, int]] | None:
    """Why two reports are in one cluster, as ``org_id`` may be told: ``[(report, indicator),
    …, (second, 0)]`` — each report and the indicator it shares with the next one — walking
    only through reports the organisation may read. ``None`` when they are joined only through
    reports it may not read: that they are linked is all it learns, never through which."""
    readable = {
        report_id: cluster_id
        for report_id, cluster_id in session.execute(
            select(Report.id, Report.cluster_id).where(
                Report.id.in_([first, second]),
                Report.status != ReportStatus.RETRACTED,
                visible(org_id),  # type: ignore[arg-type]
            )
        )
    }
    cluster_id = readable.get(first)
    if cluster_id is None or readable.get(second) != cluster_id:
        raise NotFound(N_("These two reports are not in one cluster."))
    by_indicator: dict[int, set[int]] = defaultdict(set)
    by_report: dict[int, set[int]] = defaultdict(set)
    for report_id, indicator_id in _edges(session, cluster_id, org_id=org_id):
        by_indicator[indicator_id].add(report_id)
        by_report[report_id].add(indicator_id)
    previous: dict[int, tuple[int, int]] = {}
    queue, seen, expanded = deque([first]), {first}, set()
    while queue:
        current = queue.popleft()
        if current == second:
            break
        for indicator_id in sorted(by_report[current]):
            if indicator_id in expanded:  # its reports were all queued the first time
                continue
            expanded.add(indicator_id)
            for other in sorted(by_indicator[indicator_id]):
                if other not in seen:
                    seen.add(other)
                    previous[other] = (current, indicator_id)
                    queue.append(other)
    if second not in seen:
        return None
    steps: list[tuple[int, int]] = [(second, 0)]
    node = second
    while node != first:
        node, indicator_id = previous[node]
        steps.append((node, indicator_id))
    return list(reversed(steps))


@dataclass(frozen=True)
class ClusterView:
    # the organisation's id for this network: its smallest report (``Network``), never the
    # deployment's cluster id
    id: int
    report_ids: list[int]
    external_ids: list[str | None]
    indicators: list[dict[str, object]]
    first_seen: datetime
    last_seen: datetime
    channels: list[str]
    categories: list[str]
    demanded: dict[str, str]
    paid: dict[str, str]
    # the places most often given, with how many reports give each: of the organisation's own
    # reports only (another organisation's places stay with it, as its amounts do)
    places: list[tuple[str, int]] = field(default_factory=list)
    # Reports the organisation may not read can split what it sees of one cluster into pieces
    # (their links run through the unreadable ones): this is piece ``piece`` of ``pieces``, in
    # the order of their first report.
    piece: int = 1
    pieces: int = 1
    other_pieces: list[int] = field(default_factory=list)  # their ids, in the same order


TOP_PLACES = 5


def visible(org_id: int | BindParameter[int]) -> object:
    """Reports an organisation may read: its own, those shared with the whole network, and
    those shared with partners by an organisation it is partnered with."""
    partners = select(Partnership.partner_id).where(Partnership.org_id == org_id)
    return (
        (Report.org_id == org_id)
        | (Report.sharing == Sharing.NETWORK)
        | ((Report.sharing == Sharing.PARTNERS) & Report.org_id.in_(partners))
    )


def add_partnership(*, session: Session, org_id: int, partner_id: int) -> None:
    if org_id == partner_id:
        raise InvalidInput(N_("An organisation cannot partner with itself."), field="partner")
    for a, b in ((org_id, partner_id), (partner_id, org_id)):
        exists = session.scalar(
            select(Partnership.id).where(Partnership.org_id == a, Partnership.partner_id == b)
        )
        if exists is None:
            session.add(Partnership(org_id=a, partner_id=b))
    session.flush()


def remove_partnership(*, session: Session, org_id: int, partner_id: int) -> None:
    for a, b in ((org_id, partner_id), (partner_id, org_id)):
        for row in session.scalars(
            select(Partnership).where(Partnership.org_id == a, Partnership.partner_id == b)
        ):
            session.delete(row)
    session.flush()


@dataclass(frozen=True)
class SharingPreview:
    level: str
    organisations: list[str]  # who could read the report at this level, besides its owner
    indicators: list[tuple[str, str]]  # (type, display) they would see
    withheld: list[str]  # what never leaves the owner


def preview_sharing(*, session: Session, org_id: int, report_id: int, level: str) -> SharingPreview:
    """What sharing a report at ``level`` would show, and to whom — before it is saved."""

    _choice(level, Sharing, "sharing")
    report = _own(session, org_id, report_id)
    names = sharing_audience(session, org_id)[level]
    shown = sorted({(m.indicator.type, m.display) for m in report.mentions})
    return SharingPreview(
        level=level,
        organisations=names,
        indicators=shown,
        withheld=["text", "narrative", "victim", "place"],
    )


def sharing_audience(session: Session, org_id: int) -> dict[str, list[str]]:
    """Per sharing level, the organisations that would read a report of ``org_id`` at that
    level (names, sorted): what the report form shows before a report is saved."""
    from amparo.accounts.models import Organisation

    partners = list(
        session.scalars(
            select(Organisation.name)
            .join(Partnership, Partnership.partner_id == Organisation.id)
            .where(Partnership.org_id == org_id)
            .order_by(Organisation.name)
        )
    )
    everyone = list(
        session.scalars(
            select(Organisation.name).where(Organisation.id != org_id).order_by(Organisation.name)
        )
    )
    return {
        Sharing.OWN.value: [],
        Sharing.PARTNERS.value: partners,
        Sharing.NETWORK.value: everyone,
    }


def set_sharing(*, session: Session, org_id: int, report_id: int, level: str) -> Report:
    _choice(level, Sharing, "sharing")
    report = _own(session, org_id, report_id)
    before = report.sharing
    report.sharing = Sharing(level)
    report.updated_at = utcnow()
    session.flush()
    if (before == Sharing.OWN) != (report.sharing == Sharing.OWN):
        sync_partner_links(session, org_id, indicators_of(report))
    return report


def cluster_candidates(
    session: Session, *, org_id: int, min_size: int, limit: int | None, by_first: bool = False
) -> tuple[list[int], int]:
    """The clusters with at least ``min_size`` reports the organisation may read, largest
    first (or, ``by_first``, in the order of the first report of each it may read; at most
    ``limit`` of them), and how many there are: one grouped query, so a page of networks
    costs what it shows, not what the organisation ever recorded."""
    size = func.count(Report.id)
    grouped = (
        select(
            Report.cluster_id.label("cluster_id"),
            size.label("n"),
            func.min(Report.id).label("first"),
        )
        .where(
            visible(org_id),  # type: ignore[arg-type]
            Report.status != ReportStatus.RETRACTED,
            Report.cluster_id.is_not(None),
        )
        .group_by(Report.cluster_id)
        .having(size >= min_size)
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(grouped)) or 0
    # A cluster holding reports it may not read (its size, everyone's, is larger) may show as
    # several networks, or as none of ``min_size``: those are counted as the list shows them.
    partial = session.scalars(
        select(grouped.c.cluster_id)
        .join(Cluster, Cluster.id == grouped.c.cluster_id)
        .where(Cluster.size != grouped.c.n)
    ).all()
    if partial:
        total += _piece_count(session, org_id, list(partial), min_size) - len(partial)
    ids = session.scalars(
        # ties by the first report it may read, never by the cluster's id: an older cluster
        # would tell that a report it may not read held the value first
        select(grouped.c.cluster_id)
        .order_by(*((grouped.c.first,) if by_first else (grouped.c.n.desc(), grouped.c.first)))
        .limit(limit)
    ).all()
    return [int(i) for i in ids], int(total)


def _piece_count(session: Session, org_id: int, cluster_ids: list[int], min_size: int) -> int:
    """How many networks of at least ``min_size`` reports the organisation sees in these
    clusters: their pieces made of the reports it may read (``clusters_for``)."""
    count = 0
    for start in range(0, len(cluster_ids), _CLUSTER_CHUNK):
        chunk = sorted(cluster_ids[start : start + _CLUSTER_CHUNK])
        edges: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
        for cluster_id, report_id, indicator_id in session.execute(
            select(Report.cluster_id, Mention.report_id, Mention.indicator_id)
            .join(Report, Report.id == Mention.report_id)
            .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
            .where(
                Report.cluster_id.in_(chunk),
                Report.status != ReportStatus.RETRACTED,
                IndicatorKey.warning.is_(None),
                visible(org_id),  # type: ignore[arg-type]
            )
        ):
            edges[cluster_id].append((report_id, indicator_id))
        for pairs in edges.values():
            count += sum(1 for part in _parts(pairs) if len(part) >= min_size)
    return count


_SEALED_REPORT_COLUMNS = (Report.text, Report.narrative, Report.victim, Report.place)


def iter_clusters(
    session: Session, *, org_id: int, min_size: int = 2, chunk: int = 500
) -> Iterator[ClusterView]:
    """What ``clusters_for`` returns, in the same order, ``chunk`` clusters at a time: the
    reports of clusters smaller than ``min_size`` are never loaded, and memory holds about one
    chunk (the session keeps unchanged objects only weakly)."""
    ids, _ = cluster_candidates(
        session, org_id=org_id, min_size=min_size, limit=None, by_first=True
    )
    for start in range(0, len(ids), chunk):
        yield from clusters_for(
            session, org_id=org_id, min_size=min_size, cluster_ids=ids[start : start + chunk]
        )


def clusters_for(
    session: Session,
    *,
    org_id: int,
    min_size: int = 2,
    cluster_ids: Collection[int] | None = None,
) -> list[ClusterView]:
    """The clusters an organisation can see (only ``cluster_ids`` when given): the connected
    pieces of each cluster made of the reports it may read (its own and those shared with the
    whole network), so a report it cannot read never shows up as a hidden bridge."""
    query = (
        select(Report)
        .where(
            visible(org_id),  # type: ignore[arg-type]
            Report.status != ReportStatus.RETRACTED,
            Report.cluster_id.is_not(None),
        )
        # a network's view needs none of the sealed texts: not read, not opened
        .options(*(defer(c, raiseload=True) for c in _SEALED_REPORT_COLUMNS))
    )
    if cluster_ids is not None:
        if not cluster_ids:
            return []
        query = query.where(Report.cluster_id.in_(sorted(cluster_ids)))
    reports = session.scalars(query.order_by(Report.id)).all()
    by_cluster: dict[int, list[Report]] = defaultdict(list)
    for report in reports:
        assert report.cluster_id is not None
        by_cluster[report.cluster_id].append(report)
    views: list[ClusterView] = []
    # in the order of their first report (never of the clusters' ids)
    for members in sorted(by_cluster.values(), key=lambda m: m[0].id):
        if len(members) < min_size:
            continue
        parts = [p for p in _visible_parts(session, members) if len(p) >= min_size]
        for number, part in enumerate(parts, 1):
            view = _view(session, part, org_id)
            others = [p[0].id for p in parts if p is not part]
            views.append(
                dataclasses.replace(view, piece=number, pieces=len(parts), other_pieces=others)
            )
    views.sort(key=lambda v: v.id)
    return views


def _visible_parts(session: Session, members: list[Report]) -> list[list[Report]]:
    ids = {r.id for r in members}
    mentions = session.execute(
        select(Mention.report_id, Mention.indicator_id)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(Mention.report_id.in_(sorted(ids)), IndicatorKey.warning.is_(None))
    )
    index = {r.id: r for r in members}
    pairs = [(report_id, indicator_id) for report_id, indicator_id in mentions]
    return [[index[i] for i in sorted(part)] for part in _parts(pairs, ids)]


_DISPLAY_CONTEXT = sealed_context(Mention.__table__, "display")


def _view(session: Session, members: list[Report], org_id: int) -> ClusterView:
    """One network as ``org_id`` reads it: ``members`` are reports it may read, and each is
    shown through ``policy.as_read_by`` (another organisation's reference and amounts stay
    with it, even summed)."""
    ids = [r.id for r in members]
    counts: dict[int, int] = defaultdict(int)
    reporting: dict[int, set[int]] = defaultdict(set)
    shown: dict[int, tuple[str, str, str | None]] = {}
    # One query for the mentions and their indicators, with each display still sealed: only
    # the 20 shown are opened (this was a query per mention and every value and display
    # opened: 39,000 queries and 183,000 decryptions for 1,301 networks).
    for indicator_id, report_id, sealed, kind, warning in session.execute(
        select(
            Mention.indicator_id,
            Mention.report_id,
            type_coerce(Mention.display, Text),
            IndicatorKey.type,
            IndicatorKey.warning,
        )
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(Mention.report_id.in_(ids))
        .order_by(Mention.id)
    ):
        counts[indicator_id] += 1
        reporting[indicator_id].add(report_id)
        shown.setdefault(indicator_id, (kind, sealed, warning))
    # ties in the order the values first appear in these reports (a stored id's order would
    # tell which value someone reported earlier, in a report this organisation may not read)
    top = sorted(counts, key=lambda i: -counts[i])[:20]
    keyring = active_keyring()
    shown = {
        i: (kind, keyring.decrypt(sealed, context=_DISPLAY_CONTEXT), warning)
        for i, (kind, sealed, warning) in shown.items()
        if i in top
    }
    read = [
        policy.as_read_by(
            {
                "external_id": r.external_id,
                "amount": r.amount_demanded,
                "amount_paid": r.amount_paid,
                "currency": r.currency,
            },
            own=r.org_id == org_id,
        )
        for r in members
    ]
    demanded: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for fields_read in read:
        currency = str(fields_read["currency"] or "?")
        for totals, amount in (
            (demanded, fields_read["amount"]),
            (paid, fields_read["amount_paid"]),
        ):
            if isinstance(amount, Decimal):
                totals[currency] += amount
    return ClusterView(
        id=members[0].id,
        report_ids=ids,
        external_ids=[str(f["external_id"]) if f["external_id"] else None for f in read],
        indicators=[
            {
                "type": shown[i][0],
                "display": shown[i][1],
                "mentions": counts[i],
                **({"warning": shown[i][2]} if shown[i][2] else {}),
                # "Review": a value in very many reports may be a switchboard rather than an
                # extortioner's. Counted among the reports of this view — those the
                # organisation may read — and never from the deployment-wide count
                # (``IndicatorKey.report_count``), which would tell it that reports it may not
                # read mention the value, and roughly how many. A value hot only in others'
                # private reports is for those organisations to review, in their own views.
                **({"review": True} if len(reporting[i]) > REVIEW_AFTER else {}),
            }
            for i in top
        ],
        first_seen=min(r.reported_at for r in members),
        last_seen=max(r.reported_at for r in members),
        channels=sorted({r.channel.value for r in members}),
        categories=sorted({r.category for r in members if r.category}),
        demanded={k: str(v) for k, v in sorted(demanded.items())},
        paid={k: str(v) for k, v in sorted(paid.items())},
        places=_places(session, [r.id for r in members if r.org_id == org_id]),
    )


_PLACE_CONTEXT = sealed_context(Report.__table__, "place")


def _places(session: Session, own: list[int]) -> list[tuple[str, int]]:
    """The ``TOP_PLACES`` places most given in these reports, as written (case and spaces
    aside), with their counts; one query, each place opened once."""
    if not own:
        return []
    keyring = active_keyring()
    counts: dict[str, int] = defaultdict(int)
    written: dict[str, str] = {}
    for start in range(0, len(own), 1000):
        for (sealed,) in session.execute(
            select(type_coerce(Report.place, Text)).where(
                Report.id.in_(own[start : start + 1000]), Report.place.is_not(None)
            )
        ):
            place = keyring.decrypt(sealed, context=_PLACE_CONTEXT).strip()
            key = " ".join(place.casefold().split())
            if key:
                counts[key] += 1
                written.setdefault(key, place)
    top = sorted(counts, key=lambda k: (-counts[k], k))[:TOP_PLACES]
    return [(written[k], counts[k]) for k in top]


@dataclass(frozen=True)
class PartnerSighting:
    partner: str
    reports: int
    last_seen: str | None
    source: str = "feed"  # "feed" (an imported hashed feed) or "online" (the hub was asked)


@dataclass(frozen=True)
class Lookup:
    type: str
    value: str
    reported: int
    first_seen: datetime | None
    last_seen: datetime | None
    cluster_size: int
    categories: list[str]
    warning: str | None
    ambiguous_with: list[str]
    partners: list[PartnerSighting] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # partner hubs that could not be asked
    # a member's answer: the network's id as the organisation sees it (``Network``), to open
    # its page
    network: int | None = None


def lookup(
    session: Session,
    value: str,
    *,
    org_id: int | None,
    region: str | None = None,
    older_than: datetime | None = None,
) -> Lookup:
    """How often a value was reported, in the reports ``org_id`` may read (none when
    anonymous: the anonymous answer is built from this one and made coarse by the caller).

    A number written without its country code may be several numbers ("(832) 555-0147" is
    valid in Mexico and in the United States): every reading is looked up, and the answer is
    the one reported most (the likeliest reading when none or several tie), the others named
    in ``ambiguous_with`` — a family that types a US number the US way is not told "not
    reported" because the Mexican reading was not."""
    listed = warninglist.effective(session)
    kind, canonical, others = identify(value, region=region, warnings=listed)
    if org_id is None and kind == "name":
        # A name alone says too little to warn a family, and answering strangers would let an
        # extortioner learn whether his alias was reported (the check and the hashed feeds
        # leave names out for the same reason).
        raise InvalidInput(
            N_("Names are looked up only by members of an organisation."), field="value"
        )
    readings = [canonical, *others]
    answers = [
        _lookup_reading(session, kind, reading, org_id=org_id, older_than=older_than, listed=listed)
        for reading in readings
    ]
    best = max(range(len(answers)), key=lambda i: (answers[i].reported, -i))
    return dataclasses.replace(
        answers[best], ambiguous_with=[r for i, r in enumerate(readings) if i != best]
    )


def _lookup_reading(
    session: Session,
    kind: str,
    canonical: str,
    *,
    org_id: int | None,
    older_than: datetime | None,
    listed: WarningList,
) -> Lookup:
    """:func:`lookup` of one canonical value."""
    others: list[str] = []
    # One statement, run below the ORM: the indicator, each live report mentioning it that the
    # caller may read with its cluster, and whether the caller holds partner feeds at all. The
    # size of the network is then counted among the reports the caller may read
    # (``networks_of``), never taken from ``clusters.size``, which counts everyone's. Loading
    # whole reports opened (decrypted) their texts, and the five ORM queries this replaced cost
    # 4 ms.
    params: dict[str, object] = {"kind": kind, "key": indicator_key(kind, canonical)}
    if org_id is not None:
        params["org"] = org_id
    if older_than is not None:
        params["older_than"] = older_than
    rows = (
        session.connection()
        .execute(_lookup_statement(org_id is not None, older_than is not None), params)
        .all()
    )
    head = rows[0]  # always one row at least (the statement starts from a one-row table)
    partners = partner_sightings(session, org_id, kind, canonical) if org_id and head.feeds else []
    # The list as it is today (the shipped one and the deployment's entries): a value listed
    # after it was first reported, or never reported
    warning = listed.reason(kind, canonical) or head.warning
    if head.indicator is None:
        return Lookup(kind, canonical, 0, None, None, 0, [], warning, others, partners)
    reports = {row.id: row for row in rows if row.id is not None}.values()
    first = next(iter(reports), None)
    # Strangers are never told a network's size, and a listed value is in no network: it
    # links nothing, so the network of whichever report mentions it first says nothing of it.
    size = 0
    network = None
    if org_id is not None and first is not None and first.cluster_id is not None and not warning:
        seen = networks_of(session, org_id=org_id, reports=[(first.id, first.cluster_id)])
        size, network = seen[first.id].size, seen[first.id].id
    return Lookup(
        type=kind,
        value=canonical,
        reported=len(reports),
        first_seen=min((r.reported_at for r in reports), default=None),
        last_seen=max((r.reported_at for r in reports), default=None),
        cluster_size=size,
        categories=sorted({r.category for r in reports if r.category}),
        warning=warning,
        ambiguous_with=others,
        partners=partners,
        network=network,
    )


@dataclass(frozen=True)
class Network:
    """A network as one organisation sees it: the piece of a cluster made of the reports it
    may read, joined through them alone.

    ``id`` is the smallest id of those reports — the organisation's name for the network, and
    never the deployment's cluster id: a cluster id would tell an organisation that a report it
    just stored joined reports it may not read (an older id than a new network's), so anyone
    able to store a report could learn, at once and without limit, that another
    organisation's private report holds a number."""

    id: int
    size: int


_CLUSTER_CHUNK = 500  # cluster ids per grouped query


def networks_of(
    session: Session, *, org_id: int, reports: Iterable[tuple[int, int | None]]
) -> dict[int, Network]:
    """The network of each of ``reports`` (``(report id, cluster id)`` pairs of live reports the
    organisation may read) as ``org_id`` sees it. A report in no cluster has none. One grouped
    query per 500 clusters says which clusters it may read whole (the usual case: the network
    is the cluster, named by its smallest report); the others are walked through the reports
    it may read."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for report_id, cluster_id in reports:
        if cluster_id is not None:
            wanted[cluster_id].add(report_id)
    found: dict[int, Network] = {}
    if not wanted:
        return found
    if session.new or session.dirty or session.deleted:
        session.flush()  # counted below the ORM, which would otherwise flush first
    clusters = sorted(wanted)
    partial: list[int] = []
    for start in range(0, len(clusters), _CLUSTER_CHUNK):
        chunk = clusters[start : start + _CLUSTER_CHUNK]
        one = len(chunk) == 1  # a look-up, a report: no list to expand
        params = {"org": org_id, "cluster" if one else "clusters": chunk[0] if one else chunk}
        for cluster_id, total, readable, first in session.connection().execute(
            _networks_statement(one), params
        ):
            if readable == total:
                network = Network(int(first), int(total))
                for report_id in wanted[cluster_id]:
                    found[report_id] = network
            else:
                partial.append(cluster_id)
    for cluster_id in partial:
        # Each part starts with its smallest report (every smaller one is in an earlier part).
        for part in _parts(_edges(session, cluster_id, org_id=org_id), wanted[cluster_id]):
            network = Network(part[0], len(part))
            for report_id in wanted[cluster_id].intersection(part):
                found[report_id] = network
    return found


@functools.lru_cache(maxsize=2)
def _networks_statement(one: bool) -> Any:
    """Per cluster: its live reports, how many of them an organisation may read, and the
    smallest id. Built once (building the statement cost more than running it in a look-up),
    run with parameters: one cluster, or a list of them."""
    org = bindparam("org", type_=Integer)
    clusters = (
        Report.cluster_id == bindparam("cluster", type_=Integer)
        if one
        else Report.cluster_id.in_(bindparam("clusters", expanding=True))
    )
    return (
        select(
            Report.cluster_id,
            func.count(),
            func.coalesce(func.sum(case((visible(org), 1), else_=0)), 0),  # type: ignore[arg-type]
            func.min(Report.id),
        )
        .where(clusters, Report.status != ReportStatus.RETRACTED)
        .group_by(Report.cluster_id)
    )


def network_of(session: Session, *, org_id: int, report: Report) -> Network | None:
    """:func:`networks_of` for one report."""
    return networks_of(session, org_id=org_id, reports=[(report.id, report.cluster_id)]).get(
        report.id
    )


def resolve_network(session: Session, *, org_id: int, network_id: int) -> tuple[int, Network]:
    """``(cluster id, network)`` of the network that holds report ``network_id`` as the
    organisation sees it (any report of it names it; its id is the smallest). Raises
    :class:`NotFound` when that is no live report the organisation may read, exactly as when
    it does not exist."""
    cluster_id = session.scalar(
        select(Report.cluster_id).where(
            Report.id == network_id,
            visible(org_id),  # type: ignore[arg-type]
            Report.status != ReportStatus.RETRACTED,
        )
    )
    network = None
    if cluster_id is not None:
        seen = networks_of(session, org_id=org_id, reports=[(network_id, cluster_id)])
        network = seen.get(network_id)
    if cluster_id is None or network is None:
        raise NotFound(N_("There is no such network."))
    return cluster_id, network


def network_members(session: Session, *, org_id: int, network_id: int) -> list[int] | int:
    """The reports of a network as the organisation sees it: its cluster id when it may read
    the whole cluster (callers filter on the column), else the ids of the piece."""
    cluster_id, network = resolve_network(session, org_id=org_id, network_id=network_id)
    total = session.scalar(
        select(func.count()).where(
            Report.cluster_id == cluster_id, Report.status != ReportStatus.RETRACTED
        )
    )
    if total == network.size:
        return cluster_id
    for part in _parts(_edges(session, cluster_id, org_id=org_id), [network_id]):
        if network_id in part:
            return sorted(part)
    raise AssertionError("a report is in one part of its cluster")


@functools.lru_cache(maxsize=4)
def _lookup_statement(member: bool, dated: bool) -> Any:
    from amparo.network.models import PartnerFeed

    live = [Report.id == Mention.report_id, Report.status != ReportStatus.RETRACTED]
    feeds: Any = literal(0)
    if member:
        org = bindparam("org", type_=Integer)
        live.append(visible(org))  # type: ignore[arg-type]
        feeds = select(func.count()).where(PartnerFeed.org_id == org).scalar_subquery()
    if dated:
        live.append(Report.created_at <= bindparam("older_than", type_=UTCDateTime()))
    one = select(literal(1).label("one")).subquery()
    return (
        select(
            feeds.label("feeds"),
            IndicatorKey.id.label("indicator"),
            IndicatorKey.warning,
            Report.id,
            Report.reported_at,
            Report.category,
            Report.cluster_id,
        )
        .select_from(one)
        .outerjoin(
            IndicatorKey,
            and_(IndicatorKey.type == bindparam("kind"), IndicatorKey.key == bindparam("key")),
        )
        .outerjoin(Mention, Mention.indicator_id == IndicatorKey.id)
        .outerjoin(Report, and_(*live))
        .order_by(Report.id)
    )


def identify(
    value: str, *, region: str | None = None, warnings: WarningList | None = None
) -> tuple[str, str, list[str]]:
    """What a looked-up value is: ``(type, canonical, other readings)``; of the readings of an
    ambiguous number, one ``warnings`` lists comes first (the shipped list when not given)."""
    listed = warnings if warnings is not None else default_warning_list()
    text = value.strip()
    if not text or len(text) > 500:
        raise InvalidInput(N_("Give a value of 1 to 500 characters to look up."), field="value")
    if ":" in text and text.split(":", 1)[0].lower() in fields.TYPES:
        kind, _, rest = text.partition(":")
        canonical, _display = fields.normalise(kind, rest, region=region, warnings=listed)
        return kind.lower(), canonical, []
    found = extract(text, region=region, warnings=listed)
    whole = [i for i in found if i.start == 0 and i.end == len(text)]
    if len(whole) == 1:
        item = whole[0]
        return item.type.value, item.value, list(item.candidates)
    digits = "".join(c for c in text if c.isdigit())
    if digits and len(digits) < 7 and not re.sub(r"[\d\s-]", "", text):
        # "911", "089": never extracted from a text, but a public line worth saying so
        short = listed.short_numbers(digits, phones.region_order(region, None))
        if short:
            return "phone", short[0], short[1:]
    if digits and len(digits) >= 7:
        for kind in ("clabe", "card", "phone", "mtcn"):
            try:
                canonical, _display = fields.normalise(kind, text, region=region, warnings=listed)
            except InvalidInput:
                continue
            return kind, canonical, []
    raise InvalidInput(
        N_(
            "This does not look like a phone number, account, card, transfer code, e-mail, "
            "link, profile or wallet. Copy only the number or account, as you received it "
            "(for example +52 55 1234 5678)."
        ),
        field="value",
    )


def times_reported(
    session: Session, kind: str, value: str, *, older_than: datetime | None
) -> tuple[int, str | None]:
    """How many live reports mention this canonical value (and its warning-list reason)."""
    key = session.scalar(
        select(IndicatorKey).where(
            IndicatorKey.type == kind, IndicatorKey.key == indicator_key(kind, value)
        )
    )
    if key is None:
        return 0, None
    query = (
        select(func.count(func.distinct(Mention.report_id)))
        .join(Report, Report.id == Mention.report_id)
        .where(Mention.indicator_id == key.id, Report.status != ReportStatus.RETRACTED)
    )
    if older_than is not None:
        query = query.where(Report.created_at <= older_than)
    return int(session.scalar(query) or 0), key.warning


def bucket(count: int) -> str:
    """How often, as strangers are told it: "0", "1", "2-5" or "6+"."""
    if count <= 1:
        return str(count)
    return "2-5" if count <= 5 else "6+"


def reports_by_id(session: Session, ids: Sequence[int]) -> list[Report]:
    found = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class Step:
    report_id: int
    external_id: str | None  # the owner's reference: the reader's own reports only
    via_type: str | None
    via_display: str | None


@dataclass(frozen=True)
class Explanation:
    """How two reports are linked: the chain of steps, or — when they are joined only through
    reports the reader may not read — just the two ends and ``hidden``."""

    steps: list[Step]
    hidden: bool = False


def explain(session: Session, first: int, second: int, *, org_id: int) -> Explanation:
    """``path_between`` in words, for ``org_id``: each report and the indicator (as its owner
    may show it) that joins it to the next; only reports the organisation may read appear."""
    path = path_between(session, first, second, org_id=org_id)
    hidden = path is None
    steps: list[Step] = []
    for report_id, indicator_id in path or [(first, 0), (second, 0)]:
        report = session.get_one(Report, report_id)
        via_type = via_display = None
        if indicator_id:
            mention = session.scalar(
                select(Mention).where(
                    Mention.report_id == report_id, Mention.indicator_id == indicator_id
                )
            )
            if mention is not None:
                via_type, via_display = mention.indicator.type, mention.display
        shown = policy.as_read_by({"external_id": report.external_id}, own=report.org_id == org_id)
        steps.append(Step(report_id, shown["external_id"], via_type, via_display))
    return Explanation(steps, hidden)


def partner_sightings(
    session: Session, org_id: int, kind: str, value: str
) -> list[PartnerSighting]:
    """Where partner hubs' hashed feeds hold this value: the value is hashed with each feed's
    key and looked up among that feed's hashes (the feed never says the value itself)."""
    from amparo.network.export import feed_hash
    from amparo.network.models import PartnerFeed, PartnerHash

    found: list[PartnerSighting] = []
    for feed in session.scalars(select(PartnerFeed).where(PartnerFeed.org_id == org_id)):
        digest = feed_hash(bytes.fromhex(feed.key), kind, value)
        row = session.scalar(
            select(PartnerHash).where(
                PartnerHash.feed_id == feed.id,
                PartnerHash.type == kind,
                PartnerHash.hmac == digest,
            )
        )
        if row is not None:
            found.append(PartnerSighting(feed.partner, row.reports, row.last_seen))
    return found


def graph_of(session: Session, view: ClusterView) -> dict[str, list[object]]:
    """Nodes and edges of a network for the page's graph: its reports (labelled as the view
    may show them), the linkable indicators they mention (as their display form), and who
    mentions what. Indicators are numbered on the page (1, 2, … in the order of their labels),
    never by their stored id: an old id would tell that someone reported the value before,
    in a report this organisation may not read."""
    ids = view.report_ids
    pairs: set[tuple[int, int]] = set()
    labels: dict[int, str] = {}
    for mention in session.scalars(
        select(Mention)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(Mention.report_id.in_(ids), IndicatorKey.warning.is_(None))
        .order_by(Mention.id)
    ):
        pairs.add((mention.report_id, mention.indicator_id))
        labels.setdefault(mention.indicator_id, mention.display)
    stored = sorted(labels, key=lambda i: labels[i])  # ties as they first appear
    number = {indicator: n for n, indicator in enumerate(stored, 1)}
    return {
        "reports": [
            {"id": i, "label": external_id or f"#{i}"}
            for i, external_id in zip(ids, view.external_ids, strict=True)
        ],
        "indicators": [{"id": number[i], "label": labels[i]} for i in stored],
        "edges": [list(edge) for edge in sorted((r, number[i]) for r, i in pairs)],
    }
