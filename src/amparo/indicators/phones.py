"""Phone numbers: every way people write them → E.164, with the country kept ambiguous when the
digits fit more than one likely country.

Finding candidates is ours (groups of digits and separators, spelled-out digits, the old Mexican
``+52 1``, ``044``/``045`` and ``01`` prefixes that libphonenumber's matcher rejects); parsing and
validating is libphonenumber's (``phonenumbers``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

# The route: where the numbers in a report usually come from, after the user's own region.
LIKELY_REGIONS: tuple[str, ...] = ("MX", "US", "GT", "HN", "SV")
_CALLING_CODES = {"52": "MX", "1": "US", "502": "GT", "503": "SV", "504": "HN"}


@dataclass(frozen=True, slots=True)
class PhoneReading:
    value: str
    candidates: tuple[str, ...]
    confidence: float


@lru_cache(maxsize=4096)
def _e164_if_valid(number: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, PhoneNumberFormat.E164))


def _fix_mexico(international: str) -> str:
    """``+52 1 55 …`` (the mobile prefix Mexico dropped in 2019) is ``+52 55 …``."""
    if international.startswith("521") and len(international) == 13:
        return "52" + international[3:]
    return international


def read_phone(
    digits: str, *, international: bool, regions: Sequence[str] = LIKELY_REGIONS
) -> PhoneReading | None:
    """The E.164 readings of a run of digits (separators already removed).

    ``international`` means it was written with ``+`` or ``00``. ``regions`` is the order in
    which national readings are preferred (the reporting organisation's country first).
    """
    if not 7 <= len(digits) <= 15:
        return None
    if international:
        value = _e164_if_valid("+" + _fix_mexico(digits), None)
        return PhoneReading(value, (), 0.95) if value else None
    readings: list[str] = []
    # Mexico's old prefixes: 044/045 (mobile from a landline) and 01 (long distance).
    if len(digits) == 13 and digits[:3] in ("044", "045"):
        value = _e164_if_valid(digits[3:], "MX")
        return PhoneReading(value, (), 0.9) if value else None
    if len(digits) == 12 and digits.startswith("01"):
        value = _e164_if_valid(digits[2:], "MX")
        if value:
            return PhoneReading(value, (), 0.85)
    # A country code written without "+" ("521 55 …", "502 5512 3456", "1 713 …").
    for code in ("521", "52", "502", "503", "504", "1"):
        if digits.startswith(code) and len(digits) > 10 - (code == "1"):
            value = _e164_if_valid("+" + _fix_mexico(digits), None)
            if value:
                readings.append(value)
            break
    for region in regions:
        value = _e164_if_valid(digits, region)
        if value and value not in readings and _dialled_from(region, digits, value):
            readings.append(value)
    if not readings:
        return None
    if len(readings) == 1:
        return PhoneReading(readings[0], (), 0.9)
    return PhoneReading(readings[0], tuple(readings[1:]), 0.6)


def calling_code(region: str) -> str:
    """``+52`` for MX: what the E.164 numbers of a region start with."""
    return f"+{phonenumbers.country_code_for_region(region)}"


def _dialled_from(region: str, digits: str, value: str) -> bool:
    """A national reading in another country came through the region's international prefix:
    only "00" and the US's "011" count. libphonenumber also takes Mexico's old "09", so a stray
    0 before "998 011 1000" read as Iran (+98)."""
    if value.startswith(calling_code(region)):
        return True
    return digits.startswith("00") or (region == "US" and digits.startswith("011"))


def canonical_phone(text: str, region: str | None = None) -> str | None:
    """Canonical E.164 of one phone number given on its own (a form field, a look-up)."""
    reading = phone_reading(text, region)
    return reading.value if reading else None


def phone_reading(text: str, region: str | None = None) -> PhoneReading | None:
    """The readings of one phone number given on its own, the ambiguous ones kept."""
    stripped = text.strip()
    international = stripped.startswith(("+", "00"))
    digits = re.sub(r"\D", "", stripped)
    if stripped.startswith("00"):
        digits = digits[2:]
    return read_phone(digits, international=international, regions=_regions(region))


def _regions(first: str | None) -> tuple[str, ...]:
    if not first:
        return LIKELY_REGIONS
    first = first.upper()
    return (first, *[r for r in LIKELY_REGIONS if r != first])


def region_order(user_region: str | None, hint: str | None) -> tuple[str, ...]:
    order = list(_regions(user_region))
    if hint:
        order = [hint, *[r for r in order if r != hint]]
    return tuple(order)


# Spelled-out digits ("cinco cinco, doce, treinta y cuatro", "seven one three"): the words that
# may appear in a run; text2num turns a run into digits.
SPANISH_NUMBER_WORDS = [
    "cero",
    "uno",
    "una",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciseis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidos",
    "veintitres",
    "veinticuatro",
    "veinticinco",
    "veintiseis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
    "cien",
    "ciento",
]
ENGLISH_NUMBER_WORDS = [
    "zero",
    "oh",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
]
