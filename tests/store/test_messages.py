"""Messages are stored in order, an answer of several messages in one statement on
PostgreSQL (each statement is a round trip there), and read back as the channels show them."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import conversations
from bot.store.models import Message
from bot.store.session import get_engine, get_sessionmaker, in_unit
from bot.vocabulary import Sender
from tests.support.statements import statements_sent


def test_an_answer_of_several_messages_is_one_insert_in_order(database_url: str) -> None:
    cid = in_unit(conversations.create_conversation, "webchat")
    replies = [
        ("First, the answer.", [{"title": "Tell me more", "payload": "/more"}]),
        ("Second, the next step.", []),
        ("Third, the numbers.", []),
    ]
    with statements_sent() as sent:
        stored = in_unit(conversations.add_messages, cid, "out", Sender.ASSISTANT, replies)
    inserts = [s for s in sent if s.lstrip().upper().startswith("INSERT")]
    # SQLite, in process, has no round trip to save: SQLAlchemy sends its rows one by one
    # there to keep RETURNING in order.
    assert len(inserts) == (1 if get_engine().dialect.name == "postgresql" else len(replies))
    assert [m.text for m in stored] == [text for text, _ in replies]
    assert stored[0].buttons == [{"title": "Tell me more", "payload": "/more"}]
    assert [m.id for m in stored] == sorted(m.id for m in stored)
    with get_sessionmaker().begin() as session:
        rows = session.execute(
            select(Message.id, Message.text, Message.buttons)
            .where(Message.conversation_id == cid)
            .order_by(Message.id)
        ).all()
    assert [(r.id, r.text) for r in rows] == [(m.id, m.text) for m in stored]
    assert rows[1].buttons == []


def test_one_message_reads_back_and_nothing_is_no_statement(database_url: str) -> None:
    cid = in_unit(conversations.create_conversation, "telegram")
    with statements_sent() as sent:
        assert in_unit(conversations.add_messages, cid, "out", Sender.ASSISTANT, []) == []
    assert sent == []
    one = in_unit(conversations.add_message, cid, "in", Sender.PERSON, "hello")
    recent, asked = in_unit(conversations.recent_context, cid)
    assert (one.text, one.sender, recent, asked) == ("hello", Sender.PERSON, ["hello"], None)
