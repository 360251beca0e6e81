"""Serving side of the online partner look-up: partner hubs that may ask this organisation
whether it saw a value, by keyed hash only.

A link holds the key shared with one partner hub (encrypted) and the hash of the token that hub
authenticates with. For each link an outgoing table holds, per indicator of the organisation's
own reports shared at ``partners`` or ``network`` level, ``HMAC-SHA256(key, type:value)``, the
number of live reports and the day of the latest one. Reports kept at ``own`` level are never in
it. The table is built when the link is added, kept current in the same transaction whenever a
shared report is created, retracted, deleted or changes level (``sync``), and can be rebuilt
from scratch (``refresh``, ``amparo admin partner-link refresh``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from amparo.crypto import token_hash
from amparo.errors import N_, Conflict, InvalidInput, NotAuthenticated, NotFound
from amparo.network.export import feed_hash
from amparo.network.models import (
    IndicatorKey,
    Mention,
    PartnerLink,
    PartnerLinkHash,
    Report,
    ReportStatus,
    Sharing,
)
from amparo.store.types import utcnow

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "amph_"  # noqa: S105 - a prefix, not a secret; never confused with "amp_" tokens
MIN_KEY_BYTES = 32
MAX_ITEMS = 100
SHARED = (Sharing.PARTNERS, Sharing.NETWORK)
_BATCH = 5000


@dataclass(frozen=True)
class LinkInfo:
    name: str
    prefix: str
    hashes: int
    created_at: datetime
    refreshed_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Answer:
    type: str
    hmac: str
    reports: int
    last_seen: str | None


def check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise InvalidInput(
            N_("A feed key needs at least 32 bytes (for example 64 hexadecimal characters)."),
            field="key",
        )


def check_name(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= 100:
        raise InvalidInput(N_("Name the partner hub (1 to 100 characters)."), field="name")
    return name


def add_link(
    *, session: Session, org_id: int, name: str, key: bytes
) -> tuple[str, PartnerLink, int]:
    """Let a partner hub ask online; returns the hub's token (shown once, stored hashed), the
    link, and the size of its outgoing hash table, built at once. A revoked link's name can be
    reused."""
    check_key(key)
    name = check_name(name)
    old = session.scalar(
        select(PartnerLink).where(PartnerLink.org_id == org_id, PartnerLink.name == name)
    )
    if old is not None and old.revoked_at is None:
        raise Conflict(N_("There is already a partner hub link named '%(name)s'."), name=name[:60])
    if old is not None:
        session.execute(delete(PartnerLinkHash).where(PartnerLinkHash.link_id == old.id))
        session.delete(old)
        session.flush()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = PartnerLink(
        org_id=org_id,
        name=name,
        key=key.hex(),
        prefix=secret[:12],
        token_hash=token_hash(secret),
    )
    session.add(link)
    session.flush()
    return secret, link, _rebuild(session, link)


def _link(session: Session, org_id: int, name: str) -> PartnerLink:
    link = session.scalar(
        select(PartnerLink).where(PartnerLink.org_id == org_id, PartnerLink.name == name.strip())
    )
    if link is None:
        raise NotFound(N_("There is no partner hub link named '%(name)s'."), name=name[:60])
    return link


def list_links(*, session: Session, org_id: int) -> list[LinkInfo]:
    counts = dict(
        session.execute(
            select(PartnerLinkHash.link_id, func.count())
            .join(PartnerLink, PartnerLink.id == PartnerLinkHash.link_id)
            .where(PartnerLink.org_id == org_id)
            .group_by(PartnerLinkHash.link_id)
        ).all()
    )
    links = session.scalars(
        select(PartnerLink).where(PartnerLink.org_id == org_id).order_by(PartnerLink.name)
    )
    return [
        LinkInfo(
            name=link.name,
            prefix=link.prefix,
            hashes=int(counts.get(link.id, 0)),
            created_at=link.created_at,
            refreshed_at=link.refreshed_at,
            last_used_at=link.last_used_at,
            revoked_at=link.revoked_at,
        )
        for link in links
    ]


def revoke_link(*, session: Session, org_id: int, name: str) -> PartnerLink:
    """The hub's token stops working at once and its hash table is dropped."""
    link = _link(session, org_id, name)
    link.revoked_at = link.revoked_at or utcnow()
    session.execute(delete(PartnerLinkHash).where(PartnerLinkHash.link_id == link.id))
    session.flush()
    return link


def refresh_link(*, session: Session, org_id: int, name: str) -> tuple[PartnerLink, int]:
    """Rebuild one link's outgoing hash table from the shared reports; returns its size."""
    link = _link(session, org_id, name)
    if link.revoked_at is not None:
        raise Conflict(N_("The partner hub link '%(name)s' was revoked."), name=link.name[:60])
    return link, _rebuild(session, link)


