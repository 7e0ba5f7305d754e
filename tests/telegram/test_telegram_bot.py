"""The Telegram channel against a fake Bot API server, with Rasa scripted.

Long polling and the webhook both go through the gateway's router: messages are stored under
the conversation id (Rasa never sees a Telegram id), each update is handled once, buttons
become inline keyboards and only text is read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from telegram.ext import Application

from bot.content import get_content
from bot.settings import get_settings
from bot.store import conversations
from bot.store.models import Message, TelegramChat, TelegramUpdate
from bot.store.session import get_sessionmaker, in_unit
from bot.telegram import build_application, split_text, texts, webhook_router
from tests.support.db import count
from tests.support.fake_telegram import (
    SECRET,
    TOKEN,
    FakeTelegram,
    callback_update,
    photo_update,
    sticker_update,
    text_update,
)
from tests.support.rasa import ScriptedRasa

CHAT = 777000111
LONG_PAYLOAD = '/inform{"district":"' + "x" * 80 + '"}'


@pytest.fixture
def rasa(sqlite_url: str) -> ScriptedRasa:
    """Hello with two buttons, one with a payload too long for Telegram, on a fresh database."""
    return ScriptedRasa(
        [
            {
                "text": "Hello",
                "buttons": [
                    {"title": "Refer myself", "payload": "/refer_self"},
                    {"title": "Too long", "payload": LONG_PAYLOAD},
                ],
            }
        ]
    )


def make_app(rasa: ScriptedRasa, fake_telegram: FakeTelegram) -> Application:
    return build_application(TOKEN, rasa.client(), base_url=fake_telegram.base_url)


def poll(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram, *updates: dict[str, Any], expect: int
) -> list[dict[str, Any]]:
    """Run the bot by long polling until `expect` messages were sent (and a moment more)."""

    async def run() -> list[dict[str, Any]]:
        application = make_app(rasa, fake_telegram)
        async with application:
            await application.start()
            await application.updater.start_polling(poll_interval=0, timeout=1)
            fake_telegram.push(*updates)
            for _ in range(250):
                if len(fake_telegram.sent) >= expect:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # room for anything sent twice by mistake
            await application.updater.stop()
            await application.stop()
        return list(fake_telegram.sent)

    return asyncio.run(run())


def conversation_of(chat_id: int) -> str:
    with get_sessionmaker().begin() as session:
        return session.get(TelegramChat, chat_id).conversation_id


def test_polling_text_is_routed_stored_and_answered_with_buttons(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    sent = poll(rasa, fake_telegram, text_update(1, CHAT, "hello"), expect=1)
    assert len(sent) == 1
    assert sent[0]["chat_id"] == CHAT and sent[0]["text"] == "Hello"
    # The over-long payload (over 64 bytes) is left out of the keyboard.
    assert sent[0]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Refer myself", "callback_data": "/refer_self"}]]
    }
    conversation_id = conversation_of(CHAT)
    assert rasa.received[0]["sender"] == conversation_id
    assert str(CHAT) not in json.dumps(rasa.received)
    assert rasa.received[0]["metadata"] == {"channel": "telegram"}
    transcript = in_unit(conversations.transcript, conversation_id)
    assert [(m.sender, m.text) for m in transcript] == [("person", "hello"), ("assistant", "Hello")]


def test_a_redelivered_update_is_handled_once(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    update = text_update(5, CHAT, "hello")
    sent = poll(rasa, fake_telegram, update, update, expect=1)
    assert len(sent) == 1
    assert count(Message) == 2  # one in, one out
    assert len(rasa.received) == 1


def test_a_button_tap_is_routed_as_its_payload(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    poll(rasa, fake_telegram, text_update(10, CHAT, "hi"), expect=1)
    sent = poll(rasa, fake_telegram, callback_update(11, CHAT, "/refer_self"), expect=2)
    assert len(sent) == 2
    assert fake_telegram.answered == ["cb11"]
    assert rasa.received[-1]["message"] == "/refer_self"
    people = [
        m.text
        for m in in_unit(conversations.transcript, conversation_of(CHAT))
        if m.sender == "person"
    ]
    assert people == ["hi", "/refer_self"]


def test_photos_and_stickers_get_the_text_only_reply_and_nothing_is_stored(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    sent = poll(rasa, fake_telegram, photo_update(20, CHAT), sticker_update(21, CHAT), expect=2)
    assert [m["text"] for m in sent] == [texts.TEXT_ONLY, texts.TEXT_ONLY]
    assert count(Message) == 0 and count(TelegramChat) == 0
    assert rasa.received == []


def test_start_welcomes_and_other_commands_go_to_the_router_as_text(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    sent = poll(
        rasa,
        fake_telegram,
        text_update(30, CHAT, "/start"),
        text_update(31, CHAT, "/restart"),
        expect=2,
    )
    assert sent[0]["text"] == texts.welcome() and "999" in sent[0]["text"]
    assert sent[1]["text"] == "Hello"
    assert [r["message"] for r in rasa.received] == ["restart"]


def test_start_shows_the_privacy_notice_from_the_content(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    """The one privacy notice (content/services.yml), the same words the web chat shows."""
    notice = get_content().privacy_notice
    assert "up to a year" in notice and "ask an advisor here" in notice
    [welcome] = poll(rasa, fake_telegram, text_update(40, CHAT, "/start"), expect=1)
    assert notice in welcome["text"]
    assert welcome["text"].startswith(get_content().welcome)
    assert rasa.received == []  # /start is the gateway's own answer


def test_a_long_reply_is_split_between_paragraphs(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram
) -> None:
    rasa.replies = [
        {
            "text": "a" * 3000 + "\n\n" + "b" * 1998,
            "buttons": [{"title": "OK", "payload": "/affirm"}],
        }
    ]
    sent = poll(rasa, fake_telegram, text_update(40, CHAT, "tell me everything"), expect=2)
    assert [m["text"] for m in sent] == ["a" * 3000, "b" * 1998]
    assert sent[0]["reply_markup"] is None and sent[1]["reply_markup"] is not None


def test_split_text_never_exceeds_the_limit() -> None:
    assert split_text("short") == ["short"]
    pieces = split_text("x" * 10_000)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]
    words = split_text("word " * 2000)
    assert all(len(p) <= 4096 for p in words) and all(p.endswith("word") for p in words[:-1])


@pytest.fixture
def webhook(
    rasa: ScriptedRasa, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    application = make_app(rasa, fake_telegram)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with application:
            app.state.telegram = application
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(webhook_router)
    with TestClient(app) as client:
        yield client


def test_webhook_rejects_a_wrong_secret_and_handles_the_right_one_once(
    webhook: TestClient, fake_telegram: FakeTelegram
) -> None:
    update = text_update(50, CHAT, "hello")
    url = "/telegram/webhook"
    assert webhook.post(url, json=update).status_code == 403
    bad = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
    assert webhook.post(url, json=update, headers=bad).status_code == 403
    assert count(TelegramUpdate) == 0 and count(Message) == 0 and fake_telegram.sent == []

    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert webhook.post(url, json=update, headers=good).status_code == 200
    assert [m["text"] for m in fake_telegram.sent] == ["Hello"]  # sent before the 200
    assert count(Message) == 2
    assert webhook.post(url, json=update, headers=good).status_code == 200  # a retry
    assert len(fake_telegram.sent) == 1 and count(Message) == 2
