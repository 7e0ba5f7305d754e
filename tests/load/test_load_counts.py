"""The load run's counts from the database (bench/loadtest/count.py): what is stored, what is
answered, and that other people's conversations are not counted."""

from __future__ import annotations

from bench.loadtest import count
from bot.gateway import texts
from bot.store import conversations, webchat
from bot.store.session import in_unit


def _chat(*messages: tuple[str, str]) -> str:
    """A web chat session whose conversation holds `messages` ((direction, text), in order)."""
    session_id, _, conversation_id = webchat.create_session()
    for direction, text in messages:
        sender = "person" if direction == "in" else "assistant"
        in_unit(conversations.add_message, conversation_id, direction, sender, text)
    return session_id


def test_a_message_is_answered_only_by_a_reply_before_the_next_one(postgres_url: str) -> None:
    answered = _chat(("in", "hello"), ("out", "Hi"), ("out", "How can I help?"), ("in", "uc"))
    outage = _chat(("in", "hello"), ("out", texts.OUTAGE))
    mine = [answered, outage]
    assert count.counts(postgres_url, mine) == {
        "conversations": 2,
        "stored": 3,
        "answered": 2,  # "uc" got no reply
        "outage_replies": 1,
    }


def test_conversations_the_load_did_not_open_are_not_counted(postgres_url: str) -> None:
    mine = _chat(("in", "hello"), ("out", "Hi"))
    _chat(("in", "someone else"), ("out", "Hi"), ("in", "unanswered"))
    assert count.counts(postgres_url, [mine]) == {
        "conversations": 1,
        "stored": 1,
        "answered": 1,
        "outage_replies": 0,
    }
    assert count.settled(postgres_url, [], timeout=2)["stored"] == 0
