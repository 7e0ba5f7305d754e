"""The advisor console in a real browser, with people on the web chat page in other contexts:
sign in, the urgent conversation on top, a new urgent one announced live, claim, reply (the
person's page receives it), the person's answer appears live, a private note, hand back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.console import texts as console_texts
from bot.settings import get_settings
from bot.store import webchat
from tests.support import ROOT
from tests.support.axe import assert_accessible
from tests.support.live_server import LiveServer
from tests.support.staff import PASSWORD, make_staff

SHOTS = ROOT / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture(autouse=True)
def plain_http_cookies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test server is http on loopback: the session cookie cannot be Secure there."""
    monkeypatch.setenv("COOKIE_SECURE", "0")
    monkeypatch.setenv("SECRET_KEY", "browser-test-secret")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def person_says(chromium: Any, url: str, text: str, expect_reply: str) -> tuple[Page, str]:
    """A person opens the web chat in their own browser context and sends one message."""
    page = chromium.new_context(viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(5000)
    page.goto(f"{url}/chat")
    box = page.get_by_role("textbox", name="Type your message")
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_role("log").get_by_text(expect_reply).first).to_be_visible()
    saved = json.loads(page.evaluate("() => sessionStorage.getItem('welfareChatSession')"))
    conversation_id = webchat.check_session(saved["session_id"], saved["token"])
    assert conversation_id is not None
    return page, conversation_id


def test_an_advisor_takes_the_urgent_conversation_replies_and_hands_back(
    live_gateway: LiveServer, chromium: Any
) -> None:
    make_staff("jo")
    _, asked = person_says(chromium, live_gateway.url, "advisor please", "ask an advisor to join")
    person, urgent = person_says(chromium, live_gateway.url, "I want to end my life", "call 999")

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    advisor = context.new_page()
    advisor.goto(f"{live_gateway.url}/console")
    expect(advisor).to_have_url(f"{live_gateway.url}/console/login?next=/console")
    advisor.get_by_label("Username").fill("jo")
    advisor.get_by_label("Password").fill(PASSWORD)
    advisor.get_by_role("button", name="Sign in").click()
    expect(advisor).to_have_url(f"{live_gateway.url}/console")

    rows = advisor.locator("#queue-rows tr")
    expect(rows).to_have_count(2)
    assert rows.nth(0).get_attribute("data-conversation") == urgent  # crisis first
    assert rows.nth(1).get_attribute("data-conversation") == asked
    expect(rows.nth(0).get_by_text("Urgent")).to_be_visible()
    expect(advisor.get_by_text("The queue updates live.")).to_be_visible()

    # A new urgent conversation arrives while the advisor watches: the queue and a banner update.
    _, newest = person_says(chromium, live_gateway.url, "I want to end my life tonight", "call 999")
    expect(rows).to_have_count(3)
    expect(advisor.get_by_role("alert").filter(has_text="New urgent conversation")).to_be_visible()
    assert rows.nth(1).get_attribute("data-conversation") == newest  # urgent, but newer
    SHOTS.mkdir(parents=True, exist_ok=True)
    advisor.screenshot(path=str(SHOTS / "console-queue.png"), full_page=True)
    assert_accessible(advisor)  # the queue page: no serious or critical axe violations

    rows.nth(0).get_by_role("button", name="Claim").click()
    expect(advisor).to_have_url(f"{live_gateway.url}/console/conversations/{urgent}")
    transcript = advisor.get_by_role("log", name="Transcript")
    expect(transcript.get_by_text("I want to end my life")).to_be_visible()
    expect(advisor.locator("#state")).to_contain_text("with an advisor (jo)")

    advisor.get_by_label("Reply to the person").fill("Hi, I'm Jo. Are you safe right now?")
    advisor.get_by_role("button", name="Send reply").click()
    person_log = person.get_by_role("log")
    expect(
        person_log.locator(".msg--advisor", has_text="Hi, I'm Jo. Are you safe right now?")
    ).to_be_visible()

    person.get_by_role("textbox", name="Type your message").fill("yes, I'm at home")
    person.get_by_role("textbox", name="Type your message").press("Enter")
    expect(transcript.get_by_text("yes, I'm at home")).to_be_visible()  # live in the console

    advisor.get_by_label("Add a note").fill("Agreed a call back at 4pm")
    advisor.get_by_role("button", name="Save note").click()
    expect(advisor.locator("#notes")).to_contain_text("Agreed a call back at 4pm — jo")
    advisor.screenshot(path=str(SHOTS / "console-conversation.png"), full_page=True)
    assert_accessible(advisor)  # the conversation page

    advisor.get_by_role("button", name="Hand back to the assistant").click()
    expect(advisor.locator("#state")).to_contain_text("with the assistant")
    expect(person_log.get_by_text(console_texts.HANDBACK)).to_be_visible()
    expect(person_log.get_by_text("Agreed a call back")).to_have_count(0)  # notes stay private
    person.get_by_role("textbox", name="Type your message").fill("how do I get a bank account")
    person.get_by_role("textbox", name="Type your message").press("Enter")
    expect(person_log.get_by_text("Here is some help").last).to_be_visible()
    assert person_log.get_by_text("Here is some help").count() == 1
    context.close()


