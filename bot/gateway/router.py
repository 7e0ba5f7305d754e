"""The one routing function every channel calls with a person's message.

The crisis step comes first (bot/gateway/crisis.py), then the message is stored, sent to the
assistant or kept for the advisor who holds the conversation, and the replies are stored and
returned to the channel. A crisis is answered whatever else fails or says no.

Each message is two units of work, both off the event loop: taking it in (stored, the state
read, the call-back steps, a crisis queued) and settling the assistant's answer (a handover,
the replies). The web chat's first read (the session, the crisis step) runs at the start of
the first unit (`handle_opened_message`); Telegram's comes before it. Live events and advisor
alerts go out only after a unit has committed. The engine call between them holds no
transaction; an answer that comes after the gateway stopped waiting still takes effect
(`_settle_late`).

An answer to a question that asks for a personal detail (the referral form's, the call-back
number) is stored and pushed as "[answer to: ...]", never its words, and marked for the engine,
which forgets it once the form is over; replies that repeat such details are stored without
them. The channel still shows the person what was really sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.gateway import callback, crisis, texts
from bot.gateway.alerts import announce_waiting
from bot.gateway.availability import availability_notice, crisis_notice
from bot.gateway.crisis import CrisisCheck
from bot.gateway.outbound import message_event, publish_message
from bot.gateway.push import hub
from bot.gateway.rasa_client import EngineLate, EngineUnavailable, RasaClient
from bot.gateway.reply import Reply
from bot.store import callbacks
from bot.store import conversations as store
from bot.store.conversations import StoredMessage
from bot.store.session import in_unit
from bot.vocabulary import WITH_ADVISORS, Channel, ConversationState, Sender

logger = logging.getLogger(__name__)

__all__ = [
    "NotOpened",
    "Opened",
    "Reply",
    "engine_text",
    "handle_opened_message",
    "handle_person_message",
]

# Answers the engine gives after the gateway stopped waiting, still being settled.
_late: set[asyncio.Task[None]] = set()


@dataclass
class _Turn:
    """One message on its way through: who, where, what the crisis step found, and whether the
    advisors were already alerted for it (once is enough)."""

    conversation_id: str
    channel: str
    check: CrisisCheck
    escalated: bool = False
    telegram_update: int | None = None
    late: bool = False  # settling an answer the channel did not wait for


@dataclass
class _Unit:
    """What one unit of work did, for the event loop to act on once it has committed."""

    replies: list[Reply] | None = None  # None: the message goes on to the assistant
    stored: list[StoredMessage] = field(default_factory=list)  # to push to live watchers
    waiting: tuple[str, bool] | None = None  # (reason, urgent): tell the advisors
    crisis_alert: bool = False  # the urgent crisis alert
    escalates: bool = False  # the advisors are alerted urgently for this message
    state: str | None = None
    personal: str | None = None


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
    A database failure is raised (the channel asks the person to try again, with the crisis
    numbers), except for a flagged message, which is answered anyway.
    """
    button, shown = _what_was_sent(text, payload)
    if button is None and not shown:
        return [Reply(texts.EMPTY)]
    if check is None:
        check = await asyncio.to_thread(
            crisis.check, conversation_id, None if button is not None else shown, button
        )
    turn = _Turn(conversation_id, channel, check, telegram_update=telegram_update)
    is_button = button is not None
    try:
        unit = await _in_unit(turn, _take_in, turn, shown, is_button, limited)
        return await _answer(rasa, turn, unit, shown, is_button)
    except SQLAlchemyError as error:
        return await _store_failed(turn, error)


Known = tuple[str | None, str | None]  # a conversation's state and call-back status


@dataclass(frozen=True)
class Opened:
    """What a channel's first read found: the conversation, the crisis step's finding (made
    before anything is written) and whether the sender is over the rate limit."""

    conversation_id: str
    check: CrisisCheck
    limited: bool
    known: Known | None = None  # the state and call-back status, if the first read had them


class NotOpened(Exception):
    """The first read failed before the crisis step could decide: the channel checks the words
    on their own (the message was not written)."""


