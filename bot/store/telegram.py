"""Telegram's side of the store: which conversation a chat is, and which updates were seen."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.settings import get_settings
from bot.store.conversations import new_conversation_id
from bot.store.models import Conversation, TelegramChat, TelegramUpdate, utcnow
from bot.store.session import get_sessionmaker
from bot.vocabulary import Channel, ConversationState, UpdateState

logger = logging.getLogger(__name__)

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


class Claim(StrEnum):
    """What a gateway process may do with an update it was handed."""

    NEW = "new"  # first time seen: handle it
    TAKEN_OVER = "taken_over"  # its handler's lease ran out (the process died): handle it
    BUSY = "busy"  # another process is handling it now: ask Telegram to deliver it later
    DONE = "done"  # handled already: a redelivery, drop it


def claim_update(update_id: int, lease: timedelta | None = None) -> Claim:
    """Claim an update for handling, under a lease; see `Claim` for the answers."""
    lease = lease or timedelta(seconds=get_settings().telegram_claim_lease_s)
    until = utcnow() + lease
    maker = get_sessionmaker()
    try:
        with maker.begin() as session:
            session.add(
                TelegramUpdate(update_id=update_id, state=UpdateState.PROCESSING, lease_until=until)
            )
    except IntegrityError:
        with maker.begin() as session:
            # Only one process can win a stale lease: the update re-reads it as it changes it.
            taken = session.execute(
                update(TelegramUpdate)
                .where(
                    TelegramUpdate.update_id == update_id,
                    TelegramUpdate.state == UpdateState.PROCESSING,
                    TelegramUpdate.lease_until < utcnow(),
                )
                .values(lease_until=until)
            )
            if cast(CursorResult[Any], taken).rowcount:
                logger.info("telegram_claim_taken_over")
                return Claim.TAKEN_OVER
            state = session.scalars(
                select(TelegramUpdate.state).where(TelegramUpdate.update_id == update_id)
            ).first()
        return Claim.DONE if state in (UpdateState.DONE, None) else Claim.BUSY
    if update_id % PRUNE_EVERY == 0:
        prune_claims()
    return Claim.NEW


def finish_update(update_id: int) -> None:
    """The update is handled (its message stored): a redelivery is dropped from now on."""
    with get_sessionmaker().begin() as session:
        session.execute(
            update(TelegramUpdate)
            .where(TelegramUpdate.update_id == update_id)
            .values(state=UpdateState.DONE, lease_until=None)
        )


def release_update(update_id: int) -> None:
    """Forget a claim whose handling failed, so the redelivered update is handled."""
    with get_sessionmaker().begin() as session:
        session.execute(delete(TelegramUpdate).where(TelegramUpdate.update_id == update_id))


def prune_claims(keep: timedelta = CLAIM_KEEP) -> int:
    """Forget claims older than `keep`; returns how many were removed."""
    with get_sessionmaker().begin() as session:
        result = session.execute(
            delete(TelegramUpdate).where(TelegramUpdate.received_at < utcnow() - keep)
        )
        return cast(CursorResult[Any], result).rowcount or 0
