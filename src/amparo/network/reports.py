"""The analysts' side of reports: edit, close and reopen, list with filters, trends over time.

An edit that changes which indicators a report mentions relinks it the way a retraction
unlinks it: the report leaves its cluster (which splits if it was the bridge), its mentions are
replaced, and it links again like a new report — work proportional to the clusters it touches.
Closing a report means the case is handled: it stays linked and counted (only a retraction
takes it out of clusters and look-ups).

Lists and trends read only plain columns (never the encrypted text, except a short preview of
the organisation's own reports on the page being shown) and aggregate in SQL.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, bindparam, case, delete, func, literal_column, select
from sqlalchemy.orm import Session

from amparo.errors import N_, Conflict, InvalidInput, NotFound
from amparo.indicators import WarningList
from amparo.network import money, names, policy, service, warninglist
from amparo.network.models import (
    Category,
    Channel,
    IndicatorKey,
    Mention,
    Report,
    ReportStatus,
    Sharing,
)
from amparo.network.service import IndicatorIn, PreparedMention, ReportIn
from amparo.store.types import utcnow

UPDATABLE = frozenset(
    {
        "text",
        "narrative",
        "reported_at",
        "channel",
        "category",
        "amount",
        "amount_paid",
        "currency",
        "place",
        "victim",
        "sharing",
        "indicators",
    }
)
_REQUIRED = ("reported_at", "channel", "sharing", "indicators")
KEPT_AS_STORED = ("category", "place", "victim")  # checked only when changed
_RELINKING = frozenset({"text", "narrative", "indicators"})
MAX_PER_PAGE = 200
PREVIEW_CHARS = 80


# -- edit, close, reopen -------------------------------------------------------------------------


def get_report(*, session: Session, org_id: int, report_id: int) -> Report:
    """A report the organisation may read; another's retracted report is as good as absent."""
    report = session.scalar(select(Report).where(Report.id == report_id, _visible(org_id)))
    if report is None or (report.org_id != org_id and report.status == ReportStatus.RETRACTED):
        raise NotFound(N_("There is no such report."))
    return report


def update_report(
    *,
    session: Session,
    org_id: int,
    report_id: int,
    changes: Mapping[str, Any],
    region: str | None = None,
    warnings: WarningList | None = None,
) -> Report:
    """Change fields (validated like a new report); relink the report if its indicators change."""
    unknown = sorted(set(changes) - UPDATABLE)
    if unknown:
        raise InvalidInput(
            N_("These fields cannot be changed: %(fields)s."),
            field=unknown[0],
            fields=", ".join(unknown)[:100],
        )
    for name in _REQUIRED:
        if name in changes and changes[name] is None:
            raise InvalidInput(
                N_("The %(name)s cannot be left empty."), field=name, name=names.field(name)
            )
    service.lock(session)  # before anything is written, as when a report is created
    report = service._own(session, org_id, report_id)
    if report.status == ReportStatus.RETRACTED:
        raise Conflict(N_("A retracted report cannot be changed."))
    shared_before = report.sharing != Sharing.OWN
    indicators_before = service.indicators_of(report) if shared_before else {}
    current = ReportIn(
        text=report.text,
        narrative=report.narrative,
        reported_at=report.reported_at,
        channel=report.channel.value,
        category=report.category,
        amount=report.amount_demanded,
        amount_paid=report.amount_paid,
        currency=report.currency,
        place=report.place,
        victim=report.victim,
        sharing=report.sharing.value,
        indicators=tuple(
            IndicatorIn(m.indicator.type, m.value) for m in report.mentions if m.source == "field"
        ),
    )
    given = dict(changes)
    if "indicators" in given:
        given["indicators"] = tuple(given["indicators"])
    if warnings is None:
        warnings = warninglist.effective(session)
    # What is kept is not checked again: a row stored before a rule existed (a category
    # outside ``Category``, a place longer than ``service.MAX_PLACE``) stays editable, and
    # keeps its value.
    kept: dict[str, Any] = {name: None for name in KEPT_AS_STORED if name not in given}
    data, mentions = service.prepare(
        dataclasses.replace(current, **given, **kept), region=region, warnings=warnings
    )
    report.reported_at = data.reported_at or report.reported_at
    report.channel = Channel(data.channel)
    if "category" in given:
        report.category = data.category or None
    report.amount_demanded = money.parse_amount(data.amount, "amount")
    report.amount_paid = money.parse_amount(data.amount_paid, "amount_paid")
    report.currency = data.currency
    if "place" in given:
        report.place = data.place or None
    report.text = data.text or None
    report.narrative = data.narrative or None
    if "victim" in given:
        report.victim = data.victim or None
    report.sharing = Sharing(data.sharing)
    report.updated_at = utcnow()
    session.flush()
    if _RELINKING & set(changes):
        _remention(session, report, mentions, warnings)
    else:
        _seen(session, report.reported_at, [m.indicator_id for m in report.mentions])
    session.flush()
    if shared_before or report.sharing != Sharing.OWN:
        # Partner hubs that ask online see the change at once (``partner_links``).
        changed = {**indicators_before, **service.indicators_of(report)}
        if changed:
            service.sync_partner_links(session, org_id, changed)
    return report


