"""Money trails: Mexican CLABE (control digit checked by ``clabe``), payment cards (Luhn, from
``python-stdnum``), Western Union MTCNs and other transfer references."""

from __future__ import annotations

import re

import clabe as clabe_lib
from stdnum import luhn


def is_clabe(digits: str) -> bool:
    return len(digits) == 18 and bool(clabe_lib.validate_clabe(digits))


def clabe_bank(digits: str) -> str | None:
    try:
        return str(clabe_lib.get_bank_name(digits))
    except (ValueError, KeyError):
        return None


def is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] != "0" and bool(luhn.is_valid(digits))


def mask_card(digits: str) -> str:
    """Only the last four digits: a card number is never shown whole."""
    return "•••• " + digits[-4:]


def mask_clabe(digits: str) -> str:
    return digits[:3] + " •••• " + digits[-4:]


# The shortest transfer reference kept, given in a field or found in a text: "folio 123" in two
# unrelated messages would otherwise join them into one network.
MIN_REFERENCE_CHARS = 4


def canonical_reference(text: str) -> str:
    """A transfer reference: upper case letters and digits, separators dropped."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())
