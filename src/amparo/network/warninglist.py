"""The deployment's warning list: the shipped one (``indicators/data/warninglist.yaml``) and
the entries people add (``warning_entries``: a shelter's own hotline, a consulate's or a bank's
switchboard) — values that are shown but never link two reports.

Linking reads one thing: ``indicators.warning``. ``sync`` makes every stored indicator agree
with the effective list and then fixes the clusters, so that a value listed after it was
stored stops linking (its clusters split exactly as when a report is retracted) and a value
taken off the list links again (its clusters merge). It runs when an entry is added or
removed, after ``amparo db upgrade`` (a release's new YAML takes effect there) and as
``amparo network warnings sync``; run twice, the second run changes nothing.

``sync`` also stores an indicator row for every listed value that no report mentions yet, with
its reason: a writer whose copy of the list is a moment old (another process, a request that
began before the entry was added) then finds the row and keeps its reason — a new row takes
its reason from the writer's list only for a value that is not listed. So the list a process
holds decides what extraction marks and look-ups say, never what links.

An entry is deployment-wide, as linking is: it unlinks every organisation's networks. Adding
and removing takes the ``warninglist:write`` permission, which no role carries (see
``docs/networks.md``); every change is in the audit log.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from amparo.accounts import audit
from amparo.errors import N_, Conflict, InvalidInput, Label, NotFound
from amparo.indicators import IndicatorType, WarningList, default_warning_list, phones
from amparo.network import fields, names
from amparo.network.models import IndicatorKey, Mention, Report, ReportStatus, WarningEntry

logger = logging.getLogger(__name__)

MAX_REASON = 200  # the column that stores a reason, here and in ``indicators.warning``
SHIPPED = "shipped"
DEPLOYMENT = "deployment"
_CACHE = "amparo.network.warninglist"


def effective(session: Session) -> WarningList:
    """The shipped list and the deployment's entries (where both list a value, the shipped
    reason), read once per transaction of ``session``: a request or an import's batch costs
    one query of a table of a few rows; imports hand it to their helper processes."""
    found = session.info.get(_CACHE)
    if not isinstance(found, WarningList):
        stored = {
            (kind, value): reason
            for kind, value, reason in session.execute(
                select(WarningEntry.type, WarningEntry.value, WarningEntry.reason)
            )
        }
        found = default_warning_list().beside(stored)
        session.info[_CACHE] = found
        if not event.contains(session, "after_transaction_end", _forget):
            event.listen(session, "after_transaction_end", _forget)
    return found


def _forget(session: Session, _transaction: SessionTransaction) -> None:
    """Read again in the next transaction: another process may have changed the entries, and
    one rolled back may have held an entry that was never committed."""
    session.info.pop(_CACHE, None)


@dataclass(frozen=True)
class Listed:
    """One value of the effective list, as the list shows it."""

    type: str
    value: str
    reason: str
    source: str  # SHIPPED or DEPLOYMENT
    id: int | None = None  # a deployment entry's id
    organisation: str | None = None  # whom the person or token that added it acted for
    added_at: datetime | None = None
    shadowed: bool = False  # a deployment entry the shipped list now holds too


def listing(*, session: Session) -> list[Listed]:
    """The shipped entries in the file's order, then the deployment's in the order added."""
    from amparo.accounts.models import Organisation

    shipped = default_warning_list().entries
    out = [Listed(kind, value, reason, SHIPPED) for (kind, value), reason in shipped.items()]
    for entry, organisation in session.execute(
        select(WarningEntry, Organisation.name)
        .outerjoin(Organisation, Organisation.id == WarningEntry.org_id)
        .order_by(WarningEntry.id)
    ):
        out.append(
            Listed(
                entry.type,
                entry.value,
                entry.reason,
                DEPLOYMENT,
                entry.id,
                organisation,
                entry.created_at,
                (entry.type, entry.value) in shipped,
            )
        )
    return out


@dataclass(frozen=True)
class SyncResult:
    """What a re-sync changed: indicators that stopped linking (``listed``), that link again
    (``unlisted``), whose reason changed (``reworded``); clusters that split off (``split``:
    new clusters made) and that were joined into others (``merged``)."""

    listed: int = 0
    unlisted: int = 0
    reworded: int = 0
    split: int = 0
    merged: int = 0

    @property
    def changed(self) -> bool:
        return any((self.listed, self.unlisted, self.reworded, self.split, self.merged))

    def counts(self) -> dict[str, int]:
        return {
            "listed": self.listed,
            "unlisted": self.unlisted,
            "reworded": self.reworded,
            "split": self.split,
            "merged": self.merged,
        }


def add_entry(
    *,
    session: Session,
    kind: str,
    value: str,
    reason: str,
    region: str | None,
    actor: audit.Actor,
    origin: audit.Origin,
) -> tuple[WarningEntry, SyncResult]:
    """List a value for the whole deployment: checked and normalised like any indicator (a
    phone number written any way is stored in E.164), stored, re-synced and audited — in the
    caller's transaction, nothing written when the input is refused."""
    from amparo.network import service

    kind, canonical, reason = _checked(kind, value, reason, region)
    service.lock(session)  # before anything is written, as every linker does
    shipped = default_warning_list().reason(kind, canonical)
    if shipped is not None:
        raise Conflict(
            N_("Already on the warning list that comes with Amparo (%(type)s): %(reason)s"),
            type=names.type_name(kind),
            reason=Label(shipped),
        )
    key = service.indicator_key(kind, canonical)
    duplicate = Conflict(N_("Already on the warning list (%(type)s)."), type=names.type_name(kind))
    taken = session.scalar(
        select(WarningEntry.id).where(WarningEntry.type == kind, WarningEntry.key == key)
    )
    if taken is not None:
        raise duplicate
    entry = WarningEntry(
        type=kind,
        key=key,
        value=canonical,
        reason=reason,
        added_by=actor.type,
        added_by_id=actor.id,
        org_id=actor.org_id,
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # (type, key) is unique: a writer the lock did not hold back
        raise duplicate from None
    result = sync(session=session)
    audit.record(
        session=session,
        actor=actor,
        action="warninglist.add",
        origin=origin,
        target=audit.Target("warning_entry", entry.id, {"type": kind, **result.counts()}),
    )
    logger.info("warning list entry %d added (%s)", entry.id, kind)
    return entry, result


def remove_entry(
    *, session: Session, entry_id: int, actor: audit.Actor, origin: audit.Origin
) -> SyncResult:
    """Take a deployment entry off the list: its value links again (unless the shipped list
    holds it too); re-synced and audited in the caller's transaction."""
    from amparo.network import service

    service.lock(session)
    entry = session.get(WarningEntry, entry_id)
    if entry is None:
        raise NotFound(N_("There is no such entry on the warning list."))
    kind = entry.type
    session.delete(entry)
    session.flush()
    result = sync(session=session)
    audit.record(
        session=session,
        actor=actor,
        action="warninglist.remove",
        origin=origin,
        target=audit.Target("warning_entry", entry_id, {"type": kind, **result.counts()}),
    )
    logger.info("warning list entry %d removed (%s)", entry_id, kind)
    return result


def _checked(kind: str, value: str, reason: str, region: str | None) -> tuple[str, str, str]:
    """``(type, canonical value, reason)``, or ``InvalidInput`` naming the field."""
    kind = kind.strip().lower()
    if kind not in fields.TYPES:
        raise InvalidInput(
            N_("Unknown indicator type '%(type)s' (known: %(known)s)."),
            field="type",
            type=kind[:30],
            known=", ".join(sorted(fields.TYPES)),
        )
    reason = " ".join(reason.split())
    if any(unicodedata.category(char) == "Cc" for char in reason):  # a NUL: PostgreSQL's 500
        raise InvalidInput(N_("The reason holds control characters."), field="reason")
    if not 0 < len(reason) <= MAX_REASON:
        raise InvalidInput(
            N_("Say why the value links no reports, in 1 to %(n)d characters."),
            field="reason",
            n=MAX_REASON,
        )
    if kind == IndicatorType.PHONE:
        # Listing the wrong one of two readings would unlink someone else's number.
        reading = phones.phone_reading(value.strip(), region)
        if reading is not None and reading.candidates:
            raise InvalidInput(
                N_(
                    "'%(value)s' is a phone number in more than one country (%(readings)s): "
                    "write it with its country code."
                ),
                field="value",
                value=value.strip()[:40],
                readings=", ".join((reading.value, *reading.candidates)),
            )
    try:
        canonical, _display = fields.normalise(kind, value, region=region)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="value", **exc.params) from None
    return kind, canonical, reason


