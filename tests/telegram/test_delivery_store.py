"""The delivery state of messages sent later to Telegram, on SQLite and PostgreSQL: taken one
process at a time under a lease, a conversation's earliest pending message first, and only the
words of bot/vocabulary.py stored."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.store import conversations
from bot.store import delivery as store
from bot.store import telegram as telegram_store
from bot.store.models import utcnow
from bot.store.session import get_sessionmaker, in_unit

LEASE = timedelta(seconds=60)


@pytest.fixture
def chat(database_url: str) -> str:
    """A Telegram conversation (chat 777) with the person's first message."""
    conversation_id = telegram_store.conversation_for_chat(777)
    in_unit(conversations.add_message, conversation_id, "in", "person", "hello")
    return conversation_id


def advisor_says(conversation_id: str, words: str) -> int:
    message = in_unit(conversations.add_message, conversation_id, "out", "advisor", words)
    assert store.begin(message.id) is not None
    return message.id


def test_a_message_is_begun_once_and_taken_by_one_process_at_a_time(chat: str) -> None:
    first = advisor_says(chat, "Hello, I'm Jo")
    assert store.begin(first) == store.DeliveryState(first, "pending", 0, None)  # the same
    assert store.state_of(first) == store.DeliveryState(first, "pending", 0, None)
    job = store.claim_next(chat, LEASE)
    assert job is not None
    assert (job.message_id, job.text, job.chat_id, job.attempts) == (first, "Hello, I'm Jo", 777, 0)
    assert store.claim_next(chat, LEASE) is None  # held under the lease
    assert store.due_conversations() == []
    store.release([first])  # the holder stopped: due again at once
    assert store.due_conversations() == [chat]
    assert store.claim_next(chat, LEASE) is not None


def test_a_later_message_waits_for_an_earlier_pending_one(chat: str) -> None:
    first = advisor_says(chat, "first")
    second = advisor_says(chat, "second")
    job = store.claim_next(chat, LEASE)
    assert job is not None and job.message_id == first
    later = utcnow() + timedelta(minutes=5)
    state = store.mark_retry(first, 3, "unreachable", later)
    assert state == store.DeliveryState(first, "pending", 3, "unreachable")
    # The second is due, but the first is still pending: nothing may go yet.
    assert store.claim_next(chat, LEASE) is None
    assert store.due_conversations() == []
    store.mark_retry(first, 3, "unreachable", utcnow() - timedelta(seconds=1))
    assert store.due_conversations() == [chat]
    again = store.claim_next(chat, LEASE)
    assert again is not None and (again.message_id, again.attempts) == (first, 3)
    assert store.mark_sent(first, 4) == store.DeliveryState(first, "sent", 4, None)
    after = store.claim_next(chat, LEASE)
    assert after is not None and after.message_id == second


def test_a_failed_message_no_longer_holds_up_the_next(chat: str) -> None:
    first = advisor_says(chat, "first")
    second = advisor_says(chat, "second")
    assert store.claim_next(chat, LEASE) is not None
    assert store.mark_failed(first, 1, "blocked") == store.DeliveryState(
        first, "failed", 1, "blocked"
    )
    # Final: a late "sent" from a process that lost its lease changes nothing.
    assert store.mark_sent(first, 2) == store.DeliveryState(first, "failed", 1, "blocked")
    job = store.claim_next(chat, LEASE)
    assert job is not None and job.message_id == second
    assert set(store.states(chat)) == {first, second}


def test_a_conversation_without_its_chat_is_taken_with_no_chat(database_url: str) -> None:
    conversation_id = in_unit(conversations.create_conversation, "telegram")
    message = advisor_says(conversation_id, "hello")
    job = store.claim_next(conversation_id, LEASE)
    assert job is not None and job.message_id == message and job.chat_id is None


def test_only_the_vocabularys_words_are_stored(chat: str) -> None:
    message = advisor_says(chat, "hello")
    for column, word in (("delivery", "lost"), ("delivery_error", "gremlins")):
        with pytest.raises(IntegrityError), get_sessionmaker().begin() as session:
            session.execute(
                text(f"UPDATE messages SET {column} = :word WHERE id = :id"),
                {"word": word, "id": message},
            )


def test_an_advisor_message_to_telegram_is_pending_as_it_is_stored(chat: str) -> None:
    """Pending is written with the message: a process that dies before its sender starts (or
    runs no Telegram at all) leaves it for the leader's sweep, not forgotten."""
    from bot.gateway.outbound import send_to_person
    from bot.gateway.push import PushHub

    no_sender = PushHub()  # nothing registered for Telegram in this process
    message = asyncio.run(send_to_person(chat, "Hello, it's Jo", push=no_sender))
    assert message is not None
    assert store.state_of(message.id) == store.DeliveryState(message.id, "pending", 0, None)
    job = store.claim_next(chat, LEASE)
    assert job is not None and job.message_id == message.id
