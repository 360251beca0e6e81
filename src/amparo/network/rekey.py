"""Indicator keys after a key rotation.

An indicator is stored once, as a keyed hash of its type and canonical value under the blind-index
key derived from ``AMPARO_SECRET_KEY`` (``service.indicator_key``). When the secret changes, every
new report, look-up and link computes the hash under the new key: without this step the numbers
already reported would stop linking with new reports and stop answering look-ups, silently.

The canonical value is not stored beside its hash, but every mention of it holds it (encrypted in
``report_indicators.value``): each indicator is hashed again from one of its mentions. An
indicator that the new key already holds (a report stored between the change of key and the
rotation) absorbs the old one's mentions, and the clusters of its reports join, as when a value
leaves the warning list. An indicator that no report mentions any more holds nothing worth
keeping and is dropped (the warning list's own rows are kept under the new key, and written
again under it by the list's re-sync).
Idempotent; in the caller's transaction, under the linking lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from amparo.crypto import Keyring
from amparo.network import service, warninglist
from amparo.network.models import IndicatorKey, Mention, Report, ReportStatus, WarningEntry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RekeyResult:
    rekeyed: int  # indicators whose hash changed
    absorbed: int  # old indicators merged into the one the new key already held
    dropped: int  # indicators no report mentions
    clusters_joined: int
    clusters_split: int
    entries: int  # the deployment's warning-list entries hashed again (or dropped as twins)

    def counts(self) -> dict[str, int]:
        return {
            "rekeyed": self.rekeyed,
            "absorbed": self.absorbed,
            "dropped": self.dropped,
            "clusters_joined": self.clusters_joined,
            "clusters_split": self.clusters_split,
            "entries": self.entries,
        }


def rekey(*, session: Session, keyring: Keyring, batch_size: int = 1000) -> RekeyResult:
    """Hash every stored indicator again under ``keyring``'s current blind-index key."""
    service.lock(session)
    entries = _rekey_entries(session, keyring)
    # the listed values' own rows, which no report may mention: kept when under this key
    listed = {
        (kind, keyring.blind_index(value, kind=f"indicator:{kind}"))
        for kind, value in warninglist.effective(session).entries
    }
    rekeyed = absorbed = dropped = joined = split = 0
    merged: set[int] = set()  # indicators that absorbed another
    last = 0
    while True:
        rows = session.execute(
            select(IndicatorKey.id, IndicatorKey.type, IndicatorKey.key)
            .where(IndicatorKey.id > last)
            .order_by(IndicatorKey.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        values = _one_value_each(session, [row.id for row in rows])
        orphans: list[int] = []
        wanted: dict[int, str] = {}
        for row in rows:
            value = values.get(row.id)
            if value is None:
                if (row.type, row.key) not in listed:
                    orphans.append(row.id)
                continue
            key = keyring.blind_index(value, kind=f"indicator:{row.type}")
            if key != row.key:
                wanted[row.id] = key
        if orphans:
            session.execute(delete(IndicatorKey).where(IndicatorKey.id.in_(orphans)))
            dropped += len(orphans)
        types = {row.id: row.type for row in rows}
        holders = _holders(session, {(types[i], k) for i, k in wanted.items()})
        moves: list[dict[str, object]] = []
        absorbs: list[tuple[int, int]] = []
        for indicator_id, key in wanted.items():
            holder = holders.get((types[indicator_id], key))
            if holder is None:
                moves.append({"id": indicator_id, "key": key})
                holders[(types[indicator_id], key)] = indicator_id
            else:
                absorbs.append((holder, indicator_id))
        if moves:  # one executemany: a statement per indicator took minutes at 250,000
            session.execute(update(IndicatorKey), moves)  # ORM bulk UPDATE by primary key
            rekeyed += len(moves)
        for holder, indicator_id in absorbs:  # rare: after the moves they may point to
            more_joined, more_split = _absorb(session, into=holder, old=indicator_id)
            joined += more_joined
            split += more_split
            absorbed += 1
            merged.add(holder)
        session.flush()
    session.expire_all()
    warninglist.sync(session=session)  # the listed values' own rows, under the new key
    if merged:
        # A shared report stored between the change of key and the rotation wrote its value's
        # outgoing partner hashes counting only the reports of the new row: a partner hub
        # asking online was told 1 where both rows' reports now count.
        warninglist.sync_partner_links(session, sorted(merged), {})
    result = RekeyResult(rekeyed, absorbed, dropped, joined, split, entries)
    if rekeyed or absorbed or dropped or entries:
        logger.info("indicators hashed again under the current key: %s", result.counts())
    return result


def _one_value_each(session: Session, indicator_ids: list[int]) -> dict[int, str]:
    """The canonical value of each indicator, read (and decrypted) from one of its mentions."""
    first = (
        select(Mention.indicator_id, func.min(Mention.id).label("mention_id"))
        .where(Mention.indicator_id.in_(indicator_ids))
        .group_by(Mention.indicator_id)
        .subquery()
    )
    return {
        indicator_id: value
        for indicator_id, value in session.execute(
            select(first.c.indicator_id, Mention.value).join(
                Mention, Mention.id == first.c.mention_id
            )
        )
    }


def _holders(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The indicators that already hold these (type, key) pairs."""
    found: dict[tuple[str, str], int] = {}
    for kind in sorted({kind for kind, _ in pairs}):
        keys = sorted(key for k, key in pairs if k == kind)
        for start in range(0, len(keys), 1000):
            for row in session.execute(
                select(IndicatorKey.id, IndicatorKey.key).where(
                    IndicatorKey.type == kind, IndicatorKey.key.in_(keys[start : start + 1000])
                )
            ):
                found[(kind, row.key)] = row.id
    return found


def _absorb(session: Session, *, into: int, old: int) -> tuple[int, int]:
    """Move ``old``'s mentions to ``into`` (the same value under the new key), add up what they
    count, drop ``old``. ``into`` says whether the value is warning-listed now (the list's
    re-sync at start-up wrote it under the new key). Listed: the clusters that ``old``, if it
    was linking, held together are walked again and split. Not listed: the clusters of the live
    reports that now share it join. Returns (clusters joined away, clusters split off)."""
    target = session.get(IndicatorKey, into)
    source = session.get(IndicatorKey, old)
    if target is None or source is None:  # both were read in this transaction, locked
        raise LookupError(f"indicator {into} or {old} vanished during re-keying")
    session.execute(
        update(Mention)
        .where(Mention.indicator_id == old)
        .values(indicator_id=into)
        .execution_options(synchronize_session=False)
    )
    target.report_count += source.report_count
    seen_first = [d for d in (target.first_seen, source.first_seen) if d is not None]
    seen_last = [d for d in (target.last_seen, source.last_seen) if d is not None]
    target.first_seen = min(seen_first) if seen_first else None
    target.last_seen = max(seen_last) if seen_last else None
    was_linking = source.warning is None
    session.delete(source)
    session.flush()
    clusters: list[int] = sorted(
        {
            cluster_id
            for cluster_id in session.scalars(
                select(Report.cluster_id)
                .join(Mention, Mention.report_id == Report.id)
                .where(
                    Mention.indicator_id == into,
                    Report.status != ReportStatus.RETRACTED,
                    Report.cluster_id.is_not(None),
                )
            )
            if cluster_id is not None
        }
    )
    if target.warning is not None:
        if not was_linking:
            return 0, 0
        return 0, sum(service.resplit(session, cluster_id) for cluster_id in clusters)
    if len(clusters) < 2:
        return 0, 0
    service.merge(session, clusters)
    return len(clusters) - 1, 0


def _rekey_entries(session: Session, keyring: Keyring) -> int:
    """The deployment's warning-list entries under the new key (``add_entry`` finds a value
    listed twice by its key). An entry added again while the keys differed is a twin: the
    older one stays. Returns the entries changed or dropped."""
    changed = 0
    kept: dict[tuple[str, str], WarningEntry] = {}
    for entry in session.scalars(select(WarningEntry).order_by(WarningEntry.id)):
        key = keyring.blind_index(entry.value, kind=f"indicator:{entry.type}")
        if (entry.type, key) in kept:
            logger.info("a warning-list entry listed twice across the key change was dropped")
            session.delete(entry)
            changed += 1
            continue
        kept[(entry.type, key)] = entry
    session.flush()  # twins gone before any key moves to the one they held
    for (_kind, key), entry in kept.items():
        if entry.key != key:
            entry.key = key
            changed += 1
    session.flush()
    return changed
