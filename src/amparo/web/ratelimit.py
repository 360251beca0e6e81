"""Rate limits per client (and per account for log-ins): a moving window of hits per key.

Counters live in memory for one process, or in Redis (``AMPARO_RATE_LIMIT_STORAGE``) when many
API processes share them, through the ``limits`` library. In memory, the window is kept here as
a deque of hit times per key: ``limits``' memory storage inserts at the front of a list and
starts a timer thread every 10 ms to expire entries, which under load cost more than the check
it guards. Both answer the same: a hit is refused when ``amount`` hits already fell inside the
last ``expiry`` seconds.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from amparo.errors import N_, RateLimited, Wait

_SWEEP_EVERY = 4096  # hits between sweeps of keys whose windows have emptied


@functools.lru_cache(maxsize=64)
def _rule(rule: str) -> RateLimitItem:
    item: RateLimitItem = parse(rule)
    return item


class _MemoryWindows:
    """Moving windows in this process: per key, the times of the hits still inside it."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._since_sweep = 0
        self._longest = 0  # the longest window seen: a key idle longer holds no live hit

    def hit(self, key: str, amount: int, expiry: int, cost: int = 1) -> float | None:
        """Count ``cost`` hits; None if allowed, else the seconds until the window lets them in
        (refused whole: a partly allowed batch would count hits that were never answered)."""
        now = time.monotonic()
        with self._lock:
            self._longest = max(self._longest, expiry)
            self._since_sweep += 1
            if self._since_sweep >= _SWEEP_EVERY:
                self._sweep(now)
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - expiry:
                hits.popleft()
            if cost > amount:
                return float(expiry)
            if len(hits) + cost > amount:
                return hits[len(hits) + cost - amount - 1] + expiry - now
            hits.extend([now] * cost)
            return None

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        stale = [k for k, h in self._hits.items() if not h or h[-1] <= now - self._longest]
        for key in stale:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class RateLimiter:
    def __init__(self, storage_uri: str) -> None:
        self.in_memory = storage_uri.startswith("memory://")
        self._memory = _MemoryWindows()
        self._limiter = None if self.in_memory else self._shared(storage_uri)

    @staticmethod
    def _shared(storage_uri: str) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, rule: str, *keys: str, cost: int = 1) -> None:
        """Count ``cost`` hits (one by default; a batch look-up counts its items) against
        ``rule`` for every key; raise RateLimited if any is over."""
        item = _rule(rule)
        for key in keys:
            if self._limiter is None:
                wait = self._memory.hit(
                    f"{item.key_for()}/{key}", item.amount, item.get_expiry(), cost
                )
                if wait is None:
                    continue
                retry = max(1, int(wait))
            else:
                if self._limiter.hit(item, key, cost=cost):
                    continue
                stats = self._limiter.get_window_stats(item, key)
                retry = max(1, int(stats.reset_time - time.time()))
            raise RateLimited(
                N_("Too many attempts. Try again in %(wait)s."),
                retry_after=retry,
                wait=Wait(retry),
            )

    def reset(self) -> None:
        if self._limiter is None:
            self._memory.reset()
        else:
            self._limiter.storage.reset()
