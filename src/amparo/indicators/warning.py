"""The warning list: values everybody uses (emergency lines, public switchboards) that are
extracted and shown, but must never link two reports."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from amparo.indicators.model import Indicator


@dataclass(frozen=True)
class WarningList:
    entries: dict[tuple[str, str], str]

    def reason(self, kind: str, value: str) -> str | None:
        return self.entries.get((kind, value))

    def mark(self, indicator: Indicator) -> Indicator:
        reason = self.reason(indicator.type.value, indicator.value)
        return dataclasses.replace(indicator, warning=reason) if reason else indicator

    def with_entries(self, extra: dict[tuple[str, str], str]) -> WarningList:
        return WarningList({**self.entries, **extra})


@lru_cache(maxsize=1)
def default_warning_list() -> WarningList:
    raw = yaml.safe_load(
        resources.files("amparo.indicators").joinpath("data/warninglist.yaml").read_text("utf-8")
    )
    return WarningList({(e["type"], str(e["value"])): str(e["reason"]) for e in raw["entries"]})
