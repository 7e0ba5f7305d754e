"""A Telegram conversation through the whole product: the fake Bot API, python-telegram-bot in
the gateway (long polling, then a webhook), the real Rasa engine and action server, and the
database. A person asks a question, is signposted to their district, taps the button to refer
themselves and gets the consent question; every message is found in the database."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.gateway.rasa_client import RasaClient
from bot.settings import get_settings
from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.models import Contact
from bot.store.session import get_sessionmaker, in_unit
from tests.support.fake_telegram import FakeTelegram, callback_update, start_gateway, text_update
from tests.support.processes import ActionServer

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["polling", "webhook"])
def gateway(
    request: pytest.FixtureRequest,
    fake_telegram: FakeTelegram,
    engine_url: str,
    actions: ActionServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    webhook = request.param == "webhook"
    server = start_gateway(RasaClient(engine_url), fake_telegram, monkeypatch, webhook)
    yield request.param
    server.stop()
    get_settings.cache_clear()


def exchange(fake_telegram: FakeTelegram, update: dict, chat_id: int, expect: str) -> str:
    """Send one update and wait until a reply containing `expect` has gone to the chat."""
    before = len(fake_telegram.sent)
    fake_telegram.push(update)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = fake_telegram.said(before, chat_id)
        if expect in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"no reply with {expect!r}; got {fake_telegram.said(before, chat_id)!r}")


def test_telegram_question_signpost_and_referral_start(
    gateway: str, fake_telegram: FakeTelegram
) -> None:
    chat_id = 880000 + (1 if gateway == "polling" else 2)
    base = 1000 if gateway == "polling" else 2000
    assert "Welfare Advice Line" in exchange(
        fake_telegram, text_update(base, chat_id, "/start"), chat_id, "Privacy"
    )
    exchange(
        fake_telegram,
        text_update(base + 1, chat_id, "how do i claim uc"),
        chat_id,
        "Universal Credit",
    )
    exchange(
        fake_telegram,
        text_update(base + 2, chat_id, "who can help near me"),
        chat_id,
        "Where do you live",
    )
    exchange(fake_telegram, text_update(base + 3, chat_id, "Hyde"), chat_id, "The Big Life Company")
    keyboards = [
        m["reply_markup"]
        for m in fake_telegram.sent
        if m["chat_id"] == chat_id and m["reply_markup"]
    ]
    offered = {b["callback_data"] for k in keyboards for row in k["inline_keyboard"] for b in row}
    assert "/refer_self" in offered
    exchange(
        fake_telegram, callback_update(base + 4, chat_id, "/refer_self"), chat_id, "Is that OK?"
    )

    conversation_id = telegram_store.conversation_for_chat(chat_id)
    transcript = in_unit(conversations.transcript, conversation_id)
    people = [m.text for m in transcript if m.sender == "person"]
    assert people == ["how do i claim uc", "who can help near me", "Hyde", "/refer_self"]
    assert sum(m.sender == "assistant" for m in transcript) >= 4
    with get_sessionmaker().begin() as session:
        rows = session.scalars(select(Contact).where(Contact.conversation_id == conversation_id))
        contacts = [(c.channel, c.outcome, c.district) for c in rows]
    assert ("telegram", "answered") in [(c, o) for c, o, _ in contacts]
    assert ("telegram", "signposted", "Tameside") in contacts