async def handle_opened_message(
    rasa: RasaClient,
    channel: str,
    opener: Callable[[Session], Opened],
    text: str | None = None,
    payload: str | None = None,
) -> list[Reply]:
    """`handle_person_message` for a channel whose first read (the session, the crisis step's
    context and finding, the rate limit) can share the unit that takes the message in: one
    transaction and one hand-off to a worker thread fewer for every message. `opener` runs
    first in that unit; what it raises (a 401, say) comes out unchanged, a database error in
    it as NotOpened. A database failure after it is handled as in `handle_person_message`."""
    button, shown = _what_was_sent(text, payload)
    is_button = button is not None
    opened: list[Opened] = []

    def open_and_take_in(session: Session) -> tuple[_Turn, _Unit]:
        try:
            found = opener(session)
        except SQLAlchemyError as error:
            raise NotOpened(type(error).__name__) from error
        opened.append(found)
        turn = _Turn(found.conversation_id, channel, found.check)
        if button is None and not shown:
            return turn, _Unit(replies=[Reply(texts.EMPTY)])
        if found.limited and not found.check.flagged:
            return turn, _Unit(replies=[Reply(texts.SLOW_DOWN)])
        return turn, _take_in(session, turn, shown, is_button, found.limited, found.known)

    try:
        turn, unit = await asyncio.to_thread(in_unit, open_and_take_in)
    except SQLAlchemyError as error:  # taking the message in, after the opener had decided
        if not opened:
            raise NotOpened(type(error).__name__) from error
        found = opened[0]
        return await _store_failed(_Turn(found.conversation_id, channel, found.check), error)
    _after_commit(turn, unit)
    try:
        return await _answer(rasa, turn, unit, shown, is_button)
    except SQLAlchemyError as error:
        return await _store_failed(turn, error)


def _what_was_sent(text: str | None, payload: str | None) -> tuple[str | None, str]:
    """(the button's payload or None, what the person sent as shown in the transcript)."""
    button = payload.strip() if payload is not None else None
    return button, button if button is not None else (text or "").strip()


async def _answer(
    rasa: RasaClient, turn: _Turn, unit: _Unit, shown: str, is_button: bool
) -> list[Reply]:
    """After the message is taken in: the gateway's own answer, or the assistant's, settled."""
    if unit.replies is not None:
        return unit.replies
    raw = await _ask_engine(rasa, turn, shown, is_button, unit.personal)
    if raw is None:
        unit = await _in_unit(turn, _settle_outage, turn, unit.state)
        return unit.replies or []
    try:
        unit = await _in_unit(turn, _settle, turn, raw, unit.state)
    except SQLAlchemyError as error:
        if turn.check.flagged:
            raise
        # The message is stored and the assistant has answered: show the answer rather than
        # ask for the message again (which would store it twice).
        logger.error(
            "replies_not_stored conversation=%s error=%s",
            turn.conversation_id,
            type(error).__name__,
        )
        return _parse(raw)[0]
    return unit.replies or []


async def _store_failed(turn: _Turn, error: SQLAlchemyError) -> list[Reply]:
    """The database failed on the way: a flagged message is answered anyway (the crisis reply,
    and the urgent alert unless it went out already); anything else is raised."""
    if not turn.check.flagged:
        raise error
    logger.error(
        "store_failed_in_crisis conversation=%s error=%s",
        turn.conversation_id,
        type(error).__name__,
    )
    if turn.escalated:  # queued and alerted before the failure: the reply alone
        return crisis.replies(turn.check, turn.channel)
    return await crisis.answer_without_store(turn.conversation_id, turn.channel, turn.check)


async def _in_unit(turn: _Turn, step: Any, *args: Any) -> _Unit:
    """Run one step in a unit of work off the event loop; once it has committed, push what it
    stored and tell the advisors what it queued."""
    unit: _Unit = await asyncio.to_thread(in_unit, step, *args)
    _after_commit(turn, unit)
    return unit


def _after_commit(turn: _Turn, unit: _Unit) -> None:
    """Push what a committed unit stored and tell the advisors what it queued."""
    turn.escalated = turn.escalated or unit.escalates
    for message in unit.stored:
        publish_message(turn.conversation_id, message, later=turn.late)
    if unit.waiting is not None:
        announce_waiting(turn.conversation_id, *unit.waiting, turn.channel)
    if unit.crisis_alert:
        crisis.alert(turn.conversation_id, turn.channel)


