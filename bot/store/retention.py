"""Retention: personal data older than RETENTION_DAYS goes; the anonymous counts stay.

One pass deletes messages, advisors' notes, referrals, call-back requests (with their numbers)
and tracker events older than the cut-off, then consent records no longer backing anything,
then conversations with nothing of the person left in them (with their Telegram link, web chat
session and any other row naming them; their contacts stay as counts with no id). A
conversation waiting for or held by an advisor is never removed. It is idempotent (a second
run finds nothing), and a dry run does the same work in a transaction that is rolled back, so
its counts are exactly what a real run would do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, and_, delete, exists, select
from sqlalchemy.orm import Session

from bot.store.models import (
    CallbackRequest,
    ConsentRecord,
    Conversation,
    ConversationNote,
    Message,
    Referral,
    utcnow,
)
from bot.store.privacy import TRACKER, erase_rows
from bot.store.session import get_sessionmaker
from bot.store.tracker_privacy import delete_events, tracker_connection
from bot.vocabulary import WITH_ADVISORS

# What a person said or gave: while a conversation holds any of it, the conversation stays.
HOLDING = (Message, ConversationNote, Referral, CallbackRequest, ConsentRecord)


def _deleted(session: Session, stmt: Delete) -> int:
    return cast(CursorResult[Any], session.execute(stmt)).rowcount or 0


def _stale_conversations(session: Session, cutoff: datetime) -> list[str]:
    """Conversations idle since before the cut-off, not with advisors, holding nothing the
    person said or gave; their remaining rows (links, review marks) go with them."""
    empty = [~exists().where(model.conversation_id == Conversation.id) for model in HOLDING]
    stmt = select(Conversation.id).where(
        Conversation.updated_at < cutoff,
        Conversation.state.not_in(list(WITH_ADVISORS)),
        and_(*empty),
    )
    return list(session.scalars(stmt))


def _unused_consents(cutoff: datetime) -> Delete:
    backing = select(Referral.consent_id).where(Referral.consent_id.is_not(None))
    calls = select(CallbackRequest.consent_id).where(CallbackRequest.consent_id.is_not(None))
    return delete(ConsentRecord).where(
        ConsentRecord.given_at < cutoff,
        ConsentRecord.id.not_in(backing),
        ConsentRecord.id.not_in(calls),
    )


def _apply(session: Session, tracker: Any, cutoff: datetime) -> dict[str, int]:
    counts = {
        Message.__tablename__: _deleted(session, delete(Message).where(Message.at < cutoff)),
        ConversationNote.__tablename__: _deleted(
            session, delete(ConversationNote).where(ConversationNote.at < cutoff)
        ),
        Referral.__tablename__: _deleted(
            session, delete(Referral).where(Referral.created_at < cutoff)
        ),
        CallbackRequest.__tablename__: _deleted(
            session, delete(CallbackRequest).where(CallbackRequest.updated_at < cutoff)
        ),
    }
    counts[ConsentRecord.__tablename__] = _deleted(session, _unused_consents(cutoff))
    stale = _stale_conversations(session, cutoff)
    for name, n in erase_rows(session, stale).items():
        counts[name] = counts.get(name, 0) + n
    counts[TRACKER] = delete_events(tracker, stale, before=cutoff)
    return counts


def run(days: int, dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Apply retention (or, with `dry_run`, count what it would do and change nothing);
    returns rows removed per table, and `contacts` anonymised (never removed)."""
    if days < 1:
        raise ValueError("retention must keep at least one day")
    cutoff = (now or utcnow()) - timedelta(days=days)
    session = get_sessionmaker()()
    try:
        session.begin()
        with tracker_connection(session.connection(), commit=not dry_run) as tracker:
            counts = _apply(session, tracker, cutoff)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return counts
