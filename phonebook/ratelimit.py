"""Per-key sliding-window limits (lookups per account). In process: each bridge process
enforces its own window."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from phonebook.errors import RateLimited


class SlidingWindowLimiter:
    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        """Count one hit for ``key`` or raise RateLimited with the seconds until a slot frees."""
        if self._limit <= 0:
            return
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            retry_after = max(1, math.ceil(hits[0] + self._window - now))
            raise RateLimited("Too many lookups; try again later.", retry_after)
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self._window}
