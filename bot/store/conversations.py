"""Conversation records and their messages: what the gateway owns.

Every function takes the caller's session (bot/store/session.py `unit_of_work`), so one
incoming message is one transaction. State changes are conditional updates: each says which
states it may move from, and one that loses a race re-reads what won instead of overwriting it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Case, CursorResult, bindparam, case, insert, select, update
from sqlalchemy.orm import Session

from bot.store.models import Conversation, Message, TelegramUpdate, utcnow
from bot.store.session import run
from bot.vocabulary import WITH_ADVISORS, ConversationState, Sender, UpdateState

# What the transcript keeps instead of a personal answer (a name, a phone number...) that the
# person typed or tapped for a referral or a call back: what it answered, never the words.
WITHHELD = "[answer to: {}]"
_WITHHELD_START = WITHHELD.split("{")[0]


@dataclass(frozen=True)
class StoredMessage:
    """A message as the channels show it."""

    id: int
    sender: str
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    at: str = ""


def new_conversation_id() -> str:
    """128 random bits; also Rasa's sender id, so Rasa never sees a channel's own ids."""
    return secrets.token_hex(16)


def create_conversation(session: Session, channel: str) -> str:
    """Open a conversation with the assistant and return its id."""
    conversation_id = new_conversation_id()
    session.add(
        Conversation(id=conversation_id, channel=channel, state=ConversationState.ASSISTANT)
    )
    session.flush()
    return conversation_id


def get_state(session: Session, conversation_id: str) -> str | None:
    """The conversation's state, or None if there is no such conversation."""
    return session.scalar(select(Conversation.state).where(Conversation.id == conversation_id))


def set_state(
    session: Session,
    conversation_id: str,
    state: str,
    *,
    reason: str | None = None,
    urgent: bool = False,
    expected: Collection[str] | None = None,
) -> str | None:
    """Move the conversation (assistant -> waiting on a handover signal, and so on), only from
    one of the `expected` states when given. Returns the state it is in afterwards: `state`, or
    whatever another request (an advisor's claim, a crisis) moved it to first; None if there is
    no such conversation."""
    values: dict[str, object] = {"state": state}
    if state == ConversationState.WAITING:
        values["waiting_since"] = _waiting_since_if_new()
        if reason:
            values["handover_reason"] = reason
        if urgent:
            values["urgent"] = True
    elif state == ConversationState.ASSISTANT:
        values.update(handover_reason=None, urgent=False, waiting_since=None)
    stmt = update(Conversation).where(Conversation.id == conversation_id).values(values)
    if expected is not None:
        stmt = stmt.where(Conversation.state.in_(list(expected)))
    moved = session.execute(stmt.execution_options(synchronize_session=False))
    return state if cast(CursorResult[Any], moved).rowcount else get_state(session, conversation_id)