def _remention(
    session: Session, report: Report, mentions: Sequence[PreparedMention], warnings: WarningList
) -> None:
    old = {(m.indicator.type, m.value) for m in report.mentions}
    shown = {(m.indicator.type, m.value): m.display for m in report.mentions}
    relink = old != {(m.type, m.value) for m in mentions}
    if relink:  # counts down, leaves the cluster, which splits if the report was the bridge
        service._leave(session, report)
    session.execute(delete(Mention).where(Mention.report_id == report.id))
    session.expire(report, ["mentions"])
    keys = service.indicator_rows(session, mentions, warnings)
    for mention in mentions:
        pair = (mention.type, mention.value)
        session.add(
            Mention(
                report_id=report.id,
                indicator_id=keys[pair].id,
                value=mention.value,
                # a field given again keeps the form it was shown in (re-normalising a
                # canonical value may show it differently)
                display=shown.get(pair, mention.display)
                if mention.source == "field"
                else mention.display,
                start=mention.start,
                end=mention.end,
                confidence=mention.confidence,
                source=mention.source,
            )
        )
    unique = {k.id: k for k in keys.values()}
    if relink:
        for row in unique.values():
            row.report_count += 1
    session.flush()
    _seen(session, report.reported_at, list(unique))
    if relink:
        service.link(session, report, [k.id for k in unique.values() if k.warning is None])


def _seen(session: Session, when: datetime, indicator_ids: Sequence[int]) -> None:
    if not indicator_ids:
        return
    for row in session.scalars(
        select(IndicatorKey).where(IndicatorKey.id.in_(sorted(set(indicator_ids))))
    ):
        row.first_seen = min(row.first_seen or when, when)
        row.last_seen = max(row.last_seen or when, when)


def close_report(*, session: Session, org_id: int, report_id: int) -> Report:
    """The case is handled; the report stays linked and counted."""
    return _set_status(session, org_id, report_id, ReportStatus.CLOSED)


def reopen_report(*, session: Session, org_id: int, report_id: int) -> Report:
    return _set_status(session, org_id, report_id, ReportStatus.OPEN)


def change_status(*, session: Session, org_id: int, report_id: int, action: str) -> Report:
    """``close``, ``reopen`` or ``retract`` a report (the page and the API both act this way)."""
    if action == "close":
        return close_report(session=session, org_id=org_id, report_id=report_id)
    if action == "reopen":
        return reopen_report(session=session, org_id=org_id, report_id=report_id)
    if action == "retract":
        return service.retract(session=session, org_id=org_id, report_id=report_id)
    raise ValueError(f"unknown report action {action!r}")


