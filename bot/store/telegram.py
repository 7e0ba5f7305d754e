"""Telegram's side of the store: which conversation a chat is, and which updates were seen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError

from bot.store.conversations import new_conversation_id
from bot.store.models import Conversation, TelegramChat, TelegramUpdate, utcnow
from bot.store.session import get_sessionmaker
from bot.vocabulary import Channel, ConversationState

CHANNEL = Channel.TELEGRAM
# Telegram may restart update ids after a week without updates, so old claims are dropped.
CLAIM_KEEP = timedelta(days=2)
PRUNE_EVERY = 100


def conversation_for_chat(chat_id: int) -> str:
    """The chat's conversation id, opening one (channel "telegram") on first use."""
    maker = get_sessionmaker()
    with maker.begin() as session:
        row = session.get(TelegramChat, chat_id)
        if row is not None:
            return row.conversation_id
    conversation_id = new_conversation_id()
    try:
        with maker.begin() as session:
            session.add(
                Conversation(id=conversation_id, channel=CHANNEL, state=ConversationState.ASSISTANT)
            )
            session.flush()
            session.add(TelegramChat(chat_id=chat_id, conversation_id=conversation_id))
        return conversation_id
    except IntegrityError:
        # Another worker opened it first; both rows of ours were rolled back together.
        with maker.begin() as session:
            return session.scalars(
                select(TelegramChat.conversation_id).where(TelegramChat.chat_id == chat_id)
            ).one()


def claim_update(update_id: int) -> bool:
    """True the first time an update id is seen, False for a redelivery."""
    try:
        with get_sessionmaker().begin() as session:
            session.add(TelegramUpdate(update_id=update_id))
    except IntegrityError:
        return False
    if update_id % PRUNE_EVERY == 0:
        prune_claims()
    return True


def release_update(update_id: int) -> None:
    """Forget a claim whose handling failed, so the redelivered update is handled."""
    with get_sessionmaker().begin() as session:
        session.execute(delete(TelegramUpdate).where(TelegramUpdate.update_id == update_id))


def chat_for_conversation(conversation_id: str) -> int | None:
    """The Telegram chat a conversation runs in, for messages sent later (advisor replies)."""
    with get_sessionmaker().begin() as session:
        return session.scalars(
            select(TelegramChat.chat_id).where(TelegramChat.conversation_id == conversation_id)
        ).first()


def prune_claims(keep: timedelta = CLAIM_KEEP) -> int:
    """Forget claims older than `keep`; returns how many were removed."""
    with get_sessionmaker().begin() as session:
        result = session.execute(
            delete(TelegramUpdate).where(TelegramUpdate.received_at < utcnow() - keep)
        )
        return cast(CursorResult[Any], result).rowcount or 0
