"""Telling advisors that a conversation waits for them: the console's queue stream always, and
the advisors' Telegram chat for urgent ones when ADVISOR_TELEGRAM_CHAT_ID is set.

The alert names the reason and the channel only: never the person's words or details.
"""

from __future__ import annotations

import asyncio
import logging

from bot.gateway.push import QUEUE_TOPIC, PushHub, hub
from bot.vocabulary import Channel

logger = logging.getLogger(__name__)

ADVISORS = "advisors"  # the deliverer the Telegram channel registers for the advisors' chat
CHANNEL_NAMES: dict[str, str] = {Channel.TELEGRAM: "Telegram", Channel.WEBCHAT: "web chat"}
_pending: set[asyncio.Task[bool]] = set()


def alert_text(reason: str, channel: str) -> str:
    """What the advisors' chat reads: enough to act on, nothing personal."""
    return (
        f"Urgent: a person is waiting for an advisor ({reason}, on "
        f"{CHANNEL_NAMES.get(channel, channel)}). Please open the advisor console."
    )


def announce_waiting(
    conversation_id: str, reason: str, urgent: bool, channel: str, push: PushHub = hub
) -> None:
    """Publish the queue change; send an urgent alert in the background (a slow Telegram
    must not hold up the reply to the person in crisis)."""
    push.publish(
        QUEUE_TOPIC,
        {"event": "waiting", "conversation_id": conversation_id, "urgent": urgent},
    )
    if urgent:
        alert_advisors(conversation_id, reason, channel, push)


def alert_advisors(
    conversation_id: str | None, reason: str, channel: str, push: PushHub = hub
) -> None:
    """The urgent alert alone: also sent when the database is down and no conversation could
    be queued (then the id is unknown)."""
    event = {"text": alert_text(reason, channel), "buttons": []}
    task = asyncio.get_running_loop().create_task(
        push.deliver(ADVISORS, conversation_id or "unknown", event)
    )
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    logger.info("urgent_alert conversation=%s reason=%s", conversation_id, reason)
