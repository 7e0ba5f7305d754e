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


def test_the_shared_limit_holds_across_processes() -> None:
    """Two limiters (two gateway processes) on the machine's Redis share one window."""
    import asyncio
    import uuid

    from bot.gateway.ratelimit import SharedRateLimiter

    async def run() -> None:
        namespace = f"test-{uuid.uuid4().hex}"
        first = SharedRateLimiter("redis://127.0.0.1:6379/0", namespace, limit=3, window_s=30)
        second = SharedRateLimiter("redis://127.0.0.1:6379/0", namespace, limit=3, window_s=30)
        try:
            got = [await limiter.check("c1") for limiter in (first, second, first, second)]
            assert got == [True, True, True, False]
            assert await second.check("c2")  # another sender has a window of its own
            # From a worker thread (the web chat's first read) it is the same window.
            assert await asyncio.to_thread(first.allow, "c2")
            assert await second.check("c2")
            assert not await asyncio.to_thread(second.allow, "c2")
        finally:
            await first.close()
            await second.close()

    asyncio.run(run())


def test_without_redis_the_process_keeps_its_own_window() -> None:
    import asyncio

    from bot.gateway.ratelimit import SharedRateLimiter

    async def run() -> None:
        limiter = SharedRateLimiter("redis://127.0.0.1:1/0", "test", limit=2, window_s=30)
        got = [await limiter.check("c1") for _ in range(3)]
        from_a_thread = [limiter.allow("c2") for _ in range(3)]
        await limiter.close()
        assert got == from_a_thread == [True, True, False]

    asyncio.run(run())
