"""A sliding-window limit per sender, so one person flooding the line is slowed down."""

from __future__ import annotations

import time
from collections import OrderedDict, deque


class RateLimiter:
    """At most `limit` events per `window_s` seconds for each key (in memory, per process).

    Memory stays bounded whoever calls: keys quiet for a whole window are swept out once a
    window, and past `max_keys` the least recently seen key is dropped (its sender simply
    starts a fresh window).
    """

    def __init__(self, limit: int = 8, window_s: float = 10.0, max_keys: int = 50_000) -> None:
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._swept_at: float | None = None

    def __len__(self) -> int:
        """How many senders are remembered now."""
        return len(self._events)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record an event for `key`; False when it is over the limit."""
        now = time.monotonic() if now is None else now
        if self._swept_at is None:
            self._swept_at = now
        elif now - self._swept_at > self.window_s:
            self._sweep(now)
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
            if len(self._events) > self.max_keys:
                self._events.popitem(last=False)
        else:
            self._events.move_to_end(key)
        while events and now - events[0] > self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def _sweep(self, now: float) -> None:
        """Forget every key with no event inside the window."""
        for key in [
            k
            for k, events in self._events.items()
            if not events or now - events[-1] > self.window_s
        ]:
            del self._events[key]
        self._swept_at = now