def queue_urgent(session: Session, conversation_id: str, reason: str) -> str | None:
    """A crisis: the conversation waits for an advisor as urgent, in one statement so nothing
    can slip in between: one an advisor holds (or already waiting) keeps its state and is
    marked urgent. Returns the state afterwards, None if there is no such conversation."""
    with_advisors = Conversation.state.in_(list(WITH_ADVISORS))
    stmt = (
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(
            state=case((with_advisors, Conversation.state), else_=ConversationState.WAITING),
            waiting_since=_waiting_since_if_new(),
            handover_reason=reason,
            urgent=True,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(stmt)
    return get_state(session, conversation_id)


def _waiting_since_if_new() -> Case[Any]:
    """The queue orders by when the wait began: set it when the conversation starts waiting."""
    return case(
        (Conversation.state == ConversationState.WAITING, Conversation.waiting_since),
        else_=utcnow(),
    )


def flag_for_advisor(session: Session, conversation_id: str, reason: str) -> None:
    """Queue a follow-up for an advisor without taking the conversation off the assistant."""
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(handover_reason=reason)
        .execution_options(synchronize_session=False)
    )


RECENT_SCAN = 20  # how far back `recent_context` looks

# The statements every message runs, built once (store.session.run says why).
_INSERT_MESSAGES = insert(Message).returning(Message.id, sort_by_parameter_order=True)
_MARK_UPDATE_DONE = (
    update(TelegramUpdate)
    .where(TelegramUpdate.update_id == bindparam("handled"))
    .values(state=UpdateState.DONE, lease_until=None)
)
_RECENT = (
    select(Message.sender, Message.text)
    .where(Message.conversation_id == bindparam("conversation_id"))
    .order_by(Message.id.desc())
    .limit(bindparam("scan"))
)
_OFFERED = (
    select(Message.buttons)
    .where(Message.conversation_id == bindparam("conversation_id"), Message.direction == "out")
    .order_by(Message.id.desc())
    .limit(5)
)


def add_message(
    session: Session,
    conversation_id: str,
    direction: str,
    sender: str,
    text: str,
    buttons: Sequence[dict[str, str]] = (),
    telegram_update: int | None = None,
    delivery: str | None = None,
) -> StoredMessage:
    """Store one message and return it as the channels show it. `telegram_update`: the
    Telegram update it came in, marked handled in the same transaction, so a worker that dies
    after this write is never followed by a second copy (nor one before it by none).
    `delivery`: "pending" for a later message still to be sent to the person's Telegram chat,
    written with it, so no crash in between leaves it neither sent nor retried."""
    message = add_messages(
        session, conversation_id, direction, sender, [(text, buttons)], delivery=delivery
    )[0]
    if telegram_update is not None:
        run(session, _MARK_UPDATE_DONE, {"handled": telegram_update})
    return message


def add_messages(
    session: Session,
    conversation_id: str,
    direction: str,
    sender: str,
    items: Sequence[tuple[str, Sequence[dict[str, str]]]],
    delivery: str | None = None,
) -> list[StoredMessage]:
    """Store several messages of one sender, in order, in one INSERT (an answer is often two
    or three messages, and each statement is a round trip on PostgreSQL)."""
    if not items:
        return []
    at = utcnow()
    rows = [
        {
            "conversation_id": conversation_id,
            "direction": direction,
            "sender": sender,
            "text": text,
            "buttons": list(buttons),
            "at": at,
            "delivery": delivery,
            "delivery_next_at": at if delivery else None,
        }
        for text, buttons in items
    ]
    # One parameter set is a plain INSERT; several, one INSERT of many rows.
    ids = run(session, _INSERT_MESSAGES, rows[0] if len(rows) == 1 else rows).scalars().all()
    return [
        StoredMessage(int(message_id), sender, text, list(buttons), at.isoformat())
        for message_id, (text, buttons) in zip(ids, items, strict=True)
    ]


def withheld(what: str) -> str:
    """The transcript's stand-in for an answer to a personal question, e.g. "[answer to:
    phone number]"."""
    return WITHHELD.format(what)


def get_channel(session: Session, conversation_id: str) -> str | None:
    """The channel a conversation runs on ("telegram" or "webchat"), None if unknown."""
    return session.scalar(select(Conversation.channel).where(Conversation.id == conversation_id))


def transcript(session: Session, conversation_id: str) -> list[StoredMessage]:
    """Every message of the conversation, oldest first."""
    stmt = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    return [
        StoredMessage(m.id, m.sender, m.text, list(m.buttons or []), m.at.isoformat())
        for m in session.scalars(stmt)
    ]


def offered_payloads(session: Session, conversation_id: str) -> set[str]:
    """Payloads of the buttons in the assistant's latest messages: the only ones accepted."""
    found = run(session, _OFFERED, {"conversation_id": conversation_id}).scalars()
    return {b["payload"] for buttons in found for b in buttons or [] if "payload" in b}


def last_reply(
    session: Session, conversation_id: str, skip: Callable[[str], bool] | None = None
) -> str | None:
    """The words of the latest message if the assistant sent it, else None. With `skip`, the
    open question: the latest message that is neither the person's nor one `skip` passes over
    (the gateway's own notices after an outage), if the assistant sent it."""
    return recent_context(session, conversation_id, 0, skip=skip)[1]


def recent_context(
    session: Session,
    conversation_id: str,
    person_limit: int = 3,
    scan: int = RECENT_SCAN,
    skip: Callable[[str], bool] | None = None,
) -> tuple[list[str], str | None]:
    """The person's latest typed messages (oldest first; withheld answers left out) and what
    the assistant last asked: the latest message, if the assistant's; with `skip`, looking
    back past the person's messages and the messages `skip` passes over (so a question stays
    open across an outage reply). What the crisis check and the personal-answer rule read
    before the next message is stored."""
    rows = run(session, _RECENT, {"conversation_id": conversation_id, "scan": scan}).all()
    return context_of([(row.sender, row.text) for row in rows], person_limit, skip)


def context_of(
    newest_first: Sequence[tuple[str, str]],
    person_limit: int = 3,
    skip: Callable[[str], bool] | None = None,
) -> tuple[list[str], str | None]:
    """`recent_context` of messages (sender, text) already read, newest first."""
    asked = None
    for sender, text in newest_first:
        if skip is not None and (sender == Sender.PERSON or skip(text)):
            continue
        asked = text if sender == Sender.ASSISTANT else None
        break
    typed = [
        text
        for sender, text in newest_first
        if sender == Sender.PERSON and not text.startswith(("/", _WITHHELD_START))
    ]
    return list(reversed(typed[:person_limit])), asked
