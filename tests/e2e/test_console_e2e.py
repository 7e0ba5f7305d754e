"""The advisor console with the whole product: the real Rasa engine and action server, the
gateway on uvicorn with Telegram (long polling against the fake Bot API) and the web chat.

A person on Telegram, then one on the web chat, asks for a person; an advisor signs in to the
staff API, finds them in the queue, claims the conversation and replies. The reply reaches the
fake Telegram chat, or the web chat's live stream. The advisor hands back and the assistant
answers the person's next message. The database shows the states waiting -> advisor ->
assistant, every message, the contacts and the audit trail of claim, reply and hand back.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.console import texts
from bot.gateway.rasa_client import RasaClient
from bot.settings import get_settings
from bot.store import audit, conversations
from bot.store import telegram as telegram_store
from bot.store.models import Contact
from bot.store.session import get_sessionmaker, in_unit
from tests.support.fake_telegram import FakeTelegram, start_gateway, text_update
from tests.support.live_server import LiveServer
from tests.support.processes import ActionServer
from tests.support.sse import read_data
from tests.support.staff import PASSWORD, make_staff
from tests.support.webchat import WebChat

pytestmark = pytest.mark.e2e

ASK_FOR_PERSON = "can i talk to a real person"
HANDOVER_REPLY = "advisor to pick up this conversation"
QUESTION = "how do i claim universal credit"
DEADLINE = 30.0


@pytest.fixture
def gateway(
    fake_telegram: FakeTelegram,
    engine_url: str,
    actions: ActionServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveServer]:
    """The gateway on a real port, on this module's database, Telegram by long polling; the
    staff cookie is not Secure so that httpx sends it back over plain http."""
    monkeypatch.setenv("COOKIE_SECURE", "0")
    server = start_gateway(RasaClient(engine_url), fake_telegram, monkeypatch)
    yield server
    server.stop()
    get_settings.cache_clear()


@dataclass
class Advisor:
    """A signed-in advisor using the staff API with their own cookie jar and CSRF token."""

    id: int
    client: httpx.Client
    headers: dict[str, str]

    def get(self, path: str) -> Any:
        response = self.client.get(f"/api/staff{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, str] | None = None) -> Any:
        response = self.client.post(f"/api/staff{path}", json=body, headers=self.headers)
        assert response.status_code == 200, f"POST {path}: {response.status_code} {response.text}"
        return response.json()


@pytest.fixture
def advisor(gateway: LiveServer) -> Iterator[Advisor]:
    """A new advisor (the module's database is shared by its tests, so the name is unique)."""
    name = f"advisor-{secrets.token_hex(4)}"
    user = make_staff(name)
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        login = client.post("/api/staff/login", json={"username": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        assert login.json()["role"] == "advisor"
        yield Advisor(user.id, client, {"X-CSRF-Token": login.json()["csrf_token"]})


def wait_for(check: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Poll until `check()` is truthy and return its value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def claim_from_queue(advisor: Advisor, conversation_id: str, channel: str) -> None:
    """The conversation is in the queue as asked for; the advisor claims it and views it."""
    queued = {item["conversation_id"]: item for item in advisor.get("/queue")}
    assert conversation_id in queued
    item = queued[conversation_id]
    assert (item["channel"], item["state"], item["reason"], item["urgent"]) == (
        channel,
        "waiting",
        "asked",
        False,
    )
    claimed = advisor.post(f"/conversations/{conversation_id}/claim")
    assert claimed == {"conversation_id": conversation_id, "state": "advisor"}
    assert in_unit(conversations.get_state, conversation_id) == "advisor"
    assert conversation_id not in {i["conversation_id"] for i in advisor.get("/queue")}
    view = advisor.get(f"/conversations/{conversation_id}")
    assert (view["state"], view["channel"], view["advisor_id"]) == (
        "advisor",
        channel,
        advisor.id,
    )
    assert ("person", ASK_FOR_PERSON) in [(m["from"], m["text"]) for m in view["transcript"]]


def check_records(conversation_id: str, channel: str, advisor: Advisor, words: str) -> None:
    """Transcript, contacts and audit rows of a handover that was claimed and handed back."""
    transcript = [(m.sender, m.text) for m in in_unit(conversations.transcript, conversation_id)]
    people = [text for sender, text in transcript if sender == "person"]
    assert people == [ASK_FOR_PERSON, "are you there?", QUESTION]
    assert [text for sender, text in transcript if sender == "advisor"] == [
        words,
        texts.HANDBACK,
    ]
    assistant = [text for sender, text in transcript if sender == "assistant"]
    assert any(HANDOVER_REPLY in text for text in assistant)
    assert "Universal Credit" in assistant[-1]
    # In order: the question, the assistant's handover, the held message (no assistant
    # reply), the advisor's words, the hand back, the next question and its answer.
    order = [sender for sender, _ in transcript]
    assert transcript[order.index("advisor") - 1] == ("person", "are you there?")
    last = len(order) - 1 - order[::-1].index("person")
    assert transcript[last] == ("person", QUESTION)
    assert transcript[last - 1] == ("advisor", texts.HANDBACK)
    assert set(order[last + 1 :]) == {"assistant"}

    with get_sessionmaker().begin() as session:
        rows = session.scalars(
            select(Contact).where(Contact.conversation_id == conversation_id).order_by(Contact.id)
        )
        contacts = [(c.channel, c.outcome) for c in rows]
    # The assistant's handover, the advisor's hand back, then the assistant's answer.
    assert contacts == [
        (channel, "handover"),
        (channel, "handover"),
        (channel, "answered"),
    ], contacts

    trail = audit.events(conversation_id=conversation_id)
    assert [(e.action, e.staff_user_id) for e in trail] == [
        ("claim", advisor.id),
        ("view", advisor.id),
        ("reply", advisor.id),
        ("handback", advisor.id),
    ]
    reply_id = next(
        m.id for m in in_unit(conversations.transcript, conversation_id) if m.text == words
    )
    assert trail[2].detail == f"message={reply_id}"
    assert all(words not in (e.detail or "") for e in trail)  # no message text in the audit


# Telegram


def telegram_exchange(
    fake_telegram: FakeTelegram, update: dict[str, Any], chat_id: int, expect: str
) -> str:
    """Send one update and wait until a message containing `expect` has gone to the chat."""
    before = len(fake_telegram.sent)
    fake_telegram.push(update)
    return wait_for(
        lambda: (text := fake_telegram.said(before, chat_id)) and expect in text and text,
        f"{expect!r} in chat {chat_id}",
    )


def test_telegram_handover_claimed_answered_and_handed_back(
    gateway: LiveServer, fake_telegram: FakeTelegram, advisor: Advisor
) -> None:
    # Random ids: the module's database is shared by its tests, and update ids seen once are
    # dropped.
    chat_id = 700_000_000 + secrets.randbelow(100_000_000)
    update_id = 500_000_000 + secrets.randbelow(100_000_000)

    telegram_exchange(
        fake_telegram, text_update(update_id, chat_id, ASK_FOR_PERSON), chat_id, HANDOVER_REPLY
    )
    conversation_id = telegram_store.conversation_for_chat(chat_id)
    assert in_unit(conversations.get_state, conversation_id) == "waiting"

    claim_from_queue(advisor, conversation_id, "telegram")

    # While the advisor holds it the person's words are kept for them, not answered.
    before = len(fake_telegram.sent)
    fake_telegram.push(text_update(update_id + 1, chat_id, "are you there?"))
    wait_for(
        lambda: (
            "are you there?" in [m.text for m in in_unit(conversations.transcript, conversation_id)]
        ),
        "the held message in the transcript",
    )

    words = "Hi, I'm an advisor. How can I help?"
    sent = advisor.post(f"/conversations/{conversation_id}/messages", {"text": words})
    assert (sent["from"], sent["text"]) == ("advisor", words)
    wait_for(
        lambda: words in fake_telegram.said(before, chat_id), "the advisor's reply on Telegram"
    )
    assert fake_telegram.said(before, chat_id) == words  # the held message got no assistant reply

    handed = advisor.post(f"/conversations/{conversation_id}/handback")
    assert handed == {"conversation_id": conversation_id, "state": "assistant"}
    assert in_unit(conversations.get_state, conversation_id) == "assistant"
    wait_for(
        lambda: texts.HANDBACK in fake_telegram.said(before, chat_id), "the hand back on Telegram"
    )

    answer = telegram_exchange(
        fake_telegram, text_update(update_id + 2, chat_id, QUESTION), chat_id, "Universal Credit"
    )
    assert words not in answer
    assert in_unit(conversations.get_state, conversation_id) == "assistant"

    check_records(conversation_id, "telegram", advisor, words)


# Web chat


def test_web_chat_handover_claimed_answered_live_and_handed_back(
    gateway: LiveServer, advisor: Advisor
) -> None:
    with httpx.Client(base_url=gateway.url, timeout=60) as client:
        person = WebChat(client)
        conversation_id = person.conversation_id

        def say(text: str) -> str:
            return "\n".join(m["text"] for m in person.say(text=text))

        assert HANDOVER_REPLY in say(ASK_FOR_PERSON)
        assert in_unit(conversations.get_state, conversation_id) == "waiting"
        stream = f"{gateway.url}/api/webchat/sessions/{person.session_id}/stream"
        events = read_data(stream, person.headers, timeout=60)

        claim_from_queue(advisor, conversation_id, "webchat")
        assert say("are you there?") == ""  # kept for the advisor; the assistant is not asked

        words = "Hi, I'm an advisor. How can I help?"
        sent = advisor.post(f"/conversations/{conversation_id}/messages", {"text": words})
        live = events.get(timeout=10)
        assert (live["from"], live["text"], live["id"]) == ("advisor", words, sent["id"])

        handed = advisor.post(f"/conversations/{conversation_id}/handback")
        assert handed == {"conversation_id": conversation_id, "state": "assistant"}
        assert in_unit(conversations.get_state, conversation_id) == "assistant"
        back = events.get(timeout=10)
        assert (back["from"], back["text"]) == ("advisor", texts.HANDBACK)

        assert "Universal Credit" in say(QUESTION)
        assert in_unit(conversations.get_state, conversation_id) == "assistant"

        shown = [(m["from"], m["text"]) for m in person.transcript()]
        assert ("advisor", words) in shown and ("advisor", texts.HANDBACK) in shown

    check_records(conversation_id, "webchat", advisor, words)