def _take_in(
    session: Session,
    turn: _Turn,
    shown: str,
    is_button: bool,
    limited: bool,
    known: Known | None = None,
) -> _Unit:
    """Store the message and answer it here when the assistant is not the one to: a button
    not offered, too long or too fast, the call-back steps, an advisor's conversation.
    `known`: the state and call-back status, read earlier in this unit by the channel."""
    conversation_id, check = turn.conversation_id, turn.check
    unit = _Unit()
    if is_button and shown not in store.offered_payloads(session, conversation_id):
        unit.replies = [Reply(texts.UNKNOWN_BUTTON)]
        return unit
    too_long = not is_button and len(shown) > texts.MAX_MESSAGE_CHARS
    if (too_long or limited) and not check.flagged:
        unit.replies = [Reply(texts.TOO_LONG if too_long else texts.SLOW_DOWN)]
        return unit

    personal = _personal_answer(session, turn, shown, is_button)
    kept = store.withheld(personal) if personal else shown
    unit.stored.append(
        store.add_message(
            session,
            conversation_id,
            "in",
            Sender.PERSON,
            kept,
            telegram_update=turn.telegram_update,
        )
    )
    if known is None:
        known = callbacks.state_and_status(session, conversation_id)
    state, callback_step = known
    if state == ConversationState.CLOSED:
        # A person who writes again after an advisor closed the conversation starts afresh
        # with the assistant, in the same record.
        state = store.set_state(
            session, conversation_id, ConversationState.ASSISTANT, expected={state}
        )
    unit.state = state
    if not check.flagged:
        steps = callback.handle(
            session, conversation_id, turn.channel, shown, is_button, callback_step
        )
        if steps is not None:
            _send_out(session, turn, unit, [Reply(words, buttons) for words, buttons in steps])
            return unit
    if state in WITH_ADVISORS:
        # An advisor holds (or will hold) this conversation: nothing goes to the assistant.
        if check.crisis or (check.flagged and state == ConversationState.WAITING):
            logger.info("crisis_while_waiting conversation=%s", conversation_id)
            _send_out(session, turn, unit, _answer_flagged(session, turn, unit, state))
        elif state == ConversationState.WAITING:
            _send_out(session, turn, unit, [Reply(texts.WAITING)])
        else:
            unit.replies = []
        return unit
    if too_long or limited:
        # Too long, or too many too fast, for the assistant: the gateway answers the crisis.
        _send_out(session, turn, unit, _answer_flagged(session, turn, unit, state))
        return unit
    unit.personal = personal
    return unit


async def _ask_engine(
    rasa: RasaClient, turn: _Turn, shown: str, is_button: bool, personal: str | None
) -> list[dict[str, Any]] | None:
    """The assistant's answer, or None when it cannot give one in time. A late answer is
    settled in the background when it comes."""
    to_engine = shown if is_button else engine_text(shown) or shown.replace("/", " ")
    metadata = turn.check.metadata()
    if personal:
        metadata[texts.PERSONAL_ANSWER_KEY] = personal
    try:
        return await rasa.send(
            turn.conversation_id, turn.check.engine_text(to_engine), turn.channel, metadata
        )
    except EngineUnavailable as error:
        # EngineUnavailable's text is the failure's type name or "no reply", never content.
        logger.warning("engine_unavailable conversation=%s error=%s", turn.conversation_id, error)
        if isinstance(error, EngineLate):
            task = asyncio.get_running_loop().create_task(_settle_late(turn, error.answer))
            _late.add(task)
            task.add_done_callback(_late.discard)
        return None


def _settle(session: Session, turn: _Turn, raw: list[dict[str, Any]], state: str | None) -> _Unit:
    """The assistant's answer: a handover moves the conversation to the queue (unless an
    advisor took it meanwhile), and the replies are stored."""
    conversation_id, check = turn.conversation_id, turn.check
    unit = _Unit(state=state)
    replies, handover = _parse(raw)
    crisis_handover = handover is not None and str(handover.get("reason")) == "crisis"
    if handover:
        reason, urgent = str(handover.get("reason")), bool(handover.get("urgent"))
        if crisis_handover and urgent:
            now = store.queue_urgent(session, conversation_id, reason)
        else:
            now = store.set_state(
                session,
                conversation_id,
                ConversationState.WAITING,
                reason=reason,
                urgent=urgent,
                expected={ConversationState.ASSISTANT, ConversationState.WAITING},
            )
        logger.info("handover conversation=%s reason=%s state=%s", conversation_id, reason, now)
        unit.waiting = (reason, urgent)
        unit.escalates = crisis_handover and urgent
        # After a crisis reply: call now, and honestly when someone can reply; never "wait".
        if crisis_handover:
            replies.append(Reply(crisis_notice()))
        elif now == ConversationState.WAITING:
            replies.extend(_availability(session, conversation_id))
    if check.crisis and not crisis_handover:
        # The assistant did not answer the crisis the gateway found: never leave it unanswered.
        logger.warning("crisis_not_answered_by_engine conversation=%s", conversation_id)
        replies.extend(_answer_flagged(session, turn, unit, state))
    _send_out(session, turn, unit, replies)
    return unit


