"""Telegram inside the running gateway: polling and webhook started by the app's lifespan,
the webhook fed by the fake Bot API as Telegram would, and later (advisor) messages delivered
to the person's chat. Rasa is scripted; the gateway, store and python-telegram-bot are real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.gateway.outbound import send_to_person
from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.session import in_unit
from tests.support.fake_telegram import SECRET, FakeTelegram, start_gateway, text_update
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa

CHAT = 555000222


@pytest.fixture
def rasa() -> ScriptedRasa:
    """Rasa's REST channel, scripted: one reply with a button."""
    return ScriptedRasa([{"text": "Hello", "buttons": [{"title": "Yes", "payload": "/affirm"}]}])


@pytest.fixture
def polling(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveServer]:
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    yield server
    server.stop()


@pytest.fixture
def webhook(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveServer]:
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch, webhook=True)
    yield server
    server.stop()


def senders(chat_id: int) -> list[tuple[str, str]]:
    conversation_id = telegram_store.conversation_for_chat(chat_id)
    return [(m.sender, m.text) for m in in_unit(conversations.transcript, conversation_id)]


def test_polling_starts_with_the_app_and_routes_messages(
    polling: LiveServer, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push(text_update(1, CHAT, "hello"))
    sent = fake_telegram.wait_for_sent(1)
    assert sent[0]["text"] == "Hello" and sent[0]["chat_id"] == CHAT
    assert "deleteWebhook" in fake_telegram.calls and "getUpdates" in fake_telegram.calls
    assert senders(CHAT) == [("person", "hello"), ("assistant", "Hello")]


def test_a_later_message_reaches_the_telegram_chat(
    polling: LiveServer, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push(text_update(2, CHAT, "hello"))
    fake_telegram.wait_for_sent(1)
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    message = polling.call(send_to_person(conversation_id, "Hi, I'm an advisor. How can I help?"))
    assert message is not None and message.sender == "advisor"
    sent = fake_telegram.wait_for_sent(2)
    assert sent[1] == {
        "chat_id": CHAT,
        "text": "Hi, I'm an advisor. How can I help?",
        "reply_markup": None,
    }
    assert senders(CHAT)[-1] == ("advisor", "Hi, I'm an advisor. How can I help?")


def test_webhook_mode_registers_the_secret_and_handles_pushed_updates_once(
    webhook: LiveServer, fake_telegram: FakeTelegram, rasa: ScriptedRasa
) -> None:
    assert fake_telegram.webhook == {"url": f"{webhook.url}/telegram/webhook", "secret": SECRET}
    assert "getUpdates" not in fake_telegram.calls
    assert fake_telegram.push(text_update(10, CHAT, "hello")) == [200]
    assert [m["text"] for m in fake_telegram.sent] == ["Hello"]
    redelivered = fake_telegram.push(text_update(10, CHAT, "hello"))
    assert redelivered == [200]  # answered once
    assert len(fake_telegram.sent) == 1 and rasa.messages == ["hello"]
    assert senders(CHAT) == [("person", "hello"), ("assistant", "Hello")]
    forged = httpx.post(
        f"{webhook.url}/telegram/webhook",
        json=text_update(11, CHAT, "forged"),
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    assert forged.status_code == 403 and len(senders(CHAT)) == 2


def test_webhook_answers_500_when_handling_fails_and_the_retry_is_handled(
    webhook: LiveServer, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = telegram_store.conversation_for_chat
    failures = iter([RuntimeError("database unavailable")])

    def flaky(chat_id: int) -> str:
        error: Any = next(failures, None)
        if error is not None:
            raise error
        return real(chat_id)

    monkeypatch.setattr(telegram_store, "conversation_for_chat", flaky)
    assert fake_telegram.push(text_update(20, CHAT, "hello")) == [500, 200]
    assert [m["text"] for m in fake_telegram.sent] == ["Hello"]
    assert senders(CHAT) == [("person", "hello"), ("assistant", "Hello")]


ADVISORS_CHAT = -100777


def test_an_urgent_handover_is_announced_in_the_advisors_chat_without_personal_words(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADVISOR_TELEGRAM_CHAT_ID", str(ADVISORS_CHAT))
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    try:
        rasa.replies = [
            {"text": "I'm passing you to an advisor now."},
            {"custom": {"handover": {"reason": "asked", "urgent": False}}},
        ]
        fake_telegram.push(text_update(30, CHAT, "can I talk to someone"))
        fake_telegram.wait_for_sent(2)  # the reply and the notice that no advisor is online
        rasa.replies = [
            {"text": "Please call 999 now."},
            {"custom": {"handover": {"reason": "crisis", "urgent": True}}},
        ]
        fake_telegram.push(text_update(31, 4242424, "my friend Sam Smith took too many pills"))
        sent = fake_telegram.wait_for_sent(5)
    finally:
        server.stop()
    alerts = [m for m in sent if m["chat_id"] == ADVISORS_CHAT]
    assert len(alerts) == 1  # the urgent one only
    assert "crisis" in alerts[0]["text"] and "Telegram" in alerts[0]["text"]
    assert "Sam" not in alerts[0]["text"] and "pills" not in alerts[0]["text"]
