"""Rate limits per client (and per account for log-ins), with the ``limits`` library.

Counters live in memory for one process, or in Redis (``AMPARO_RATE_LIMIT_STORAGE``) when many
API processes share them.
"""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from amparo.errors import N_, RateLimited


class RateLimiter:
    def __init__(self, storage_uri: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, rule: str, *keys: str) -> None:
        """Count one hit against ``rule`` for every key; raise RateLimited if any is over."""
        item: RateLimitItem = parse(rule)
        for key in keys:
            if not self._limiter.hit(item, key):
                stats = self._limiter.get_window_stats(item, key)
                retry = max(1, int(stats.reset_time - time.time()))
                raise RateLimited(
                    N_("Too many attempts. Try again in %(seconds)d seconds."),
                    retry_after=retry,
                    seconds=retry,
                )

    def reset(self) -> None:
        self._limiter.storage.reset()
