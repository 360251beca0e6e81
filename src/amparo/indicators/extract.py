"""``extract(text)``: every indicator in a report, ransom message or OCR'd screenshot.

One pass per kind, most specific first; a span taken by one kind (a wallet, an e-mail, a link)
is not read again by the next (a ``wa.me`` link is a phone number, not also a URL and digits).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from amparo.indicators import crypto, finance, names, phones, spelled, web
from amparo.indicators.model import Indicator, IndicatorType
from amparo.indicators.text import digit_view, fold_same_length
from amparo.indicators.warning import WarningList, default_warning_list

MAX_TEXT = 200_000

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
_MTCN_BEFORE = re.compile(
    r"(?:mtcn|western\s+union|\bwestern\b|\bwu\b|numero\s+de\s+control|clave\s+de\s+envio|"
    r"control\s+number|\bcontrol\b)[^\n]{0,60}$"
)
_CARD_BEFORE = re.compile(
    r"(?:tarjeta|card|oxxo|spin|saldazo|debito|debit|visa|mastercard)[^\n]{0,30}$"
)
_REFERENCE = re.compile(
    r"(?:\bfolio|clave\s+de\s+rastreo|\breferencia|\breference(?:\s+(?:number|no\.?|#))?|\bref\b\.?|"
    r"confirmation(?:\s+(?:code|number|#))?|tracking(?:\s+(?:number|no\.?|#))?|"
    r"numero\s+de\s+(?:referencia|operacion|rastreo|folio|envio|transferencia)|"
    r"codigo\s+de\s+confirmacion)"
    # a few words may stand between: "folio de envío es", "número de referencia de Remitly:"
    r"(?:[^\S\n]+(?:de|del|la|el|es|is|was|era|of|the|envio|operacion|transferencia|remitly|"
    r"xoom|moneygram|elektra|western|union|dex|zelle|number|no\.?)){0,3}"
    r"\s*[:#\-]?\s*"
    # Every token of the reference holds a digit: "folio de expediente …" is not one.
    r"(?P<ref>(?:(?=[a-z]{0,10}\d)[a-z0-9]{2,30}|[a-z]{2,10}(?=[\-/]\d))"
    r"(?:[\-/][a-z0-9]{1,30}|[ \t](?=[a-z]{0,10}\d)[a-z0-9]{1,30}){0,5})",
    re.IGNORECASE,
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


def extract(
    text: str,
    *,
    region: str | None = None,
    warnings: WarningList | None = None,
    names: bool = True,
) -> list[Indicator]:
    """Every indicator mention in ``text``, in order of appearance.

    ``region`` is the reporting organisation's country (ISO code): a phone number written
    without a country code is read there first, then in the route's other countries.
    ``names=False`` leaves names and aliases out (a look-up never asks about a name alone).
    """
    if len(text) > MAX_TEXT:
        raise ValueError(f"text longer than {MAX_TEXT} characters")
    warnings = warnings if warnings is not None else default_warning_list()
    found = _Found(text)
    _wallets(found)
    _emails(found)
    _links(found, region)
    _handles(found)
    if names:
        _names(found)
    _references(found)
    _digit_runs(found, region)
    _spelled(found, region)
    return [warnings.mark(i) for i in sorted(found.items, key=lambda i: (i.start, i.end))]


class _Found:
    def __init__(self, text: str) -> None:
        self.text = text
        self.digits = digit_view(text)
        self.folded = fold_same_length(text)
        self.items: list[Indicator] = []
        self._taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self._taken)

    def add(
        self,
        kind: IndicatorType,
        start: int,
        end: int,
        value: str,
        *,
        display: str | None = None,
        confidence: float = 0.95,
        candidates: Sequence[str] = (),
        shortener: bool = False,
    ) -> None:
        self._taken.append((start, end))
        self.items.append(
            Indicator(
                type=kind,
                value=value,
                display=display if display is not None else value,
                start=start,
                end=end,
                text=self.text[start:end],
                confidence=confidence,
                candidates=tuple(candidates),
                shortener=shortener,
            )
        )

    def before(self, start: int, width: int = 45) -> str:
        return self.folded[max(0, start - width) : start]

    def after(self, end: int, width: int = 15) -> str:
        return self.folded[end : end + width]


def _wallets(found: _Found) -> None:
    text = found.text
    for match in crypto.ETH.finditer(text):
        if crypto.is_eth(match.group(0)):
            found.add(IndicatorType.ETH, *match.span(), match.group(0).lower())
    for pattern, check, kind, canon in (
        (crypto.BTC_BECH32, crypto.is_btc, IndicatorType.BTC, crypto.canonical_btc),
        (crypto.TRON, crypto.is_tron, IndicatorType.TRON, str),
        (crypto.BTC_BASE58, crypto.is_btc, IndicatorType.BTC, crypto.canonical_btc),
    ):
        for match in pattern.finditer(text):
            if found.free(*match.span()) and check(match.group(0)):
                found.add(kind, *match.span(), canon(match.group(0)))


def _emails(found: _Found) -> None:
    for match in web.EMAIL.finditer(found.text):
        value = web.canonical_email(match.group(0))
        if value and found.free(*match.span()):
            found.add(IndicatorType.EMAIL, *match.span(), value)


def _links(found: _Found, region: str | None) -> None:
    for match in web.URL.finditer(found.text):
        raw = web.trim_url(match.group(0))
        start, end = match.start(), match.start() + len(raw)
        if not raw or not found.free(start, end):
            continue
        link = web.read_link(raw)
        if link is None:
            continue
        if link.kind == "phone":
            reading = phones.read_phone(
                link.value, international=True, regions=phones.region_order(region, None)
            )
            if reading:
                found.add(IndicatorType.PHONE, start, end, reading.value, confidence=0.95)
        elif link.kind == "social":
            found.add(IndicatorType.SOCIAL, start, end, link.value)
        else:
            found.add(
                IndicatorType.URL,
                start,
                end,
                link.value,
                confidence=0.9,
                shortener=link.shortener,
            )


def _handles(found: _Found) -> None:
    for match in web.AT_HANDLE_AFTER.finditer(found.text):
        start, end = match.start(2) - 1, match.end(2)
        if found.free(start, end):
            value = f"{web.platform_of(match.group(1))}:{match.group(2).lower()}"
            found.add(IndicatorType.SOCIAL, start, end, value, confidence=0.85)
    for match in web.AT_HANDLE_BEFORE.finditer(found.text):
        start, end = match.start(1) - 1, match.end(1)
        if found.free(start, end):
            value = f"{web.platform_of(match.group(2))}:{match.group(1).lower()}"
            found.add(IndicatorType.SOCIAL, start, end, value, confidence=0.85)


def _names(found: _Found) -> None:
    for start, end, value in names.names(found.text):
        if found.free(start, end):
            found.add(IndicatorType.NAME, start, end, value, confidence=0.7)


def _references(found: _Found) -> None:
    for match in _REFERENCE.finditer(found.folded):
        start, end = match.span("ref")
        raw = found.digits[start:end]
        value = finance.canonical_reference(raw)
        if sum(c.isdigit() for c in value) < 3 or not found.free(start, end):
            continue
        kind = IndicatorType.TRANSFER_REF
        if len(value) == 10 and value.isdigit() and _MTCN_BEFORE.search(found.before(start, 90)):
            kind = IndicatorType.MTCN
        found.add(kind, start, end, value, confidence=0.8)


def _digit_runs(found: _Found, region: str | None) -> None:
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


def _wrapped(found: _Found, end: int, next_start: int) -> bool:
    gap = found.text[end:next_start]
    return gap.strip() == "" and "\n" in gap and len(gap) <= 3


def _read_digits(
    found: _Found, start: int, end: int, digits: str, international: bool, region: str | None
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
        if len(digits) == 10 and _MTCN_BEFORE.search(found.before(start, 90)):
            found.add(IndicatorType.MTCN, start, end, digits, confidence=0.9)
            return True
    reading = phones.read_phone(
        digits, international=international, regions=phones.region_order(region, _hint(before))
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


def _hint(before: str) -> str | None:
    match = _HINT.search(before)
    if match is None:
        return None
    word = (match.group("a") or match.group("b")).replace(".", ".")
    for prefix, region in _HINT_REGIONS.items():
        if word.startswith(prefix):
            return region
    return None


def _spelled(found: _Found, region: str | None) -> None:
    for run in spelled.spelled_runs(found.text):
        if not found.free(run.start, run.end) or not 7 <= len(run.digits) <= 15:
            continue
        reading = phones.read_phone(
            run.digits,
            international=False,
            regions=phones.region_order(region, _hint(found.before(run.start))),
        )
        if reading:
            found.add(
                IndicatorType.PHONE,
                run.start,
                run.end,
                reading.value,
                confidence=min(reading.confidence, 0.8),
                candidates=reading.candidates,
            )
