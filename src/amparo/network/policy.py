"""What an organisation reads of a report: the one field policy.

The owning organisation reads everything. An organisation the report is shared with (at
``partners`` or ``network`` level) reads what the report form promises: the numbers and
accounts, the channel, the kind and the dates (with the report's state and network). The rest
stays with the owner: the message, narrative, place and victim, the amounts and currency, its
own reference (``external_id``, which organisations fill with case names), to whom it is shared,
and where in the text a number was found.

Every view that can hold another organisation's report — the report itself, the list, the
network pages, the network API and CLI, the "why are they linked" paths — passes its values
through ``as_read_by``, so there is one policy and not a copy per view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

V = TypeVar("V")

OWNER_ONLY = frozenset(
    {
        "external_id",
        "sharing",
        "text",
        "narrative",
        "place",
        "victim",
        "amount",
        "amount_paid",
        "currency",
        "preview",
        "start",  # a span in the text says how long the text is and where the number sits
        "end",
    }
)


def as_read_by(values: Mapping[str, V], *, own: bool) -> dict[str, V | None]:
    """``values`` (named as in the API) as the reader may see them: all of them for the
    owner; for anyone else, ``None`` in place of every field in ``OWNER_ONLY``."""
    if own:
        return dict(values)
    return {name: None if name in OWNER_ONLY else value for name, value in values.items()}
