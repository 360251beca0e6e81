"""Country codes people give (``--region``, ``country``): the regions libphonenumber knows."""

from __future__ import annotations

import phonenumbers

from amparo.errors import N_, InvalidInput


def checked_region(code: str | None, field: str = "region") -> str | None:
    """``code`` in upper case if libphonenumber knows the region, None when none was given;
    InvalidInput naming ``field`` for anything else ("ZZ", "México"): a code it does not know
    was silently read as no country at all."""
    if code is None or not code.strip():
        return None
    upper = code.strip().upper()
    if upper not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            N_("Unknown country code %(code)s: use two letters, such as MX, GT, HN, SV or US."),
            field=field,
            code=code.strip()[:20],
        )
    return upper
