"""What one extraction has found so far: the text and its same-length views, the indicators,
and the spans they took (a span taken by one kind is not read again by the next)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from amparo.indicators.model import Indicator, IndicatorType
from amparo.indicators.text import digit_view, fold_same_length


class Found:
    def __init__(self, text: str) -> None:
        self.text = text
        self.digits = digit_view(text)
        self.folded = fold_same_length(text)
        self.items: list[Indicator] = []
        # The spans taken, merged where they overlap and sorted: a look-up is a bisection, so a
        # text with thousands of numbers is not read in quadratic time.
        self._starts: list[int] = []
        self._ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        before = bisect.bisect_left(self._starts, end)  # the spans that start before ``end``
        return before == 0 or self._ends[before - 1] <= start

    def _take(self, start: int, end: int) -> None:
        low = high = bisect.bisect_left(self._starts, start)
        if low and self._ends[low - 1] > start:
            low -= 1
        while high < len(self._starts) and self._starts[high] < end:
            high += 1
        if low < high:
            start, end = min(start, self._starts[low]), max(end, self._ends[high - 1])
        self._starts[low:high] = [start]
        self._ends[low:high] = [end]

    def add(
        self,
        kind: IndicatorType,
        start: int,
        end: int,
        value: str,
        *,
        display: str | None = None,
        confidence: float = 0.95,
        candidates: Sequence[str] = (),
        shortener: bool = False,
    ) -> None:
        self._take(start, end)
        self.items.append(
            Indicator(
                type=kind,
                value=value,
                display=display if display is not None else value,
                start=start,
                end=end,
                text=self.text[start:end],
                confidence=confidence,
                candidates=tuple(candidates),
                shortener=shortener,
            )
        )

    def before(self, start: int, width: int = 45) -> str:
        return self.folded[max(0, start - width) : start]

    def after(self, end: int, width: int = 15) -> str:
        return self.folded[end : end + width]