def _rebuild(session: Session, link: PartnerLink) -> int:
    session.execute(delete(PartnerLinkHash).where(PartnerLinkHash.link_id == link.id))
    key = bytes.fromhex(link.key)
    rows = [
        {
            "link_id": link.id,
            "type": kind,
            "hmac": feed_hash(key, kind, value),
            "reports": reports,
            "last_seen": last_seen,
        }
        for kind, value, reports, last_seen in _shared(session, link.org_id, None).values()
    ]
    for start in range(0, len(rows), _BATCH):
        session.execute(insert(PartnerLinkHash), rows[start : start + _BATCH])
    link.refreshed_at = utcnow()
    session.flush()
    return len(rows)


def _shared(
    session: Session, org_id: int, indicator_ids: Sequence[int] | None
) -> dict[int, tuple[str, str, int, str | None]]:
    """Per indicator of the organisation's live reports shared beyond ``own`` (warning-listed
    values and names left out): ``(type, canonical value, reports, last day seen)``."""
    query = (
        select(IndicatorKey.id, IndicatorKey.type, Mention.value, Report.id, Report.reported_at)
        .join(Mention, Mention.indicator_id == IndicatorKey.id)
        .join(Report, Report.id == Mention.report_id)
        .where(
            Report.org_id == org_id,
            Report.sharing.in_(SHARED),
            Report.status != ReportStatus.RETRACTED,
            IndicatorKey.warning.is_(None),
            IndicatorKey.type != "name",
        )
    )
    if indicator_ids is not None:
        query = query.where(IndicatorKey.id.in_(list(indicator_ids)))
    seen: dict[int, set[int]] = {}
    latest: dict[int, datetime] = {}
    values: dict[int, tuple[str, str]] = {}
    for indicator_id, kind, value, report_id, reported_at in session.execute(query):
        values.setdefault(indicator_id, (kind, value))
        seen.setdefault(indicator_id, set()).add(report_id)
        latest[indicator_id] = max(latest.get(indicator_id, reported_at), reported_at)
    return {
        i: (kind, value, len(seen[i]), latest[i].date().isoformat())
        for i, (kind, value) in values.items()
    }


def sync(session: Session, *, org_id: int, indicators: Mapping[int, tuple[str, str]]) -> None:
    """Bring every live link of the organisation up to date for these indicators
    (``{indicator id: (type, canonical value)}``), after a shared report was created, retracted,
    deleted or changed level — in the caller's transaction."""
    links = session.scalars(
        select(PartnerLink).where(PartnerLink.org_id == org_id, PartnerLink.revoked_at.is_(None))
    ).all()
    wanted = {i: pair for i, pair in indicators.items() if pair[0] != "name"}
    if not links or not wanted:
        return
    current = _shared(session, org_id, sorted(wanted))
    for link in links:
        key = bytes.fromhex(link.key)
        digests = {i: feed_hash(key, kind, value) for i, (kind, value) in wanted.items()}
        session.execute(
            delete(PartnerLinkHash).where(
                PartnerLinkHash.link_id == link.id,
                PartnerLinkHash.hmac.in_(list(digests.values())),
            )
        )
        rows = [
            {
                "link_id": link.id,
                "type": kind,
                "hmac": digests[i],
                "reports": reports,
                "last_seen": last_seen,
            }
            for i, (kind, _value, reports, last_seen) in current.items()
        ]
        if rows:
            session.execute(insert(PartnerLinkHash), rows)
    session.flush()


def link_for_token(*, session: Session, secret: str) -> PartnerLink:
    """The live link a partner hub's token stands for; unknown and revoked tokens are refused
    with one message."""
    invalid = NotAuthenticated(N_("The partner hub token is not valid or was revoked."))
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise invalid
    link = session.scalar(select(PartnerLink).where(PartnerLink.token_hash == token_hash(secret)))
    if link is None or link.revoked_at is not None:
        raise invalid
    link.last_used_at = utcnow()
    return link


def answer(
    *, session: Session, link: PartnerLink, items: Sequence[tuple[str, str]]
) -> list[Answer]:
    """For each ``(type, hmac)`` asked, in order: how many of the organisation's shared live
    reports mention that value, and the day of the latest (0 and None when none does)."""
    if not 0 < len(items) <= MAX_ITEMS:
        raise InvalidInput(N_("Ask about 1 to %(n)d values per call."), field="items", n=MAX_ITEMS)
    found = {
        (row.type, row.hmac): row
        for row in session.scalars(
            select(PartnerLinkHash).where(
                PartnerLinkHash.link_id == link.id,
                PartnerLinkHash.hmac.in_(sorted({digest for _, digest in items})),
            )
        )
    }
    out = []
    for kind, digest in items:
        row = found.get((kind, digest))
        out.append(Answer(kind, digest, row.reports if row else 0, row.last_seen if row else None))
    return out
