"""The red-flag catalogue (``data/red_flags.yaml``): one source for the detector, the
explanations a family reads and the public guides, so the three can never disagree.

Patterns are regular expressions over the normalised text (see :mod:`amparo.triage.normalise`).
A message is searched with the patterns of its language; when its language cannot be told (very
short text), with the patterns of all four. Searching every message in every language was tried
and dropped: a word that is a red flag in one language is harmless in another ("wire", "cartel").
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from amparo.triage import prefilter
from amparo.triage.prefilter import GroupSearch

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LANGS = ("es", "en", "pt", "fr")
CUES = ("advisory", "emergency", "negation")


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Flag:
    id: str
    severity: Severity
    category_hint: tuple[str, ...]
    title: Mapping[str, str]
    explanation: Mapping[str, str]
    advice: Mapping[str, str]
    regexes: Mapping[str, tuple[str, ...]]  # the pattern sources, per language
    examples: Mapping[str, Mapping[str, tuple[str, ...]]]
    sources: tuple[str, ...]

    # The detector searches through ``Catalogue.search``; these unions (compiled on first use)
    # are the plain reading of the catalogue, for tests and tools.
    @functools.cached_property
    def patterns(self) -> Mapping[str, re.Pattern[str]]:
        """Per language, the union of its patterns."""
        return {lang: _union(list(self.regexes[lang]), f"flag {self.id}/{lang}") for lang in LANGS}

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """Every language at once, for text whose language is unclear."""
        return _union([p for lang in LANGS for p in self.regexes[lang]], f"flag {self.id}")


@dataclass(frozen=True)
class Catalogue:
    flags: tuple[Flag, ...]
    cues: Mapping[str, Mapping[str, re.Pattern[str]]]  # cue → language → pattern; "*" for all
    # Every flag's patterns, then every cue's, behind one literal prefilter (see prefilter.py):
    # group i is flags[i], group len(flags) + j is CUES[j].
    search: GroupSearch

    def flag(self, flag_id: str) -> Flag:
        for flag in self.flags:
            if flag.id == flag_id:
                return flag
        raise KeyError(flag_id)


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message says where."""


def _texts(entry: Mapping[str, Any], key: str, flag_id: str) -> dict[str, str]:
    values = entry.get(key) or {}
    missing = [lang for lang in LANGS if not str(values.get(lang, "")).strip()]
    if missing:
        raise CatalogueError(f"flag {flag_id}: {key} lacks {', '.join(missing)}")
    return {lang: str(values[lang]).strip() for lang in LANGS}


def _union(patterns: list[str], where: str) -> re.Pattern[str]:
    if not patterns:
        raise CatalogueError(f"{where}: no patterns")
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise CatalogueError(f"{where}: bad pattern: {exc}") from exc


def _checked(patterns: list[str], where: str) -> tuple[str, ...]:
    """The patterns, each one valid and fit to stand in a union with the others: no capturing
    groups (their numbers would shift) and no global flags (allowed only at the start). They
    are parsed here once, for the prefilter too, and compiled on first use."""
    if not patterns:
        raise CatalogueError(f"{where}: no patterns")
    for pattern in patterns:
        try:
            tree = prefilter.parsed(pattern)
        except re.error as exc:
            raise CatalogueError(f"{where}: bad pattern: {exc}") from exc
        if tree.state.groups > 1 or tree.state.flags & ~re.UNICODE:
            raise CatalogueError(f"{where}: bad pattern: use (?:…) and no flags: {pattern}")
    return tuple(patterns)


def parse(data: Mapping[str, Any]) -> Catalogue:
    flags: list[Flag] = []
    groups: list[list[tuple[str, str]]] = []
    seen: set[str] = set()
    for entry in data.get("flags") or []:
        flag_id = str(entry.get("id", ""))
        if not re.fullmatch(r"[a-z][a-z0-9_]*", flag_id) or flag_id in seen:
            raise CatalogueError(f"flag id {flag_id!r} is missing, malformed or repeated")
        seen.add(flag_id)
        try:
            severity = Severity[str(entry.get("severity", "")).upper()]
        except KeyError as exc:
            raise CatalogueError(f"flag {flag_id}: unknown severity") from exc
        patterns = entry.get("patterns") or {}
        for lang in LANGS:
            if not patterns.get(lang):
                raise CatalogueError(f"flag {flag_id}: no patterns for {lang}")
        checked = {
            lang: _checked([str(p) for p in patterns[lang]], f"flag {flag_id}/{lang}")
            for lang in LANGS
        }
        groups.append([(lang, p) for lang in LANGS for p in checked[lang]])
        examples = {
            lang: {
                kind: tuple(
                    str(x) for x in ((entry.get("examples") or {}).get(lang) or {}).get(kind, [])
                )
                for kind in ("match", "no_match")
            }
            for lang in LANGS
        }
        flags.append(
            Flag(
                id=flag_id,
                severity=severity,
                category_hint=tuple(entry.get("category_hint") or ()),
                title=_texts(entry, "title", flag_id),
                explanation=_texts(entry, "explanation", flag_id),
                advice=_texts(entry, "advice", flag_id),
                regexes=checked,
                examples=examples,
                sources=tuple(str(s) for s in entry.get("sources") or ()),
            )
        )
    cues: dict[str, dict[str, re.Pattern[str]]] = {}
    for name in CUES:
        by_lang = (data.get("cues") or {}).get(name) or {}
        sources = {lang: [str(p) for p in by_lang.get(lang) or []] for lang in LANGS}
        checked = {lang: _checked(sources[lang], f"cue {name}/{lang}") for lang in LANGS}
        groups.append([(lang, p) for lang in LANGS for p in checked[lang]])
        cues[name] = {lang: _union(sources[lang], f"cue {name}/{lang}") for lang in LANGS}
        cues[name]["*"] = _union([p for lang in LANGS for p in sources[lang]], f"cue {name}")
    search = GroupSearch(groups)
    prefilter.parsed.cache_clear()
    return Catalogue(flags=tuple(flags), cues=cues, search=search)


@functools.cache
def load() -> Catalogue:
    """The catalogue shipped in the package (parsed once per process)."""
    text = resources.files("amparo.triage").joinpath("data/red_flags.yaml").read_text("utf-8")
    return parse(yaml.load(text, Loader=_LOADER))  # noqa: S506 - a safe loader (C or Python)
