"""The crisis step on every path: before the database write, the length check and the rate
limit; with the database failing; and with the context (earlier messages, the question just
asked) passed to the detector and the engine. The crisis question's answers are in
test_crisis_replies.py.

The trained detector is replaced by a fixed stand-in that records what the gateway passed it,
so these tests pin the gateway's side of the contract; the detector has its own tests. The
database (SQLite and PostgreSQL), the store, the router, the web chat API and Telegram's
handlers are real; Rasa is scripted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from telegram import Update

from bot.app import create_app
from bot.crisis import Assessment
from bot.gateway import crisis, texts
from bot.gateway.alerts import ADVISORS
from bot.gateway.push import hub
from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.models import Contact, Conversation
from bot.store.session import get_engine, get_sessionmaker
from bot.telegram import build_application
from tests.support.fake_telegram import FakeTelegram, text_update
from tests.support.rasa import ScriptedRasa
from tests.support.waiting import wait_for
from tests.support.webchat import WebChat

NONE = Assessment("none", None, 0.0, "none")
SUICIDE = Assessment("crisis", "suicide", 0.97, "model")
CRISIS_TEXT, _ = texts.response("utter_crisis")
NAME_QUESTION, _ = texts.response("utter_ask_preferred_name")
TOKEN = "123456:TEST-token"
CHAT = 424242001


class FakeDetector:
    """Fixed findings for messages that start with a phrase; records every call."""

    def __init__(self) -> None:
        self.findings: dict[str, Assessment | Callable[[str | None], Assessment]] = {}
        self.calls: list[dict[str, Any]] = []

    def __call__(self, words: str, *, recent: Any = (), asking: str | None = None) -> Assessment:
        self.calls.append({"text": words, "recent": list(recent), "asking": asking})
        for phrase, found in self.findings.items():
            if words.lower().startswith(phrase):
                return found(asking) if callable(found) else found
        return NONE


@pytest.fixture
def detector(monkeypatch: pytest.MonkeyPatch) -> FakeDetector:
    fake = FakeDetector()
    fake.findings = {"i want to kill myself": SUICIDE}
    monkeypatch.setattr(crisis, "assess", fake)
    return fake


def joined(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def conversation(conversation_id: str) -> Conversation:
    with get_sessionmaker().begin() as session:
        return session.get(Conversation, conversation_id)


def outcomes(conversation_id: str) -> list[str]:
    with get_sessionmaker().begin() as session:
        stmt = select(Contact.outcome).where(Contact.conversation_id == conversation_id)
        return list(session.scalars(stmt))


def drop_table(name: str) -> None:
    """Break the store for real: the next write (or read) of this table fails."""
    with get_engine().begin() as connection:
        connection.execute(text(f"DROP TABLE {name}"))


@pytest.fixture
def sqlite_gateway(rasa: ScriptedRasa, sqlite_url: str) -> Iterator[TestClient]:
    """The gateway on a SQLite file of its own, whose tables a test may drop."""
    with TestClient(create_app(rasa.client())) as client:
        yield client


# The database fails


def test_a_failed_message_write_still_gives_the_crisis_reply_and_the_alert(
    sqlite_gateway: TestClient,
    rasa: ScriptedRasa,
    detector: FakeDetector,
    alerts: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = WebChat(sqlite_gateway)
    conversation_id = person.conversation_id
    drop_table("messages")
    caplog.set_level(logging.INFO)
    replies = person.say(text="i want to kill myself")
    assert replies[0]["text"] == CRISIS_TEXT
    assert "116 123" in joined(replies) and "999" in joined(replies)
    assert rasa.received == []  # answered before anything else
    [(alerted, event)] = wait_for(alerts)
    assert alerted == conversation_id and "crisis" in event["text"]
    row = conversation(conversation_id)
    assert (row.state, row.handover_reason, row.urgent) == ("waiting", "crisis", True)
    assert outcomes(conversation_id) == ["crisis"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "OperationalError" in logged and "kill" not in logged


def test_a_failed_write_and_a_failed_alert_still_answer_and_log_only_the_error_type(
    gateway_client: TestClient,
    detector: FakeDetector,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = WebChat(gateway_client)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    async def refused(conversation_id: str, event: dict[str, Any]) -> None:
        raise ConnectionError("advisors' chat unreachable")

    monkeypatch.setattr(conversations, "add_message", broken)
    monkeypatch.setattr(conversations, "set_state", broken)
    hub.register_deliverer(ADVISORS, refused)
    try:
        caplog.set_level(logging.INFO)
        replies = person.say(text="i want to kill myself tonight")
        time.sleep(0.2)
    finally:
        hub.unregister_deliverer(ADVISORS)
    assert replies[0]["text"] == CRISIS_TEXT
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "OperationalError" in logged and "ConnectionError" in logged
    assert person.conversation_id in logged
    assert "kill" not in logged and "disk I/O" not in logged


def test_a_failed_write_of_an_ordinary_message_is_an_error_that_carries_the_numbers(
    gateway_client: TestClient, detector: FakeDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = WebChat(gateway_client)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(conversations, "add_message", broken)
    response = gateway_client.post(person.url, json={"text": "hello"}, headers=person.headers)
    assert response.status_code == 503  # try again: nothing of it was kept
    assert "try again" in response.json()["message"]
    assert "999" in response.json()["message"] and "116 123" in response.json()["message"]


def test_with_the_database_down_entirely_a_crisis_still_gets_the_numbers(
    sqlite_gateway: TestClient, detector: FakeDetector, alerts: list[Any]
) -> None:
    person = WebChat(sqlite_gateway)
    drop_table("webchat_sessions")  # not even the session can be read
    assert person.say(text="i want to kill myself")[0]["text"] == CRISIS_TEXT
    [(alerted, _)] = wait_for(alerts)
    assert alerted == "unknown"
    other = sqlite_gateway.post(person.url, json={"text": "hello"}, headers=person.headers)
    assert other.status_code == 503 and "116 123" in other.json()["message"]


def test_every_web_chat_error_body_carries_the_numbers(gateway_client: TestClient) -> None:
    person = WebChat(gateway_client)
    missing = gateway_client.post(person.url, json={"text": "hi"})
    wrong = gateway_client.post(person.url, json={"text": "hi"}, headers={"Authorization": "x"})
    invalid = gateway_client.post(person.url, json={"text": 5}, headers=person.headers)
    for response, status in ((missing, 401), (wrong, 401), (invalid, 422)):
        assert response.status_code == status
        assert "999" in response.json()["message"] and "116 123" in response.json()["message"]


# The length check and the rate limit


def test_an_over_long_crisis_message_gets_the_crisis_reply(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector, alerts: list[Any]
) -> None:
    person = WebChat(gateway_client)
    long = "i want to kill myself and " + "nobody listens and " * 400
    assert len(long) > texts.MAX_MESSAGE_CHARS
    replies = person.say(text=long)
    assert replies[0]["text"] == CRISIS_TEXT and texts.TOO_LONG not in joined(replies)
    assert len(detector.calls[-1]["text"]) <= texts.MAX_MESSAGE_CHARS  # its first part
    assert rasa.received == []  # too long for the assistant: the gateway answered
    assert conversation(person.conversation_id).urgent
    assert outcomes(person.conversation_id) == ["crisis"]
    assert person.transcript()[0]["text"] == long.strip()  # kept for the advisor
    assert len(wait_for(alerts)) == 1


def test_an_over_long_ordinary_message_is_still_too_long(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector
) -> None:
    person = WebChat(gateway_client)
    assert person.say(text="hello " * 1000)[0]["text"] == texts.TOO_LONG
    assert rasa.received == [] and person.transcript() == []


def test_a_rate_limited_sender_in_crisis_gets_the_crisis_reply(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector, alerts: list[Any]
) -> None:
    person = WebChat(gateway_client)
    answers = [person.say(text=f"hi {i}")[0]["text"] for i in range(10)]
    assert answers[-1] == texts.SLOW_DOWN
    sent = len(rasa.received)
    replies = person.say(text="i want to kill myself")
    assert replies[0]["text"] == CRISIS_TEXT and "116 123" in joined(replies)
    assert len(rasa.received) == sent  # the flood stays away from the assistant
    row = conversation(person.conversation_id)
    assert (row.state, row.handover_reason, row.urgent) == ("waiting", "crisis", True)
    assert len(wait_for(alerts)) == 1
    assert person.say(text="hi again")[0]["text"] == texts.SLOW_DOWN


# Context: what the assistant just asked, and what the person said before


class FormRasa(ScriptedRasa):
    """Asks for a name like the referral form, then carries on."""

    def answer(self, message: str) -> list[dict[str, Any]]:
        if "refer" in message:
            return [{"text": NAME_QUESTION}]
        return [{"text": "Which area do you live in?"}]


def test_a_name_typed_for_the_referral_form_is_read_as_a_name_not_a_crisis(
    gateway_client: TestClient,
    rasa: ScriptedRasa,
    detector: FakeDetector,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = FormRasa()
    monkeypatch.setattr(rasa, "answer", script.answer)
    # The stand-in fires on "Hope" unless told a name was asked for, as a detector might.
    detector.findings["hope"] = lambda asking: NONE if asking == "name" else SUICIDE
    person = WebChat(gateway_client)
    caplog.set_level(logging.DEBUG)
    person.say(text="can i refer myself")
    replies = person.say(text="Hope")
    assert joined(replies) == "Which area do you live in?"
    assert detector.calls[-1] == {
        "text": "Hope",
        "recent": ["can i refer myself"],
        "asking": "name",
    }
    assert rasa.received[-1]["metadata"] == {
        "channel": "webchat",
        "crisis_asking": "name",
        "personal_answer": "name",  # kept out of the transcript, forgotten by the engine
    }
    row = conversation(person.conversation_id)
    assert (row.state, row.urgent) == ("assistant", False)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Hope" not in logged and "refer myself" not in logged


def test_the_same_word_with_no_question_asked_is_left_to_the_detector(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector
) -> None:
    detector.findings["hope"] = lambda asking: NONE if asking == "name" else SUICIDE
    person = WebChat(gateway_client)
    person.say(text="hello")  # the assistant says "Hello", which asks for nothing
    assert CRISIS_TEXT in joined(person.say(text="Hope"))
    assert detector.calls[-1]["asking"] is None and detector.calls[-1]["recent"] == ["hello"]


def test_recent_messages_are_the_last_three_typed_ones_oldest_first(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector
) -> None:
    person = WebChat(gateway_client)
    for said in ("one", "two", "three", "four"):
        person.say(text=said)
    person.say(payload="/refer_self")  # a tapped button is not the person's words
    person.say(text="five")
    assert detector.calls[-1]["recent"] == ["two", "three", "four"]
    # Nothing was flagged: the engine gets the channel alone, none of the earlier words.
    assert rasa.received[-1]["metadata"] == {"channel": "webchat"}


def test_the_engine_is_told_what_the_check_found_with_the_earlier_messages(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector
) -> None:
    """The engine checks the words alone and takes the stronger of its finding and this one,
    so the earlier messages are read once and never copied into its tracker."""
    detector.findings["how high"] = Assessment("ask", "suicide", 0.3, "context")
    person = WebChat(gateway_client)
    person.say(text="everything is pointless")
    person.say(text="how high is the bridge")
    assert detector.calls[-1]["recent"] == ["everything is pointless"]
    metadata = rasa.received[-1]["metadata"]
    assert metadata == {
        "channel": "webchat",
        "crisis_found": {"decision": "ask", "category": "suicide"},
    }


def test_the_assistant_missing_a_crisis_the_gateway_found_is_answered_anyway(
    gateway_client: TestClient, rasa: ScriptedRasa, detector: FakeDetector, alerts: list[Any]
) -> None:
    person = WebChat(gateway_client)
    replies = person.say(text="i want to kill myself")  # the script only says "Hello"
    assert [r["text"] for r in replies][:2] == ["Hello", CRISIS_TEXT]
    assert conversation(person.conversation_id).urgent
    assert outcomes(person.conversation_id) == ["crisis"]
    assert len(wait_for(alerts)) == 1


# Telegram: the same step before the claim and the conversation lookup


def run_telegram(fake: FakeTelegram, rasa: ScriptedRasa, *updates: dict[str, Any]) -> None:
    """Hand updates to the bot's handlers as Telegram would, one after another."""

    async def run() -> None:
        application = build_application(TOKEN, rasa.client(), base_url=fake.base_url)
        async with application:
            for update in updates:
                await application.process_update(Update.de_json(update, application.bot))
            await asyncio.sleep(0.1)  # the alert goes out in the background

    asyncio.run(run())


def test_telegram_with_the_database_down_still_answers_a_crisis(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    sqlite_url: str,
    detector: FakeDetector,
    alerts: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(chat_id: int) -> str:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(telegram_store, "conversation_for_chat", broken)
    run_telegram(fake_telegram, rasa, text_update(1, CHAT, "i want to kill myself"))
    said = [m["text"] for m in fake_telegram.sent if m["chat_id"] == CHAT]
    assert said == [CRISIS_TEXT, texts.CRISIS_NOBODY_SIGNED_IN]
    assert len(alerts) == 1
