"""``extract(text)``: every indicator in a report, ransom message or OCR'd screenshot.

One pass per kind, most specific first; a span taken by one kind (a wallet, an e-mail, a link)
is not read again by the next (a ``wa.me`` link is a phone number, not also a URL and digits).
"""

from __future__ import annotations

import re

from amparo.indicators import crypto, finance, names, numbers, phones, spelled, web
from amparo.indicators.found import Found
from amparo.indicators.model import Indicator, IndicatorType
from amparo.indicators.text import fold_same_length
from amparo.indicators.warning import WarningList, default_warning_list

MAX_TEXT = 200_000

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
    if not names and not may_hold_indicators(text):
        return []  # most messages: one scan instead of nine (the message check runs this)
    warnings = warnings if warnings is not None else default_warning_list()
    found = Found(text)
    _wallets(found)
    _emails(found)
    _links(found, region)
    _handles(found)
    if names:
        _names(found)
    _references(found)
    numbers.digit_runs(found, region)
    _spelled(found, region)
    return [warnings.mark(i) for i in sorted(found.items, key=lambda i: (i.start, i.end))]


# What every extractor but the names' needs to find anything: four digits (the shortest
# reference; a phone number, an account, a card or an MTCN has more), "@" (e-mails, handles), a
# link ("://", "www.", a dot between a letter or digit and a letter: "wa.me", "bit.ly/x"), a
# wallet (matched as such: a Base58 or hexadecimal one may hold fewer digits), or a dictated
# number (a run of number words, as the spelled-number finder reads it). Searched in the text
# and in its folded view, where full-width "．" and "＠" are plain; a test holds extraction to
# finding nothing when this finds nothing. Most messages (an amount, a time) stop here.
_MAY_HOLD = re.compile(r"@|://|www\.|[A-Za-z0-9\-]\.[A-Za-z]")
_DIGIT = re.compile(r"\d")
_WALLETS = (crypto.ETH, crypto.BTC_BECH32, crypto.TRON, crypto.BTC_BASE58)


def may_hold_indicators(text: str) -> bool:
    """False only when ``extract(text, names=False)`` is sure to find nothing."""
    if len(_DIGIT.findall(text)) >= finance.MIN_REFERENCE_CHARS or _MAY_HOLD.search(text):
        return True
    if any(pattern.search(text) for pattern in _WALLETS):
        return True
    folded = fold_same_length(text)
    return bool(_MAY_HOLD.search(folded) or spelled.has_worded_run(folded))


def _wallets(found: Found) -> None:
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


def _emails(found: Found) -> None:
    for match in web.EMAIL.finditer(found.text):
        value = web.canonical_email(match.group(0))
        if value and found.free(*match.span()):
            found.add(IndicatorType.EMAIL, *match.span(), value)


def _links(found: Found, region: str | None) -> None:
    for match in web.URL.finditer(found.text):
        raw, link = web.link_in_prose(match.group(0))
        start, end = match.start(), match.start() + len(raw)
        if link is None or not found.free(start, end):
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


def _handles(found: Found) -> None:
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


def _names(found: Found) -> None:
    for start, end, value in names.names(found.text):
        if found.free(start, end):
            found.add(IndicatorType.NAME, start, end, value, confidence=0.7)


def _references(found: Found) -> None:
    for match in _REFERENCE.finditer(found.folded):
        start, end = match.span("ref")
        raw = found.digits[start:end]
        value = finance.canonical_reference(raw)
        digits = sum(c.isdigit() for c in value)
        if digits < finance.MIN_REFERENCE_CHARS or not found.free(start, end):
            continue
        kind = IndicatorType.TRANSFER_REF
        if (
            len(value) == 10
            and value.isdigit()
            and numbers.MTCN_BEFORE.search(found.before(start, 90))
        ):
            kind = IndicatorType.MTCN
        found.add(kind, start, end, value, confidence=0.8)


def _spelled(found: Found, region: str | None) -> None:
    for whole in spelled.spelled_runs(found.text):
        # "… nine nine, oh": the last "oh" is a zero or the reader's "oh", whichever reads
        for run in (whole, whole.shorter) if whole.shorter else (whole,):
            if not found.free(run.start, run.end) or not 7 <= len(run.digits) <= 15:
                continue
            reading = phones.read_phone(
                run.digits,
                international=False,
                regions=phones.region_order(region, numbers.hint(found.before(run.start))),
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
                break