def _set_status(session: Session, org_id: int, report_id: int, status: ReportStatus) -> Report:
    report = service._own(session, org_id, report_id)
    if report.status == ReportStatus.RETRACTED:
        raise Conflict(N_("A retracted report cannot be closed or reopened."))
    if report.status != status:
        report.status = status
        report.updated_at = utcnow()
        session.flush()
    return report


def times_reported(*, session: Session, org_id: int, report: Report) -> dict[int, int]:
    """For each indicator of a report: how many live reports the organisation may read
    mention it (one grouped query)."""
    ids = sorted({m.indicator_id for m in report.mentions})
    if not ids:
        return {}
    rows = session.execute(
        select(Mention.indicator_id, func.count(func.distinct(Mention.report_id)))
        .join(Report, Report.id == Mention.report_id)
        .where(
            Mention.indicator_id.in_(ids),
            Report.status != ReportStatus.RETRACTED,
            _visible(org_id),
        )
        .group_by(Mention.indicator_id)
    )
    return {indicator_id: int(count) for indicator_id, count in rows}


def report_fields(session: Session, report: Report, *, org_id: int) -> dict[str, Any]:
    """One report as the organisation may read it (``policy.as_read_by``), named as in the API:
    the page and the API show these, and nothing else of the report. ``cluster_id`` is the
    organisation's id for the report's network (``service.Network``)."""
    own = report.org_id == org_id
    network = service.network_of(session, org_id=org_id, report=report)
    values: dict[str, Any] = {
        "id": report.id,
        "own": own,
        "external_id": report.external_id,
        "status": report.status.value,
        "sharing": report.sharing.value,
        "channel": report.channel.value,
        "category": report.category,
        "reported_at": report.reported_at,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "cluster_id": network.id if network else None,
        "text": report.text,
        "narrative": report.narrative,
        "victim": report.victim,
        "place": report.place,
        "amount": report.amount_demanded,
        "amount_paid": report.amount_paid,
        "currency": report.currency,
    }
    return policy.as_read_by(values, own=own)


def mention_fields(*, session: Session, org_id: int, report: Report) -> list[dict[str, Any]]:
    """A report's indicators as the organisation may read them, each with how many live
    reports it may read mention it (``reported``); ``warning`` is the warning-list reason."""
    own = report.org_id == org_id
    counts = times_reported(session=session, org_id=org_id, report=report)
    return [
        policy.as_read_by(
            {
                "type": m.indicator.type,
                "display": m.display,
                "start": m.start,
                "end": m.end,
                "warning": m.indicator.warning,
                "reported": counts.get(m.indicator_id, 0),
            },
            own=own,
        )
        for m in report.mentions
    ]


# -- list ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    status: str | None = None
    channel: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    cluster_id: int | None = None
    indicator: str | None = None  # a value as typed, identified like a look-up
    own_only: bool = False
    region: str | None = None


@dataclass(frozen=True)
class ReportRow:
    """One report of a list, as the organisation may read it (``policy.as_read_by``)."""

    id: int
    own: bool
    external_id: str | None
    reported_at: datetime
    channel: str
    category: str | None
    status: str
    sharing: str | None
    cluster_id: int | None
    amount: Decimal | None
    amount_paid: Decimal | None
    currency: str | None
    indicators: int
    preview: str | None  # the start of the text