def _settle_outage(session: Session, turn: _Turn, state: str | None) -> _Unit:
    """No answer from the assistant: the gateway answers a flagged message itself; anything
    else is queued for an advisor (the assistant still takes the next message once it is
    back), with the crisis numbers."""
    unit = _Unit(state=state)
    if turn.check.flagged:
        _send_out(session, turn, unit, _answer_flagged(session, turn, unit, state))
        return unit
    store.flag_for_advisor(session, turn.conversation_id, "outage")
    unit.waiting = ("outage", False)
    replies = [Reply(texts.OUTAGE), *_availability(session, turn.conversation_id)]
    _send_out(session, turn, unit, replies)
    return unit


async def _settle_late(turn: _Turn, answer: asyncio.Future[list[dict[str, Any]]]) -> None:
    """An answer the engine gave after the gateway stopped waiting (its work, such as a saved
    referral or a handover, is done): store and deliver it as a later message, and let a
    handover take effect."""
    try:
        raw = await answer
    except EngineUnavailable:
        return
    late = _Turn(turn.conversation_id, turn.channel, CrisisCheck(), escalated=True, late=True)
    try:
        unit = await _in_unit(late, _settle, late, raw, None)
    except SQLAlchemyError as error:
        logger.error(
            "late_answer_not_stored conversation=%s error=%s",
            turn.conversation_id,
            type(error).__name__,
        )
        return
    logger.info("late_answer_settled conversation=%s", turn.conversation_id)
    if turn.channel != Channel.WEBCHAT:
        for message in unit.stored:
            await hub.deliver(turn.channel, turn.conversation_id, message_event(message, True))


def _send_out(session: Session, turn: _Turn, unit: _Unit, replies: list[Reply]) -> None:
    """Store the replies (without any personal detail they repeat) as the unit's answer."""
    kept = [(texts.transcript_text(reply.text), reply.buttons) for reply in replies]
    unit.stored.extend(
        store.add_messages(session, turn.conversation_id, "out", Sender.ASSISTANT, kept)
    )
    unit.replies = [*(unit.replies or []), *replies]


def _availability(session: Session, conversation_id: str) -> list[Reply]:
    """An honest word on when someone will reply, when no advisor is there to do it soon, with
    the offer to leave a number for a call back."""
    notice = availability_notice()
    if not notice:
        return []
    offer = [texts.CALLBACK_OFFER] if callback.may_offer(session, conversation_id) else []
    return [Reply(notice, offer)]


def _personal_answer(session: Session, turn: _Turn, shown: str, is_button: bool) -> str | None:
    """What this message answers when it is a personal detail (kept out of the transcript),
    else None. A crisis message is always kept as written, so advisors can read it."""
    if turn.check.flagged:
        return None
    what = texts.personal_answer(turn.check.asking)
    if what is None:
        return None
    if turn.check.asking == "place":
        # The referral's area question, not signposting's "where do you live?".
        last = store.last_reply(session, turn.conversation_id, skip=texts.is_gateway_notice)
        return None if texts.is_signposting(last) else what
    if turn.check.asking == "number" and callback.moved_on(
        session, turn.conversation_id, shown, is_button
    ):
        return None  # asked for a call-back number, the person wrote about something else
    return what


def _answer_flagged(session: Session, turn: _Turn, unit: _Unit, state: str | None) -> list[Reply]:
    """The gateway's own answer to a flagged message: the crisis question, or the crisis reply
    with the urgent handover (once per message; the outcome is logged unless an advisor
    already holds the conversation). The alert goes out once the unit has committed."""
    check = turn.check
    if check.crisis and not (turn.escalated or unit.escalates):
        crisis.queue(
            session,
            turn.conversation_id,
            turn.channel,
            check,
            log_outcome=state not in WITH_ADVISORS,
        )
        unit.crisis_alert = unit.escalates = True
    return crisis.replies(check, turn.channel)