def test_a_reviewer_sees_the_queue_but_cannot_claim(
    live_gateway: LiveServer, chromium: Any
) -> None:
    make_staff("rev", role="reviewer")
    person_says(chromium, live_gateway.url, "advisor please", "ask an advisor to join")
    page = chromium.new_page()
    page.set_default_timeout(5000)
    page.goto(f"{live_gateway.url}/console/login")
    page.get_by_label("Username").fill("rev")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#queue-rows tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Claim conversation", exact=False)).to_be_disabled()
    nav = page.get_by_role("navigation", name="Staff pages")
    expect(nav.get_by_role("link", name="Review")).to_be_visible()
    expect(nav.get_by_role("link", name="Reports")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_gateway.url}/console/login")
    page.goto(f"{live_gateway.url}/console")
    expect(page).to_have_url(f"{live_gateway.url}/console/login?next=/console")
    page.close()


def test_no_control_shows_before_the_page_knows_what_the_advisor_may_do(
    live_gateway: LiveServer, chromium: Any
) -> None:
    """A Claim button that shows before its script is ready takes a click that does nothing;
    the page's controls stay hidden until the conversation has loaded."""
    make_staff("jo")
    _, waiting = person_says(chromium, live_gateway.url, "advisor please", "ask an advisor to join")
    signed_in = chromium.new_context()
    page = signed_in.new_page()
    page.goto(f"{live_gateway.url}/console/login")
    page.get_by_label("Username").fill("jo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_gateway.url}/console")

    # The same advisor with the page's script not run yet (here: never run).
    scriptless = chromium.new_context(java_script_enabled=False)
    scriptless.add_cookies(signed_in.cookies())
    before = scriptless.new_page()
    before.goto(f"{live_gateway.url}/console/conversations/{waiting}")
    expect(before.get_by_role("heading", name="Transcript")).to_be_visible()
    for name in ("Claim", "Send reply", "Hand back to the assistant", "Back to the queue", "Close"):
        expect(before.get_by_role("button", name=name)).to_be_hidden()

    page.goto(f"{live_gateway.url}/console/conversations/{waiting}")
    expect(page.get_by_role("button", name="Claim")).to_be_visible()
    expect(page.get_by_role("button", name="Send reply")).to_be_hidden()
    signed_in.close()
    scriptless.close()


def test_the_next_reply_typed_while_one_is_sending_is_kept(
    live_gateway: LiveServer, chromium: Any
) -> None:
    """An advisor who starts the next reply before the first is saved keeps what they typed:
    only the text that was sent is cleared when its answer comes back."""
    make_staff("jo")
    _, waiting = person_says(chromium, live_gateway.url, "advisor please", "ask an advisor to join")
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(5000)
    page_url = f"{live_gateway.url}/console/conversations/{waiting}"
    page.goto(page_url)
    page.get_by_label("Username").fill("jo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(page_url)
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#state")).to_contain_text("with an advisor (jo)")

    held: list[Any] = []  # the first reply's request, answered only once the next is typed
    page.route("**/messages", lambda route: held.append(route))
    box = page.get_by_label("Reply to the person")
    box.fill("Hi, I'm Jo from the advice line.")
    page.get_by_role("button", name="Send reply").click()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the reply was never sent"
    box.fill("Are you safe right now?")
    held[0].continue_()
    page.unroute("**/messages")

    expect(page.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    transcript = page.get_by_role("log", name="Transcript")
    expect(transcript.get_by_text("Hi, I'm Jo from the advice line.")).to_be_visible()
    expect(box).to_have_value("Are you safe right now?")
    page.get_by_role("button", name="Send reply").click()
    expect(transcript.get_by_text("Are you safe right now?")).to_be_visible()
    expect(box).to_have_value("")
    page.context.close()
