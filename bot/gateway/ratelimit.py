"""A sliding-window limit per sender, so one person flooding the line is slowed down."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class RateLimiter:
    """At most `limit` events per `window_s` seconds for each key (in memory, per process)."""

    def __init__(self, limit: int = 8, window_s: float = 10.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record an event for `key`; False when it is over the limit."""
        now = time.monotonic() if now is None else now
        events = self._events[key]
        while events and now - events[0] > self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True
