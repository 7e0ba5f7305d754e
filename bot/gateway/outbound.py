"""Messages to a person that are not a reply to their message: an advisor's words, a handback.

They are stored like every other message, pushed to anyone watching the conversation (the web
chat stream, the advisor console) and, on Telegram, sent to the person's chat.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict

from sqlalchemy.orm import Session

from bot.gateway.push import PushHub, conversation_topic, hub
from bot.store import conversations as store
from bot.store.conversations import StoredMessage
from bot.store.session import in_unit
from bot.vocabulary import Channel, Delivery, Sender

logger = logging.getLogger(__name__)


def message_event(message: StoredMessage, later: bool) -> dict[str, object]:
    """A stored message in the web chat API's shape ("from" rather than "sender"); `later`
    marks messages the person's channel has not already shown as a reply (advisor words)."""
    event = asdict(message)
    event["from"] = event.pop("sender")
    event["later"] = later
    return event


def publish_message(
    conversation_id: str, message: StoredMessage, later: bool = False, push: PushHub = hub
) -> None:
    """Tell live watchers of the conversation (console, web chat stream) about a message."""
    push.publish(conversation_topic(conversation_id), message_event(message, later))


def _store_later(
    session: Session,
    conversation_id: str,
    text: str,
    sender: str,
    buttons: list[dict[str, str]] | None,
) -> tuple[str, StoredMessage] | None:
    """(the conversation's channel, the stored message), or None if there is no such one."""
    channel = store.get_channel(session, conversation_id)
    if channel is None:
        return None
    # A Telegram chat is sent to in the background and retried: pending from the start.
    pending = Delivery.PENDING if channel == Channel.TELEGRAM else None
    message = store.add_message(
        session, conversation_id, "out", sender, text, buttons or [], delivery=pending
    )
    return channel, message


async def send_to_person(
    conversation_id: str,
    text: str,
    sender: str = Sender.ADVISOR,
    buttons: list[dict[str, str]] | None = None,
    push: PushHub = hub,
) -> StoredMessage | None:
    """Store a later message for the person and deliver it on their channel; None if no such
    conversation. Delivery failures are logged; the message stays in the transcript."""
    stored = await asyncio.to_thread(in_unit, _store_later, conversation_id, text, sender, buttons)
    if stored is None:
        return None
    channel, message = stored
    publish_message(conversation_id, message, later=True, push=push)
    if channel != Channel.WEBCHAT:
        delivered = await push.deliver(channel, conversation_id, message_event(message, True))
        if not delivered:
            logger.warning("not_delivered channel=%s conversation=%s", channel, conversation_id)
    logger.info("sent_to_person conversation=%s sender=%s", conversation_id, sender)
    return message
