"""Delivering the outbox through apprise: claim, send, record.

1. ``claim`` picks due deliveries (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers on many
   machines share the queue), pushes their ``next_attempt_at`` forward by a lease, bumps the
   attempt counter that serves as a fence, gathers what the message needs, and commits.
2. ``send`` calls apprise for one channel, outside any transaction.
3. ``record`` writes the attempt to the delivery log and moves the delivery on: sent; or retry
   with exponential backoff and jitter; or the contact's next channel; or failed. A worker
   killed between 1 and 3 loses nothing: when the lease runs out the delivery is claimed again
   (at-least-once; the idempotency key, the same for every try on one channel, lets a receiver
   drop the duplicate).
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from amparo.alerts import messages, outbox
from amparo.alerts.models import (
    Alert,
    AlertKind,
    AlertState,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
)
from amparo.safety.models import Contact, Emergency, Traveller
from amparo.settings import Settings
from amparo.store.engine import session_scope
from amparo.store.types import utcnow

logger = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0
RECORD_GATHER_SECONDS = 0.02
REFILL_SECONDS = 1.0
HEADER_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
WORKER_NAME = f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    fence: int
    channel_index: int
    channel_count: int
    url: str
    scheme: str
    idempotency_key: str
    title: str
    body: str
    started_at: datetime


@dataclass(frozen=True)
class Result:
    claim: Claim
    ok: bool
    error: str | None
    finished_at: datetime


def idempotency_key(alert_id: int, contact_id: int, channel_index: int) -> str:
    return f"amparo-{alert_id}-{contact_id}-{channel_index}"


def backoff_seconds(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Exponential (base, 2·base, 4·base …, at most 5 minutes) with ±50 % jitter."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
    raw = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempt - 1))
    return float(raw * rng.uniform(0.5, 1.5))


def with_idempotency_header(url: str, key: str) -> str:
    """apprise's json/form/xml URLs take ``+Header=value`` arguments as HTTP headers."""
    scheme = url.split("://", 1)[0].lower()
    if scheme not in HEADER_SCHEMES:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}+X-Amparo-Idempotency-Key={key}"


def _locking(statement, session: Session):  # type: ignore[no-untyped-def]
    # Rows about to change are read afresh, never from a stale identity map.
    statement = statement.execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True, of=Delivery)
    return statement


