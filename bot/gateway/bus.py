"""Live events between gateway processes: Redis pub/sub behind each process's push hub.

Every event a process publishes goes to its own subscribers at once and, through one Redis
channel, to every other process, whose hub hands it to theirs; a process ignores its own
events coming back. Redis keeps no history, so when the connection drops and comes back every
local stream is told to catch up from the database (the messages are stored there first).
Off (one process) when REDIS_URL is unset.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import redis.asyncio as redis

from bot.gateway.push import Event, PushHub

logger = logging.getLogger(__name__)

CHANNEL = "push"  # after the installation's namespace (REDIS_NAMESPACE)
RETRY_SECONDS = 1.0


class RedisBus:
    """Relays a hub's events to the other gateway processes and theirs to it."""

    def __init__(self, hub: PushHub, url: str, namespace: str = "welfare") -> None:
        self.hub, self.url, self.channel = hub, url, f"{namespace}:{CHANNEL}"
        self.origin = uuid.uuid4().hex
        self.client_name = f"{namespace}-gateway-{self.origin[:12]}"
        self._client: redis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        """Connect, listen, and relay this hub's events from now on."""
        self._loop = asyncio.get_running_loop()
        # Named, so an operator (and a test) can tell each process's connections apart.
        self._client = redis.from_url(self.url, client_name=self.client_name)
        self._listener = asyncio.create_task(self._listen(), name="push-bus")
        self.hub.set_relay(self.send)
        try:
            await asyncio.wait_for(self.connected.wait(), timeout=10)
        except TimeoutError:
            # Keep serving this process's own streams; /healthz shows the bus is down, and
            # the listener goes on trying.
            logger.error("push_bus_unreachable")

    async def stop(self) -> None:
        """Stop relaying; events still being sent are given a moment to go."""
        self.hub.set_relay(None)
        if self._sending:
            await asyncio.wait(self._sending, timeout=2)
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def send(self, topic: str, event: Event) -> None:
        """Publish to the other processes without waiting (called from the event loop, or
        from a worker thread of this process)."""
        payload = json.dumps({"o": self.origin, "t": topic, "e": event}, default=str)
        loop = self._loop
        if loop is None or self._client is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task = loop.create_task(self._publish(payload))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        else:
            asyncio.run_coroutine_threadsafe(self._publish(payload), loop)

    async def _publish(self, payload: str) -> None:
        assert self._client is not None
        try:
            await self._client.publish(self.channel, payload)
        except (redis.RedisError, OSError) as error:
            # The event is stored already; other processes' streams catch up on reconnect.
            logger.warning("push_bus_publish_failed error=%s", type(error).__name__)

    async def _listen(self) -> None:
        """Receive the others' events for ever, reconnecting after any failure."""
        assert self._client is not None
        first = True
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.connected.set()
                    if not first:
                        logger.info("push_bus_reconnected")
                        self.hub.resync()
                    first = False
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._receive(message["data"])
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                self.connected.clear()
                logger.warning("push_bus_disconnected error=%s", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    def _receive(self, data: bytes | str) -> None:
        try:
            doc = json.loads(data)
        except ValueError:
            return
        if doc.get("o") != self.origin and isinstance(doc.get("e"), dict):
            self.hub.publish_local(str(doc.get("t")), doc["e"])
