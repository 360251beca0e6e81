"""Enrolling a traveller and their trusted contacts."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.accounts.models import Organisation
from amparo.crypto import token_hash
from amparo.errors import N_, InvalidInput, NotFound
from amparo.i18n import supported
from amparo.safety import schedule
from amparo.safety.models import Contact, ContactKind, Traveller
from amparo.store.types import utcnow

MAX_CONTACTS = 10
MAX_CHANNELS = 5
LEVEL_KINDS = {1: ContactKind.FAMILY, 2: ContactKind.NGO, 3: ContactKind.CONSULATE}
_hasher = PasswordHasher()


@dataclass(frozen=True)
class ContactIn:
    level: int
    channels: tuple[str, ...]
    name: str = ""
    kind: ContactKind | None = None
    language: str = "es"


def parse_contact(spec: str) -> ContactIn:
    """``LEVEL:APPRISE_URL`` (the CLI's --contact) → a contact with one channel."""
    level, sep, url = spec.partition(":")
    if not sep or not level.strip().isdigit():
        raise InvalidInput(
            N_("A contact is written LEVEL:URL, for example 1:mailto://ana@example.org"),
            field="contact",
        )
    return ContactIn(level=int(level), channels=(url.strip(),))


def validate_channel(url: str) -> str:
    """An apprise URL that apprise accepts, or InvalidInput naming the problem."""
    import apprise

    url = url.strip()
    if not url or len(url) > 2000 or not apprise.Apprise().add(url):
        raise InvalidInput(
            N_("This notification address is not valid: %(url)s"),
            field="channels",
            url=url.split("://")[0] + "://…" if "://" in url else "…",
        )
    return url


def validate_pins(pin: str, duress_pin: str) -> None:
    for value in (pin, duress_pin):
        if not (value.isdigit() and 4 <= len(value) <= 8):
            raise InvalidInput(N_("A PIN has 4 to 8 digits."), field="pin")
    if pin == duress_pin:
        raise InvalidInput(N_("The duress PIN must differ from the PIN."), field="duress_pin")


def enrol_traveller(
    *,
    session: Session,
    org: Organisation | None,
    name: str,
    pin: str,
    duress_pin: str,
    every_hours: float | None,
    grace_minutes: int,
    contacts: Sequence[ContactIn],
    language: str = "es",
    nationality: str | None = None,
    consulate: str | None = None,
    route_notes: str | None = None,
    checkin_times: str | None = None,
    timezone: str = "UTC",
    escalation_minutes: int = 60,
    family_consent: bool = False,
) -> Traveller:
    """Enrol a traveller with their contacts; everything is validated before anything is written.

    Every contact is sent a confirmation link (through the outbox, in this transaction); until
    they confirm, alerts reach them without location data.
    """
    from amparo.alerts import outbox

    if not name.strip() or len(name) > 200:
        raise InvalidInput(N_("The name must have 1 to 200 characters."), field="name")
    validate_pins(pin, duress_pin)
    if every_hours is not None and not 1 <= every_hours <= 168:
        raise InvalidInput(N_("Check-ins are every 1 to 168 hours."), field="every")
    if every_hours is not None and checkin_times:
        raise InvalidInput(
            N_("Choose either check-ins every N hours or fixed times, not both."), field="times"
        )
    times = schedule.parse_times(checkin_times) if checkin_times else ()
    zone = schedule.parse_timezone(timezone)
    if not 5 <= grace_minutes <= 24 * 60:
        raise InvalidInput(N_("The grace period is 5 minutes to 24 hours."), field="grace")
    if not 5 <= escalation_minutes <= 24 * 60:
        raise InvalidInput(
            N_("The time between escalation levels is 5 minutes to 24 hours."), field="escalation"
        )
    if supported(language) != language:
        raise InvalidInput(N_("The language must be es, en, pt or fr."), field="language")
    for text, field in ((consulate, "consulate"), (route_notes, "route_notes")):
        if text is not None and len(text) > 500:
            raise InvalidInput(N_("This field has at most 500 characters."), field=field)
    if not 1 <= len(contacts) <= MAX_CONTACTS:
        raise InvalidInput(
            N_("A traveller needs 1 to %(n)d trusted contacts."), field="contacts", n=MAX_CONTACTS
        )
    rows = []
    for number, contact in enumerate(contacts, 1):
        if contact.level not in LEVEL_KINDS:
            raise InvalidInput(N_("A contact's level is 1, 2 or 3."), field="contacts")
        if not 1 <= len(contact.channels) <= MAX_CHANNELS:
            raise InvalidInput(
                N_("A contact has 1 to %(n)d channels."), field="contacts", n=MAX_CHANNELS
            )
        channels = [validate_channel(url) for url in contact.channels]
        if supported(contact.language) != contact.language:
            raise InvalidInput(N_("The language must be es, en, pt or fr."), field="contacts")
        rows.append(
            Contact(
                name=contact.name.strip() or f"#{number}",
                kind=contact.kind or LEVEL_KINDS[contact.level],
                level=contact.level,
                channels=json.dumps(channels),
                language=contact.language,
            )
        )
    traveller = Traveller(
        org_id=org.id if org else None,
        name=name.strip(),
        language=language,
        nationality=(nationality or "").upper()[:2] or None,
        consulate=(consulate or "").strip() or None,
        route_notes=(route_notes or "").strip() or None,
        pin_hash=_hasher.hash(pin),
        duress_pin_hash=_hasher.hash(duress_pin),
        checkin_every_minutes=round(every_hours * 60) if every_hours else None,
        checkin_times=",".join(f"{h:02d}:{m:02d}" for h, m in times) or None,
        timezone=zone.key,
        grace_minutes=grace_minutes,
        escalation_minutes=escalation_minutes,
        handle=new_handle(),
        key_hash=token_hash(secrets.token_urlsafe(24)),
        code_salt=secrets.token_hex(16),
        family_consent=family_consent,
        failed_pin_count=0,
        contacts=rows,
    )
    schedule.reschedule(traveller, utcnow())
    session.add(traveller)
    session.flush()
    for row in traveller.contacts:
        outbox.confirm_contact(session=session, traveller=traveller, contact=row)
    return traveller


HANDLE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def new_handle() -> str:
    """The traveller number printed on the card: 8 characters, not guessable in sequence."""
    return "".join(secrets.choice(HANDLE_ALPHABET) for _ in range(8))


def issue_link_key(*, session: Session, traveller: Traveller) -> str:
    """A new secret for the traveller's personal check-in/SOS link; the previous one stops working.

    Only its SHA-256 is stored, so it is shown once (at enrolment, or when re-issued).
    """
    key = secrets.token_urlsafe(24)
    traveller.key_hash = token_hash(key)
    session.flush()
    return key


def traveller_by_key(*, session: Session, key: str) -> Traveller:
    if not key or len(key) > 64:
        raise NotFound(N_("This personal link is not valid."))
    traveller = session.scalar(select(Traveller).where(Traveller.key_hash == token_hash(key)))
    if traveller is None:
        raise NotFound(N_("This personal link is not valid."))
    return traveller


def traveller_by_handle(*, session: Session, handle: str) -> Traveller:
    cleaned = handle.strip().upper().replace("-", "").replace(" ", "")
    traveller = session.scalar(select(Traveller).where(Traveller.handle == cleaned[:16]))
    if traveller is None:
        raise NotFound(N_("No traveller has this number."))
    return traveller


def get_traveller(*, session: Session, traveller_id: int, org_id: int | None = None) -> Traveller:
    """A traveller by id; with ``org_id``, only one of that organisation (else 404, not 403)."""
    traveller = session.get(Traveller, traveller_id)
    if traveller is None or (org_id is not None and traveller.org_id != org_id):
        raise NotFound(N_("No traveller has this number."))
    return traveller


def contact_channels(contact: Contact) -> list[str]:
    channels: list[str] = json.loads(contact.channels)
    return channels


def close_trip(*, session: Session, traveller: Traveller) -> None:
    """The traveller arrived (or gave up the trip): no more alarms; data purged later."""
    from amparo.safety.checkins import close_emergency, open_emergencies
    from amparo.safety.models import TravellerStatus

    now = utcnow()
    for emergency in open_emergencies(session, traveller):
        close_emergency(session, traveller, emergency, "trip_closed", None, now)
    traveller.status = TravellerStatus.CLOSED
    traveller.closed_at = now
    traveller.alarm_at = None
    traveller.next_due_at = None
    session.flush()


def share_with_family(*, session: Session, traveller: Traveller, email: str) -> None:
    """Let a family member's account see the traveller's status (needs the traveller's consent)."""
    from amparo.accounts.models import Role, User
    from amparo.accounts.service import email_index
    from amparo.errors import Conflict
    from amparo.safety.models import TravellerViewer

    if not traveller.family_consent:
        raise Conflict(N_("The traveller has not agreed to share their status with family."))
    user = session.scalar(select(User).where(User.email_index == email_index(email)))
    if user is None or user.role != Role.FAMILY:
        raise NotFound(N_("No family account has this e-mail address."))
    if session.get(TravellerViewer, (traveller.id, user.id)) is None:
        session.add(TravellerViewer(traveller_id=traveller.id, user_id=user.id))
        session.flush()
