"""Live push of messages that arrive later than a reply: advisor messages, queue changes.

One hub per gateway process. Subscribers (a web chat stream, the advisor console) get an
asyncio queue per topic; channels that push to a third party (Telegram) register a deliverer
that is called for every later message to a conversation on that channel. With several
gateway processes, a relay (bot/gateway/bus.py, Redis pub/sub) carries every event to the
others, whose hubs hand it to their own subscribers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Deliverer = Callable[[str, Event], Awaitable[None]]

Relay = Callable[[str, Event], None]

QUEUE_TOPIC = "queue"
# Sent to every local subscriber when events may have been missed (the relay reconnected):
# streams then read what they have not sent from the database.
RESYNC = {"event": "resync"}


def conversation_topic(conversation_id: str) -> str:
    """The topic on which a conversation's later messages are published."""
    return f"conversation:{conversation_id}"


class PushHub:
    """Fan-out of events to in-process subscribers and per-channel deliverers."""

    def __init__(self, max_backlog: int = 200) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)
        self._deliverers: dict[str, Deliverer] = {}
        self._max_backlog = max_backlog
        self._relay: Relay | None = None

    def set_relay(self, relay: Relay | None) -> None:
        """Also hand every published event to `relay` (the other processes), or stop."""
        self._relay = relay

    def subscribe(self, topic: str) -> asyncio.Queue[Event]:
        """A queue that receives every event published on the topic from now on."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._max_backlog)
        self._subscribers[topic].add(queue)
        return queue

    def unsubscribe(self, topic: str, queue: asyncio.Queue[Event]) -> None:
        """Stop sending to a queue (a stream closed)."""
        self._subscribers[topic].discard(queue)
        if not self._subscribers[topic]:
            del self._subscribers[topic]

    def subscriber_count(self, topic: str) -> int:
        """How many live listeners a topic has (a web chat page open, a console view)."""
        return len(self._subscribers.get(topic, ()))

    def publish(self, topic: str, event: Event) -> None:
        """Hand the event to every subscriber here and, through the relay, in other processes."""
        self.publish_local(topic, event)
        if self._relay is not None:
            self._relay(topic, event)

    def resync(self) -> None:
        """Tell every local subscriber that events may have been missed."""
        for topic in list(self._subscribers):
            self.publish_local(topic, dict(RESYNC))

    def publish_local(self, topic: str, event: Event) -> None:
        """Hand the event to this process's subscribers; a stuck one loses events, not the hub."""
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("push_backlog_full topic=%s", topic.split(":")[0])

    def register_deliverer(self, channel: str, deliverer: Deliverer) -> None:
        """Let a channel (Telegram) receive later messages for its conversations."""
        self._deliverers[channel] = deliverer

    def unregister_deliverer(self, channel: str) -> None:
        """The channel stopped (gateway shutdown)."""
        self._deliverers.pop(channel, None)

    async def deliver(self, channel: str, conversation_id: str, event: Event) -> bool:
        """Send a later message through its channel's deliverer; False if it could not."""
        deliverer = self._deliverers.get(channel)
        if deliverer is None:
            return False
        try:
            await deliverer(conversation_id, event)
        except Exception as error:  # noqa: BLE001 - a channel failure must not break the sender
            # The error's type only: its text may quote the message or a URL with the bot token.
            logger.warning(
                "delivery_failed channel=%s conversation=%s error=%s",
                channel,
                conversation_id,
                type(error).__name__,
            )
            return False
        return True


hub = PushHub()