def resync(*, session: Session, actor: audit.Actor, origin: audit.Origin) -> SyncResult:
    """``sync`` on its own (after an upgrade, ``amparo network warnings sync``), in the audit
    log when it changed anything."""
    result = sync(session=session)
    if result.changed:
        audit.record(
            session=session,
            actor=actor,
            action="warninglist.sync",
            origin=origin,
            target=audit.Target("warning_list", None, {**result.counts()}),
        )
    return result


def sync(*, session: Session) -> SyncResult:
    """Make every ``indicators.warning`` agree with the effective list, then the clusters: a
    value that became listed stops linking (each cluster of its live reports is walked again
    and splits, as after a retraction), a value taken off the list links again (the clusters
    of its live reports are joined), and partner hubs' outgoing hashes follow. Idempotent; in
    the caller's transaction, under the linking lock."""
    from amparo.network import service

    service.lock(session)
    session.info.pop(_CACHE, None)
    wanted: dict[tuple[str, str], tuple[str, str]] = {
        (kind, service.indicator_key(kind, value)): (value, reason)
        for (kind, value), reason in effective(session).entries.items()
    }
    rows = {(row.type, row.key): row for row in _rows(session, wanted)}
    _store_missing(session, {pair: wanted[pair][1] for pair in wanted.keys() - rows.keys()})
    listed, unlisted, reworded = [], [], 0
    for pair, row in rows.items():
        reason = wanted[pair][1] if pair in wanted else None
        if row.warning == reason:
            continue
        if row.warning is None:
            listed.append(row.id)
        elif reason is None:
            unlisted.append(row.id)
        else:
            reworded += 1
        row.warning = reason
    session.flush()
    split = sum(service.resplit(session, c) for c in _clusters_of(session, listed))
    merged = 0
    for indicator_id in unlisted:  # one at a time: each merge relabels the clusters
        clusters = _clusters_of(session, [indicator_id])
        if len(clusters) > 1:
            service.merge(session, clusters)
            merged += len(clusters) - 1
    session.expire_all()
    sync_partner_links(session, [*listed, *unlisted], wanted)
    result = SyncResult(len(listed), len(unlisted), reworded, split, merged)
    if result.changed:
        logger.info("warning list re-synced: %s", result.counts())
    return result