@dataclass(frozen=True)
class ReportPage:
    items: list[ReportRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_reports(
    *,
    session: Session,
    org_id: int,
    filters: ReportFilters,
    page: int = 1,
    per_page: int = 25,
) -> ReportPage:
    """Reports the organisation may read, newest first, a page at a time (offset paging:
    pages are numbered and the total is counted, which the page's links need)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(
            N_("Pages start at 1 and hold 1 to %(n)d reports."), field="page", n=MAX_PER_PAGE
        )
    where = _conditions(session, org_id, filters)
    if where is None:
        return ReportPage([], 0, page, per_page)
    total = session.scalar(select(func.count()).select_from(Report).where(*where)) or 0
    rows = session.execute(
        select(
            Report.id,
            Report.org_id,
            Report.external_id,
            Report.reported_at,
            Report.channel,
            Report.category,
            Report.status,
            Report.sharing,
            Report.cluster_id,
            Report.amount_demanded,
            Report.amount_paid,
            Report.currency,
        )
        .where(*where)
        .order_by(Report.reported_at.desc(), Report.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    ids = [r.id for r in rows]
    counts: dict[int, int] = dict(
        session.execute(
            select(Mention.report_id, func.count())
            .where(Mention.report_id.in_(ids))
            .group_by(Mention.report_id)
        ).all()
    )
    own = [r.id for r in rows if r.org_id == org_id]
    previews = {
        report_id: _preview(text or narrative)
        for report_id, text, narrative in session.execute(
            select(Report.id, Report.text, Report.narrative).where(Report.id.in_(own))
        )
    }
    networks = service.networks_of(
        session, org_id=org_id, reports=[(r.id, r.cluster_id) for r in rows]
    )
    return ReportPage(
        items=[
            ReportRow(
                **_row(r, org_id, counts.get(r.id, 0), previews.get(r.id), networks.get(r.id))
            )
            for r in rows
        ],
        total=int(total),
        page=page,
        per_page=per_page,
    )


def _row(
    r: Any, org_id: int, indicators: int, preview: str | None, network: service.Network | None
) -> dict[str, Any]:
    own = r.org_id == org_id
    values: dict[str, Any] = {
        "id": r.id,
        "own": own,
        "external_id": r.external_id,
        "reported_at": r.reported_at,
        "channel": r.channel.value,
        "category": r.category,
        "status": r.status.value,
        "sharing": r.sharing.value,
        "cluster_id": network.id if network else None,
        "amount": r.amount_demanded,
        "amount_paid": r.amount_paid,
        "currency": r.currency,
        "indicators": indicators,
        "preview": preview,
    }
    return policy.as_read_by(values, own=own)


def _preview(text: str | None) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def _conditions(
    session: Session, org_id: int, filters: ReportFilters
) -> list[ColumnElement[bool]] | None:
    """The WHERE of a listing; None when it can match nothing (an indicator never reported)."""
    where: list[ColumnElement[bool]] = [_visible(org_id)]
    if filters.status:
        service._choice(filters.status, ReportStatus, "status")
        where.append(Report.status == ReportStatus(filters.status))
        if filters.status == ReportStatus.RETRACTED:  # only one's own are ever shown
            where.append(Report.org_id == org_id)
    else:
        where.append(Report.status != ReportStatus.RETRACTED)
    if filters.channel:
        service._choice(filters.channel, Channel, "channel")
        where.append(Report.channel == Channel(filters.channel))
    if filters.category == UNKNOWN_CATEGORY:  # as the trends count them: no category given
        where.append(Report.category.is_(None))
    elif filters.category:
        service._choice(filters.category, Category, "category")
        where.append(Report.category == Category(filters.category).value)
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput(N_("The start date is after the end date."), field="since")
    if filters.since:
        where.append(Report.reported_at >= _start(filters.since))
    if filters.until:
        where.append(Report.reported_at < _start(filters.until + timedelta(days=1)))
    if filters.cluster_id is not None:
        # the organisation's id for a network (``service.Network``): its own view of it
        try:
            members = service.network_members(session, org_id=org_id, network_id=filters.cluster_id)
        except NotFound:
            return None
        if isinstance(members, int):
            where.append(Report.cluster_id == members)
        else:  # written into the statement: a piece may hold more ids than a query's parameters
            where.append(Report.id.in_(bindparam("piece", members, literal_execute=True)))
    if filters.own_only:
        where.append(Report.org_id == org_id)
    if filters.indicator:
        kind, canonical, _others = service.identify(
            filters.indicator, region=filters.region, warnings=warninglist.effective(session)
        )
        key_id = session.scalar(
            select(IndicatorKey.id).where(
                IndicatorKey.type == kind,
                IndicatorKey.key == service.indicator_key(kind, canonical),
            )
        )
        if key_id is None:
            return None
        where.append(Report.id.in_(select(Mention.report_id).where(Mention.indicator_id == key_id)))
    return where


@dataclass(frozen=True)
class Overview:
    """An organisation's numbers for its dashboard, each as the page it links to counts it."""

    reports: int  # live reports it may read (the report list without filters)
    own_open: int  # its own open reports
    networks: int  # networks of two or more reports it may read (the networks page)
    review: int  # values in more than ``service.REVIEW_AFTER`` of those reports ("review")


def overview(*, session: Session, org_id: int) -> Overview:
    """Three COUNT queries over plain columns: what the dashboard shows."""
    live = [_visible(org_id), Report.status != ReportStatus.RETRACTED]
    mine_open = (Report.org_id == org_id) & (Report.status == ReportStatus.OPEN)
    reports, own_open = session.execute(
        select(func.count(), func.coalesce(func.sum(case((mine_open, 1), else_=0)), 0)).where(*live)
    ).one()
    _ids, networks = service.cluster_candidates(session, org_id=org_id, min_size=2, limit=0)
    # Counted among the reports it may read, as the networks page marks them (never from the
    # deployment-wide count, which would tell it about reports it may not read); warning-listed
    # values link nothing and are not a network's to review.
    hot = (
        select(Mention.indicator_id)
        .join(Report, Report.id == Mention.report_id)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .where(*live, IndicatorKey.warning.is_(None))
        .group_by(Mention.indicator_id)
        .having(func.count(func.distinct(Mention.report_id)) > service.REVIEW_AFTER)
        .subquery()
    )
    review = session.scalar(select(func.count()).select_from(hot)) or 0
    return Overview(int(reports), int(own_open), networks, int(review))


def _visible(org_id: int) -> ColumnElement[bool]:
    return cast(ColumnElement[bool], service.visible(org_id))


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# -- trends --------------------------------------------------------------------------------------

BUCKETS = ("week", "month")
MAX_PERIODS = 260
# The trends' name for reports without a category: a word an API client can show or match (an
# empty key was easy to drop), and never a ``Category``, so it names no kind by mistake.
UNKNOWN_CATEGORY = "unknown"


@dataclass(frozen=True)
class Period:
    start: date
    reports: int
    categories: dict[str, int]  # UNKNOWN_CATEGORY for reports without a category
    channels: dict[str, int]
    demanded: dict[str, Decimal]  # per currency ("?" when none was given)
    paid: dict[str, Decimal]
    networks: int  # networks (two or more reports) whose first report falls in the period


@dataclass(frozen=True)
class Trends:
    bucket: str
    since: date
    until: date
    periods: list[Period]

    @property
    def most(self) -> int:
        return max((p.reports for p in self.periods), default=0)

    def total(self, name: str) -> dict[str, int]:
        """Summed ``categories`` or ``channels`` over the whole range, largest first."""
        summed: dict[str, int] = defaultdict(int)
        for period in self.periods:
            for key, count in getattr(period, name).items():
                summed[key] += count
        return dict(sorted(summed.items(), key=lambda item: (-item[1], item[0])))


def trends(
    *, session: Session, org_id: int, since: date, until: date, bucket: str = "week"
) -> Trends:
    """Counts of the live reports an organisation may read, per week or month (UTC)."""
    if bucket not in BUCKETS:
        raise InvalidInput(
            N_("'%(value)s' is not a valid %(name)s (one of: %(allowed)s)."),
            field="bucket",
            name=names.field("bucket"),
            value=bucket[:30],
            allowed=", ".join(BUCKETS),
        )
    if since > until:
        raise InvalidInput(N_("The start date is after the end date."), field="since")
    starts = _periods(since, until, bucket)
    if len(starts) > MAX_PERIODS:
        raise InvalidInput(
            N_("Choose a shorter range: at most %(n)d periods."), field="since", n=MAX_PERIODS
        )
    where = [
        _visible(org_id),
        Report.status != ReportStatus.RETRACTED,
        Report.reported_at >= _start(since),
        Report.reported_at < _start(until + timedelta(days=1)),
    ]
    period = _period(session, Report.reported_at, bucket)
    categories: dict[date, dict[str, int]] = defaultdict(dict)
    for start, category, count in session.execute(
        select(period, Report.category, func.count())
        .where(*where)
        .group_by(period, Report.category)
    ):
        counts = categories[_day(start)]
        key = category or UNKNOWN_CATEGORY  # an older row may hold "unknown" too: added up
        counts[key] = counts.get(key, 0) + int(count)
    channels: dict[date, dict[str, int]] = defaultdict(dict)
    for start, channel, count in session.execute(
        select(period, Report.channel, func.count()).where(*where).group_by(period, Report.channel)
    ):
        channels[_day(start)][Channel(channel).value] = int(count)
    demanded: dict[date, dict[str, Decimal]] = defaultdict(dict)
    paid: dict[date, dict[str, Decimal]] = defaultdict(dict)
    # Amounts are the owner's (``policy.OWNER_ONLY``): summed over the organisation's own
    # reports only, or a week with one shared report would show that report's amount.
    for start, currency, asked, given in session.execute(
        select(
            period, Report.currency, func.sum(Report.amount_demanded), func.sum(Report.amount_paid)
        )
        .where(*where, Report.org_id == org_id)
        .group_by(period, Report.currency)
    ):
        for target, value in ((demanded, asked), (paid, given)):
            if value is not None:
                target[_day(start)][currency or "?"] = Decimal(str(value)).quantize(Decimal("0.01"))
    first = (
        select(Report.cluster_id, func.min(Report.reported_at).label("first"))
        .where(
            _visible(org_id),
            Report.status != ReportStatus.RETRACTED,
            Report.cluster_id.is_not(None),
        )
        .group_by(Report.cluster_id)
        .having(func.count() >= 2)
        .subquery()
    )
    born = _period(session, first.c.first, bucket)
    networks = {
        _day(start): int(count)
        for start, count in session.execute(
            select(born, func.count())
            .where(
                first.c.first >= _start(since), first.c.first < _start(until + timedelta(days=1))
            )
            .group_by(born)
        )
    }
    return Trends(
        bucket=bucket,
        since=since,
        until=until,
        periods=[
            Period(
                start=start,
                reports=sum(categories[start].values()),
                categories=dict(sorted(categories[start].items())),
                channels=dict(sorted(channels[start].items())),
                demanded=dict(sorted(demanded[start].items())),
                paid=dict(sorted(paid[start].items())),
                networks=networks.get(start, 0),
            )
            for start in starts
        ],
    )


def _period(session: Session, column: Any, bucket: str) -> ColumnElement[Any]:
    """The first day of a timestamp's UTC week (Monday) or month, in SQL.

    The bucket goes in as SQL text, not a parameter: PostgreSQL must see the same expression
    in SELECT and GROUP BY, and two parameters are two expressions to it."""
    if session.get_bind().dialect.name == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), column)
        return func.date_trunc(literal_column(f"'{bucket}'"), utc)
    # SQLite keeps naive UTC text; 'weekday 0' moves on to Sunday, then back to its Monday.
    if bucket == "week":
        return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    return func.strftime(literal_column("'%Y-%m-01'"), column)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _periods(since: date, until: date, bucket: str) -> list[date]:
    """The first day of every period from the one holding ``since`` to the one holding
    ``until``, empty ones included (a chart needs its gaps)."""
    week = bucket == "week"
    current = since - timedelta(days=since.weekday()) if week else since.replace(day=1)
    out: list[date] = []
    while current <= until and len(out) <= MAX_PERIODS:
        out.append(current)
        if week:
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out
