"""A one-pass literal prefilter for the red-flag and cue patterns.

Searching the ~800 catalogue patterns flag after flag with ``re`` was ~40 % of the triage time,
and almost none of them match a given message. The parse tree of a pattern tells which literal
strings any match must contain (one string of a set: ``\\bse[ck]uestr(?:ad|o)`` cannot match a
text without "secuestrad", "secuestro", "sekuestrad" or "sekuestro") and how many digits it
needs. One Aho-Corasick pass over the normalised text (every digit marked by a placeholder
before it, so that ``\\d`` takes part in literals: "$\\x01") finds which of those literals
occur; only the patterns whose literals occur, and that have digits enough to work on, are
searched with ``re`` for the exact spans. A pattern that offers no literal is always searched.

The union ``(?:p1)|(?:p2)|…`` of a flag's patterns finds, at the leftmost position where any of
them matches, the match of the first one in order that matches there; leaving out a pattern
that matches nowhere in the text changes nothing. :meth:`GroupSearch.finditer` reproduces that
union from the patterns compiled one by one, so the flags and spans are those of searching
everything: ``tests/unit/triage/test_prefilter.py`` holds the two paths to identical answers
over the catalogue examples and the whole corpus.
"""

from __future__ import annotations

import functools
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
_MAX_AND = 2  # literal sets required together, at most, per branch of a pattern
DIGIT = "\x01"  # marks every character that \d matches (never in a normalised text)
_DIGITS = re.compile(r"\d")  # the same digits as \d inside the patterns
_MARKED = DIGIT + r"\g<0>"
_NONE: frozenset[int] = frozenset()

Literals = frozenset[str]


@dataclass(frozen=True)
class Clause:
    """One way for a pattern to match: every set in ``literals`` has a member in the text
    (digits written as :data:`DIGIT`), and the text has at least ``digits`` digits."""

    literals: tuple[Literals, ...]
    digits: int


@dataclass(frozen=True)
class Requirement:
    """What any match of a pattern needs from the text: one of the clauses."""

    clauses: tuple[Clause, ...]
    may_be_empty: bool  # the pattern can match the empty string


class _Info:
    """A piece of a pattern: ``exact`` is every string it can match (None when unknown or too
    many), ``required`` literal sets that every match has a member of each of (best first),
    and ``digits`` how many \\d characters every match contains at least. ``closes``: a
    \\d, whose exact string is the placeholder alone (the digit itself is unknown), so
    nothing can be appended to it."""

    __slots__ = ("closes", "digits", "exact", "required")

    def __init__(
        self,
        exact: Literals | None,
        required: tuple[Literals, ...] = (),
        digits: int = 0,
        closes: bool = False,
    ) -> None:
        self.exact = exact
        self.required = required
        self.digits = digits
        self.closes = closes


_EMPTY_SET: Literals = frozenset({""})
_DIGIT_SET: Literals = frozenset({DIGIT})
_EMPTY = _Info(_EMPTY_SET)
_UNKNOWN = _Info(None)


def _score(literals: Literals) -> tuple[float, int]:
    """Higher is more selective: a longer shortest literal, then fewer literals."""
    return (min(len(x) - x.count(DIGIT) / 2 for x in literals), -len(literals))


def _weak(literal: str) -> bool:
    """Found in almost any text: one letter or space, or a digit after at most a space."""
    if DIGIT in literal:
        return literal.replace(" ", "") == DIGIT
    return len(literal) == 1 and (literal.isalnum() or literal.isspace())


def _best(sets: Iterable[Literals]) -> tuple[Literals, ...]:
    """The most selective sets: the best one, and the next if its literals are long enough
    to be worth a second requirement."""
    usable = {s for s in sets if s and "" not in s and not any(map(_weak, s))}
    if len(usable) <= 1:
        return tuple(usable)
    ranked = sorted(usable, key=_score, reverse=True)
    return tuple(ranked[:1] + [s for s in ranked[1:_MAX_AND] if _score(s)[0] >= 3])


def _fold(text: str) -> str:
    """``text`` as the prefilter reads it: each digit behind the placeholder."""
    if not _DIGITS.search(text):
        return text
    return _DIGITS.sub(_MARKED, text)


def _product(a: Literals, b: Literals) -> Literals | None:
    if len(b) == 1:
        (tail,) = b
        return frozenset(x + tail for x in a)
    if len(a) * len(b) > _MAX_SET:
        return None
    return frozenset(x + y for x in a for y in b)


_ANY_DIGIT = "any digit"


