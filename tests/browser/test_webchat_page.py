"""The web chat page in a real browser: ask, tap a quick reply, reload to resume, quick exit."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from bot.content import get_content
from bot.gateway import texts
from bot.gateway.outbound import send_to_person
from bot.store import webchat
from bot.store.models import Message, WebchatSession, utcnow
from bot.store.session import get_sessionmaker
from tests.support import ROOT
from tests.support.axe import assert_accessible
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa

SCREENSHOT = ROOT / "var" / "screenshots" / "webchat.png"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


def test_a_person_asks_taps_a_quick_reply_resumes_and_exits(
    live_gateway: LiveServer, chromium: Any, rasa: ScriptedRasa
) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    context.set_default_timeout(5000)
    page = context.new_page()
    page.route("**/*weather*", lambda route: route.fulfill(body="left", content_type="text/plain"))
    page.goto(f"{live_gateway.url}/chat")

    expect(page.get_by_role("heading", name="Welfare Advice Line")).to_be_visible()
    expect(page.get_by_role("button", name="Quick exit")).to_be_visible()
    expect(page.get_by_role("button", name="Talk to a person")).to_be_visible()
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    box = page.get_by_role("textbox", name="Type your message")  # found by its label
    expect(box).to_be_visible()

    # Markup a person types is shown as text, never run or rendered.
    box.fill("How do I claim <b>Universal Credit</b>?")
    box.press("Enter")
    expect(log.get_by_text("Here is some help")).to_be_visible()
    expect(log.get_by_text("How do I claim <b>Universal Credit</b>?")).to_be_visible()
    assert log.locator("b").count() == 0
    expect(log.get_by_text("You said:")).to_have_count(1)
    assert rasa.messages == ["How do I claim <b>Universal Credit</b>?"]
    assert_accessible(page)  # the chat page with a reply and its buttons: no serious violations

    refer = log.get_by_role("button", name="Refer myself")
    expect(refer).to_be_visible()
    refer.click()
    expect(log.get_by_text("Before I take any details...")).to_be_visible()
    assert rasa.messages[-1] == "/refer_self"
    expect(refer).to_have_count(0)  # an answered quick reply goes away
    expect(page.get_by_role("status")).to_have_text("")  # typing indicator cleared

    # A reload resumes the whole conversation from sessionStorage.
    stored = page.evaluate("() => sessionStorage.getItem('welfareChatSession')")
    assert stored and "token" in stored
    page.reload()
    log = page.get_by_role("log")
    expect(log.locator(".msg--assistant", has_text="Before I take any details...")).to_be_visible()
    texts = log.locator(".msg-text").all_inner_texts()
    assert texts[1:] == [
        "How do I claim <b>Universal Credit</b>?",
        "Here is some help",
        "Refer myself",  # the tapped button, shown by its title
        "Before I take any details...",
    ]
    labels = log.locator(".msg .visually-hidden").all_text_contents()
    assert [label.strip() for label in labels] == [
        "Assistant said:",  # the greeting
        "You said:",
        "Assistant said:",
        "You said:",
        "Assistant said:",
    ]

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # Quick exit ends the session on the server too: its token no longer opens the chat.
    saved = json.loads(stored)
    assert webchat.check_session(saved["session_id"], saved["token"]) is not None
    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_url(re.compile(r"bbc\.co\.uk/weather"))
    assert "/chat" not in page.url
    for _ in range(100):  # the request is sent as the page leaves (keepalive)
        if webchat.open_session(saved["session_id"], saved["token"]).ended:
            break
        time.sleep(0.05)
    assert webchat.open_session(saved["session_id"], saved["token"]).ended
    context.close()


def test_the_privacy_notice_comes_first_and_a_quiet_chat_starts_again_kindly(
    live_gateway: LiveServer, chromium: Any, rasa: ScriptedRasa
) -> None:
    page = chromium.new_page()
    page.set_default_timeout(5000)
    page.goto(f"{live_gateway.url}/chat")
    log = page.get_by_role("log")
    notice = log.get_by_role("region", name="Your privacy")
    expect(notice).to_have_text(get_content().privacy_notice)
    expect(log.locator(".msg--intro")).to_have_text(re.compile(re.escape(get_content().welcome)))

    box = page.get_by_role("textbox", name="Type your message")
    box.fill("how do i claim uc")
    box.press("Enter")
    expect(log.get_by_text("Here is some help")).to_be_visible()
    first = json.loads(page.evaluate("() => sessionStorage.getItem('welfareChatSession')"))
    went_quiet(first["session_id"])

    # The next message starts a new chat, says so, and is answered there.
    box.fill("what about housing")
    box.press("Enter")
    expect(log.locator(".note")).to_contain_text("quiet for a while")
    expect(log.get_by_text("Here is some help")).to_have_count(2)
    expect(page.get_by_role("alert")).to_be_hidden()
    second = json.loads(page.evaluate("() => sessionStorage.getItem('welfareChatSession')"))
    assert second["session_id"] != first["session_id"]
    assert rasa.messages[-1] == "what about housing"

    # A reload after a quiet spell shows none of the old chat, and says why.
    went_quiet(second["session_id"])
    page.reload()
    log = page.get_by_role("log")
    expect(log.locator(".note")).to_contain_text("Anything you type now starts a new chat")
    expect(log.locator(".msg--person")).to_have_count(0)
    assert page.evaluate("() => sessionStorage.getItem('welfareChatSession')") is None
    page.close()


def went_quiet(session_id: str, minutes: int = 120) -> None:
    """As if the chat had been quiet for `minutes` (its times moved back)."""
    earlier = utcnow() - timedelta(minutes=minutes)
    with get_sessionmaker().begin() as session:
        row = session.get(WebchatSession, session_id)
        assert row is not None
        row.created_at = earlier
        session.execute(
            update(Message).where(Message.conversation_id == row.conversation_id).values(at=earlier)
        )


def test_talk_to_a_person_a_kind_error_and_escape_twice_exits(
    live_gateway: LiveServer, chromium: Any, rasa: ScriptedRasa
) -> None:
    page = chromium.new_page()
    page.set_default_timeout(5000)
    page.goto(f"{live_gateway.url}/chat")
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.get_by_role("log").get_by_text("I want to talk to a person")).to_be_visible()
    expect(page.get_by_role("log").get_by_text("Here is some help")).to_be_visible()
    assert rasa.messages == ["I want to talk to a person"]

    page.route("**/messages", lambda route: route.abort())
    box = page.get_by_label("Type your message")
    box.fill("are you there?")
    box.press("Enter")
    # The page shows the one reviewed safety line, numbers included, with the error.
    expect(page.get_by_role("alert")).to_have_text(
        "Sorry, something went wrong. Your message may not have been sent. Please try again. "
        + texts.SAFETY_LINE
    )
    expect(page.get_by_role("status")).to_have_text("")

    # Escape twice is the keyboard quick exit, and it forgets the session.
    page.route("**/*weather*", lambda route: route.fulfill(body="left", content_type="text/plain"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"bbc\.co\.uk/weather"))
    page.close()


def test_static_files_and_the_embed_script(live_gateway: LiveServer) -> None:
    page = httpx.get(f"{live_gateway.url}/chat")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    css = httpx.get(f"{live_gateway.url}/chat/static/chat.css")
    assert css.headers["content-type"].startswith("text/css")
    js = httpx.get(f"{live_gateway.url}/chat/static/chat.js")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in js.text
    assert httpx.get(f"{live_gateway.url}/chat/static/page.py").status_code == 404
    assert httpx.get(f"{live_gateway.url}/chat/static/..%2Fpage.py").status_code == 404
    embed = httpx.get(f"{live_gateway.url}/chat/embed.js")
    assert embed.headers["content-type"].startswith("text/javascript")
    assert f'"{live_gateway.url}/chat"' in embed.text and "Chat with us" in embed.text


@pytest.fixture
def partner_gateway(
    rasa: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """The gateway with http://partner.test allowed to show the chat in a frame."""
    from bot.app import create_app
    from bot.settings import get_settings

    monkeypatch.setenv("FRAME_ANCESTORS", "http://partner.test")
    get_settings.cache_clear()
    server = LiveServer(create_app(rasa.client())).start()
    yield server
    server.stop()
    get_settings.cache_clear()


