"""People with everything the product can hold about them, for the data-protection tests.

Each person gets a conversation (waiting for an advisor, so the review tables' triggers add
their own row), a web chat session or a Telegram chat link, messages, a self-referral with its
consent, a call-back request with its consent and number, an advisor's note, two contacts and
tracker events in Rasa's `events` table, created from the app's side with the columns Rasa's
SQLTrackerStore gives it. Every text carries the person's marker, so a test can look for any
trace of them anywhere.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    Enum,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    insert,
    select,
)
from sqlalchemy.pool import NullPool

from bot.settings import get_settings
from bot.store import staff
from bot.store.models import (
    CallbackRequest,
    ConsentRecord,
    Contact,
    Conversation,
    ConversationNote,
    Message,
    Referral,
    TelegramChat,
    WebchatSession,
    utcnow,
)
from bot.store.privacy import personal_tables
from bot.store.session import get_sessionmaker
from bot.store.tracker_turns import tracker_url

# Rasa 3.6's SQLTrackerStore.SQLEvent, column for column.
RASA_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class Person:
    """What names one seeded person, and the text that marks everything of theirs."""

    marker: str
    conversation_id: str
    session_id: str | None = None
    telegram_id: int | None = None


def tracker_engine():  # noqa: ANN201 - a plain SQLAlchemy engine
    """The tracker database the app derives from DATABASE_URL, with Rasa's table in it."""
    engine = create_engine(tracker_url(get_settings().database_url), poolclass=NullPool)
    RASA_EVENTS.metadata.create_all(engine)
    return engine


def add_events(conversation_id: str, texts: list[str], at: datetime) -> None:
    """Tracker events as Rasa writes them: a user message, an action, a bot reply per text."""
    engine = tracker_engine()
    stamp = at.timestamp()
    rows = []
    for text in texts:
        rows += [
            {
                "sender_id": conversation_id,
                "type_name": "user",
                "timestamp": stamp,
                "intent_name": "refer_self",
                "data": json.dumps({"event": "user", "text": text, "timestamp": stamp}),
            },
            {
                "sender_id": conversation_id,
                "type_name": "action",
                "timestamp": stamp,
                "action_name": "action_signpost",
                "data": json.dumps({"event": "action", "name": "action_signpost"}),
            },
            {
                "sender_id": conversation_id,
                "type_name": "bot",
                "timestamp": stamp,
                "data": json.dumps({"event": "bot", "text": f"Thanks {text}"}),
            },
        ]
    blank = {"intent_name": None, "action_name": None}
    with engine.begin() as connection:
        connection.execute(insert(RASA_EVENTS), [blank | row for row in rows])
    engine.dispose()


def tracker_count(conversation_id: str | None = None) -> int:
    """Events held for one conversation (or all of them)."""
    engine = tracker_engine()
    stmt = select(func.count()).select_from(RASA_EVENTS)
    if conversation_id is not None:
        stmt = stmt.where(RASA_EVENTS.c.sender_id == conversation_id)
    with engine.connect() as connection:
        found = connection.scalar(stmt) or 0
    engine.dispose()
    return found


def seed_person(
    marker: str, channel: str = "webchat", age: timedelta = timedelta(0), telegram_id: int = 0
) -> Person:
    """One person whose every row is `age` old (their contacts too)."""
    at = utcnow() - age
    cid = secrets.token_hex(16)
    session_id = secrets.token_urlsafe(16) if channel == "webchat" else None
    advisor = staff.create_user(f"advisor-{marker}", "not-a-real-hash", "advisor")
    with get_sessionmaker().begin() as session:
        session.add(
            Conversation(
                id=cid,
                channel=channel,
                state="assistant",
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
        if session_id:
            session.add(
                WebchatSession(
                    id=session_id, token_hash="0" * 64, conversation_id=cid, created_at=at
                )
            )
        else:
            session.add(TelegramChat(chat_id=telegram_id, conversation_id=cid, created_at=at))
        for sender, direction, text in (
            ("person", "in", f"hello I am {marker}"),
            ("assistant", "out", f"hi {marker}, how can I help"),
            ("person", "in", f"my number is 07700 900{len(marker):03d} {marker}"),
        ):
            session.add(
                Message(conversation_id=cid, direction=direction, sender=sender, text=text, at=at)
            )
        referral_consent = ConsentRecord(
            conversation_id=cid, channel=channel, wording_version="v1", given_at=at
        )
        session.add(
            Referral(
                conversation_id=cid,
                channel=channel,
                created_at=at,
                preferred_name=marker,
                district="Bolton",
                provider="Bolton Advice",
                contact_method="phone",
                phone="07700900123",
                best_time=f"mornings {marker}",
                needs=["housing"],
                probation_status="yes",
                consent=referral_consent,
            )
        )
        callback_consent = ConsentRecord(
            conversation_id=cid,
            channel=channel,
            purpose="callback",
            wording_version="v1",
            given_at=at,
        )
        session.add(callback_consent)
        session.flush()
        session.add(
            CallbackRequest(
                conversation_id=cid,
                status="given",
                consent_id=callback_consent.id,
                phone="07700900456",
                created_at=at,
                updated_at=at,
            )
        )
        session.add(
            ConversationNote(
                conversation_id=cid, staff_user_id=advisor.id, text=f"note on {marker}", at=at
            )
        )
        for outcome in ("signposted", "referral"):
            session.add(
                Contact(
                    conversation_id=cid,
                    channel=channel,
                    at=at,
                    district="Bolton",
                    provider="Bolton Advice",
                    topics=["housing"],
                    outcome=outcome,
                )
            )
    with get_sessionmaker().begin() as session:
        # Queued for an advisor and back: the review's wait log (a trigger) gets its row.
        row = session.get(Conversation, cid)
        assert row is not None
        row.state = "waiting"
        session.flush()
        row.state, row.updated_at = "assistant", at
    add_events(cid, [f"I am {marker}", f"call me {marker}"], at)
    return Person(marker, cid, session_id, telegram_id if channel == "telegram" else None)


def rows_of(conversation_id: str) -> dict[str, int]:
    """Rows per app table that still name this conversation (the audit trail aside)."""
    found = {}
    with get_sessionmaker().begin() as session:
        for table, column in personal_tables():
            if table.name == "audit_events":
                continue
            n = session.scalar(
                select(func.count()).select_from(table).where(column == conversation_id)
            )
            if n:
                found[table.name] = n
    return found


def marker_anywhere(marker: str) -> list[str]:
    """Every app table and the tracker where the marker's text still appears."""
    found = []
    with get_sessionmaker().begin() as session:
        for table, _ in personal_tables():
            text_columns = [
                c
                for c in table.c
                if isinstance(c.type, String | Text) and not isinstance(c.type, Enum)
            ]
            for column in text_columns:
                stmt = select(func.count()).select_from(table).where(column.contains(marker))
                if session.scalar(stmt):
                    found.append(f"{table.name}.{column.name}")
    engine = tracker_engine()
    with engine.connect() as connection:
        stmt = select(func.count()).select_from(RASA_EVENTS)
        if connection.scalar(stmt.where(RASA_EVENTS.c.data.contains(marker))):
            found.append("events.data")
    engine.dispose()
    return found
