"""The warning list: values everybody uses (emergency lines, public switchboards) that are
extracted and shown, but must never link two reports.

Each entry's reason is an English message: where it is shown it goes through gettext, so the
catalogues translate it (``amparo.i18n.tools`` extracts the reasons from the YAML file). A
deployment adds its own entries (``amparo.network.warninglist``, stored in the database): their
reasons are written by people in their own language and shown as written (``shown_reason``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from amparo.indicators import phones
from amparo.indicators.model import Indicator


@dataclass(frozen=True)
class WarningList:
    entries: dict[tuple[str, str], str]

    def reason(self, kind: str, value: str) -> str | None:
        return self.entries.get((kind, value))

    def settle(
        self, kind: str, value: str, candidates: Sequence[str] = ()
    ) -> tuple[str, tuple[str, ...]]:
        """``(value, candidates)`` with a listed reading first: a number written without its
        country code that may be a public line ("800 273 8255", a Mexican toll-free number or
        the US Lifeline) is read as the line, so that it links no reports."""
        if self.reason(kind, value) is None:
            for other in candidates:
                if self.reason(kind, other) is not None:
                    return other, (value, *(c for c in candidates if c != other))
        return value, tuple(candidates)

    def mark(self, indicator: Indicator) -> Indicator:
        kind = indicator.type.value
        value, candidates = self.settle(kind, indicator.value, indicator.candidates)
        reason = self.reason(kind, value)
        if reason is None:
            return indicator
        display = value if indicator.display == indicator.value else indicator.display
        return dataclasses.replace(
            indicator, value=value, display=display, candidates=candidates, warning=reason
        )

    def short_numbers(self, digits: str, regions: Sequence[str]) -> list[str]:
        """The listed short numbers ("911", "089") that ``digits`` dial in each of ``regions``,
        in that order. Only listed ones: a short number is never extracted, so no other can
        have been reported."""
        dialled = (phones.calling_code(region) + digits for region in regions)
        return [value for value in dialled if ("phone", value) in self.entries]

    def with_entries(self, extra: dict[tuple[str, str], str]) -> WarningList:
        return WarningList({**self.entries, **extra})

    def beside(self, stored: Mapping[tuple[str, str], str]) -> WarningList:
        """This list and a deployment's ``stored`` entries; where both list a value, this list's
        reason is kept (it has a public source, and readers get it in their language)."""
        return WarningList({**stored, **self.entries})


@lru_cache(maxsize=1)
def default_warning_list() -> WarningList:
    raw = yaml.safe_load(
        resources.files("amparo.indicators").joinpath("data/warninglist.yaml").read_text("utf-8")
    )
    return WarningList({(e["type"], str(e["value"])): str(e["reason"]) for e in raw["entries"]})


@lru_cache(maxsize=1)
def shipped_reasons() -> frozenset[str]:
    return frozenset(default_warning_list().entries.values())


def shown_reason(reason: str, gettext: Callable[[str], str] | None) -> str:
    """A reason as a reader is shown it: the shipped list's reasons are messages, translated
    with ``gettext``; a deployment's own (written by a person, in their language) are shown as
    written, never looked up in the catalogues."""
    if gettext is None or reason not in shipped_reasons():
        return reason
    return gettext(reason)
