"""Live push of messages that arrive later than a reply: advisor messages, queue changes.

One hub per gateway process. Subscribers (a web chat stream, the advisor console) get an
asyncio queue per topic; channels that push to a third party (Telegram) register a deliverer
that is called for every later message to a conversation on that channel.
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

QUEUE_TOPIC = "queue"


def conversation_topic(conversation_id: str) -> str:
    """The topic on which a conversation's later messages are published."""
    return f"conversation:{conversation_id}"


class PushHub:
    """Fan-out of events to in-process subscribers and per-channel deliverers."""

    def __init__(self, max_backlog: int = 200) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)
        self._deliverers: dict[str, Deliverer] = {}
        self._max_backlog = max_backlog

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
        """Hand the event to every subscriber; a stuck subscriber loses events, not the hub."""
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
