"""Runs of digits in free text: phone numbers, CLABEs, cards and MTCNs as people write them,
and the words around a run that say what it is — an amount, a case number, a date, a number
"de Estados Unidos".

Finding the runs is ours; what a run of digits is, is decided by ``finance`` (checksums) and
``phones`` (libphonenumber).
"""

from __future__ import annotations

import itertools
import re

from amparo.indicators import finance, phones
from amparo.indicators.found import Found
from amparo.indicators.model import IndicatorType

_DIGITS = re.compile(
    r"(?<![\w/#=@.+-])(?P<intl>\+|00)?[ \t]?"
    r"(?P<body>\(?\d{1,19}\)?(?:(?:[ \t]{1,2}|[ \t]?[.\-][ \t]?)\(?\d{1,19}\)?){0,9})(?![\w])"
)
_DATE = re.compile(r"^\d{1,2}[.\-]\d{1,2}[.\-](?:\d{2}|\d{4})$|^\d{4}[.\-]\d{1,2}[.\-]\d{1,2}$")
_NOT_A_NUMBER_BEFORE = re.compile(
    r"(?:(?<![a-z])(?:expediente|caso|case|docket|a-number|alien|a#|curp|rfc|ine|pasaporte|"
    r"passport|orden|order|pedido|ticket|zip|c\.?p\.?|codigo postal|postal|id|dni|dpi|nit|"
    r"placas?|plate|recibo|receipt|factura|invoice|cita|appointment|boleta|mxn|usd|q\.?|l\.?)"
    r"|\$)\W{0,4}(?:no\.?|num\.?|numero|number|#)?\W{0,3}$"
)
_MONEY_AFTER = re.compile(
    r"^\s?(?:pesos|mxn|dolares|dollars|usd|dls|quetzales|lempiras|colones|mil|k\b|%|"
    r"anos|years|dias|days|horas|hours|km|kilos|kg)"
)
MTCN_BEFORE = re.compile(
    r"(?:mtcn|western\s+union|\bwestern\b|\bwu\b|numero\s+de\s+control|clave\s+de\s+envio|"
    r"control\s+number|\bcontrol\b)[^\n]{0,60}$"
)
_CARD_BEFORE = re.compile(
    r"(?:tarjeta|card|oxxo|spin|saldazo|debito|debit|visa|mastercard)[^\n]{0,30}$"
)
_HINT = re.compile(  # said right before the number: "número de Estados Unidos: …"
    r"(?:(?:numero|telefono|tel|cel|celular|lada|number|phone|cell|whats\w*)\W+"
    r"(?:(?:de|del|from|in|en)\W+)?(?:(?:los|the)\W+)?"
    r"(?P<a>mexico|mexicano|estados\s+unidos|usa|eeuu|ee\s?uu|gringo|united\s+states|u\.?s\.?|"
    r"americano|guatemala|guatemalteco|honduras|hondureno|el\s+salvador|salvador|salvadoreno)"
    r"|(?P<b>mexican|american|u\.?s\.?|us|guatemalan|honduran|salvadoran|gringo|mexicano|"
    r"guatemalteco|hondureno|salvadoreno)\W+(?:cell\W+|celular\W+)?"
    r"(?:number|phone|cell|numero|celular))(?:\W+[a-z]+){0,4}\W{0,4}$"
)
_HINT_REGIONS = {
    "mex": "MX",
    "est": "US",
    "usa": "US",
    "eeu": "US",
    "ee ": "US",
    "grin": "US",
    "uni": "US",
    "u.s": "US",
    "us": "US",
    "ame": "US",
    "gua": "GT",
    "hon": "HN",
    "el ": "SV",
    "sal": "SV",
}


def digit_runs(found: Found, region: str | None) -> None:
    runs: list[tuple[int, int, str, bool]] = []
    for match in _DIGITS.finditer(found.digits):
        start, end = match.span()
        if found.digits[start] in " \t":
            start += 1
        digits = re.sub(r"\D", "", match.group("body"))
        international = bool(match.group("intl"))
        if match.group("intl") == "00" and finance.is_clabe("00" + digits):
            international, digits = False, "00" + digits  # a CLABE of bank 00x, not "00 52 …"
        runs.append((start, end, digits, international))
    leftovers: list[tuple[int, int, str]] = []
    skip = False
    for index, (start, end, digits, international) in enumerate(runs):
        following = runs[index + 1] if index + 1 < len(runs) else None
        if skip:
            skip = False
            continue
        if not found.free(start, end):
            continue
        # An account or card number wrapped onto the next line (OCR, narrow screens).
        if following is not None and not international and _wrapped(found, end, following[0]):
            joined = digits + following[2]
            account = finance.is_clabe(joined) or (len(joined) >= 15 and finance.is_card(joined))
            if account and _read_digits(found, start, following[1], joined, False, region):
                skip = True
                continue
        if not _read_digits(found, start, end, digits, international, region):
            leftovers.append((start, end, digits))
    # Phone numbers wrapped the same way: two fragments that only make sense together.
    for (s1, e1, d1), (s2, e2, d2) in itertools.pairwise(leftovers):
        if _wrapped(found, e1, s2) and found.free(s1, e2):
            _read_digits(found, s1, e2, d1 + d2, found.digits[s1] == "+", region)


def _wrapped(found: Found, end: int, next_start: int) -> bool:
    gap = found.text[end:next_start]
    return gap.strip() == "" and "\n" in gap and len(gap) <= 3


def _read_digits(
    found: Found, start: int, end: int, digits: str, international: bool, region: str | None
) -> bool:
    written = found.digits[start:end].strip()
    before = found.before(start)
    if _DATE.match(written) or len(digits) < 7:
        return False
    if _NOT_A_NUMBER_BEFORE.search(before) or _MONEY_AFTER.match(found.after(end)):
        return True  # an amount, a case number, a date: read, and not an indicator
    if not international:
        if finance.is_clabe(digits):
            found.add(IndicatorType.CLABE, start, end, digits, display=finance.mask_clabe(digits))
            return True
        card_words = bool(_CARD_BEFORE.search(before))
        if finance.is_card(digits) and (len(digits) >= 15 or card_words):
            confidence = 0.9 if card_words else 0.7
            found.add(
                IndicatorType.CARD,
                start,
                end,
                digits,
                display=finance.mask_card(digits),
                confidence=confidence,
            )
            return True
        if len(digits) == 10 and MTCN_BEFORE.search(found.before(start, 90)):
            found.add(IndicatorType.MTCN, start, end, digits, confidence=0.9)
            return True
    reading = phones.read_phone(
        digits, international=international, regions=phones.region_order(region, hint(before))
    )
    if reading is None:
        return False
    found.add(
        IndicatorType.PHONE,
        start,
        end,
        reading.value,
        confidence=reading.confidence,
        candidates=reading.candidates,
    )
    return True


def hint(before: str) -> str | None:
    match = _HINT.search(before)
    if match is None:
        return None
    word = (match.group("a") or match.group("b")).replace(".", ".")
    for prefix, region in _HINT_REGIONS.items():
        if word.startswith(prefix):
            return region
    return None
