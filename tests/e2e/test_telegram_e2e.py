"""A Telegram conversation through the whole product: the fake Bot API, python-telegram-bot in
the gateway (long polling, then a webhook), the real Rasa engine and action server, and the
database. A person asks a question, is signposted to their district, taps the button to refer
themselves and gets the consent question; every message is found in the database."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.settings import get_settings
from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.models import Contact
from bot.store.session import get_sessionmaker
from tests.bot.fake_telegram import FakeTelegram, callback_update, text_update
from tests.e2e.conftest import ActionServer
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e

TOKEN = "123456:E2E-token"
SECRET = "e2e-webhook-secret"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture(params=["polling", "webhook"])
def gateway(
    request: pytest.FixtureRequest,
    fake: FakeTelegram,
    engine_url: str,
    actions: ActionServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    fake.reset()
    server = LiveServer(create_app(RasaClient(engine_url)))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    if request.param == "webhook":
        monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", f"{server.url}/telegram/webhook")
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    server.start()
    yield request.param
    server.stop()
    get_settings.cache_clear()


def said(fake: FakeTelegram, since: int, chat_id: int) -> str:
    return "\n".join(m["text"] for m in fake.sent[since:] if m["chat_id"] == chat_id)


def exchange(fake: FakeTelegram, update: dict, chat_id: int, expect: str) -> str:
    """Send one update and wait until a reply containing `expect` has gone to the chat."""
    before = len(fake.sent)
    fake.push(update)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = said(fake, before, chat_id)
        if expect in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"no reply with {expect!r}; got {said(fake, before, chat_id)!r}")


def test_telegram_question_signpost_and_referral_start(gateway: str, fake: FakeTelegram) -> None:
    chat_id = 880000 + (1 if gateway == "polling" else 2)
    base = 1000 if gateway == "polling" else 2000
    assert "Welfare Advice Line" in exchange(
        fake, text_update(base, chat_id, "/start"), chat_id, "Privacy"
    )
    exchange(fake, text_update(base + 1, chat_id, "how do i claim uc"), chat_id, "Universal Credit")
    exchange(
        fake, text_update(base + 2, chat_id, "who can help near me"), chat_id, "Where do you live"
    )
    exchange(fake, text_update(base + 3, chat_id, "Hyde"), chat_id, "The Big Life Company")
    keyboards = [
        m["reply_markup"] for m in fake.sent if m["chat_id"] == chat_id and m["reply_markup"]
    ]
    offered = {b["callback_data"] for k in keyboards for row in k["inline_keyboard"] for b in row}
    assert "/refer_self" in offered
    exchange(fake, callback_update(base + 4, chat_id, "/refer_self"), chat_id, "Is that OK?")

    conversation_id = telegram_store.conversation_for_chat(chat_id)
    transcript = conversations.transcript(conversation_id)
    people = [m.text for m in transcript if m.sender == "person"]
    assert people == ["how do i claim uc", "who can help near me", "Hyde", "/refer_self"]
    assert sum(m.sender == "assistant" for m in transcript) >= 4
    with get_sessionmaker().begin() as session:
        rows = session.scalars(select(Contact).where(Contact.conversation_id == conversation_id))
        contacts = [(c.channel, c.outcome, c.district) for c in rows]
    assert ("telegram", "answered") in [(c, o) for c, o, _ in contacts]
    assert ("telegram", "signposted", "Tameside") in contacts
