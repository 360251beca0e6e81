"""What to do now: ordered steps per category and level (``data/advice.yaml``), in four languages,
each short enough for one SMS."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LANGS = ("es", "en", "pt", "fr")


EMERGENCY = "genuine_emergency"
FIRST_EMERGENCY_STEP = "call_911"
LAST_EMERGENCY_STEPS = ("consulate_protection", "red_cross")


@dataclass(frozen=True)
class Situation:
    """What a call for help may describe (lost in the desert, detained, hurt …) and its steps."""

    id: str
    pattern: re.Pattern[str]
    steps: tuple[str, ...]
    excludes: tuple[str, ...] = ()  # situations this one makes wrong (a cell is not the desert)


@dataclass(frozen=True)
class AdviceBook:
    steps: Mapping[str, Mapping[str, str]]
    plans: Mapping[str, Mapping[str, tuple[str, ...]]]
    headlines: Mapping[str, Mapping[str, str]]
    report_lines: Mapping[str, Mapping[str, str]]
    disclaimer: Mapping[str, str]
    situations: tuple[Situation, ...] = ()

    def plan(self, category: str, level: str, lang: str, text: str = "") -> tuple[str, ...]:
        """The steps, in ``lang``. ``text`` (the normalised message) chooses the steps of a call
        for help: those of every situation it describes, or the general plan."""
        ids = self.plan_ids(category, level, text)
        return tuple(self.steps[step][lang] for step in ids)

    def plan_ids(self, category: str, level: str, text: str = "") -> tuple[str, ...]:
        if category == EMERGENCY and text:
            found = [s for s in self.situations if s.pattern.search(text)]
            ruled_out = {other for s in found for other in s.excludes}
            found = [s for s in found if s.id not in ruled_out]
            if found:
                ids = [FIRST_EMERGENCY_STEP]
                for situation in found:
                    ids.extend(step for step in situation.steps if step not in ids)
                ids.extend(step for step in LAST_EMERGENCY_STEPS if step not in ids)
                return tuple(ids)
        by_level = self.plans.get(category) or self.plans["benign"]
        return by_level.get(level) or by_level.get("any") or next(iter(by_level.values()))

    def headline(self, key: str, lang: str) -> str:
        return self.headlines[key][lang]

    def report_line(self, country: str | None, lang: str) -> str:
        entry = self.report_lines.get((country or "").upper()) or self.report_lines["DEFAULT"]
        return entry[lang]


class AdviceError(ValueError):
    """The advice file is malformed; the message says where."""


def parse(data: Mapping[str, Any]) -> AdviceBook:
    def texts(value: Any, where: str) -> dict[str, str]:
        value = value or {}
        missing = [lang for lang in LANGS if not str(value.get(lang, "")).strip()]
        if missing:
            raise AdviceError(f"{where} lacks {', '.join(missing)}")
        return {lang: str(value[lang]).strip() for lang in LANGS}

    steps = {sid: texts(v, f"step {sid}") for sid, v in (data.get("steps") or {}).items()}
    plans: dict[str, dict[str, tuple[str, ...]]] = {}
    for category, levels in (data.get("plans") or {}).items():
        plans[category] = {}
        for level, ids in (levels or {}).items():
            unknown = [i for i in ids if i not in steps]
            if unknown:
                raise AdviceError(f"plan {category}/{level} uses unknown steps {unknown}")
            plans[category][level] = tuple(ids)
    if "benign" not in plans:
        raise AdviceError("plans lack 'benign'")
    situations = []
    for sid, entry in (data.get("situations") or {}).items():
        ids = tuple((entry or {}).get("steps") or ())
        unknown = [i for i in (*ids, FIRST_EMERGENCY_STEP, *LAST_EMERGENCY_STEPS) if i not in steps]
        if not ids or unknown:
            raise AdviceError(f"situation {sid} has no steps or unknown steps {unknown}")
        patterns = [str(p) for p in (entry.get("patterns") or ())]
        try:
            pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        except re.error as error:
            raise AdviceError(f"situation {sid}: bad pattern ({error})") from error
        if not patterns:
            raise AdviceError(f"situation {sid} has no patterns")
        excludes = tuple(str(x) for x in (entry.get("excludes") or ()))
        situations.append(Situation(sid, pattern, ids, excludes))
    known = {s.id for s in situations}
    for situation in situations:
        unknown_ids = [x for x in situation.excludes if x not in known]
        if unknown_ids:
            raise AdviceError(f"situation {situation.id} excludes unknown {unknown_ids}")
    return AdviceBook(
        steps=steps,
        plans=plans,
        headlines={k: texts(v, f"headline {k}") for k, v in (data.get("headlines") or {}).items()},
        report_lines={
            k.upper(): texts(v, f"report line {k}")
            for k, v in (data.get("report_lines") or {}).items()
        },
        disclaimer=texts(data.get("disclaimer"), "disclaimer"),
        situations=tuple(situations),
    )


@functools.cache
def load() -> AdviceBook:
    text = resources.files("amparo.triage").joinpath("data/advice.yaml").read_text("utf-8")
    return parse(yaml.load(text, Loader=_LOADER))  # noqa: S506 - a safe loader (C or Python)
