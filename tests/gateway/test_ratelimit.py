"""The rate limiter's sliding window, per conversation."""

from __future__ import annotations

from bot.gateway.ratelimit import RateLimiter


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=2, window_s=10)
    assert limiter.allow("a", 0) and limiter.allow("a", 1) and not limiter.allow("a", 2)
    assert limiter.allow("b", 2) and limiter.allow("a", 11.5)


def test_quiet_senders_are_forgotten_once_a_window() -> None:
    limiter = RateLimiter(limit=2, window_s=10)
    for n in range(1000):
        limiter.allow(f"sender-{n}", 0)
    assert len(limiter) == 1000
    limiter.allow("later", 11)
    assert len(limiter) == 1


def test_remembered_senders_are_capped() -> None:
    limiter = RateLimiter(limit=1, window_s=10, max_keys=100)
    assert limiter.allow("busy", 0)
    for n in range(500):
        limiter.allow(f"sender-{n}", 1)
        limiter.allow("busy", 1)  # seen recently, so never the one dropped
    assert len(limiter) == 100
    assert not limiter.allow("busy", 2)
