"""Amounts and currencies as people on the route write them.

An amount is read from what a family or an analyst typed — ``20,000.50`` (Mexico, the United
States), ``20.000,50`` (much of Central and South America, Spain), ``20 000``, ``$5,000``,
``5 mil``, ``5mil pesos``, ``US$300`` — or taken as it is when it is already a number (the
API's JSON numbers, an import's). The rules, in order:

1. Spaces always group thousands. Where both ``.`` and ``,`` appear, the last one is the
   decimal mark and the other groups thousands.
2. Where only one of them appears, once, followed by one or two digits, it is the decimal mark
   (``20.5``, ``20,50``); followed by exactly three digits it groups thousands: ``20.000`` and
   ``20,000`` are both twenty thousand. That is the ambiguous case, decided for money: no
   currency on the route has three decimals, and nobody writes twenty pesos as ``$20.000``.
   Appearing more than once, it groups thousands (``1.000.000``).
3. Groups of thousands have three digits each (the first one to three, not starting with 0);
   anything else (``12.34.567``, ``0.500``, ``1.2345``) is unreadable, and said so.
4. ``mil``, ``k``, ``millón``/``millones`` (and ``thousand``, ``million``) multiply.
5. A currency word or sign before or after the number names the currency (``pesos``, ``MN``,
   ``dólares``, ``dls``, ``US$``…); a bare ``$`` names none (pesos or dollars).

Babel's ``parse_decimal`` was the first choice, and is what the tests check this reader
against: it reads one locale's convention strictly, so with ``es_MX`` it refuses
``20.000,50`` and reads ``20.000`` as twenty, and with ``es`` it reads ``5,000`` as five —
while one form receives all of these. It has no notion of ``5 mil`` either.

Currencies are ISO 4217 codes in use today (legal tender somewhere, from the CLDR data Babel
ships): ``PES`` or ``ZZZ`` would split a network's totals into currencies that do not exist.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from amparo.errors import N_, InvalidInput
from amparo.network import names

LIMIT = Decimal("1e12")
_CENT = Decimal("0.01")

# What people write for a currency, accents and dots left out ("M.N." is "mn").
ALIASES = {
    "mn": "MXN",
    "mxp": "MXN",
    "mx$": "MXN",
    "peso": "MXN",
    "pesos": "MXN",
    "pesosmexicanos": "MXN",
    "mdp": "MXN",  # millones de pesos, with "millones" below
    "us$": "USD",
    "$us": "USD",
    "u$s": "USD",
    "usd$": "USD",
    "dls": "USD",
    "dlls": "USD",
    "dlrs": "USD",
    "dolar": "USD",
    "dolares": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "dolaresamericanos": "USD",
    "quetzal": "GTQ",
    "quetzales": "GTQ",
    "lempira": "HNL",
    "lempiras": "HNL",
    "cordoba": "NIO",
    "cordobas": "NIO",
    "euro": "EUR",
    "euros": "EUR",
    # the signs of the route's currencies, written before the number
    "€": "EUR",
    "q": "GTQ",
    "l": "HNL",
    "c$": "NIO",
    "₡": "CRC",
}
_MULTIPLIERS = {
    "mil": 1_000,
    "k": 1_000,
    "thousand": 1_000,
    "millon": 1_000_000,
    "millones": 1_000_000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "mdp": 1_000_000,
}
_AMOUNT = re.compile(
    r"(?P<before>[^\d]*?)\s*"
    r"(?P<number>\d(?:[\d.,\s]*\d)?)\s*"
    r"(?P<times>mil|k|thousand|millones|millon|millions|million|mdp)?(?![a-z])\s*"
    r"(?P<after>[^\d]*)"
)


@functools.cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes of the currencies in use today (CLDR, through Babel)."""
    from babel.core import get_global

    return frozenset(
        code
        for territory in get_global("territory_currencies").values()
        for code, _start, end, tender in territory
        if end is None and tender
    )


