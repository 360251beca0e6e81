"""What one extraction has found so far: the text and its same-length views, the indicators,
and the spans they took (a span taken by one kind is not read again by the next)."""

from __future__ import annotations

from collections.abc import Sequence

from amparo.indicators.model import Indicator, IndicatorType
from amparo.indicators.text import digit_view, fold_same_length


class Found:
    def __init__(self, text: str) -> None:
        self.text = text
        self.digits = digit_view(text)
        self.folded = fold_same_length(text)
        self.items: list[Indicator] = []
        self._taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self._taken)

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
        self._taken.append((start, end))
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
