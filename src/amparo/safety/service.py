"""Enrolling a traveller and their trusted contacts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from amparo.accounts.models import Organisation
from amparo.errors import N_, InvalidInput
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
) -> Traveller:
    """Enrol a traveller with their contacts; everything is validated before anything is written."""
    if not name.strip() or len(name) > 200:
        raise InvalidInput(N_("The name must have 1 to 200 characters."), field="name")
    validate_pins(pin, duress_pin)
    if every_hours is not None and not 1 <= every_hours <= 168:
        raise InvalidInput(N_("Check-ins are every 1 to 168 hours."), field="every")
    if not 5 <= grace_minutes <= 24 * 60:
        raise InvalidInput(N_("The grace period is 5 minutes to 24 hours."), field="grace")
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
        pin_hash=_hasher.hash(pin),
        duress_pin_hash=_hasher.hash(duress_pin),
        checkin_every_minutes=round(every_hours * 60) if every_hours else None,
        grace_minutes=grace_minutes,
        next_due_at=utcnow() + timedelta(hours=every_hours) if every_hours else None,
        contacts=rows,
    )
    session.add(traveller)
    session.flush()
    return traveller


def contact_channels(contact: Contact) -> list[str]:
    channels: list[str] = json.loads(contact.channels)
    return channels
