"""The one routing function every channel calls with a person's message.

It stores the message, checks for crisis first, sends it to the assistant or keeps it for the
advisor who holds the conversation, stores the replies and returns them to the channel.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.crisis import crisis_category, crisis_intent
from bot.gateway import callback, texts
from bot.gateway.alerts import announce_waiting
from bot.gateway.availability import availability_notice
from bot.gateway.outbound import publish_message
from bot.gateway.rasa_client import EngineUnavailable, RasaClient
from bot.store import conversations as store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """A message for the person, with quick-reply buttons."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def engine_text(text: str) -> str:
    """Typed text goes to Rasa as words only: '/restart' must never become an intent."""
    return re.sub(r"^[\s/]+", "", text)


def _parse(replies: list[dict[str, Any]]) -> tuple[list[Reply], dict[str, Any] | None]:
    """Split Rasa's replies into messages for the person and a handover signal, if any."""
    out, handover = [], None
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("handover"), dict):
            handover = custom["handover"]
        if reply.get("text"):
            buttons = [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for b in reply.get("buttons") or []
            ]
            out.append(Reply(reply["text"], buttons))
    return out, handover


def _availability(conversation_id: str) -> list[Reply]:
    """An honest word on when someone will reply, when no advisor is there to do it soon, with
    the offer to leave a number for a call back."""
    notice = availability_notice()
    if not notice:
        return []
    offer = [texts.CALLBACK_OFFER] if callback.may_offer(conversation_id) else []
    return [Reply(notice, offer)]


def _send_out(conversation_id: str, replies: list[Reply]) -> list[Reply]:
    for reply in replies:
        message = store.add_message(conversation_id, "out", "assistant", reply.text, reply.buttons)
        publish_message(conversation_id, message)
    return replies


async def handle_person_message(
    rasa: RasaClient,
    conversation_id: str,
    channel: str,
    text: str | None = None,
    payload: str | None = None,
) -> list[Reply]:
    """Route one message from a person and return what to show them."""
    if payload is not None:
        button = payload.strip()
        if button not in store.offered_payloads(conversation_id):
            return [Reply(texts.UNKNOWN_BUTTON)]
        shown, to_engine = button, button
    else:
        shown = (text or "").strip()
        if not shown:
            return [Reply(texts.EMPTY)]
        if len(shown) > texts.MAX_MESSAGE_CHARS:
            return [Reply(texts.TOO_LONG)]
        to_engine = engine_text(shown) or shown.replace("/", " ")

    publish_message(conversation_id, store.add_message(conversation_id, "in", "person", shown))
    state = store.get_state(conversation_id)
    crisis = crisis_intent(crisis_category(shown)) if payload is None else None

    if state == "closed":
        # A person who writes again after an advisor closed the conversation starts afresh
        # with the assistant, in the same record.
        store.set_state(conversation_id, "assistant")
    if not crisis:
        steps = callback.handle(conversation_id, channel, shown, button=payload is not None)
        if steps is not None:
            return _send_out(conversation_id, [Reply(words, buttons) for words, buttons in steps])
    if state in ("waiting", "advisor"):
        # An advisor holds (or will hold) this conversation: nothing goes to the assistant.
        if crisis:
            store.set_state(conversation_id, state, reason="crisis", urgent=True)
            logger.info("crisis_while_waiting conversation=%s", conversation_id)
            announce_waiting(conversation_id, "crisis", True, channel)
            return _send_out(conversation_id, [Reply(texts.crisis_texts()[crisis])])
        if state == "waiting":
            return _send_out(conversation_id, [Reply(texts.WAITING)])
        return []

    try:
        raw = await rasa.send(conversation_id, to_engine, channel)
    except EngineUnavailable as error:
        logger.warning("engine_unavailable conversation=%s error=%s", conversation_id, error)
        if crisis:
            store.set_state(conversation_id, "waiting", reason="crisis", urgent=True)
            announce_waiting(conversation_id, "crisis", True, channel)
            return _send_out(conversation_id, [Reply(texts.crisis_texts()[crisis])])
        # Queued for an advisor; the assistant still takes the next message once it is back.
        store.flag_for_advisor(conversation_id, "outage")
        announce_waiting(conversation_id, "outage", False, channel)
        return _send_out(conversation_id, [Reply(texts.OUTAGE), *_availability(conversation_id)])

    replies, handover = _parse(raw)
    if handover:
        reason, urgent = str(handover.get("reason")), bool(handover.get("urgent"))
        store.set_state(conversation_id, "waiting", reason=reason, urgent=urgent)
        logger.info("handover conversation=%s reason=%s", conversation_id, reason)
        announce_waiting(conversation_id, reason, urgent, channel)
        replies.extend(_availability(conversation_id))
    return _send_out(conversation_id, replies)
