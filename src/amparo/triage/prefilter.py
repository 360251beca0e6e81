"""A one-pass literal prefilter for the red-flag and cue patterns.

Searching the ~800 catalogue patterns flag after flag with ``re`` was ~40 % of the triage time,
and almost none of them match a given message. The parse tree of a pattern tells which literal
strings any match must contain (one string of a set: ``\\bse[ck]uestr(?:ad|o)`` cannot match a
text without "secuestrad", "secuestro", "sekuestrad" or "sekuestro") and how many digits it
needs. One Aho-Corasick pass over the normalised text finds which of those literals occur; only
the patterns whose literals occur, and that have enough digits to work on, are searched with
``re`` for the exact spans. A pattern that offers no literal is always searched.

The union ``(?:p1)|(?:p2)|…`` of a flag's patterns finds, at the leftmost position where any of
them matches, the match of the first one in order that matches there; leaving out a pattern
that matches nowhere in the text changes nothing. :meth:`GroupSearch.finditer` reproduces that
union from the patterns compiled one by one, so the flags and spans are those of searching
everything: ``tests/unit/triage/test_prefilter.py`` holds the two paths to identical answers
over the catalogue examples and the whole corpus.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

_parser: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser
_c: Any = importlib.import_module("re._constants")

_MAX_SET = 64  # largest set of alternative strings tracked for one piece of a pattern
_MAX_CLASS = 8  # largest character class expanded into its characters
_DIGIT = re.compile(r"\d")  # the same digits as \d inside the patterns


@dataclass(frozen=True)
class Requirement:
    """What any match of a pattern needs from the text."""

    literals: frozenset[str] | None  # one of these occurs (None: nothing known)
    digits: int  # at least this many characters matched by \\d
    may_be_empty: bool  # the pattern can match the empty string


class _Info:
    """A piece of a pattern: ``exact`` is every string it can match (None when unknown or too
    many), ``required`` a set of which every match contains one (None when nothing is), and
    ``digits`` how many \\d characters every match contains at least."""

    __slots__ = ("digits", "exact", "required")

    def __init__(
        self, exact: frozenset[str] | None, required: frozenset[str] | None, digits: int = 0
    ) -> None:
        self.exact = exact
        self.required = required
        self.digits = digits


_EMPTY_SET = frozenset({""})
_EMPTY = _Info(_EMPTY_SET, None)
_UNKNOWN = _Info(None, None)


def _score(literals: frozenset[str]) -> tuple[int, int]:
    return (min(map(len, literals)), -len(literals))


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective requirement: a longer shortest literal, then fewer literals."""
    if a is None:
        return b
    if b is None:
        return a
    return b if _score(b) > _score(a) else a


def _as_required(strings: frozenset[str] | None) -> frozenset[str] | None:
    if strings is None or "" in strings:
        return None
    return strings