def claim(
    *,
    session: Session,
    settings: Settings,
    limit: int,
    now: datetime | None = None,
    due_by: datetime | None = None,
) -> list[Claim]:
    """Claim up to ``limit`` due deliveries in one statement, and commit the claim.

    On PostgreSQL ``WITH due AS MATERIALIZED (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)
    UPDATE … FROM due RETURNING``: concurrent workers skip each other's rows. On SQLite
    ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING``, one write transaction.
    Re-checking ``next_attempt_at <= due_by`` in the UPDATE makes a row claimed by someone
    else in between (its lease pushed forward) fall out. ``due_by`` (default: now) lets a
    delivery pass leave alone the retries scheduled after it started.
    """
    now = now or utcnow()
    due_by = min(due_by or now, now)
    lease_until = now + timedelta(seconds=settings.delivery_lease_seconds)
    # An alias, so the subquery is not correlated with the UPDATE's own table (it would then
    # match every due row and ignore the LIMIT).
    candidate = aliased(Delivery)
    due = (
        select(candidate.id.label("id"))
        .where(candidate.state == DeliveryState.QUEUED, candidate.next_attempt_at <= due_by)
        .order_by(candidate.next_attempt_at)
        .limit(limit)
    )
    claim_update = update(Delivery)
    if session.get_bind().dialect.name == "postgresql":
        # A materialized CTE: a SKIP LOCKED subquery inside IN (…) may be run again for each
        # row and hand out more than LIMIT rows; the CTE is run once.
        picked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        claim_update = claim_update.where(Delivery.id == picked.c.id)
    else:
        claim_update = claim_update.where(Delivery.id.in_(due.scalar_subquery()))
    claimed = session.execute(
        claim_update.where(
            Delivery.state == DeliveryState.QUEUED,
            Delivery.next_attempt_at <= due_by,
        )
        .values(
            next_attempt_at=lease_until,
            total_attempts=Delivery.total_attempts + 1,
            attempts=Delivery.attempts + 1,
        )
        .returning(Delivery.id, Delivery.total_attempts, Delivery.channel_index)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        session.commit()
        return []
    fences = {row[0]: (row[1], row[2]) for row in claimed}
    rows = session.execute(
        select(Alert, Contact, Traveller, Delivery.id)
        .join(Delivery, Delivery.alert_id == Alert.id)
        .join(Contact, Contact.id == Delivery.contact_id)
        .join(Traveller, Traveller.id == Alert.traveller_id)
        .where(Delivery.id.in_(list(fences)))
        .order_by(Delivery.id)
    ).all()
    claims = []
    base_url = settings.base_url.rstrip("/")
    for alert, contact, traveller, delivery_id in rows:
        fence, channel_index = fences[delivery_id]
        claims.append(
            _prepare(
                session, base_url, alert, contact, traveller, delivery_id, fence, channel_index, now
            )
        )
    session.commit()
    return claims


def _prepare(
    session: Session,
    base_url: str,
    alert: Alert,
    contact: Contact,
    traveller: Traveller,
    delivery_id: int,
    fence: int,
    channel_index: int,
    now: datetime,
) -> Claim:
    channels: list[str] = json.loads(contact.channels)
    index = min(channel_index, len(channels) - 1)
    key = idempotency_key(alert.id, contact.id, index)
    payload: dict[str, object] = json.loads(alert.payload or "{}")
    if alert.kind in (AlertKind.SOS, AlertKind.DURESS, AlertKind.LOCATION):
        _audit_location_read(session, alert, contact, payload)
    message = messages.compose(
        kind=alert.kind,
        payload=payload,
        traveller_name=traveller.name,
        language=contact.language,
        confirmed=contact.confirmed_at is not None,
        delivery_id=delivery_id,
        contact_id=contact.id,
        base_url=base_url,
        reference=key,
    )
    url = channels[index]
    return Claim(
        delivery_id=delivery_id,
        fence=fence,
        channel_index=index,
        channel_count=len(channels),
        url=with_idempotency_header(url, key),
        scheme=url.split("://", 1)[0].lower()[:32],
        idempotency_key=key,
        title=message.title,
        body=message.body,
        started_at=now,
    )


def _audit_location_read(
    session: Session, alert: Alert, contact: Contact, payload: dict[str, object]
) -> None:
    """A location leaving the system is a read of it: audited, who and which alert."""
    if not (payload.get("location") or payload.get("place")) or contact.confirmed_at is None:
        return
    from amparo.accounts import audit

    audit.record(
        session=session,
        actor=audit.Actor(type="contact", id=contact.id, org_id=alert.org_id),
        action="location.sent",
        origin=audit.WORKER,
        target=audit.Target("traveller", alert.traveller_id, {"alert": alert.id}),
    )


_LOG_PREFIX = re.compile(r"^[\d\-: ,.]+- [A-Z]+ - ")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_DIGITS = re.compile(r"\d{6,}")


def _clean_error(text: str) -> str:
    """A short reason for the delivery log, with addresses and long numbers removed."""
    first = text.strip().splitlines()[0] if text.strip() else "not accepted"
    first = _LOG_PREFIX.sub("", first)
    return _DIGITS.sub("…", _URL.sub("<url>", first))[:200]


def send(claim: Claim) -> Result:
    """One try through apprise. True only if the provider accepted the message."""
    import apprise

    ok = False
    error: str | None = None
    try:
        # Our own thread pool sends in parallel, so apprise need not start one per message.
        notifier = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
        if not notifier.add(claim.url):
            error = "apprise refused the address"
        else:
            result = notifier.notify(body=claim.body, title=claim.title)
            ok = bool(result)
            if not ok:
                # The logs of this call only (a global log capture would mix up the threads).
                reasons = [str(getattr(entry, "message", entry)) for entry in result.logs()]
                error = _clean_error("\n".join(reasons))
    except Exception as exc:  # a broken plugin must not stop the worker
        error = _clean_error(f"{type(exc).__name__}: {exc}")
    return Result(claim=claim, ok=ok, error=None if ok else error, finished_at=utcnow())


def record(
    *,
    session: Session,
    settings: Settings,
    results: Sequence[Result],
    rng: random.Random | None = None,
) -> None:
    """Log every attempt and move each delivery on; stale results (lease lost) only log.

    A handful of statements for the whole batch: the deliveries with their alerts and sibling
    deliveries in three selects, then the attempts and the changes written together.
    """
    if not results:
        return
    session.add_all(
        DeliveryAttempt(
            delivery_id=r.claim.delivery_id,
            channel_index=r.claim.channel_index,
            scheme=r.claim.scheme,
            idempotency_key=r.claim.idempotency_key,
            started_at=r.claim.started_at,
            finished_at=r.finished_at,
            ok=r.ok,
            error=r.error,
            worker=WORKER_NAME,
        )
        for r in results
    )
    loaded = session.execute(
        select(Delivery, Alert)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(Delivery.id.in_([r.claim.delivery_id for r in results]))
        .execution_options(populate_existing=True)
    ).all()
    deliveries = {delivery.id: (delivery, alert) for delivery, alert in loaded}
    touched: dict[int, Alert] = {}
    for result in results:
        claim = result.claim
        found = deliveries.get(claim.delivery_id)
        if found is None:
            continue
        delivery, alert = found
        if delivery.total_attempts != claim.fence or delivery.state != DeliveryState.QUEUED:
            continue  # another worker took it over after our lease ran out
        now = result.finished_at
        if result.ok:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            delivery.last_error = None
            if alert.needs_ack and alert.acknowledged_at is None:
                delivery.ack_due_at = now + timedelta(minutes=settings.alert_ack_minutes)
        else:
            delivery.last_error = result.error
            if delivery.attempts < settings.delivery_attempts:
                delay = backoff_seconds(delivery.attempts, settings.delivery_backoff_seconds, rng)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
            elif delivery.channel_index + 1 < claim.channel_count:
                delivery.channel_index += 1
                delivery.attempts = 0
                delivery.next_attempt_at = now
            else:
                delivery.state = DeliveryState.FAILED
                delivery.next_attempt_at = None
        touched[alert.id] = alert
    session.flush()
    if not touched:
        return
    states: dict[int, set[DeliveryState]] = {}
    for alert_id, state in session.execute(
        select(Delivery.alert_id, Delivery.state).where(Delivery.alert_id.in_(list(touched)))
    ):
        states.setdefault(alert_id, set()).add(state)
    now = utcnow()
    for alert in touched.values():
        outbox.derive_state(alert, states.get(alert.id, set()), now)
        if alert.state == AlertState.UNRESOLVED and alert.emergency_id is not None:
            _escalate_now(session, alert.emergency_id)
    session.flush()


def _escalate_now(session: Session, emergency_id: int) -> None:
    """Nobody at this level can be reached: do not wait to try the next level."""
    emergency = session.get(Emergency, emergency_id)
    if (
        emergency
        and emergency.closed_at is None
        and emergency.acknowledged_at is None
        and emergency.next_escalation_at is not None
    ):
        emergency.next_escalation_at = min(emergency.next_escalation_at, utcnow())


def climb_unacknowledged(*, session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """A sent emergency alert nobody acknowledged in time goes out on the contact's next channel."""
    now = now or utcnow()
    query = (
        select(Delivery)
        .where(Delivery.state == DeliveryState.SENT, Delivery.ack_due_at <= now)
        .order_by(Delivery.ack_due_at)
        .limit(limit)
    )
    deliveries = session.scalars(_locking(query, session)).all()
    for delivery in deliveries:
        delivery.ack_due_at = None
        if delivery.alert.acknowledged_at is not None:
            continue
        contact = session.get_one(Contact, delivery.contact_id)
        if delivery.channel_index + 1 < len(json.loads(contact.channels)):
            delivery.channel_index += 1
            delivery.attempts = 0
            delivery.state = DeliveryState.QUEUED
            delivery.next_attempt_at = utcnow()
            outbox.refresh_state(delivery.alert, now)
    session.flush()
    return len(deliveries)


class Dispatcher:
    """Claims and sends in parallel threads; one per worker process."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self.pool = ThreadPoolExecutor(
            max_workers=settings.delivery_threads, thread_name_prefix="amparo-deliver"
        )
        self._lock = threading.Lock()

    def run_once(self) -> int:
        """Claim, send in parallel, record results as they come in; returns deliveries handled.

        The pool is kept fed: when half of what was claimed has finished, the next claim tops
        it up, so one slow provider does not hold back the rest of a batch. Claiming stops
        after ``REFILL_SECONDS`` (the worker's other jobs get their turn) or when the queue is
        empty, and what is in flight is then finished and recorded.

        Whatever has finished is recorded at once, together with whatever finishes in the next
        20 ms (one transaction for all of it), which keeps the window between "sent" and
        "recorded" short: a worker killed in it causes a duplicate (the receiver can drop it by
        idempotency key), never a loss.
        """
        capacity = self.settings.delivery_threads * 2
        with self._lock:
            started = time.monotonic()
            # What is due when the pass starts: a retry scheduled during the pass waits for the
            # next one, so one pass makes at most one try per delivery.
            due_by = utcnow()
            stop_claiming_at = started + REFILL_SECONDS
            pending: set[Future[Result]] = set()
            handled = delivered = 0
            while True:
                if len(pending) <= capacity // 2 and time.monotonic() < stop_claiming_at:
                    with session_scope(self.factory) as session:
                        claims = claim(
                            session=session,
                            settings=self.settings,
                            limit=capacity - len(pending),
                            due_by=due_by,
                        )
                    if not claims:
                        stop_claiming_at = 0.0  # the queue is empty (for now): finish up
                    pending |= {self.pool.submit(send, c) for c in claims}
                    handled += len(claims)
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                if pending:
                    # Gather what finishes in the next few milliseconds too: one transaction
                    # for several results costs far less than one for each.
                    more, pending = wait(pending, timeout=RECORD_GATHER_SECONDS)
                    done |= more
                results = [future.result() for future in done]
                delivered += sum(r.ok for r in results)
                self._record(results)
            if handled:
                logger.info(
                    "delivered %d of %d in %.0f ms",
                    delivered,
                    handled,
                    (time.monotonic() - started) * 1000,
                )
            return handled

    def _record(self, results: list[Result]) -> None:
        """Record, retrying while the database is briefly away (a restart, a failover).

        The results are in memory: losing them would mean sending again after the lease, so
        the dispatcher waits for the database for up to the lease before giving up.
        """
        from sqlalchemy.exc import DBAPIError

        deadline = time.monotonic() + self.settings.delivery_lease_seconds
        pause = 0.2
        while True:
            try:
                with session_scope(self.factory) as session:
                    record(session=session, settings=self.settings, results=results)
                return
            except DBAPIError:
                if time.monotonic() >= deadline:
                    raise
                logger.warning("database unavailable while recording deliveries; retrying")
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
