"""Bounds on what an unauthenticated caller can make the gateway hold.

- New web chat sessions: at most WEBCHAT_SESSIONS_PER_HOUR per client address (the same
  window in Redis for every gateway process when REDIS_URL is set).
- Live streams: at most STREAMS_PER_KEY open at once for one web chat session or one staff
  session, and STREAMS_IN_ALL in one process; past that, 429 and the page retries later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import TypeVar

from fastapi import HTTPException, status

from bot.gateway.ratelimit import RateLimiter, SharedRateLimiter
from bot.settings import Settings

STREAMS_PER_KEY = 4
STREAMS_IN_ALL = 1000

T = TypeVar("T")


def session_limiter(settings: Settings) -> RateLimiter | SharedRateLimiter:
    """New web chat sessions per client address per hour."""
    if settings.redis_url:
        return SharedRateLimiter(
            settings.redis_url,
            f"{settings.redis_namespace}:sessions",
            limit=settings.webchat_sessions_per_hour,
            window_s=3600,
        )
    return RateLimiter(limit=settings.webchat_sessions_per_hour, window_s=3600)


class StreamSlots:
    """Counts the open live streams of this process, per session and in all."""

    def __init__(self, per_key: int = STREAMS_PER_KEY, in_all: int = STREAMS_IN_ALL) -> None:
        self.per_key, self.in_all = per_key, in_all
        self._open: Counter[str] = Counter()

    @property
    def open(self) -> int:
        """How many streams are open now."""
        return sum(self._open.values())

    def take(self, key: str) -> None:
        """Take a slot for a stream about to open; 429 when there is none."""
        if self._open[key] >= self.per_key or self.open >= self.in_all:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "too many live streams open; try again shortly",
                headers={"Retry-After": "5"},
            )
        self._open[key] += 1

    def give_back(self, key: str) -> None:
        """The stream ended."""
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    def held(self, key: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
        """Take a slot now (in the route, so a refusal is a plain 429) and give it back when
        `events` ends, fails or the client goes away."""
        self.take(key)
        return self._release_after(key, events)

    async def _release_after(self, key: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
        try:
            async for event in events:
                yield event
        finally:
            self.give_back(key)


streams = StreamSlots()
