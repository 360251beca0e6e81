"""Structured indicators (a form field, an import's ``indicators`` list) → canonical values,
with a clear error for each impossible one."""

from __future__ import annotations

import re

from amparo.errors import N_, InvalidInput
from amparo.indicators import (
    IndicatorType,
    WarningList,
    crypto,
    default_warning_list,
    finance,
    names,
    phones,
    web,
)

TYPES = frozenset(t.value for t in IndicatorType)


def normalise(
    kind: str, value: str, *, region: str | None = None, warnings: WarningList | None = None
) -> tuple[str, str]:
    """``(canonical, display)`` of one indicator given on its own; ``InvalidInput`` if it
    cannot be one (the message says why). ``warnings``: the deployment's warning list
    (``network.warninglist.effective``; the shipped one when not given)."""
    kind = kind.strip().lower()
    raw = value.strip()
    if kind not in TYPES:
        raise InvalidInput(
            N_("Unknown indicator type '%(type)s' (known: %(known)s)."),
            field="indicators",
            type=kind[:30],
            known=", ".join(sorted(TYPES)),
        )
    if not raw or len(raw) > 500:
        raise InvalidInput(
            N_("An indicator value must have 1 to 500 characters."), field="indicators"
        )
    digits = re.sub(r"[\s\-.]", "", raw)
    if kind == IndicatorType.PHONE:
        reading = phones.phone_reading(raw, region)
        if reading is None:
            raise InvalidInput(
                N_("'%(value)s' is not a valid phone number in any of the route's countries."),
                field="indicators",
                value=raw[:40],
            )
        # "800 273 8255" given in Mexico: the US Lifeline (a public line) before a toll-free
        # number of the same digits, as the extractor reads it
        listed = warnings if warnings is not None else default_warning_list()
        phone, _others = listed.settle(kind, reading.value, reading.candidates)
        return phone, phone
    if kind == IndicatorType.CLABE:
        if not (digits.isdigit() and finance.is_clabe(digits)):
            raise InvalidInput(
                N_("'%(value)s' is not a CLABE: 18 digits with a valid control digit."),
                field="indicators",
                value=raw[:40],
            )
        return digits, finance.mask_clabe(digits)
    if kind == IndicatorType.CARD:
        if not (digits.isdigit() and finance.is_card(digits)):
            raise InvalidInput(
                N_("This is not a card number (13 to 19 digits that pass the Luhn check)."),
                field="indicators",
            )
        return digits, finance.mask_card(digits)
    if kind == IndicatorType.MTCN:
        if not (digits.isdigit() and len(digits) == 10):
            raise InvalidInput(N_("An MTCN has 10 digits."), field="indicators")
        return digits, digits
    if kind == IndicatorType.TRANSFER_REF:
        ref = finance.canonical_reference(raw)
        if len(ref) < finance.MIN_REFERENCE_CHARS:
            raise InvalidInput(
                N_("A transfer reference needs at least 4 letters or digits."), field="indicators"
            )
        return ref, ref
    if kind == IndicatorType.EMAIL:
        email = web.canonical_email(raw)
        if email is None:
            raise InvalidInput(N_("The e-mail address is not valid."), field="indicators")
        return email, email
    if kind in (IndicatorType.URL, IndicatorType.SOCIAL):
        return _link(kind, raw)
    if kind == IndicatorType.BTC and crypto.is_btc(raw):
        return crypto.canonical_btc(raw), raw
    if kind == IndicatorType.TRON and crypto.is_tron(raw):
        return raw, raw
    if kind == IndicatorType.ETH and crypto.ETH.fullmatch(raw) and crypto.is_eth(raw):
        return raw.lower(), raw
    if kind == IndicatorType.NAME:
        name = names.canonical_name(raw)
        if len(name) < 2:
            raise InvalidInput(N_("A name needs at least 2 letters."), field="indicators")
        return name, raw
    raise InvalidInput(
        N_("'%(value)s' is not a valid %(type)s address (its checksum does not match)."),
        field="indicators",
        value=raw[:60],
        type=kind,
    )


def _link(kind: str, raw: str) -> tuple[str, str]:
    if kind == IndicatorType.SOCIAL:
        match = re.fullmatch(r"([a-z]+):(?:id:)?@?([A-Za-z0-9_.]{2,50})", raw, re.IGNORECASE)
        if match and match.group(1).lower() in web.SOCIAL_PLATFORMS:
            value = raw.lower().replace(":@", ":")
            return value, value
    link = web.read_link(web.trim_url(raw))
    if link is None or link.kind != ("social" if kind == IndicatorType.SOCIAL else "url"):
        message = (
            N_("'%(value)s' is not a social profile (a profile link or platform:handle).")
            if kind == IndicatorType.SOCIAL
            else N_("'%(value)s' is not a web link.")
        )
        raise InvalidInput(message, field="indicators", value=raw[:60])
    return link.value, link.value
