"""What an alert says, in the recipient's language.

The wording says what is known and no more: a missed check-in is not proof of a kidnapping. A
precise location goes only to contacts who confirmed their link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from amparo.alerts import links
from amparo.alerts.models import AlertKind
from amparo.i18n import gettext_for


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _when(value: object) -> str:
    if not isinstance(value, str) or not value:
        return "—"
    moment = datetime.fromisoformat(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def compose(
    *,
    kind: AlertKind,
    payload: dict[str, object],
    traveller_name: str,
    language: str,
    confirmed: bool,
    delivery_id: int,
    contact_id: int,
    base_url: str,
    reference: str,
) -> Message:
    _ = gettext_for(language)
    name = traveller_name
    ack = f"{base_url}/ack/{links.make(links.ACK, delivery_id)}"
    where = payload.get("location") or payload.get("place")
    if kind is AlertKind.CONFIRM_CONTACT:
        title = _("Amparo: %(name)s chose you as a trusted contact") % {"name": name}
        body = _(
            "%(name)s is travelling and named you as a trusted contact on Amparo. If they miss "
            "a check-in or ask for help, you will be told here. Confirm that this is you: %(link)s"
        ) % {"name": name, "link": f"{base_url}/confirm/{links.make(links.CONFIRM, contact_id)}"}
    elif kind is AlertKind.MISSED:
        title = _("Amparo: %(name)s missed a check-in") % {"name": name}
        body = _(
            "%(name)s has not checked in. Last check-in: %(last)s. It was due at %(due)s. This "
            "is not proof that anything happened: phones get taken and batteries die. Try to "
            "reach them. If someone calls demanding money, do not pay: check the message with "
            "Amparo first. Tell us you saw this: %(link)s"
        ) % {
            "name": name,
            "last": _when(payload.get("last_checkin_at")),
            "due": _when(payload.get("due_at")),
            "link": ack,
        }
        if payload.get("escalated"):
            body = _("Nobody has answered the first alert.") + " " + body
    elif kind is AlertKind.SOS:
        title = _("Amparo: SOS from %(name)s") % {"name": name}
        body = _(
            "%(name)s pressed SOS at %(at)s and asks for help now. Call emergency services (911 "
            "in Mexico and the United States) or their consulate. Tell us you are acting: %(link)s"
        ) % {"name": name, "at": _when(payload.get("at")), "link": ack}
    elif kind is AlertKind.DURESS:
        title = _("Amparo: silent alert for %(name)s") % {"name": name}
        body = _(
            "%(name)s checked in at %(at)s with their secret alert code: they may be under "
            "someone's control. Do not call or message them, and do not pay anyone. Contact the "
            "authorities or their consulate. Tell us you saw this: %(link)s"
        ) % {"name": name, "at": _when(payload.get("at")), "link": ack}
    elif kind is AlertKind.LOCATION:
        title = _("Amparo: new location for %(name)s") % {"name": name}
        body = _("%(name)s sent a new location at %(at)s.") % {
            "name": name,
            "at": _when(payload.get("at")),
        }
    elif kind is AlertKind.SAFE:
        title = _("Amparo: %(name)s is safe") % {"name": name}
        body = _(
            "%(name)s confirmed with their PIN at %(at)s that they are safe. The alert of "
            "%(opened)s is closed."
        ) % {
            "name": name,
            "at": _when(payload.get("at")),
            "opened": _when(payload.get("opened_at")),
        }
    else:  # CHECKED_IN
        title = _("Amparo: %(name)s checked in") % {"name": name}
        body = _("%(name)s checked in at %(at)s. The missed check-in alert is closed.") % {
            "name": name,
            "at": _when(payload.get("at")),
        }
    if where and kind in (AlertKind.SOS, AlertKind.DURESS, AlertKind.LOCATION):
        if confirmed:
            body += " " + _("Location: %(where)s") % {"where": where}
        else:
            body += " " + _("A location was sent; confirm your contact link to receive it.")
    body += " " + _("Ref: %(ref)s") % {"ref": reference}
    return Message(title=title, body=body)
