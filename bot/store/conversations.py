"""Conversation records and their messages: what the gateway owns."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update

from bot.store.models import Conversation, Message, TelegramUpdate
from bot.store.session import get_sessionmaker
from bot.vocabulary import ConversationState, Sender, UpdateState

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


def create_conversation(channel: str) -> str:
    """Open a conversation with the assistant and return its id."""
    conversation_id = new_conversation_id()
    with get_sessionmaker().begin() as session:
        session.add(
            Conversation(id=conversation_id, channel=channel, state=ConversationState.ASSISTANT)
        )
    return conversation_id


def get_state(conversation_id: str) -> str | None:
    """The conversation's state, or None if there is no such conversation."""
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, conversation_id)
        return row.state if row else None


def set_state(
    conversation_id: str, state: str, reason: str | None = None, urgent: bool = False
) -> None:
    """Move the conversation (assistant -> waiting on a handover signal, and so on)."""
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, conversation_id)
        if row is None:
            return
        row.state = state
        if state == ConversationState.WAITING:
            row.handover_reason = reason or row.handover_reason
            row.urgent = row.urgent or urgent
        elif state == ConversationState.ASSISTANT:
            row.handover_reason, row.urgent = None, False


def flag_for_advisor(conversation_id: str, reason: str) -> None:
    """Queue a follow-up for an advisor without taking the conversation off the assistant."""
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, conversation_id)
        if row is not None:
            row.handover_reason = reason


def add_message(
    conversation_id: str,
    direction: str,
    sender: str,
    text: str,
    buttons: Sequence[dict[str, str]] = (),
    telegram_update: int | None = None,
) -> StoredMessage:
    """Store one message and return it as the channels show it. `telegram_update`: the
    Telegram update it came in, marked handled in the same transaction, so a worker that dies
    after this write is never followed by a second copy (nor one before it by none)."""
    with get_sessionmaker().begin() as session:
        row = Message(
            conversation_id=conversation_id,
            direction=direction,
            sender=sender,
            text=text,
            buttons=list(buttons),
        )
        session.add(row)
        session.flush()
        if telegram_update is not None:
            session.execute(
                update(TelegramUpdate)
                .where(TelegramUpdate.update_id == telegram_update)
                .values(state=UpdateState.DONE, lease_until=None)
            )
        return StoredMessage(row.id, sender, text, list(buttons), row.at.isoformat())


def withheld(what: str) -> str:
    """The transcript's stand-in for an answer to a personal question, e.g. "[answer to:
    phone number]"."""
    return WITHHELD.format(what)


def get_channel(conversation_id: str) -> str | None:
    """The channel a conversation runs on ("telegram" or "webchat"), None if unknown."""
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, conversation_id)
        return row.channel if row else None


def transcript(conversation_id: str) -> list[StoredMessage]:
    """Every message of the conversation, oldest first."""
    stmt = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    with get_sessionmaker().begin() as session:
        return [
            StoredMessage(m.id, m.sender, m.text, list(m.buttons or []), m.at.isoformat())
            for m in session.scalars(stmt)
        ]


def offered_payloads(conversation_id: str) -> set[str]:
    """Payloads of the buttons in the assistant's latest messages: the only ones accepted."""
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(5)
    )
    with get_sessionmaker().begin() as session:
        return {
            b["payload"] for m in session.scalars(stmt) for b in (m.buttons or []) if "payload" in b
        }


def last_reply(conversation_id: str) -> str | None:
    """The words of the conversation's latest message if the assistant sent it, else None."""
    stmt = (
        select(Message.sender, Message.text)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(1)
    )
    with get_sessionmaker().begin() as session:
        row = session.execute(stmt).first()
    return row.text if row is not None and row.sender == Sender.ASSISTANT else None


def recent_context(
    conversation_id: str, person_limit: int = 3, scan: int = 20
) -> tuple[list[str], str | None]:
    """The person's latest typed messages (oldest first; withheld answers left out) and, if
    the latest message is the assistant's, its words: what the crisis check reads before the
    next message is stored."""
    stmt = (
        select(Message.sender, Message.text)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(scan)
    )
    with get_sessionmaker().begin() as session:
        rows = session.execute(stmt).all()
    last_assistant = rows[0].text if rows and rows[0].sender == Sender.ASSISTANT else None
    typed = [
        row.text
        for row in rows
        if row.sender == "person" and not row.text.startswith(("/", _WITHHELD_START))
    ]
    return list(reversed(typed[:person_limit])), last_assistant
