"""Whose data is it, and erasing it: the data-protection duties (UK GDPR Art. 9, 10 and 17).

A person is named by a conversation id, a web chat session id or `telegram:<user id>` (every
conversation of that Telegram chat). What is held about them is every row of every app table
with a `conversation_id` column, the conversation itself, and the engine's tracker events.
New tables with a `conversation_id` column are covered without a change here; two tables are
the exceptions on erasure: `contacts` stay as anonymous counts (their id set to NULL) and
`audit_events` stay as the record of who did what (ids only, never content).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Table, delete, exists, func, select, update
from sqlalchemy.orm import Session

from bot.store import audit
from bot.store.models import Base, Contact, Conversation, TelegramChat, WebchatSession
from bot.store.session import get_sessionmaker
from bot.store.tracker_privacy import (
    delete_events,
    events_of,
    senders_with_events,
    tracker_connection,
)

logger = logging.getLogger(__name__)

TELEGRAM_PREFIX = "telegram:"
ANONYMISED = "contacts"  # kept as counts: the conversation id goes, the row stays
CONTACTS_KEPT = "contacts_anonymised"  # how erasure and retention count them
AUDIT = "audit_events"  # kept: who did what, with ids only
TRACKER = "tracker_events"
MAX_ID = 200


class BadId(ValueError):
    """The text given is not a conversation id, a session id or `telegram:<number>`."""


class NothingHeld(LookupError):
    """No row and no tracker event belongs to that id."""


@dataclass(frozen=True)
class Subject:
    """The person an export or erasure is about, and their conversations."""

    kind: str  # "conversation", "webchat" or "telegram"
    conversation_ids: tuple[str, ...]


@dataclass(frozen=True)
class Actor:
    """Who asks, for the audit trail: a staff user, or the command line."""

    staff_user_id: int | None
    client: str | None


def personal_tables() -> list[tuple[Table, Column[Any]]]:
    """Each app table holding rows of a conversation and the column naming it, children first
    (so deleting in this order never breaks a foreign key), the conversations table last."""
    found = []
    for table in reversed(Base.metadata.sorted_tables):
        column = table.c.id if table.name == Conversation.__tablename__ else None
        column = column if column is not None else table.c.get("conversation_id")
        if column is not None:
            found.append((table, column))
    return found


def _held_in_app(session: Session, conversation_id: str) -> bool:
    return any(
        session.scalar(select(exists().where(column == conversation_id)))
        for table, column in personal_tables()
        if table.name != AUDIT
    )


def resolve(identifier: str) -> Subject:
    """Whose data `identifier` names; BadId for malformed text, NothingHeld for an id with
    nothing stored (a conversation already erased is NothingHeld too)."""
    given = identifier.strip()
    if not given or len(given) > MAX_ID or any(c.isspace() for c in given):
        raise BadId("give a conversation id, a web chat session id or telegram:<user id>")
    if given.lower().startswith(TELEGRAM_PREFIX):
        number = given[len(TELEGRAM_PREFIX) :]
        if not number.lstrip("-").isdigit():
            raise BadId("a Telegram id is telegram: followed by the user's number")
        stmt = select(TelegramChat.conversation_id).where(TelegramChat.chat_id == int(number))
        with get_sessionmaker().begin() as session:
            ids = tuple(sorted(set(session.scalars(stmt))))
        if not ids:
            raise NothingHeld
        return Subject("telegram", ids)
    with get_sessionmaker().begin() as session:
        if _held_in_app(session, given):
            return Subject("conversation", (given,))
        session_row = session.get(WebchatSession, given)
        if session_row is not None:
            return Subject("webchat", (session_row.conversation_id,))
    with tracker_connection(commit=False) as tracker:
        if senders_with_events(tracker, [given]):
            # An erasure cut short after the tracker's part: the app rows may be gone already.
            return Subject("conversation", (given,))
    raise NothingHeld


def summary(subject: Subject) -> dict[str, int]:
    """How many rows of each kind are held (counts only, no content), tracker events included."""
    ids = list(subject.conversation_ids)
    counts: dict[str, int] = {}
    with get_sessionmaker().begin() as session:
        for table, column in personal_tables():
            if table.name == AUDIT:
                continue
            stmt = select(func.count()).select_from(table).where(column.in_(ids))
            counts[table.name] = session.scalar(stmt) or 0
    with tracker_connection(commit=False) as tracker:
        counts[TRACKER] = len(events_of(tracker, ids))
    return counts


def erase_rows(session: Session, conversation_ids: Sequence[str]) -> dict[str, int]:
    """Delete every row of these conversations in the caller's transaction; their contacts
    stay as counts with no id. Returns rows removed per table, and `contacts_anonymised`."""
    ids = list(conversation_ids)
    counts = {t.name: 0 for t, _ in personal_tables() if t.name not in (AUDIT, ANONYMISED)}
    counts[CONTACTS_KEPT] = 0
    if not ids:
        return counts
    for table, column in personal_tables():
        if table.name in (AUDIT, ANONYMISED):
            continue
        result = session.execute(delete(table).where(column.in_(ids)))
        counts[table.name] = cast(CursorResult[Any], result).rowcount or 0
    anonymise = (
        update(Contact)
        .where(Contact.conversation_id.in_(ids))
        .values(conversation_id=None)
        .execution_options(synchronize_session=False)
    )
    counts[CONTACTS_KEPT] = cast(CursorResult[Any], session.execute(anonymise)).rowcount or 0
    return counts


def erase(subject: Subject, actor: Actor) -> dict[str, dict[str, int]]:
    """Remove everything held about the person, tracker events first (so an interrupted run
    can be repeated with the same id), then the app's rows in one transaction; one audit row
    per conversation with the counts, never the content. Returns counts per conversation."""
    done: dict[str, dict[str, int]] = {}
    with get_sessionmaker().begin() as session:
        with tracker_connection(session.connection()) as tracker:
            for conversation_id in subject.conversation_ids:
                events = delete_events(tracker, [conversation_id])
                counts = erase_rows(session, [conversation_id])
                done[conversation_id] = {**counts, TRACKER: events}
    for conversation_id, counts in done.items():
        audit.record(
            "erase",
            actor.staff_user_id,
            conversation_id,
            detail=describe(counts, prefix=f"by={subject.kind}"),
            client=actor.client,
        )
        logger.info("erased conversation=%s", conversation_id)
    return done


def describe(counts: dict[str, int], prefix: str = "") -> str:
    """'by=telegram messages=4 referrals=1': the non-zero counts, for the audit and the screen."""
    parts = [prefix] if prefix else []
    parts += [f"{name}={n}" for name, n in sorted(counts.items()) if n]
    return " ".join(parts) or "nothing"


def totals(per_conversation: dict[str, dict[str, int]]) -> dict[str, int]:
    """Counts added up over the conversations."""
    total: dict[str, int] = {}
    for counts in per_conversation.values():
        for name, n in counts.items():
            total[name] = total.get(name, 0) + n
    return total
