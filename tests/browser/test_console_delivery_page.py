"""The advisor console in a real browser when the Telegram Bot API fails (the fake one): a reply
to a person who blocked the bot says it was not delivered and why, one Telegram keeps failing
says it is being tried again and then that it was sent, live and again after a reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.console import delivery as wording
from bot.settings import get_settings
from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.session import in_unit
from bot.telegram import delivery
from tests.support import ROOT
from tests.support.axe import assert_accessible
from tests.support.fake_telegram import FakeTelegram, start_gateway, text_update
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa
from tests.support.staff import PASSWORD, make_staff

SHOTS = ROOT / "var" / "screenshots"
CHAT = 555000555
NOT_DELIVERED_BLOCKED = (
    "Not delivered: the person has blocked the bot or closed their Telegram account"
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture
def gateway(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveServer]:
    """The gateway over plain http with Telegram against the fake Bot API; a failing message
    is tried about once a second and never given up during the test."""
    monkeypatch.setenv("COOKIE_SECURE", "0")
    monkeypatch.setenv("SECRET_KEY", "browser-test-secret")
    monkeypatch.setattr(delivery, "QUICK_PAUSE", 0.2)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 0.5)
    monkeypatch.setattr(delivery, "BACKOFF_MAX", 1.0)
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 1000)
    monkeypatch.setattr(delivery, "SWEEP_SECONDS", 0.1)
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    yield server
    server.stop()
    get_settings.cache_clear()


def test_the_advisor_sees_which_replies_did_not_reach_telegram(
    gateway: LiveServer, fake_telegram: FakeTelegram, chromium: Any
) -> None:
    make_staff("jo")
    fake_telegram.push(text_update(1, CHAT, "hello"))
    fake_telegram.wait_for_sent(1)
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    in_unit(conversations.set_state, conversation_id, "waiting", reason="asked")

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    advisor = context.new_page()
    page_url = f"{gateway.url}/console/conversations/{conversation_id}"
    advisor.goto(page_url)
    advisor.get_by_label("Username").fill("jo")
    advisor.get_by_label("Password").fill(PASSWORD)
    advisor.get_by_role("button", name="Sign in").click()
    expect(advisor).to_have_url(page_url)
    advisor.get_by_role("button", name="Claim").click()
    expect(advisor.locator("#state")).to_contain_text("with an advisor (jo)")
    transcript = advisor.get_by_role("log", name="Transcript")

    fake_telegram.fail_next(1, 403, "Forbidden: bot was blocked by the user")
    advisor.get_by_label("Reply to the person").fill("Hi, I'm Jo from the advice line.")
    advisor.get_by_role("button", name="Send reply").click()
    blocked = transcript.locator(".msg--advisor", has_text="Hi, I'm Jo from the advice line.")
    expect(blocked).to_contain_text(NOT_DELIVERED_BLOCKED)

    fake_telegram.fail_next(1000, 500)
    advisor.get_by_label("Reply to the person").fill("Are you safe right now?")
    advisor.get_by_role("button", name="Send reply").click()
    retried = transcript.locator(".msg--advisor", has_text="Are you safe right now?")
    expect(retried).to_contain_text(wording.RETRYING)
    SHOTS.mkdir(parents=True, exist_ok=True)
    advisor.screenshot(path=str(SHOTS / "console-delivery.png"), full_page=True)
    assert_accessible(advisor)  # the status lines: words with enough contrast

    fake_telegram.stop_failing()
    expect(retried).to_contain_text(wording.SENT)
    expect(retried).not_to_contain_text(wording.RETRYING)
    assert fake_telegram.said(0, CHAT).splitlines()[-1] == "Are you safe right now?"

    advisor.reload()  # the same, read back from the store
    expect(blocked).to_contain_text(NOT_DELIVERED_BLOCKED)
    expect(retried).to_contain_text(wording.SENT)
    expect(transcript.locator(".msg--person")).not_to_contain_text("Sent")
    context.close()
