"""The normaliser: one canonical form for matching, with a map back to the original text.

Extortion messages dodge filters with accents and case, l33t digits ("s3cu3str0"), s p a c e d
letters, zero-width and look-alike characters, repeated letters and punctuation, and WhatsApp
formatting. Red-flag patterns and the classifier see the normalised form; every character of it
remembers which character of the original it came from, so evidence is always shown in the
words the family actually received.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import decancer_py

# Look-alikes that Unicode decomposition does not fold (Cyrillic and Greek letters in Latin text);
# the rarer ones are looked up in decancer (``_look_alike``).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ո": "n", "ν": "v", "ο": "o", "α": "a",
        "ε": "e", "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ß": "ss",
        "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i",
    }
)  # fmt: skip
# Digits and symbols that stand for letters inside a word.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
_FORMATTING = set("*_~`")
_ZERO_WIDTH_CATEGORIES = {"Cf", "Cc", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class Normalised:
    """``text`` is the normalised form of ``original``.

    The text comes from the fast path (C-level ``translate`` and regular expressions); the map
    back to the original is computed on first use, by the same regular expressions working on
    a list of offsets. The character-by-character path is the reference both are held to by
    property tests. Most messages never need the map: only those with a red flag to show.
    """

    original: str
    text: str

    @functools.cached_property
    def offsets(self) -> tuple[int, ...]:
        """``offsets[i]`` is the index in ``original`` that ``text[i]`` came from."""
        return _offsets(self.original, self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced ``text[start:end]``."""
        offsets = self.offsets
        if start >= end or not offsets:
            return (0, 0)
        return offsets[start], offsets[end - 1] + 1


@functools.lru_cache(maxsize=65536)
def _fold(char: str) -> str:
    """Lower-case, no diacritics, look-alikes folded; '' for invisible characters."""
    if char in "\n\t\r ":
        return " "
    category = unicodedata.category(char)
    if category in _ZERO_WIDTH_CATEGORIES:
        return ""
    if category == "Zs":
        return " "
    if category == "Lu" and not char.isascii():  # capital Greek Ν is an N, its small ν a v
        capital = look_alike(char)
        if capital:
            return capital
    folded = unicodedata.normalize("NFKD", char.translate(_CONFUSABLES))
    out = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    out = out.translate(_CONFUSABLES)
    if not out.isascii():  # of what is left ("µ" is now "μ"), the letters that pass for Latin
        out = "".join((look_alike(c) or c) if c.isalpha() else c for c in out)
    # what folds into a formatting mark ("﹍" is "_", "＊" is "*") goes as the mark itself goes:
    # otherwise a second pass would remove it (normalising twice must change nothing)
    return "".join(c for c in out if c not in _FORMATTING)


_LOOK_ALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def look_alike(char: str) -> str | None:
    """The Latin letters a letter of a look-alike script passes for: capital Cyrillic and
    Greek ("ТЕΝΕМОS"), small capitals ("ᴛᴇɴᴇᴍᴏꜱ"), from decancer's tables (built on Unicode's
    confusables). None when it passes for none, or for a letter of another script (a Chinese
    or Arabic message stays as it is)."""
    if not unicodedata.name(char, "").startswith(_LOOK_ALIKE_SCRIPTS):
        return None
    cured = str(decancer_py.parse(char))
    return cured if cured.isascii() and cured.isalpha() else None


def _pairs(text: str) -> list[tuple[str, int]]:
    pairs: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if char in _FORMATTING:
            continue
        for piece in _fold(char):
            pairs.append((piece, index))
    return pairs


