"""What to do now: ordered steps per category and level (``data/advice.yaml``), in four languages,
each short enough for one SMS."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LANGS = ("es", "en", "pt", "fr")


@dataclass(frozen=True)
class AdviceBook:
    steps: Mapping[str, Mapping[str, str]]
    plans: Mapping[str, Mapping[str, tuple[str, ...]]]
    headlines: Mapping[str, Mapping[str, str]]
    report_lines: Mapping[str, Mapping[str, str]]
    disclaimer: Mapping[str, str]

    def plan(self, category: str, level: str, lang: str) -> tuple[str, ...]:
        by_level = self.plans.get(category) or self.plans["benign"]
        ids = by_level.get(level) or by_level.get("any") or next(iter(by_level.values()))
        return tuple(self.steps[step][lang] for step in ids)

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
    return AdviceBook(
        steps=steps,
        plans=plans,
        headlines={k: texts(v, f"headline {k}") for k, v in (data.get("headlines") or {}).items()},
        report_lines={
            k.upper(): texts(v, f"report line {k}")
            for k, v in (data.get("report_lines") or {}).items()
        },
        disclaimer=texts(data.get("disclaimer"), "disclaimer"),
    )


@functools.cache
def load() -> AdviceBook:
    text = resources.files("amparo.triage").joinpath("data/advice.yaml").read_text("utf-8")
    return parse(yaml.load(text, Loader=_LOADER))  # noqa: S506 - a safe loader (C or Python)