def test_the_embed_script_opens_the_chat_in_a_frame(
    partner_gateway: LiveServer, chromium: Any
) -> None:
    live_gateway = partner_gateway
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(5000)
    # A partner page on another origin. Chromium's local network rules would block a page
    # there from loading 127.0.0.1 (a public gateway is fine), so gateway requests go
    # through Playwright's own fetch.
    partner = "http://partner.test/advice"
    page.route(f"{live_gateway.url}/**", lambda route: route.fulfill(response=route.fetch()))
    page.route(
        partner,
        lambda route: route.fulfill(
            body=f'<h1>Partner</h1><script src="{live_gateway.url}/chat/embed.js" async></script>',
            content_type="text/html",
        ),
    )
    page.goto(partner)
    page.get_by_role("button", name="Chat with us").click()
    frame = page.frame_locator('iframe[title="Welfare Advice Line chat"]')
    expect(frame.get_by_role("heading", name="Welfare Advice Line")).to_be_visible()
    page.get_by_role("button", name="Close chat").click()
    expect(page.locator("iframe")).to_have_count(0)
    page.close()


def test_an_advisors_message_appears_live_and_after_a_reload(
    live_gateway: LiveServer, chromium: Any
) -> None:
    page = chromium.new_page()
    page.set_default_timeout(5000)
    page.goto(f"{live_gateway.url}/chat")
    box = page.get_by_role("textbox", name="Type your message")
    box.fill("I need help with my rent")
    box.press("Enter")
    log = page.get_by_role("log")
    expect(log.get_by_text("Here is some help")).to_be_visible()

    saved = json.loads(page.evaluate("() => sessionStorage.getItem('welfareChatSession')"))
    conversation_id = webchat.check_session(saved["session_id"], saved["token"])
    assert conversation_id is not None
    live_gateway.call(send_to_person(conversation_id, "Hi, I'm Jo from the advice line."))
    advisor = log.locator(".msg--advisor", has_text="Hi, I'm Jo from the advice line.")
    expect(advisor).to_be_visible()
    expect(advisor.locator(".visually-hidden")).to_have_text("Advisor said: ")

    page.reload()
    log = page.get_by_role("log")
    expect(log.locator(".msg--advisor")).to_have_count(1)  # resumed, not repeated
    live_gateway.call(send_to_person(conversation_id, "Are you still there?"))
    expect(log.locator(".msg--advisor", has_text="Are you still there?")).to_be_visible()
    expect(log.locator(".msg--advisor")).to_have_count(2)
    page.close()
