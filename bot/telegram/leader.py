"""Exactly one gateway process runs Telegram's poller (or registers its webhook): a lease in
Redis that the holder renews, and that another process takes over once it lapses.

Every process still builds the bot, so any of them can send an advisor's reply or handle a
webhook delivery; only the leader asks Telegram for updates. A leader that dies stops
renewing; within LEASE_SECONDS another process holds the lease and starts polling.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

import redis.asyncio as redis

logger = logging.getLogger(__name__)

LEASE_SECONDS = 15.0

# Renew or release only a lease this process still holds.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

Step = Callable[[], Awaitable[None]]


class Leadership:
    """Runs `lead` while this process holds the lease and `follow` when it loses it."""

    def __init__(
        self,
        url: str,
        namespace: str,
        lead: Step,
        follow: Step,
        lease_seconds: float | None = None,
    ) -> None:
        self.key = f"{namespace}:telegram:leader"
        self.holder = uuid.uuid4().hex
        self.lead, self.follow = lead, follow
        lease_seconds = lease_seconds or LEASE_SECONDS
        self.lease_ms = int(lease_seconds * 1000)
        self.renew_every = lease_seconds / 3
        self._client = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._renew = self._client.register_script(_RENEW)
        self._release = self._client.register_script(_RELEASE)
        self._task: asyncio.Task[None] | None = None
        self.leading = asyncio.Event()

    def start(self) -> None:
        """Try for the lease in the background, for as long as the gateway runs."""
        self._task = asyncio.create_task(self._run(), name="telegram-leadership")

    async def stop(self) -> None:
        """Stop; a leader gives the lease up at once so another process need not wait."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.leading.is_set():
            await self._step_down()
            try:
                await self._release(keys=[self.key], args=[self.holder])
            except (redis.RedisError, OSError):
                pass
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                if self.leading.is_set():
                    still = await self._renew(keys=[self.key], args=[self.holder, self.lease_ms])
                    if not still:
                        logger.warning("telegram_leadership_lost")
                        await self._step_down()
                elif await self._client.set(self.key, self.holder, nx=True, px=self.lease_ms):
                    logger.info("telegram_leadership_taken")
                    self.leading.set()
                    await self.lead()
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                # Without Redis nobody can know who leads: stop polling rather than risk two.
                logger.warning("telegram_leadership_unknown error=%s", type(error).__name__)
                if self.leading.is_set():
                    await self._step_down()
            await asyncio.sleep(self.renew_every)

    async def _step_down(self) -> None:
        self.leading.clear()
        try:
            await self.follow()
        except Exception as error:  # noqa: BLE001 - stepping down must not end the loop
            logger.warning("telegram_step_down_failed error=%s", type(error).__name__)
