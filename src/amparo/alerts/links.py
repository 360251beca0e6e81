"""One-time links in alert messages: acknowledge an alert, confirm a trusted contact.

A token is ``<id>-<HMAC>``: nothing is stored to make it, and it cannot be forged or guessed
for another id. That it works once is kept by the row it points to (``acknowledged_at``,
``confirmed_at``), so a replayed link is refused with a clear message and changes nothing.
"""

from __future__ import annotations

import hmac

from amparo.crypto import active_keyring
from amparo.errors import N_, NotFound

SIGNATURE_LENGTH = 32


def _signature(purpose: str, row_id: int) -> str:
    return active_keyring().sign(f"{purpose}:{row_id}")[:SIGNATURE_LENGTH]


def make(purpose: str, row_id: int) -> str:
    return f"{row_id}-{_signature(purpose, row_id)}"


def read(purpose: str, token: str) -> int:
    """The row id a token names, or NotFound (forged, truncated, or for another purpose)."""
    head, sep, signature = (token or "").partition("-")
    if not sep or not head.isdigit() or len(head) > 12 or len(signature) != SIGNATURE_LENGTH:
        raise NotFound(N_("This link is not valid."))
    row_id = int(head)
    if not hmac.compare_digest(signature.encode(), _signature(purpose, row_id).encode()):
        raise NotFound(N_("This link is not valid."))
    return row_id


ACK = "ack"
CONFIRM = "confirm"
