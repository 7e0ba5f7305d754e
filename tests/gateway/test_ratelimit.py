"""The rate limiter's sliding window, per conversation."""

from __future__ import annotations

from bot.gateway.ratelimit import RateLimiter


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=2, window_s=10)
    assert limiter.allow("a", 0) and limiter.allow("a", 1) and not limiter.allow("a", 2)
    assert limiter.allow("b", 2) and limiter.allow("a", 11.5)