def _rows(session: Session, wanted: dict[tuple[str, str], tuple[str, str]]) -> list[IndicatorKey]:
    """The stored indicators of the listed values, and those stored as listed."""
    found = {
        row.id: row
        for row in session.scalars(select(IndicatorKey).where(IndicatorKey.warning.is_not(None)))
    }
    for kind in sorted({kind for kind, _ in wanted}):
        keys = sorted(key for k, key in wanted if k == kind)
        for start in range(0, len(keys), 1000):
            for row in session.scalars(
                select(IndicatorKey).where(
                    IndicatorKey.type == kind, IndicatorKey.key.in_(keys[start : start + 1000])
                )
            ):
                found[row.id] = row
    return list(found.values())


def _store_missing(session: Session, reasons: dict[tuple[str, str], str]) -> None:
    """An indicator row for each listed value no report mentions yet (see the module's note)."""
    if not reasons:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(IndicatorKey)
        .values(
            [
                {"type": kind, "key": key, "warning": reason, "report_count": 0}
                for (kind, key), reason in sorted(reasons.items())
            ]
        )
        .on_conflict_do_nothing()
    )


def _clusters_of(session: Session, indicator_ids: Iterable[int]) -> list[int]:
    """The clusters of the live reports that mention these indicators."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return []
    return sorted(
        session.scalars(
            select(Report.cluster_id)
            .join(Mention, Mention.report_id == Report.id)
            .where(
                Mention.indicator_id.in_(ids),
                Report.status != ReportStatus.RETRACTED,
                Report.cluster_id.is_not(None),
            )
            .distinct()
        )
    )


def sync_partner_links(
    session: Session,
    indicator_ids: list[int],
    wanted: dict[tuple[str, str], tuple[str, str]],
) -> None:
    """Partner hubs asking online stop (or start again) finding the changed values: the
    outgoing hashes leave listed values out (``partner_links``). Also after a key rotation
    joined two rows of one value (``rekey``). ``wanted``: listed values by (type, key); the
    others are read from a mention."""
    from amparo.network import partner_links
    from amparo.network.models import PartnerLink

    if not indicator_ids:
        return
    orgs = session.scalars(
        select(PartnerLink.org_id).where(PartnerLink.revoked_at.is_(None)).distinct()
    ).all()
    if not orgs:
        return
    values: dict[int, tuple[str, str]] = {}
    for row in session.scalars(select(IndicatorKey).where(IndicatorKey.id.in_(indicator_ids))):
        known = wanted.get((row.type, row.key))
        if known is not None:
            values[row.id] = (row.type, known[0])
            continue
        # a value taken off the list: read from one of the reports that mention it
        value = session.scalar(select(Mention.value).where(Mention.indicator_id == row.id).limit(1))
        if value is not None:
            values[row.id] = (row.type, value)
    for org_id in sorted(orgs):
        partner_links.sync(session, org_id=org_id, indicators=values)
