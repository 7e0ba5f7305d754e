"""A sliding-window limit per sender, so one person flooding the line is slowed down.

One process: `RateLimiter`, in memory. Several gateway processes: `SharedRateLimiter`, the
same window in Redis, so a sender cannot multiply the limit by the number of processes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict, deque

import redis
import redis.asyncio as aioredis

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
        self._lock = threading.Lock()  # called from the event loop and from worker threads

    def __len__(self) -> int:
        """How many senders are remembered now."""
        return len(self._events)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record an event for `key`; False when it is over the limit."""
        with self._lock:
            return self._allow(key, time.monotonic() if now is None else now)

    def _allow(self, key: str, now: float) -> bool:
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
        # Two clients on one script: `check` on the event loop, `allow` from a worker thread
        # that is reading the database for the same message anyway.
        self._client = aioredis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._script = self._client.register_script(_SLIDING_WINDOW)
        self._sync_client = redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._sync_script = self._sync_client.register_script(_SLIDING_WINDOW)
        self._fallback = RateLimiter(limit, window_s)

    def _args(self, key: str) -> tuple[list[str], list[float | str]]:
        now = time.time()
        return [self.prefix + key], [
            now,
            self.window_s,
            self.limit,
            f"{now}:{uuid.uuid4().hex[:8]}",
        ]

    def _unavailable(self, key: str, error: Exception) -> bool:
        logger.warning("shared_rate_limit_unavailable error=%s", type(error).__name__)
        return self._fallback.allow(key)

    async def check(self, key: str) -> bool:
        """Record an event for `key`; False when it is over the limit."""
        keys, args = self._args(key)
        try:
            return bool(await self._script(keys=keys, args=args))
        except (redis.RedisError, OSError) as error:
            return self._unavailable(key, error)

    def allow(self, key: str) -> bool:
        """`check` for a worker thread (blocking: never on the event loop)."""
        keys, args = self._args(key)
        try:
            return bool(self._sync_script(keys=keys, args=args))
        except (redis.RedisError, OSError) as error:
            return self._unavailable(key, error)

    async def close(self) -> None:
        """Close both connection pools (gateway shutdown)."""
        await self._client.aclose()
        self._sync_client.close()


Limiter = RateLimiter | SharedRateLimiter
