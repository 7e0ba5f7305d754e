"""A sliding-window limit per sender, so one person flooding the line is slowed down.

One process: `RateLimiter`, in memory. Several gateway processes: `SharedRateLimiter`, the
same window in Redis, so a sender cannot multiply the limit by the number of processes.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict, deque

import redis.asyncio as redis

logger = logging.getLogger(__name__)


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

    async def check(self, key: str) -> bool:
        """The same as `allow`, with the shared limiter's signature."""
        return self.allow(key)


# A sliding window in one Redis sorted set per key: drop events older than the window, count,
# add this one if under the limit; the key expires after a quiet window, so Redis holds only
# the senders of the last few seconds.
_SLIDING_WINDOW = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
    tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return 1
"""


class SharedRateLimiter:
    """The same limit for every gateway process, kept in Redis. When Redis cannot be reached
    the process falls back to its own in-memory window rather than refuse or wave through."""

    def __init__(
        self,
        url: str,
        namespace: str = "welfare",
        limit: int = 8,
        window_s: float = 10.0,
    ) -> None:
        self.limit, self.window_s = limit, window_s
        self.prefix = f"{namespace}:rate:"
        self._client = redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._script = self._client.register_script(_SLIDING_WINDOW)
        self._fallback = RateLimiter(limit, window_s)

    async def check(self, key: str) -> bool:
        """Record an event for `key`; False when it is over the limit."""
        now = time.time()
        try:
            allowed = await self._script(
                keys=[self.prefix + key],
                args=[now, self.window_s, self.limit, f"{now}:{uuid.uuid4().hex[:8]}"],
            )
        except (redis.RedisError, OSError) as error:
            logger.warning("shared_rate_limit_unavailable error=%s", type(error).__name__)
            return self._fallback.allow(key)
        return bool(allowed)

    async def close(self) -> None:
        """Close the connection pool (gateway shutdown)."""
        await self._client.aclose()