def _product(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(b) == 1:
        (tail,) = b
        return frozenset(x + tail for x in a)
    if len(a) * len(b) > _MAX_SET:
        return None
    return frozenset(x + y for x in a for y in b)


def _is_digit_class(items: Sequence[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op is _c.CATEGORY and av is _c.CATEGORY_DIGIT:
            continue
        if op is _c.LITERAL and chr(av).isdecimal():
            continue
        if op is _c.RANGE and all(chr(c).isdecimal() for c in range(av[0], av[1] + 1)):
            continue
        return False
    return True


def _class_chars(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY (\d, \w …), a wide range: too many characters to list
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return frozenset(chars)


def _pieces(items: Iterable[tuple[Any, Any]]) -> Iterator[_Info]:
    """The pieces of a concatenation, runs of plain characters joined into one string."""
    text = ""
    for op, av in items:
        if op is _c.LITERAL:
            text += chr(av)
            continue
        if text:
            yield _Info(frozenset({text}), frozenset({text}), sum(c.isdecimal() for c in text))
            text = ""
        yield _node(op, av)
    if text:
        yield _Info(frozenset({text}), frozenset({text}), sum(c.isdecimal() for c in text))


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    """A concatenation: every piece must match, so any piece's requirement will do; runs of
    pieces with known strings are multiplied out into longer literals."""
    exact: frozenset[str] | None = _EMPTY_SET
    run: frozenset[str] = _EMPTY_SET
    best: frozenset[str] | None = None
    digits = 0
    for info in _pieces(items):
        digits += info.digits
        best = _better(best, info.required)
        if exact is not None:
            exact = _product(exact, info.exact) if info.exact is not None else None
        if info.exact is None:
            best = _better(best, _as_required(run))
            run = _EMPTY_SET
            continue
        grown = _product(run, info.exact)
        if grown is None:
            best = _better(best, _as_required(run))
            run = info.exact
        else:
            run = grown
    best = _better(best, _as_required(run))
    return _Info(exact, best, digits)


def _node(op: Any, av: Any) -> _Info:
    if op is _c.IN:
        chars = _class_chars(av)
        if chars is not None:
            return _Info(chars, chars, int(all(c.isdecimal() for c in chars)))
        return _Info(None, None, int(_is_digit_class(av)))
    if op is _c.AT:  # \b, ^, $: zero width
        return _EMPTY
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & _c.SRE_FLAG_IGNORECASE:
            return _UNKNOWN
        return _sequence(sub)
    if op is _c.BRANCH:
        infos = [_sequence(branch) for branch in av[1]]
        exact: frozenset[str] | None = frozenset()
        required: frozenset[str] | None = frozenset()
        for info in infos:
            if exact is not None and info.exact is not None and len(exact | info.exact) <= _MAX_SET:
                exact = exact | info.exact
            else:
                exact = None
            if required is not None and info.required is not None:
                required = required | info.required
            else:
                required = None
        return _Info(exact, required, min(info.digits for info in infos))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, sub = av
        info = _sequence(sub)
        if low == 0:
            if high == 1 and info.exact is not None:
                return _Info(info.exact | _EMPTY_SET, None)
            return _UNKNOWN
        if low == high == 1:
            return info
        return _Info(None, info.required, info.digits * low)
    if op is _c.ASSERT:  # zero width, but its content occurs somewhere in the text
        return _Info(_EMPTY_SET, _sequence(av[1]).required)
    if op is _c.ASSERT_NOT:
        return _EMPTY
    return _UNKNOWN  # ANY, NOT_LITERAL, back references, conditionals: nothing to rely on


def requirement(pattern: str) -> Requirement:
    """What every match of ``pattern`` needs from the text it is found in."""
    tree = _parser.parse(pattern)
    may_be_empty = tree.getwidth()[0] == 0
    if tree.state.flags & _c.SRE_FLAG_IGNORECASE:
        return Requirement(None, 0, may_be_empty)
    info = _sequence(tree)
    return Requirement(info.required, info.digits, may_be_empty)


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literals of which every match of ``pattern`` contains at least one; None when the
    pattern offers none to rely on."""
    return requirement(pattern).literals


class Prefilter:
    """Which of ``patterns`` can match a text, from one Aho-Corasick pass and a digit count."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.requirements = tuple(requirement(p) for p in patterns)
        literal_ids: dict[str, int] = {}
        by_literal: list[list[int]] = []
        always: list[int] = []
        for index, needs in enumerate(self.requirements):
            if needs.literals is None:
                always.append(index)
                continue
            for literal in sorted(needs.literals):
                if literal not in literal_ids:
                    literal_ids[literal] = len(by_literal)
                    by_literal.append([])
                by_literal[literal_ids[literal]].append(index)
        self._always = tuple(always)
        self._by_literal = tuple(tuple(ids) for ids in by_literal)
        self._digits = tuple(needs.digits for needs in self.requirements)
        self._needs_digits = any(self._digits)
        self._automaton = ahocorasick.Automaton()
        for literal, literal_id in literal_ids.items():
            self._automaton.add_word(literal, literal_id)
        if literal_ids:
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        """Indices of the patterns that may match ``text`` (a superset of those that do),
        in ascending order."""
        found = set(self._always)
        if self._by_literal:
            by_literal = self._by_literal
            for literal_id in {value for _, value in self._automaton.iter(text)}:
                found.update(by_literal[literal_id])
        if self._needs_digits:
            digits = len(_DIGIT.findall(text))
            needed = self._digits
            return sorted(index for index in found if needed[index] <= digits)
        return sorted(found)


class GroupSearch:
    """Groups of alternatives — a flag's or a cue's patterns, each tagged with its language —
    each searched as the union ``(?:p1)|(?:p2)|…`` of its alternatives of one language (or of
    all), through the prefilter."""

    def __init__(self, groups: Sequence[Sequence[tuple[str, re.Pattern[str]]]]) -> None:
        compiled: list[re.Pattern[str]] = []
        group_of: list[int] = []
        lang_of: list[str] = []
        for group, alternatives in enumerate(groups):
            for lang, pattern in alternatives:
                compiled.append(pattern)
                group_of.append(group)
                lang_of.append(lang)
        self._compiled = tuple(compiled)
        self._sources = tuple(p.pattern for p in compiled)
        self._group_of = tuple(group_of)
        self._lang_of = tuple(lang_of)
        self._prefilter = Prefilter(self._sources)
        self._may_be_empty = tuple(needs.may_be_empty for needs in self._prefilter.requirements)
        self._unions: dict[tuple[int, ...], re.Pattern[str]] = {}

    def candidates(self, text: str, lang: str | None) -> dict[int, tuple[int, ...]]:
        """Group → its alternatives of ``lang`` (of every language when None) that may match
        ``text``, in catalogue order; groups with none are left out."""
        out: dict[int, list[int]] = {}
        group_of, lang_of = self._group_of, self._lang_of
        for index in self._prefilter.candidates(text):
            if lang is None or lang_of[index] == lang:
                out.setdefault(group_of[index], []).append(index)
        return {group: tuple(indices) for group, indices in out.items()}

    def finditer(self, alternatives: tuple[int, ...], text: str) -> Iterator[re.Match[str]]:
        """The matches of the union of ``alternatives`` in ``text``, as ``re.finditer`` of
        that union would give them."""
        if len(alternatives) == 1:
            return self._compiled[alternatives[0]].finditer(text)
        if any(self._may_be_empty[i] for i in alternatives):  # empty matches: let re decide
            return self._union(alternatives).finditer(text)
        return _union_finditer([self._compiled[i] for i in alternatives], text)

    def _union(self, alternatives: tuple[int, ...]) -> re.Pattern[str]:
        compiled = self._unions.get(alternatives)
        if compiled is None:
            if len(self._unions) >= 256:
                self._unions.clear()
            compiled = re.compile("|".join(f"(?:{self._sources[i]})" for i in alternatives))
            self._unions[alternatives] = compiled
        return compiled


def _union_finditer(patterns: list[re.Pattern[str]], text: str) -> Iterator[re.Match[str]]:
    """``re.finditer`` of ``(?:p1)|(?:p2)|…`` for patterns that never match the empty string.

    At each position the union tries p1, p2, … in order, and the match of a pattern at a given
    position does not depend on where the search started (look-behinds and ``\\b`` see the whole
    string). So the union's next match is, among each pattern's leftmost match from the current
    position, the one that starts first, the earlier pattern winning a tie; after it the search
    goes on from its end."""
    position = 0
    pending: list[re.Match[str] | None] = [p.search(text) for p in patterns]
    while True:
        best: re.Match[str] | None = None
        for k, found in enumerate(pending):
            if found is None:
                continue
            if found.start() < position:
                found = pending[k] = patterns[k].search(text, position)
                if found is None:
                    continue
            if best is None or found.start() < best.start():
                best = found
        if best is None:
            return
        yield best
        position = best.end()
