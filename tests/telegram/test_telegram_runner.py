"""Telegram inside the running gateway: polling and webhook started by the app's lifespan,
the webhook fed by the fake Bot API as Telegram would, and later (advisor) messages delivered
to the person's chat. Rasa is scripted; the gateway, store and python-telegram-bot are real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.gateway.outbound import send_to_person
from bot.gateway.rasa_client import RasaClient
from bot.settings import get_settings
from bot.store import conversations
from bot.store import telegram as telegram_store
from tests.bot.fake_telegram import FakeTelegram, text_update
from tests.live_server import LiveServer

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret-for-tests"
CHAT = 555000222


class Engine:
    """Rasa's REST channel, scripted: one reply with a button."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.replies: list[dict[str, Any]] = [
            {"text": "Hello", "buttons": [{"title": "Yes", "payload": "/affirm"}]}
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(json.loads(request.content)["message"])
        return httpx.Response(200, json=self.replies)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


def gateway(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, webhook: bool
) -> tuple[LiveServer, Engine]:
    engine = Engine()
    rasa = RasaClient("http://rasa.test", httpx.AsyncClient(transport=httpx.MockTransport(engine)))
    server = LiveServer(create_app(rasa))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    if webhook:
        monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", f"{server.url}/telegram/webhook")
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    return server.start(), engine


@pytest.fixture
def polling(
    fake: FakeTelegram, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, Engine]]:
    fake.reset()
    server, engine = gateway(fake, monkeypatch, webhook=False)
    yield server, engine
    server.stop()


@pytest.fixture
def webhook(
    fake: FakeTelegram, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, Engine]]:
    fake.reset()
    server, engine = gateway(fake, monkeypatch, webhook=True)
    yield server, engine
    server.stop()


def senders(chat_id: int) -> list[tuple[str, str]]:
    conversation_id = telegram_store.conversation_for_chat(chat_id)
    return [(m.sender, m.text) for m in conversations.transcript(conversation_id)]


def test_polling_starts_with_the_app_and_routes_messages(
    polling: tuple[LiveServer, Engine], fake: FakeTelegram
) -> None:
    server, engine = polling
    fake.push(text_update(1, CHAT, "hello"))
    sent = fake.wait_for_sent(1)
    assert sent[0]["text"] == "Hello" and sent[0]["chat_id"] == CHAT
    assert "deleteWebhook" in fake.calls and "getUpdates" in fake.calls
    assert senders(CHAT) == [("person", "hello"), ("assistant", "Hello")]


def test_a_later_message_reaches_the_telegram_chat(
    polling: tuple[LiveServer, Engine], fake: FakeTelegram
) -> None:
    server, _ = polling
    fake.push(text_update(2, CHAT, "hello"))
    fake.wait_for_sent(1)
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    message = server.call(send_to_person(conversation_id, "Hi, I'm an advisor. How can I help?"))
    assert message is not None and message.sender == "advisor"
    sent = fake.wait_for_sent(2)
    assert sent[1] == {
        "chat_id": CHAT,
        "text": "Hi, I'm an advisor. How can I help?",
        "reply_markup": None,
    }
    assert senders(CHAT)[-1] == ("advisor", "Hi, I'm an advisor. How can I help?")


def test_webhook_mode_registers_the_secret_and_handles_pushed_updates_once(
    webhook: tuple[LiveServer, Engine], fake: FakeTelegram
) -> None:
    server, engine = webhook
    assert fake.webhook == {"url": f"{server.url}/telegram/webhook", "secret": SECRET}
    assert "getUpdates" not in fake.calls
    assert fake.push(text_update(10, CHAT, "hello")) == [200]
    assert [m["text"] for m in fake.sent] == ["Hello"]
    assert fake.push(text_update(10, CHAT, "hello")) == [200]  # redelivered: answered once
    assert len(fake.sent) == 1 and engine.received == ["hello"]
    assert senders(CHAT) == [("person", "hello"), ("assistant", "Hello")]
    forged = httpx.post(
        f"{server.url}/telegram/webhook",
        json=text_update(11, CHAT, "forged"),
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    assert forged.status_code == 403 and len(senders(CHAT)) == 2


def test_webhook_answers_500_when_handling_fails_and_the_retry_is_handled(
    webhook: tuple[LiveServer, Engine], fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = telegram_store.conversation_for_chat
    failures = iter([RuntimeError("database unavailable")])

    def flaky(chat_id: int) -> str:
        error: Any = next(failures, None)
        if error is not None:
            raise error
        return real(chat_id)

    monkeypatch.setattr(telegram_store, "conversation_for_chat", flaky)
    assert fake.push(text_update(20, CHAT, "hello")) == [500, 200]
    assert [m["text"] for m in fake.sent] == ["Hello"]
    assert senders(CHAT) == [("person", "hello"), ("assistant", "Hello")]


ADVISORS_CHAT = -100777


def test_an_urgent_handover_is_announced_in_the_advisors_chat_without_personal_words(
    fake: FakeTelegram, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.reset()
    monkeypatch.setenv("ADVISOR_TELEGRAM_CHAT_ID", str(ADVISORS_CHAT))
    server, engine = gateway(fake, monkeypatch, webhook=False)
    try:
        engine.replies = [
            {"text": "I'm passing you to an advisor now."},
            {"custom": {"handover": {"reason": "asked", "urgent": False}}},
        ]
        fake.push(text_update(30, CHAT, "can I talk to someone"))
        fake.wait_for_sent(2)  # the reply and the notice that no advisor is online
        engine.replies = [
            {"text": "Please call 999 now."},
            {"custom": {"handover": {"reason": "crisis", "urgent": True}}},
        ]
        fake.push(text_update(31, 4242424, "my friend Sam Smith took too many pills"))
        sent = fake.wait_for_sent(5)
    finally:
        server.stop()
    alerts = [m for m in sent if m["chat_id"] == ADVISORS_CHAT]
    assert len(alerts) == 1  # the urgent one only
    assert "crisis" in alerts[0]["text"] and "Telegram" in alerts[0]["text"]
    assert "Sam" not in alerts[0]["text"] and "pills" not in alerts[0]["text"]