def _deleet(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Map leet digits inside mostly-letter tokens: "s3cu3str0" → "secuestro", "5000" stays."""
    out: list[tuple[str, int]] = []
    token: list[tuple[str, int]] = []

    def flush() -> None:
        # Mapping can turn a digit into a letter and so put a symbol "inside" the word
        # ("0$a" → "o$a" → "osa"): repeat until nothing changes, which keeps this idempotent.
        while _map_once():
            pass
        out.extend(token)
        token.clear()

    def _map_once() -> bool:
        letter_positions = [i for i, (c, _) in enumerate(token) if c.isalpha()]
        changed = False
        if letter_positions and len(token) >= 2:
            first, last = letter_positions[0], letter_positions[-1]
            # symbols count inside a word only ("p@go" yes, "hola!!!" no); digits also at its ends
            mapped = [
                i
                for i, (c, _) in enumerate(token)
                if c in _LEET and (first <= i <= last or c.isdigit())
            ]
            if mapped and len(letter_positions) >= len(mapped):
                for i in mapped:
                    token[i] = (_LEET[token[i][0]], token[i][1])
                changed = True
        return changed

    for char, pos in pairs:
        if char.isalnum() or char in _LEET:
            token.append((char, pos))
        else:
            flush()
            out.append((char, pos))
    flush()
    return out


def _spaced_cuts(text: str) -> list[int]:
    """Where the separators of spaced-out writing are in ``text``, to be removed.

    First whole spaced-out phrases, whose words are letters one space apart and whose words
    are two or more spaces apart: "t e n e m o s  a  t u  h i j o" reads "tenemos  a  tu
    hijo" (the short words too, which the rule below leaves alone). Then four or more single
    letters with the same mark between them ("T-E-N-E-M-O-S", "p.a.g.a") or spaces of any width
    ("d e p o", "t  e  n  e"); between three letters, "U.S.A", it is an abbreviation."""
    cuts: list[int] = []
    if "  " in text:
        for match in _SPACED_PHRASE.finditer(text):
            words = _GAP.split(match.group(0))
            if sum(len(w) + 1 for w in words) // 2 < 4 or all(len(w) == 1 for w in words):
                continue
            start = match.start()
            cuts.extend(
                start + i
                for i in range(1, len(match.group(0)) - 1)
                if text[start + i] == " " and text[start + i - 1] != " " != text[start + i + 1]
            )
    if cuts:
        text = _drop(text, cuts)
    later: list[int] = []
    for match in _SPACED_LETTERS.finditer(text):
        mark = match.group(1) or " "
        later.extend(i for i in range(match.start(), match.end()) if text[i] == mark)
    if not later:
        return cuts
    if not cuts:
        return later
    # the second step's positions, in the text before the first step's cuts
    removed = set(cuts)
    kept = [i for i in range(len(text) + len(cuts)) if i not in removed]
    return sorted(cuts + [kept[i] for i in later])


def _drop(text: str, cuts: list[int]) -> str:
    """``text`` without the characters at the sorted positions ``cuts``."""
    pieces: list[str] = []
    position = 0
    for cut in cuts:
        pieces.append(text[position:cut])
        position = cut + 1
    pieces.append(text[position:])
    return "".join(pieces)


def _join_spaced_letters(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Re-join spaced-out writing (``_spaced_cuts``)."""
    remove = set(_spaced_cuts("".join(c for c, _ in pairs)))
    return [p for i, p in enumerate(pairs) if i not in remove] if remove else pairs


def _slow_pairs(text: str) -> list[tuple[str, int]]:
    """The character path: every output character with its origin. Each step finds what to
    change with the same regular expressions as the fast path, then edits the pairs."""
    pairs = _pairs(text)
    joined = "".join(c for c, _ in pairs)
    marks = {i for m in _REPEATED_MARK.finditer(joined) for i in range(m.start() + 1, m.end())}
    if marks:
        pairs = [p for i, p in enumerate(pairs) if i not in marks]
        joined = "".join(c for c, _ in pairs)
    for match in _TOKEN_WITH_LEET.finditer(joined):  # de-leet maps one character to one
        pairs[match.start() : match.end()] = _deleet(pairs[match.start() : match.end()])
    pairs = _join_spaced_letters(pairs)
    return _collapse_by_regex(pairs)


def _collapse_by_regex(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    text = "".join(c for c, _ in pairs)
    drop: set[int] = set()
    for match in _SPACE_RUN.finditer(text):
        drop.update(range(match.start() + 1, match.end()))
    for match in _REPEATED_MARK.finditer(text):
        drop.update(range(match.start() + 1, match.end()))
    for match in _REPEATED_LETTER.finditer(text):
        drop.update(range(match.start() + 1, match.end()))
    kept = [p for i, p in enumerate(pairs) if i not in drop] if drop else pairs
    start, end = 0, len(kept)
    while start < end and kept[start][0] == " ":
        start += 1
    while end > start and kept[end - 1][0] == " ":
        end -= 1
    return kept[start:end]


class _FoldTable(dict[int, str | None]):
    """``str.translate`` table that learns each character's fold on first sight."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        folded = None if char in _FORMATTING else (_fold(char) or None)
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()
# A whole run of [\w@$!] that holds a leet character. Possessive, from the start of the run:
# the same matches as r"[\w@$!]*[013457@$!][\w@$!]*" without its quadratic backtracking.
_TOKEN_WITH_LEET = re.compile(r"(?<![\w@$!])[^\W013457]*+[013457@$!][\w@$!]*+")
# Four or more single letters with the same mark between them ("T-E-N-E-M-O-S", "p.a.g.a") or
# spaces of any width ("d e p o", "t  e  n  e"). (Between three letters, "U.S.A", it is an
# abbreviation.)
_SPACED_LETTERS = re.compile(
    r"(?<![^\W\d_])[^\W\d_](?:(?: +[^\W\d_]){3,}|([\-.·])(?:[^\W\d_]\1){2,}[^\W\d_])(?![^\W\d_])"
)
# Words of single letters one space apart, the words two or more spaces apart (the words are
# checked by ``_spaced_cuts``: four letters at least, and a word of two or more).
# Possessive, and never started inside a word (after " a "): linear time on a long run of
# spaced letters.
_SPACED_PHRASE = re.compile(
    r"(?<![^\W\d_])(?<!(?<![^\W\d_])[^\W\d_] )[^\W\d_](?: [^\W\d_](?![^\W\d_]))*+"
    r"(?: {2,}[^\W\d_](?: [^\W\d_](?![^\W\d_]))*+)+(?![^\W\d_])"
)
_GAP = re.compile(" {2,}")
_SPACE_RUN = re.compile(r" {2,}")
_REPEATED_MARK = re.compile(r"([^\w ])\1+")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1{2,}")


def _deleet_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if not any(map(str.isalpha, token)):  # "5000", "$500": no letter, nothing to map
        return token
    pairs = [(c, 0) for c in token]
    out = _deleet(pairs)
    return "".join(c for c, _ in out)


def _fast_text(text: str) -> str:
    folded = text.translate(_FOLD_TABLE)
    folded = _REPEATED_MARK.sub(r"\1", folded)  # "p@@go" is "p@go" before it is read
    folded = _TOKEN_WITH_LEET.sub(_deleet_token, folded)
    cuts = _spaced_cuts(folded)
    if cuts:
        folded = _drop(folded, cuts)
    folded = _SPACE_RUN.sub(" ", folded)
    folded = _REPEATED_MARK.sub(r"\1", folded)
    folded = _REPEATED_LETTER.sub(r"\1", folded)
    return folded.strip(" ")


_ONE_FOR_ONE: set[str] = set()  # characters known to fold to exactly one character


def _offsets(text: str, normalised: str) -> tuple[int, ...]:
    """The offsets of :func:`_slow_pairs`, from the steps of the fast path: each step that
    deletes characters deletes the same positions from a list of offsets. ``normalised`` is
    the fast path's text."""
    unknown = set(text) - _ONE_FOR_ONE
    if unknown:  # (the table learns each character's fold on first sight)
        singles = {c for c in unknown if len(_FOLD_TABLE[ord(c)] or "") == 1}
        _ONE_FOR_ONE.update(singles)
        one_for_one = len(singles) == len(unknown)
    else:
        one_for_one = True
    if one_for_one and len(normalised) == len(text):  # nothing deleted (most messages)
        return tuple(range(len(text)))
    folded = text.translate(_FOLD_TABLE)
    offsets: list[int]
    if one_for_one:
        offsets = list(range(len(text)))
    else:
        offsets = []
        for index, char in enumerate(text):
            piece = _FOLD_TABLE[ord(char)]
            if piece:
                offsets.extend([index] * len(piece))
    marks = [(m.start() + 1, m.end()) for m in _REPEATED_MARK.finditer(folded)]
    if marks:
        folded, offsets = _without(folded, offsets, marks)
    current = _TOKEN_WITH_LEET.sub(_deleet_token, folded)  # one character for one
    remove = _spaced_cuts(current)
    if remove:
        current, offsets = _without(current, offsets, [(i, i + 1) for i in remove])
    runs = [
        (m.start() + 1, m.end())
        for pattern in (_SPACE_RUN, _REPEATED_MARK, _REPEATED_LETTER)
        for m in pattern.finditer(current)
    ]
    if runs:  # the three patterns match disjoint kinds of character: the runs never overlap
        current, offsets = _without(current, offsets, sorted(runs))
    lead = len(current) - len(current.lstrip(" "))
    trail = len(current) - len(current.rstrip(" "))
    return tuple(offsets[lead : len(offsets) - trail])


def _without(text: str, offsets: list[int], cuts: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """``text`` and ``offsets`` less the sorted, disjoint ranges ``cuts``."""
    pieces: list[str] = []
    kept: list[int] = []
    position = 0
    for start, end in cuts:
        pieces.append(text[position:start])
        kept.extend(offsets[position:start])
        position = end
    pieces.append(text[position:])
    kept.extend(offsets[position:])
    return "".join(pieces), kept


def normalise(text: str) -> Normalised:
    """The canonical matching form of ``text``, able to map spans back to ``text``."""
    return Normalised(text, _fast_text(text))


def plain(text: str) -> str:
    """Just the normalised string (for features and tests)."""
    return _fast_text(text)
