"""Check-ins, SOS, duress, "I'm safe" and planned silences.

The duress rule: a check-in with the duress PIN or a duress code returns exactly what a normal
check-in returns (the same ``Receipt``, built by the same code) and does the same work for the
caller to see; the only difference is an emergency opened and an alert written to the outbox in
the same transaction. Both PIN hashes are always verified, so the time taken does not depend on
which PIN was typed.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from amparo.alerts import outbox
from amparo.alerts.models import AlertKind
from amparo.errors import N_, InvalidInput, NotAuthenticated, RateLimited, Wait
from amparo.safety import schedule
from amparo.safety.models import (
    CheckCode,
    CheckIn,
    CheckInKind,
    Emergency,
    EmergencyKind,
    Traveller,
    TravellerStatus,
)
from amparo.settings import Settings
from amparo.store.types import utcnow

_hasher = PasswordHasher()
MAX_PLACE = 120
MAX_LOCATION = 200
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 10
_CODE_LOOKALIKES = str.maketrans("OIL", "011")
CHECKIN_CODES = 8
DURESS_CODES = 4


@dataclass(frozen=True)
class Policy:
    """The settings the safety rules need (kept apart so the rules can be tested alone)."""

    sos_cancel_seconds: int = 10
    pin_attempts: int = 5
    pin_lock_minutes: int = 15
    max_silence_hours: int = 168
    checkins_kept: int = 5

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            sos_cancel_seconds=settings.sos_cancel_seconds,
            pin_attempts=settings.pin_attempts,
            pin_lock_minutes=settings.pin_lock_minutes,
            max_silence_hours=settings.max_silence_hours,
            checkins_kept=settings.checkins_kept,
        )


class Credential(enum.Enum):
    GOOD = "good"
    DURESS = "duress"


@dataclass(frozen=True)
class Receipt:
    """What a check-in answers. Identical for a normal and a duress check-in."""

    status: str
    at: datetime
    next_due_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "at": self.at.isoformat(),
            "next_due_at": self.next_due_at.isoformat() if self.next_due_at else None,
        }


class CredentialRefused(NotAuthenticated):
    """A wrong PIN or code. Never says which; committed before it is raised (see ``_refuse``)."""

    code = "credential_refused"


# -- credentials -------------------------------------------------------------------------------


def _verify_hash(stored: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def _check_lock(traveller: Traveller, now: datetime) -> None:
    if traveller.locked_until and traveller.locked_until > now:
        seconds = max(1, math.ceil((traveller.locked_until - now).total_seconds()))
        raise RateLimited(
            N_("Too many wrong attempts. Try again in %(wait)s."),
            retry_after=seconds,
            wait=Wait(seconds),  # "1 minuto", "15 minutos", never "1 minutes"
        )


def _refuse(
    session: Session, traveller: Traveller, policy: Policy, now: datetime, why: str
) -> None:
    """Count the failure, commit it (the caller's rollback must not erase it), then refuse."""
    from amparo.accounts import audit

    traveller.failed_pin_count += 1
    if traveller.failed_pin_count >= policy.pin_attempts:
        traveller.locked_until = now + timedelta(minutes=policy.pin_lock_minutes)
        traveller.failed_pin_count = 0
    audit.record(
        session=session,
        actor=audit.Actor(type="anonymous", org_id=traveller.org_id),
        action=f"traveller.{why}",
        origin=audit.Origin(channel="safety"),
        target=audit.Target("traveller", traveller.id),
    )
    session.commit()
    raise CredentialRefused(N_("The PIN or code was not accepted."))


def verify_pin(
    session: Session, traveller: Traveller, pin: str, policy: Policy, now: datetime
) -> Credential:
    """GOOD or DURESS, or CredentialRefused. Both hashes are checked every time."""
    _check_lock(traveller, now)
    candidate = (pin or "").strip()[:16]
    good = _verify_hash(traveller.pin_hash, candidate)
    duress = _verify_hash(traveller.duress_pin_hash, candidate)
    if not (good or duress):
        _refuse(session, traveller, policy, now, "pin_refused")
    traveller.failed_pin_count = 0
    return Credential.DURESS if duress else Credential.GOOD


def normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return cleaned.translate(_CODE_LOOKALIKES)[:32]


def _code_hash(traveller: Traveller, code: str) -> str:
    return hashlib.sha256(f"{traveller.code_salt}:{code}".encode()).hexdigest()


def verify_code(
    session: Session, traveller: Traveller, code: str, policy: Policy, now: datetime
) -> Credential:
    """A one-time code from the printed card; a used or voided code is refused and noted."""
    _check_lock(traveller, now)
    wanted = _code_hash(traveller, normalise_code(code))
    row = session.scalar(
        select(CheckCode).where(
            CheckCode.traveller_id == traveller.id, CheckCode.code_hash == wanted
        )
    )
    if row is None:
        _refuse(session, traveller, policy, now, "code_refused")
        raise AssertionError  # pragma: no cover - _refuse always raises
    if row.used_at is not None or row.voided_at is not None:
        _refuse(session, traveller, policy, now, "code_replayed")
    row.used_at = now
    traveller.failed_pin_count = 0
    return Credential.DURESS if row.duress else Credential.GOOD


@dataclass(frozen=True)
class Card:
    handle: str
    number: int
    codes: tuple[tuple[int, str, bool], ...]  # (position, code, duress)

    def to_dict(self) -> dict[str, object]:
        return {
            "handle": self.handle,
            "card": self.number,
            "codes": [{"position": p, "code": c} for p, c, _d in self.codes],
            "duress_positions": [p for p, _c, d in self.codes if d],
        }


def issue_card(*, session: Session, traveller: Traveller) -> Card:
    """A new card of one-time codes; the unused codes of earlier cards stop working.

    Check-in and duress codes are shuffled together; only positions tell them apart, and the
    printed card lists the duress positions on a separate strip to memorise and tear off.
    """
    now = utcnow()
    previous = session.scalars(
        select(CheckCode).where(
            CheckCode.traveller_id == traveller.id,
            CheckCode.used_at.is_(None),
            CheckCode.voided_at.is_(None),
        )
    ).all()
    for row in previous:
        row.voided_at = now
    number = 1 + max(
        (
            c
            for c in session.scalars(
                select(CheckCode.card).where(CheckCode.traveller_id == traveller.id)
            )
        ),
        default=0,
    )
    kinds = [False] * CHECKIN_CODES + [True] * DURESS_CODES
    secrets.SystemRandom().shuffle(kinds)
    codes = []
    for position, duress in enumerate(kinds, 1):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        session.add(
            CheckCode(
                traveller_id=traveller.id,
                card=number,
                code_hash=_code_hash(traveller, code),
                duress=duress,
            )
        )
        codes.append((position, f"{code[:5]}-{code[5:]}", duress))
    session.flush()
    return Card(handle=traveller.handle, number=number, codes=tuple(codes))


# -- input -------------------------------------------------------------------------------------


def clean_place(place: str | None, limit: int = MAX_PLACE) -> str | None:
    if place is None:
        return None
    cleaned = " ".join(place.split())
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput(N_("The place holds control characters."), field="where")
    if len(cleaned) > limit:
        raise InvalidInput(N_("A place has at most %(n)d characters."), field="where", n=limit)
    return cleaned or None


# -- events ------------------------------------------------------------------------------------


def open_emergency(session: Session, traveller: Traveller, kind: EmergencyKind) -> Emergency | None:
    return session.scalar(
        select(Emergency)
        .where(
            Emergency.traveller_id == traveller.id,
            Emergency.closed_at.is_(None),
            Emergency.kind == kind,
        )
        .order_by(Emergency.id.desc())
        .limit(1)
    )


def open_emergencies(session: Session, traveller: Traveller) -> list[Emergency]:
    return list(
        session.scalars(
            select(Emergency)
            .where(Emergency.traveller_id == traveller.id, Emergency.closed_at.is_(None))
            .order_by(Emergency.id)
        )
    )


def _record(
    session: Session,
    traveller: Traveller,
    kind: CheckInKind,
    via: str,
    place: str | None,
    now: datetime,
    policy: Policy,
) -> None:
    session.add(CheckIn(traveller_id=traveller.id, kind=kind, via=via, place=place, at=now))
    session.flush()
    # Keep only the last few check-ins: the rest is not needed to keep anyone safe.
    keep = (
        select(CheckIn.id)
        .where(CheckIn.traveller_id == traveller.id)
        .order_by(CheckIn.at.desc(), CheckIn.id.desc())
        .limit(policy.checkins_kept)
    )
    session.execute(
        delete(CheckIn)
        .where(CheckIn.traveller_id == traveller.id, CheckIn.id.not_in(keep.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def _require_open(traveller: Traveller) -> None:
    if traveller.status == TravellerStatus.CLOSED:
        raise InvalidInput(N_("This trip is closed."), field="traveller")


def _alert_everyone(
    session: Session,
    traveller: Traveller,
    emergency: Emergency,
    kind: AlertKind,
    payload: dict[str, object],
    not_before: datetime | None = None,
) -> None:
    outbox.raise_alert(
        session=session,
        traveller=traveller,
        kind=kind,
        contacts=traveller.contacts,
        emergency=emergency,
        level=max((c.level for c in traveller.contacts), default=1),
        payload=payload,
        not_before=not_before,
    )


def _duress(session: Session, traveller: Traveller, place: str | None, now: datetime) -> None:
    emergency = Emergency(
        traveller_id=traveller.id,
        org_id=traveller.org_id,
        kind=EmergencyKind.DURESS,
        opened_at=now,
        level=max((c.level for c in traveller.contacts), default=1),
        next_escalation_at=now + timedelta(minutes=traveller.escalation_minutes),
        location=place,
        location_at=now if place else None,
    )
    session.add(emergency)
    session.flush()
    traveller.status = TravellerStatus.EMERGENCY
    _alert_everyone(
        session, traveller, emergency, AlertKind.DURESS, {"at": now.isoformat(), "place": place}
    )


def check_in(
    *,
    session: Session,
    traveller: Traveller,
    pin: str | None = None,
    code: str | None = None,
    place: str | None = None,
    via: str = "pin",
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Receipt:
    """ "I'm OK" with the PIN or a one-time code. The duress PIN/code answers the same."""
    policy = policy or Policy()
    now = now or utcnow()
    _require_open(traveller)
    place = clean_place(place)
    if (pin is None) == (code is None):
        raise InvalidInput(N_("Give either the PIN or a code from the card."), field="pin")
    credential = (
        verify_pin(session, traveller, pin, policy, now)
        if pin is not None
        else verify_code(session, traveller, code or "", policy, now)
    )
    via = "code" if code is not None else via
    duress = credential is Credential.DURESS
    _record(
        session,
        traveller,
        CheckInKind.DURESS if duress else CheckInKind.OK,
        via,
        place,
        now,
        policy,
    )
    traveller.last_checkin_at = now
    traveller.last_place = place or traveller.last_place
    traveller.silenced_until = None
    schedule.reschedule(traveller, now)
    if duress:
        _duress(session, traveller, place, now)
    else:
        missed = open_emergency(session, traveller, EmergencyKind.MISSED)
        if missed is not None:
            close_emergency(session, traveller, missed, "checked_in", AlertKind.CHECKED_IN, now)
        if not open_emergencies(session, traveller):
            traveller.status = TravellerStatus.ACTIVE
    session.flush()
    return Receipt(status="ok", at=now, next_due_at=traveller.next_due_at)


def close_emergency(
    session: Session,
    traveller: Traveller,
    emergency: Emergency,
    reason: str,
    tell: AlertKind | None,
    now: datetime,
) -> None:
    """Close an emergency; with ``tell``, everyone who was alerted hears that it is over."""
    recipients = outbox.alerted_contacts(session, emergency) if tell is not None else []
    emergency.closed_at = now
    emergency.close_reason = reason
    emergency.next_escalation_at = None
    emergency.location = None  # a precise location is kept only while the emergency is open
    emergency.location_at = None
    if tell is not None:
        outbox.raise_alert(
            session=session,
            traveller=traveller,
            kind=tell,
            contacts=recipients,
            emergency=emergency,
            payload={"at": now.isoformat(), "opened_at": emergency.opened_at.isoformat()},
        )


@dataclass(frozen=True)
class SosReceipt:
    emergency_id: int
    cancel_until: datetime | None
    status: str = "sos"

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "emergency_id": self.emergency_id,
            "cancel_until": self.cancel_until.isoformat() if self.cancel_until else None,
        }


def sos(
    *,
    session: Session,
    traveller: Traveller,
    location: str | None = None,
    via: str = "link",
    policy: Policy | None = None,
    now: datetime | None = None,
) -> SosReceipt:
    """One action: every contact at once. Pressed again while open: a location update if moved."""
    policy = policy or Policy()
    now = now or utcnow()
    _require_open(traveller)
    location = clean_place(location, MAX_LOCATION)
    current = open_emergency(session, traveller, EmergencyKind.SOS)
    if current is not None:
        if location and location != current.location:
            current.location = location
            current.location_at = now
            _alert_everyone(
                session,
                traveller,
                current,
                AlertKind.LOCATION,
                {"at": now.isoformat(), "location": location},
                not_before=current.cancel_until
                if current.cancel_until and current.cancel_until > now
                else None,
            )
        return SosReceipt(current.id, current.cancel_until)
    cancel_until = (
        now + timedelta(seconds=policy.sos_cancel_seconds) if policy.sos_cancel_seconds else None
    )
    emergency = Emergency(
        traveller_id=traveller.id,
        org_id=traveller.org_id,
        kind=EmergencyKind.SOS,
        opened_at=now,
        level=max((c.level for c in traveller.contacts), default=1),
        next_escalation_at=(cancel_until or now) + timedelta(minutes=traveller.escalation_minutes),
        location=location,
        location_at=now if location else None,
        cancel_until=cancel_until,
    )
    session.add(emergency)
    session.flush()
    _record(session, traveller, CheckInKind.SOS, via, None, now, policy)
    traveller.status = TravellerStatus.EMERGENCY
    _alert_everyone(
        session,
        traveller,
        emergency,
        AlertKind.SOS,
        {"at": now.isoformat(), "location": location},
        not_before=cancel_until,
    )
    session.flush()
    return SosReceipt(emergency.id, cancel_until)


def cancel_sos(*, session: Session, traveller: Traveller, now: datetime | None = None) -> bool:
    """Within the cancel window, a mistaken SOS is withdrawn before anyone is told."""
    now = now or utcnow()
    current = open_emergency(session, traveller, EmergencyKind.SOS)
    if current is None or current.cancel_until is None or current.cancel_until <= now:
        raise InvalidInput(
            N_('The SOS can no longer be cancelled; use "I\'m safe" with your PIN.'),
            field="sos",
        )
    outbox.cancel_alerts(session=session, emergency=current)
    close_emergency(session, traveller, current, "cancelled", None, now)
    if not open_emergencies(session, traveller):
        traveller.status = TravellerStatus.ACTIVE
    session.flush()
    return True


def im_safe(
    *,
    session: Session,
    traveller: Traveller,
    pin: str,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Receipt:
    """The PIN closes every open emergency and tells everyone who was alerted.

    The duress PIN answers the same, closes nothing, and raises a duress alert.
    """
    policy = policy or Policy()
    now = now or utcnow()
    _require_open(traveller)
    credential = verify_pin(session, traveller, pin, policy, now)
    if credential is Credential.DURESS:
        _record(session, traveller, CheckInKind.DURESS, "pin", None, now, policy)
        traveller.last_checkin_at = now
        schedule.reschedule(traveller, now)
        _duress(session, traveller, None, now)
        session.flush()
        return Receipt(status="ok", at=now, next_due_at=traveller.next_due_at)
    for emergency in open_emergencies(session, traveller):
        close_emergency(session, traveller, emergency, "safe", AlertKind.SAFE, now)
    _record(session, traveller, CheckInKind.SAFE, "pin", None, now, policy)
    traveller.status = TravellerStatus.ACTIVE
    traveller.last_checkin_at = now
    schedule.reschedule(traveller, now)
    session.flush()
    return Receipt(status="ok", at=now, next_due_at=traveller.next_due_at)


def silence(
    *,
    session: Session,
    traveller: Traveller,
    pin: str,
    until: datetime,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Receipt:
    """ "No signal until Thursday": no alarm before then; the schedule resumes by itself."""
    policy = policy or Policy()
    now = now or utcnow()
    _require_open(traveller)
    if until.tzinfo is None:
        raise InvalidInput(N_("Give the end of the silence with its time zone."), field="until")
    if until <= now:
        raise InvalidInput(N_("A planned silence ends in the future."), field="until")
    if until > now + timedelta(hours=policy.max_silence_hours):
        raise InvalidInput(
            N_("A planned silence lasts at most %(hours)d hours."),
            field="until",
            hours=policy.max_silence_hours,
        )
    if not (traveller.checkin_every_minutes or traveller.checkin_times):
        raise InvalidInput(N_("This traveller has no check-in schedule to pause."), field="until")
    credential = verify_pin(session, traveller, pin, policy, now)
    if credential is Credential.DURESS:
        # Looks accepted; it is not: a captor may be arranging silence. Alert instead.
        _record(session, traveller, CheckInKind.DURESS, "pin", None, now, policy)
        _duress(session, traveller, None, now)
        session.flush()
        due = schedule.next_due(traveller, now)
        return Receipt(status="ok", at=now, next_due_at=max(due, until) if due else until)
    traveller.silenced_until = until
    schedule.reschedule(traveller, now)
    session.flush()
    return Receipt(status="ok", at=now, next_due_at=traveller.next_due_at)


def payload_of(raw: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(raw or "{}")
    return data


def constant_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
