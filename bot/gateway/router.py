"""The one routing function every channel calls with a person's message.

The crisis step comes first (bot/gateway/crisis.py), then the message is stored, sent to the
assistant or kept for the advisor who holds the conversation, and the replies are stored and
returned to the channel. A crisis is answered whatever else fails or says no.

An answer to a question that asks for a personal detail (the referral form's, the call-back
number) is stored and pushed as "[answer to: ...]", never its words, and marked for the engine,
which forgets it once the form is over; replies that repeat such details are stored without
them. The channel still shows the person what was really sent.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.gateway import callback, crisis, texts
from bot.gateway.alerts import announce_waiting
from bot.gateway.availability import availability_notice, crisis_notice
from bot.gateway.crisis import CrisisCheck
from bot.gateway.outbound import publish_message
from bot.gateway.rasa_client import EngineUnavailable, RasaClient
from bot.gateway.reply import Reply
from bot.store import conversations as store
from bot.vocabulary import WITH_ADVISORS, ConversationState, Sender

logger = logging.getLogger(__name__)

__all__ = ["Reply", "engine_text", "handle_person_message"]


@dataclass
class _Turn:
    """One message on its way through: who, where, what the crisis step found, and whether the
    advisors were already alerted for it (once is enough)."""

    conversation_id: str
    channel: str
    check: CrisisCheck
    escalated: bool = False
    telegram_update: int | None = None


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
        kept = texts.transcript_text(reply.text)
        message = store.add_message(conversation_id, "out", Sender.ASSISTANT, kept, reply.buttons)
        publish_message(conversation_id, message)
    return replies


def _personal_answer(turn: _Turn, shown: str, is_button: bool) -> str | None:
    """What this message answers when it is a personal detail (kept out of the transcript),
    else None. A crisis message is always kept as written, so advisors can read it."""
    if turn.check.flagged:
        return None
    what = texts.personal_answer(turn.check.asking)
    if what is None:
        return None
    if turn.check.asking == "place":
        # The referral's area question, not signposting's "where do you live?".
        return None if texts.is_signposting(store.last_reply(turn.conversation_id)) else what
    if turn.check.asking == "number" and callback.moved_on(turn.conversation_id, shown, is_button):
        return None  # asked for a call-back number, the person wrote about something else
    return what


async def handle_person_message(
    rasa: RasaClient,
    conversation_id: str,
    channel: str,
    text: str | None = None,
    payload: str | None = None,
    *,
    check: CrisisCheck | None = None,
    limited: bool = False,
    telegram_update: int | None = None,
) -> list[Reply]:
    """Route one message from a person and return what to show them.

    `check` is the crisis step's finding when the channel ran it already (before its rate
    limit); `limited` says the sender is over that limit, so only a crisis goes through;
    `telegram_update` is the update the message came in, marked handled as it is stored.
    """
    button = payload.strip() if payload is not None else None
    shown = button if button is not None else (text or "").strip()
    if button is None and not shown:
        return [Reply(texts.EMPTY)]
    if check is None:
        check = crisis.check(
            conversation_id, text=None if button is not None else shown, payload=button
        )
    turn = _Turn(conversation_id, channel, check, telegram_update=telegram_update)
    try:
        return await _route(rasa, turn, shown, button is not None, limited)
    except SQLAlchemyError as error:
        if not check.flagged:
            raise
        logger.error(
            "store_failed_in_crisis conversation=%s error=%s", conversation_id, type(error).__name__
        )
        return _answer_flagged(turn, state=None)


async def _route(
    rasa: RasaClient, turn: _Turn, shown: str, is_button: bool, limited: bool
) -> list[Reply]:
    conversation_id, channel, check = turn.conversation_id, turn.channel, turn.check
    if is_button and shown not in store.offered_payloads(conversation_id):
        return [Reply(texts.UNKNOWN_BUTTON)]
    too_long = not is_button and len(shown) > texts.MAX_MESSAGE_CHARS
    if (too_long or limited) and not check.flagged:
        return [Reply(texts.TOO_LONG if too_long else texts.SLOW_DOWN)]

    personal = _personal_answer(turn, shown, is_button)
    stored = store.withheld(personal) if personal else shown
    publish_message(
        conversation_id,
        store.add_message(
            conversation_id, "in", "person", stored, telegram_update=turn.telegram_update
        ),
    )
    state = store.get_state(conversation_id)
    if state == ConversationState.CLOSED:
        # A person who writes again after an advisor closed the conversation starts afresh
        # with the assistant, in the same record.
        store.set_state(conversation_id, ConversationState.ASSISTANT)
        state = ConversationState.ASSISTANT
    if not check.flagged:
        steps = callback.handle(conversation_id, channel, shown, button=is_button)
        if steps is not None:
            return _send_out(conversation_id, [Reply(words, buttons) for words, buttons in steps])
    if state in WITH_ADVISORS:
        # An advisor holds (or will hold) this conversation: nothing goes to the assistant.
        if check.crisis or (check.flagged and state == ConversationState.WAITING):
            logger.info("crisis_while_waiting conversation=%s", conversation_id)
            return _send_out(conversation_id, _answer_flagged(turn, state))
        if state == ConversationState.WAITING:
            return _send_out(conversation_id, [Reply(texts.WAITING)])
        return []
    if too_long or limited:
        # Too long, or too many too fast, for the assistant: the gateway answers the crisis.
        return _send_out(conversation_id, _answer_flagged(turn, state))

    to_engine = shown if is_button else engine_text(shown) or shown.replace("/", " ")
    metadata = check.metadata()
    if personal:
        metadata[texts.PERSONAL_ANSWER_KEY] = personal
    try:
        raw = await rasa.send(conversation_id, check.engine_text(to_engine), channel, metadata)
    except EngineUnavailable as error:
        # EngineUnavailable's text is the failure's type name or "no reply", never content.
        logger.warning("engine_unavailable conversation=%s error=%s", conversation_id, error)
        if check.flagged:
            return _send_out(conversation_id, _answer_flagged(turn, state))
        # Queued for an advisor; the assistant still takes the next message once it is back.
        store.flag_for_advisor(conversation_id, "outage")
        announce_waiting(conversation_id, "outage", False, channel)
        return _send_out(conversation_id, [Reply(texts.OUTAGE), *_availability(conversation_id)])

    replies, handover = _parse(raw)
    crisis_handover = handover is not None and str(handover.get("reason")) == "crisis"
    if handover:
        reason, urgent = str(handover.get("reason")), bool(handover.get("urgent"))
        store.set_state(conversation_id, ConversationState.WAITING, reason=reason, urgent=urgent)
        logger.info("handover conversation=%s reason=%s", conversation_id, reason)
        announce_waiting(conversation_id, reason, urgent, channel)
        turn.escalated = turn.escalated or (crisis_handover and urgent)
        # After a crisis reply: call now, and honestly when someone can reply; never "wait".
        replies.extend(
            [Reply(crisis_notice())] if crisis_handover else _availability(conversation_id)
        )
    if check.crisis and not crisis_handover:
        # The assistant did not answer the crisis the gateway found: never leave it unanswered.
        logger.warning("crisis_not_answered_by_engine conversation=%s", conversation_id)
        replies.extend(_answer_flagged(turn, state))
    return _send_out(conversation_id, replies)


def _answer_flagged(turn: _Turn, state: str | None) -> list[Reply]:
    """The gateway's own answer to a flagged message: the crisis question, or the crisis reply
    with the urgent handover (once per message; the outcome is logged unless an advisor
    already holds the conversation)."""
    check = turn.check
    if check.crisis and not turn.escalated:
        crisis.escalate(
            turn.conversation_id,
            turn.channel,
            check,
            state,
            log_outcome=state not in WITH_ADVISORS,
        )
        turn.escalated = True
    return crisis.replies(check, turn.channel)