def _plain(text: str) -> str:
    """Lower case, accents, dots and spaces left out: what an alias is looked up as."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c) and c not in ". \t")


def currency(value: str | None) -> str | None:
    """The ISO code for a currency as written (``mxn``, ``pesos``, ``M.N.``, ``US$``…); None
    for an empty one; ``InvalidInput`` for anything else."""
    if value is None or not value.strip():
        return None
    found = _currency_of(value)
    if found is None:
        raise InvalidInput(
            N_(
                "'%(value)s' is not a currency: write its 3-letter code, such as MXN or USD "
                "(pesos, dólares and dls are understood too)."
            ),
            field="currency",
            value=value.strip()[:20],
        )
    return found


def _currency_of(text: str) -> str | None:
    plain = _plain(text)
    if len(plain) == 3 and plain.isalpha() and plain.upper() in currencies():
        return plain.upper()
    return ALIASES.get(plain)


def read_amount(value: str | Decimal | int | None, field: str) -> tuple[Decimal | None, str | None]:
    """``(amount, currency it names)`` of an amount as typed or given; ``InvalidInput``, naming
    the field, when it cannot be read or is out of range."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, str):
        amount, named = _read(value, field)
    else:
        try:
            amount, named = Decimal(value), None
        except InvalidOperation:
            raise _unreadable(str(value), field) from None
    if not amount.is_finite() or amount < 0 or amount >= LIMIT:
        raise InvalidInput(
            N_("The %(name)s must be between 0 and 10^12."), field=field, name=names.field(field)
        )
    return amount.quantize(_CENT), named


def parse_amount(value: str | Decimal | int | None, field: str) -> Decimal | None:
    """The amount alone (see ``read_amount``)."""
    return read_amount(value, field)[0]


def _unreadable(text: str, field: str) -> InvalidInput:
    return InvalidInput(
        N_(
            "The %(name)s '%(value)s' cannot be read as an amount: write it as 20000, "
            "20,000.50 or 20.000,50."
        ),
        field=field,
        name=names.field(field),
        value=text.strip()[:30],
    )


def _read(text: str, field: str) -> tuple[Decimal, str | None]:
    folded = unicodedata.normalize("NFKC", text).strip().lower()  # NBSP, full-width digits
    match = _AMOUNT.fullmatch(folded)
    if match is None:
        raise _unreadable(text, field)
    named: set[str] = set()
    for part in (match["before"].strip(), match["after"].strip().removeprefix("de ")):
        if part in ("", "$"):
            continue
        found = _currency_of(part) or _currency_of(part.strip("$ "))
        if found is None:
            raise _unreadable(text, field)
        named.add(found)
    if match["times"] == "mdp":
        named.add("MXN")
    if len(named) > 1:
        raise _unreadable(text, field)
    number = _number(match["number"])
    if number is None:
        raise _unreadable(text, field)
    if match["times"]:
        number *= _MULTIPLIERS[match["times"]]
    return number, (named.pop() if named else None)


_GROUPED = re.compile(r"[1-9]\d{0,2}(?:(?P<mark>[.,\s])\d{3})?(?:(?P=mark)\d{3})*")


def _number(text: str) -> Decimal | None:
    """Digits with marks read by the rules in the module's docstring; None if unreadable."""
    text = re.sub(r"\s+", " ", text)
    marks = [c for c in text if c in ".,"]
    decimal_mark = None
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
    elif len(marks) == 1 and len(text) - text.index(marks[0]) - 1 in (1, 2):
        decimal_mark = marks[0]
    whole, fraction = text, ""
    if decimal_mark is not None:
        whole, _, fraction = text.rpartition(decimal_mark)
        if not fraction.isdigit() or len(fraction) > 2:
            return None
    if not whole.isdigit() and not _GROUPED.fullmatch(whole):
        return None
    digits = re.sub(r"[.,\s]", "", whole)
    return Decimal(f"{digits}.{fraction}" if fraction else digits)
