"""Runs of digits in free text: phone numbers, CLABEs, cards and MTCNs as people write them,
and the words around a run that say what it is — an amount, a case number, a date, a number
"de Estados Unidos".

Finding the runs is ours; what a run of digits is, is decided by ``finance`` (checksums) and
``phones`` (libphonenumber). A run that is not one number is cut at its gaps into numbers
written side by side, the way libphonenumber's ``PhoneNumberMatcher`` looks for inner matches.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from amparo.indicators import finance, phones
from amparo.indicators.found import Found
from amparo.indicators.model import IndicatorType

# A run of digit groups. It may start after "Cel." (a dot after a word) and after a slash that
# follows digits ("55 1234 5678/55 8765 4321"; which slashes count is decided by the caller),
# never inside a word, a path, a decimal or a longer number.
_DIGITS = re.compile(
    r"(?<![\w#=@+-])(?<![\W\d_]\.)(?<!^\.)(?<!\D/)(?<!^/)(?P<intl>\+|00)?[ \t]?"
    r"(?P<body>\(?\d{1,19}\)?(?:(?:[ \t]{1,2}|[ \t]?[.\-][ \t]?)\(?\d{1,19}\)?)*)(?![\w])"
)
_GROUP = re.compile(r"\(?\d+\)?")
_SPACED_DATE = re.compile(r"^(\d{1,2}) (\d{1,2}) (?:19|20)\d\d$")
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


@dataclass(frozen=True, slots=True)
class _Run:
    """Groups of digits written together: ``start:end`` in the text, ``body`` where the groups
    start (after a ``+`` or ``00``), the digits and whether they were written as international."""

    start: int
    end: int
    body: int
    digits: str
    international: bool


@dataclass(frozen=True, slots=True)
class _Reading:
    kind: IndicatorType
    value: str
    display: str | None = None
    confidence: float = 0.95
    candidates: tuple[str, ...] = ()


_SKIP: Final = "skip"  # read, and not an indicator (an amount, a case number …)
_MAX_SPLITS = 2_000  # pieces tried per text: a hostile text of digit groups stays cheap
_MAX_GROUPS = 100  # a longer run is a table of digits, not a few numbers side by side


def digit_runs(found: Found, region: str | None) -> None:
    runs = _runs(found.digits)
    leftovers: list[tuple[int, int, str]] = []
    skip = False
    budget = [_MAX_SPLITS]
    for index, run in enumerate(runs):
        start, end, digits, international = run.start, run.end, run.digits, run.international
        following = runs[index + 1] if index + 1 < len(runs) else None
        if skip:
            skip = False
            continue
        if not found.free(start, end):
            continue
        # An account or card number wrapped onto the next line (OCR, narrow screens).
        if following is not None and not international and _wrapped(found, end, following.start):
            joined = digits + following.digits
            account = finance.is_clabe(joined) or (len(joined) >= 15 and finance.is_card(joined))
            if account and _read_digits(found, start, following.end, joined, False, region):
                skip = True
                continue
        reading = _reading(found, start, end, digits, international, region)
        if reading is None:
            pieces = _split(found, run, region, budget)
            if pieces:
                for s, e, piece in pieces:
                    found.add(piece.kind, s, e, piece.value, **_details(piece))
                continue
        if isinstance(reading, _Reading):
            found.add(reading.kind, start, end, reading.value, **_details(reading))
        elif reading is None:
            leftovers.append((start, end, digits))
    # Phone numbers wrapped the same way: two fragments that only make sense together.
    for (s1, e1, d1), (s2, e2, d2) in itertools.pairwise(leftovers):
        if _wrapped(found, e1, s2) and found.free(s1, e2):
            _read_digits(found, s1, e2, d1 + d2, found.digits[s1] == "+", region)


def _runs(view: str) -> list[_Run]:
    runs: list[_Run] = []
    for first in _DIGITS.finditer(view):
        match: re.Match[str] | None = first
        while match is not None:
            start, end = match.span()
            if view[start] in " \t":
                start += 1
            if (
                start
                and view[start - 1] == "/"
                and not (runs and runs[-1].end == start - 1 and len(runs[-1].digits) >= 7)
            ):
                # "5512345678/5587654321" is two numbers; in "23/03/2026 5512345678" or
                # "caso 2026/1234" the group after the slash belongs to what came before it.
                group = _GROUP.match(view, match.start("body"))
                match = _DIGITS.search(view, group.end() if group else end, end)
                continue
            digits = re.sub(r"\D", "", match.group("body"))
            international = bool(match.group("intl"))
            if match.group("intl") == "00" and finance.is_clabe("00" + digits):
                international, digits = False, "00" + digits  # a CLABE of bank 00x, not "00 52"
            body = match.start("body") if international else start
            runs.append(_Run(start, end, body, digits, international))
            break
    return runs


def _details(reading: _Reading) -> dict[str, Any]:
    return {
        "display": reading.display,
        "confidence": reading.confidence,
        "candidates": reading.candidates,
    }


def _split(
    found: Found, run: _Run, region: str | None, budget: list[int]
) -> list[tuple[int, int, _Reading]]:
    """A run that is not one number, read as several written side by side, the way
    libphonenumber's matcher looks for "inner matches" (``5512345678 5587654321``,
    ``55 1234 5678 55 8765 4321``), or as one number next to a count (``son 2 5512345678``,
    ``55 1234 5678 3 veces``).

    Only at the gaps between groups, only phone numbers (a card or CLABE is read whole or not
    at all), and every group must belong to a number except one short group at either end: a
    run with digits left over is not split. Nor is what is written like a card: the halves of a
    mistyped card ("4152 3137 7234 5679") would be two Central American numbers nobody wrote.
    """
    offset = run.body
    groups = [
        (offset + m.start(), offset + m.end())
        for m in _GROUP.finditer(found.digits[run.body : run.end])
    ]
    card = _card_groups(found, groups)
    if not 2 <= len(groups) <= _MAX_GROUPS or len(run.digits) < 8 or card is None:
        return []
    numbers = [re.sub(r"\D", "", found.digits[s:e]) for s, e in groups]
    n = len(groups)

    def piece(i: int, j: int) -> tuple[int, int, _Reading] | None:
        digits = "".join(numbers[i : j + 1])
        if not 7 <= len(digits) <= 15 or budget[0] <= 0 or card.issuperset(range(i, j + 1)):
            return None
        budget[0] -= 1
        start = run.start if i == 0 else groups[i][0]
        start, end = _balanced(found.digits, start, groups[j][1])
        reading = _reading(found, start, end, digits, run.international and i == 0, region)
        if isinstance(reading, _Reading) and reading.kind is IndicatorType.PHONE:
            return start, end, reading
        return None

    def counted(left: int, right: int) -> bool:
        """A count stands apart from the number: "son 2 5512345678", not "2.5512345678"."""
        return found.digits[groups[left][1] : groups[right][0]].isspace()

    home = phones.calling_code(phones.region_order(region, None)[0])

    def rank(option: list[tuple[int, int, _Reading]]) -> tuple[int, int, int, float]:
        """Fewest numbers, then fewest digits left over, then most numbers of the region."""
        covered = sum(sum(c.isdigit() for c in found.digits[s:e]) for s, e, _ in option)
        local = sum(reading.value.startswith(home) for _, _, reading in option)
        confidence = sum(reading.confidence for _, _, reading in option)
        return len(option), -covered, -local, -confidence

    # best[i]: the fewest numbers that cover groups i…, leaving no digit to a short group at the
    # end that a number could take (None: they cannot be covered)
    best: list[list[tuple[int, int, _Reading]] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - 1, -1, -1):
        options: list[list[tuple[int, int, _Reading]]] = []
        if i == n - 1 and len(numbers[i]) <= 2 and counted(i - 1, i):
            options.append([])  # "… 3 veces"
        size = 0
        for j in range(i, n):
            size += len(numbers[j])
            if size > 15:
                break
            rest = best[j + 1]
            found_piece = piece(i, j) if rest is not None else None
            if rest is not None and found_piece is not None:
                options.append([found_piece, *rest])
        if options:
            best[i] = min(options, key=rank)
    if (
        best[0] is None
        and not run.international
        and len(numbers[0]) <= 2
        and len(numbers[1]) >= 7
        and counted(0, 1)
    ):
        # "son 2 5512345678": a count before a number written as one block.
        single, rest = piece(1, 1), best[2]
        if single is not None and rest is not None:
            return [single, *rest]
    return best[0] or []


def _card_groups(found: Found, groups: list[tuple[int, int]]) -> set[int] | None:
    """The groups written the way cards (and CLABEs) are: four groups of four in a row with one
    separator. None when the whole run is written so (13 to 19 digits, groups of four)."""
    sizes = [sum(c.isdigit() for c in found.digits[s:e]) for s, e in groups]
    gaps = [found.digits[e:s] for (_, e), (s, _) in itertools.pairwise(groups)]
    if (
        13 <= sum(sizes) <= 19
        and all(size == 4 for size in sizes[:-1])
        and sizes[-1] <= 4
        and len(set(gaps)) == 1
    ):
        return None
    card: set[int] = set()
    for k in range(len(sizes) - 3):
        if sizes[k : k + 4] == [4, 4, 4, 4] and len(set(gaps[k : k + 3])) == 1:
            card.update(range(k, k + 4))
    return card


def _balanced(view: str, start: int, end: int) -> tuple[int, int]:
    """A piece of a run keeps its parentheses only when it has both."""
    text = view[start:end]
    if text.endswith(")") and "(" not in text:
        end -= 1
    if text.startswith("(") and ")" not in text:
        start += 1
    return start, end


def _spaced_date(written: str) -> bool:
    """ "23 03 2026" is a date, not a Guatemalan number."""
    match = _SPACED_DATE.match(written)
    if match is None:
        return False
    first, second = int(match.group(1)), int(match.group(2))
    return 1 <= min(first, second) <= 12 and max(first, second) <= 31


def _wrapped(found: Found, end: int, next_start: int) -> bool:
    gap = found.text[end:next_start]
    return gap.strip() == "" and "\n" in gap and len(gap) <= 3


def _read_digits(
    found: Found, start: int, end: int, digits: str, international: bool, region: str | None
) -> bool:
    """Add what the digits are; False when they are not a number at all."""
    reading = _reading(found, start, end, digits, international, region)
    if isinstance(reading, _Reading):
        found.add(reading.kind, start, end, reading.value, **_details(reading))
    return reading is not None


def _reading(
    found: Found, start: int, end: int, digits: str, international: bool, region: str | None
) -> _Reading | Literal["skip"] | None:
    """What ``digits`` written at ``start:end`` are: an indicator, ``_SKIP`` (an amount, a case
    number: read, and not an indicator), or None (not a number we know)."""
    written = found.digits[start:end].strip()
    before = found.before(start)
    if _DATE.match(written) or _spaced_date(written) or len(digits) < 7:
        return None
    if _NOT_A_NUMBER_BEFORE.search(before) or _MONEY_AFTER.match(found.after(end)):
        return _SKIP
    if not international:
        if finance.is_clabe(digits):
            return _Reading(IndicatorType.CLABE, digits, display=finance.mask_clabe(digits))
        card_words = bool(_CARD_BEFORE.search(before))
        if finance.is_card(digits) and (len(digits) >= 15 or card_words):
            return _Reading(
                IndicatorType.CARD,
                digits,
                display=finance.mask_card(digits),
                confidence=0.9 if card_words else 0.7,
            )
        if len(digits) == 10 and MTCN_BEFORE.search(found.before(start, 90)):
            return _Reading(IndicatorType.MTCN, digits, confidence=0.9)
    reading = phones.read_phone(
        digits, international=international, regions=phones.region_order(region, hint(before))
    )
    if reading is None:
        return None
    return _Reading(
        IndicatorType.PHONE,
        reading.value,
        confidence=reading.confidence,
        candidates=reading.candidates,
    )


def hint(before: str) -> str | None:
    match = _HINT.search(before)
    if match is None:
        return None
    word = (match.group("a") or match.group("b")).replace(".", ".")
    for prefix, region in _HINT_REGIONS.items():
        if word.startswith(prefix):
            return region
    return None
