"""One message, one unit of work, off the event loop; and an engine that answers late.

A step that fails part-way keeps nothing of the message (so "try again" stores it once); a
database that makes a write wait does not stop the process answering anyone else; an answer
the engine gives after the gateway stopped waiting still takes effect.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from bot.gateway import callback, texts
from bot.store import conversations
from bot.store.session import in_unit
from bot.vocabulary import ConversationState
from tests.support.rasa import ScriptedRasa
from tests.support.webchat import WebChat

HANDOVER = [
    {"text": "Passing you to an advisor."},
    {"custom": {"handover": {"reason": "asked", "urgent": False}}},
]


def until(found: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not found():
        assert time.monotonic() < deadline, f"no {what} in {timeout}s"
        time.sleep(0.05)


def person_messages(conversation_id: str) -> list[str]:
    return [
        m.text for m in in_unit(conversations.transcript, conversation_id) if m.sender == "person"
    ]


def test_a_step_that_fails_part_way_keeps_nothing_of_the_message(
    gateway_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = WebChat(gateway_client)
    real = callback.handle

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(callback, "handle", broken)  # after the message was written
    response = gateway_client.post(person.url, json={"text": "hello"}, headers=person.headers)
    assert response.status_code == 503
    assert "999" in response.json()["message"] and "116 123" in response.json()["message"]
    assert person_messages(person.conversation_id) == []  # rolled back with the failed step

    monkeypatch.setattr(callback, "handle", real)
    assert person.say(text="hello")  # the person tries again
    assert person_messages(person.conversation_id) == ["hello"]  # stored once


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_process_keeps_answering_while_a_write_waits_for_the_database(
    gateway_client: TestClient, database_url: str
) -> None:
    """SQLite lets one writer at a time: while another holds the lock, the message's write
    waits. That wait happens in a worker thread, so the event loop serves everyone else."""
    person = WebChat(gateway_client)
    locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=5)
    locker.execute("BEGIN IMMEDIATE")  # holds the write lock
    answered: list[int] = []
    sender = threading.Thread(
        target=lambda: answered.append(
            gateway_client.post(
                person.url, json={"text": "hello"}, headers=person.headers
            ).status_code
        )
    )
    try:
        sender.start()
        time.sleep(0.5)  # the message is now waiting for the lock
        assert not answered
        started = time.monotonic()
        page = gateway_client.get("/chat")
        took = time.monotonic() - started
        assert page.status_code == 200
        assert took < 1.0, f"the page took {took:.2f}s while a write waited"
        assert not answered  # still waiting: the page did not wait for it
    finally:
        time.sleep(0.5)
        locker.rollback()
        locker.close()
    sender.join(timeout=20)
    assert answered == [200]
    assert person_messages(person.conversation_id) == ["hello"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_late_answer_from_the_engine_still_takes_effect(
    rasa: ScriptedRasa, database_url: str
) -> None:
    """The engine answers (a handover) after the gateway stopped waiting: the person was told
    it could not answer; the late answer is stored once, and the handover happens."""
    from bot.app import create_app

    rasa.replies = HANDOVER
    rasa.delay_s, rasa.wait_s = 1.0, 0.2
    with TestClient(create_app(rasa.client())) as client:
        person = WebChat(client)
        first = person.say(text="can I talk to someone")
        assert first[0]["text"] == texts.OUTAGE
        conversation_id = person.conversation_id
        until(
            lambda: in_unit(conversations.get_state, conversation_id) == ConversationState.WAITING,
            "the late handover",
        )
        said = [m.text for m in in_unit(conversations.transcript, conversation_id)]
        assert said.count("Passing you to an advisor.") == 1
        assert said.count("can I talk to someone") == 1
        assert len(rasa.received) == 1  # the engine was asked once
