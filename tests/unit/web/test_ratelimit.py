"""The in-memory moving window answers as limits' moving window does."""

from __future__ import annotations

import pytest

from amparo.errors import RateLimited
from amparo.web import ratelimit
from amparo.web.ratelimit import RateLimiter


def test_moving_window_refuses_the_hit_over_the_limit_and_says_when(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    limiter = RateLimiter("memory://")
    for _ in range(3):
        limiter.hit("3/minute", "a")
        now[0] += 10
    with pytest.raises(RateLimited) as refused:
        limiter.hit("3/minute", "a")
    assert refused.value.retry_after == 30  # the first hit leaves the window at 1060
    limiter.hit("3/minute", "b")  # another client has its own window
    now[0] = 1060.5
    limiter.hit("3/minute", "a")  # the first hit has left the window
    with pytest.raises(RateLimited):
        limiter.hit("3/minute", "a")
    limiter.reset()
    limiter.hit("3/minute", "a")


def test_idle_keys_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(ratelimit, "_SWEEP_EVERY", 10)
    limiter = RateLimiter("memory://")
    for i in range(9):
        limiter.hit("5/second", f"client-{i}")
    now[0] = 5.0
    limiter.hit("5/second", "late")
    assert [key.rsplit("/", 1)[-1] for key in limiter._memory._hits] == ["late"]


def test_a_batch_counts_its_items_and_is_refused_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    limiter = RateLimiter("memory://")
    limiter.hit("5/minute", "hub", cost=3)
    now[0] += 10
    with pytest.raises(RateLimited) as refused:
        limiter.hit("5/minute", "hub", cost=3)
    assert refused.value.retry_after == 50  # the first batch leaves the window at 1060
    limiter.hit("5/minute", "hub", cost=2)  # the refused batch counted nothing
    with pytest.raises(RateLimited):
        limiter.hit("5/minute", "hub")
    with pytest.raises(RateLimited):
        limiter.hit("5/minute", "other", cost=6)  # more than a whole window never passes
    now[0] = 1060.5
    limiter.hit("5/minute", "hub", cost=3)


def test_a_long_wait_is_said_in_minutes_or_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    from amparo.i18n import gettext_for

    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    limiter = RateLimiter("memory://")
    limiter.hit("1/hour", "a")
    now[0] += 267  # the window lets the next hit in after 3,333 s
    with pytest.raises(RateLimited) as refused:
        limiter.hit("1/hour", "a")
    assert refused.value.retry_after == 3333  # the header still counts seconds
    assert refused.value.render(gettext_for("es")) == (
        "Demasiados intentos. Vuelva a intentarlo en 56 minutos."
    )
    limiter.hit("1/day", "b")
    with pytest.raises(RateLimited) as daily:
        limiter.hit("1/day", "b")
    assert daily.value.render(gettext_for("pt")).endswith("em 24 horas.")