def _class_chars(items: Sequence[tuple[Any, Any]]) -> Literals | str | None:
    """The members of a character class (folded), ``_ANY_DIGIT`` for \\d, None when
    there are too many to list."""
    if all(_is_any_digit(op, av) for op, av in items):
        return _ANY_DIGIT
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(_fold(chr(av)))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(_fold(chr(c)) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, \\w, \\s, \\d among others, a wide range: too many to list
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return frozenset(chars)


def _is_any_digit(op: Any, av: Any) -> bool:
    if op is _c.CATEGORY:
        return av is _c.CATEGORY_DIGIT
    return op is _c.RANGE and av == (ord("0"), ord("9"))


def _literal(text: str) -> _Info:
    folded = _fold(text)
    return _Info(frozenset({folded}), (frozenset({folded}),), folded.count(DIGIT))


def _pieces(items: Iterable[tuple[Any, Any]]) -> Iterator[_Info]:
    """The pieces of a concatenation, runs of plain characters joined into one string."""
    text = ""
    for op, av in items:
        if op is _c.LITERAL:
            text += chr(av)
            continue
        if text:
            yield _literal(text)
            text = ""
        yield _node(op, av)
    if text:
        yield _literal(text)


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    """A concatenation: every piece must match, so every piece's requirement holds; runs of
    pieces with known strings are multiplied out into longer literals."""
    exact: Literals | None = _EMPTY_SET
    run: Literals = _EMPTY_SET
    sets: list[Literals] = []
    digits = 0
    for info in _pieces(items):
        digits += info.digits
        if info.closes:  # the run ends with the placeholder of a digit
            sets.append(_product(run, _DIGIT_SET) or run)
            run, exact = _EMPTY_SET, None
            continue
        if exact is not None:
            exact = _product(exact, info.exact) if info.exact is not None else None
        if info.exact is None or info.exact == _EMPTY_SET:  # text that no run covers
            sets.extend(info.required)
            sets.append(run)
            run = _EMPTY_SET
            continue
        grown = _product(run, info.exact)
        if grown is None:
            sets.append(run)
            run = info.exact
        else:
            run = grown
    sets.append(run)
    return _Info(exact, _best(sets), digits)


def _node(op: Any, av: Any) -> _Info:
    if op is _c.IN:
        chars = _class_chars(av)
        if chars is None:
            return _UNKNOWN
        if isinstance(chars, str):
            return _Info(None, (), 1, closes=True)
        return _Info(chars, _best([chars]), int(all(DIGIT in c for c in chars)))
    if op is _c.AT:  # \b, ^, $: zero width
        return _EMPTY
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & _c.SRE_FLAG_IGNORECASE:
            return _UNKNOWN
        return _sequence(sub)
    if op is _c.BRANCH:
        infos = [_sequence(branch) for branch in av[1]]
        exact: Literals | None = frozenset()
        for info in infos:
            if exact is not None and info.exact is not None and len(exact | info.exact) <= _MAX_SET:
                exact = exact | info.exact
            else:
                exact = None
        union: Literals = frozenset()
        for info in infos:
            if not info.required:
                return _Info(exact, (), min(i.digits for i in infos))
            union |= info.required[0]
        return _Info(exact, _best([union]), min(i.digits for i in infos))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, sub = av
        info = _sequence(sub)
        if low == 0:
            if high == 1 and info.exact is not None:
                return _Info(info.exact | _EMPTY_SET)
            return _UNKNOWN
        if low == high == 1:
            return info
        return _Info(None, info.required, info.digits * low)
    if op is _c.ASSERT:  # zero width, but its content occurs somewhere in the text
        return _Info(_EMPTY_SET, _sequence(av[1]).required)
    if op is _c.ASSERT_NOT:
        return _EMPTY
    return _UNKNOWN  # ANY, NOT_LITERAL, back references, conditionals: nothing to rely on


def _clauses(tree: Any) -> tuple[Clause, ...]:
    """One clause per alternative when the pattern ends in an alternation — ``a|b`` parses so,
    its common prefix moved out: ``x(?:a|b)`` is ``xa`` or ``xb`` — else one."""
    if tree.state.flags & _c.SRE_FLAG_IGNORECASE:
        return (Clause((), 0),)
    items = list(tree)
    if items and items[-1][0] is _c.BRANCH:
        clauses = []
        for branch in items[-1][1][1]:
            info = _sequence([*items[:-1], *branch])
            clauses.append(Clause(info.required, info.digits))
        return tuple(clauses)
    info = _sequence(items)
    return (Clause(info.required, info.digits),)


@functools.cache
def parsed(pattern: str) -> Any:
    """The parse tree of ``pattern`` (kept while a catalogue is read: it validates each pattern,
    then reads its requirement, from one parse)."""
    return _parser.parse(pattern)


def requirement(pattern: str) -> Requirement:
    """What every match of ``pattern`` needs from the text it is found in."""
    tree = parsed(pattern)
    return Requirement(_clauses(tree), may_be_empty=tree.getwidth()[0] == 0)


def required_literals(pattern: str) -> tuple[Literals, ...] | None:
    """Per branch, the most selective set of literals of which every match of that branch
    contains one (digits as :data:`DIGIT`); None when some branch offers none."""
    clauses = requirement(pattern).clauses
    if any(not c.literals for c in clauses):
        return None
    return tuple(_minimal(c.literals[0]) for c in clauses)


def _minimal(literals: Literals) -> Literals:
    """The literals without those that contain another one (it is found whenever they are)."""
    ordered = sorted(literals, key=len)
    kept: list[str] = []
    for literal in ordered:
        if not any(k in literal for k in kept):
            kept.append(literal)
    return frozenset(kept)


class Prefilter:
    """Which of ``patterns`` can match a text, from one Aho-Corasick pass and a digit count."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.requirements = tuple(requirement(p) for p in patterns)
        literal_ids: dict[str, int] = {}

        def ids(literals: Literals) -> frozenset[int]:
            for literal in literals:
                literal_ids.setdefault(literal, len(literal_ids))
            return frozenset(literal_ids[x] for x in literals)

        # A clause is looked at when a literal of its first (most selective) set occurs; its
        # other sets are then checked against the literals found.
        triggers: dict[int, list[tuple[int, int, tuple[frozenset[int], ...]]]] = {}
        always: list[tuple[int, int]] = []
        for index, needs in enumerate(self.requirements):
            for clause in needs.clauses:
                if not clause.literals:
                    always.append((index, clause.digits))
                    continue
                first, *rest = (ids(_minimal(literals)) for literals in clause.literals)
                for literal_id in first:
                    triggers.setdefault(literal_id, []).append((index, clause.digits, tuple(rest)))
        self._always = tuple(always)
        # per literal: the patterns it lets through alone, and the clauses with more to check
        self._alone = {
            k: frozenset(index for index, need, rest in v if not need and not rest)
            for k, v in triggers.items()
        }
        self._checks = {
            k: tuple(entry for entry in v if entry[1] or entry[2]) for k, v in triggers.items()
        }
        self._checks = {k: v for k, v in self._checks.items() if v}
        self._automaton = ahocorasick.Automaton()
        for literal, literal_id in literal_ids.items():
            self._automaton.add_word(literal, literal_id)
        if literal_ids:
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        """Indices of the patterns that may match ``text`` (a superset of those that do),
        in ascending order."""
        folded = _DIGITS.sub(_MARKED, text) if _DIGITS.search(text) else text
        digits = folded.count(DIGIT)
        found = {index for index, need in self._always if need <= digits}
        if self._alone:
            present = {value for _, value in self._automaton.iter(folded)}
            alone, checks = self._alone, self._checks
            for literal_id in present:
                found |= alone.get(literal_id, _NONE)
                for index, need, rest in checks.get(literal_id, ()):
                    if need <= digits and all(not s.isdisjoint(present) for s in rest):
                        found.add(index)
        return sorted(found)


class GroupSearch:
    """Groups of alternatives — a flag's or a cue's patterns, each tagged with its language —
    each searched as the union ``(?:p1)|(?:p2)|…`` of its alternatives of one language (or of
    all), through the prefilter."""

    def __init__(self, groups: Sequence[Sequence[tuple[str, str]]]) -> None:
        sources: list[str] = []
        group_of: list[int] = []
        lang_of: list[str] = []
        for group, alternatives in enumerate(groups):
            for lang, source in alternatives:
                sources.append(source)
                group_of.append(group)
                lang_of.append(lang)
        self._sources = tuple(sources)
        # compiled on first use: most patterns are rarely searched, and loading stays fast
        self._compiled: list[re.Pattern[str] | None] = [None] * len(sources)
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
            return self.compiled(alternatives[0]).finditer(text)
        if any(self._may_be_empty[i] for i in alternatives):  # empty matches: let re decide
            return self._union(alternatives).finditer(text)
        return _union_finditer([self.compiled(i) for i in alternatives], text)

    def compiled(self, index: int) -> re.Pattern[str]:
        pattern = self._compiled[index]
        if pattern is None:
            pattern = self._compiled[index] = re.compile(self._sources[index])
        return pattern

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
