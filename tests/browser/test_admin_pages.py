"""The admin pages in a real browser: an admin sets a district's phone number on the content
page, and the assistant's next signposting reply for that district gives it; an admin finds a
person, and erases them after typing the id again; the audit log shows both.

The browser fixtures script the engine (no Rasa here), so the signposting reply is checked on
the real action server: its own process on the same database, asked over its webhook exactly
as the engine asks it, once before the change (so it has the old content cached) and again
after, without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot import content
from bot.settings import get_settings
from tests.store.people import marker_anywhere, seed_person
from tests.support import ROOT
from tests.support.live_server import LiveServer
from tests.support.processes import ActionServer, free_port
from tests.support.staff import PASSWORD, make_staff

SHOTS = ROOT / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def plain_http_cookies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test server is http on loopback: the session cookie cannot be Secure there."""
    monkeypatch.setenv("COOKIE_SECURE", "0")
    monkeypatch.setenv("SECRET_KEY", "browser-test-secret")
    get_settings.cache_clear()
    content.forget_cached()
    yield
    get_settings.cache_clear()
    content.forget_cached()


@pytest.fixture
def action_server(sqlite_url: str, tmp_path: Path) -> Iterator[ActionServer]:
    """The real action server process, on the test's database."""
    server = ActionServer(free_port(), sqlite_url, tmp_path)
    server.start()
    yield server
    server.stop()


def signpost_reply(server: ActionServer, district: str) -> list[dict[str, Any]]:
    """The action server's answer to `action_signpost`, asked as the engine asks it."""
    latest = {
        "text": district,
        "intent": {"name": "inform", "confidence": 0.99},
        "entities": [],
        "metadata": {"channel": "webchat"},
    }
    body = {
        "next_action": "action_signpost",
        "sender_id": "browser-test",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "browser-test",
            "slots": {"district": district},
            "latest_message": latest,
            "events": [{"event": "user", "text": district, "parse_data": latest}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
    response = httpx.post(f"http://127.0.0.1:{server.port}/webhook", json=body, timeout=10)
    response.raise_for_status()
    return response.json()["responses"]


def contact_details(server: ActionServer, district: str) -> list[str]:
    return [
        r["details"]
        for r in signpost_reply(server, district)
        if r.get("response") == "utter_signpost_contact"
    ]


def sign_in_as_admin(chromium: Any, url: str, target: str) -> Page:
    make_staff("root", "admin")
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(5000)
    page.goto(f"{url}{target}")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}{target}")
    return page


def test_a_phone_set_in_the_page_is_in_the_next_signposting_reply(
    live_gateway: LiveServer, action_server: ActionServer, chromium: Any
) -> None:
    assert contact_details(action_server, "Bolton") == []  # unset, and now cached there
    page = sign_in_as_admin(chromium, live_gateway.url, "/console/admin/content")
    bolton = page.get_by_role("group", name="Bolton")
    bolton.get_by_label("Phone").fill("not a number")
    page.get_by_role("button", name="Save Bolton").click()
    expect(bolton.get_by_text("a UK phone number")).to_be_visible()
    bolton.get_by_label("Phone").fill("01204 123456")
    page.get_by_role("button", name="Save Bolton").click()
    expect(page.get_by_text("Saved Bolton: in use now.")).to_be_visible()
    expect(page.get_by_role("group", name="Bolton").get_by_text("Set by root")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-content.png"), full_page=True)

    deadline = time.monotonic() + content.REFRESH_SECONDS + 5
    details = contact_details(action_server, "Bolton")
    while details != ["01204 123456"] and time.monotonic() < deadline:
        time.sleep(0.2)
        details = contact_details(action_server, "Bolton")
    assert details == ["01204 123456"]
    assert contact_details(action_server, "Bury") == []


def test_an_admin_erases_a_person_after_typing_the_id_again(
    live_gateway: LiveServer, chromium: Any
) -> None:
    ann = seed_person("Ann-Browser-1")
    seed_person("Bob-Browser-2")
    page = sign_in_as_admin(chromium, live_gateway.url, "/console/admin/privacy")
    page.get_by_label("Conversation id, web chat session id").fill(ann.session_id or "")
    page.get_by_role("button", name="Find what is held").click()
    expect(page.get_by_role("cell", name="Messages", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download readable page").click()
    assert "Ann-Browser-1" in Path(download.value.path()).read_text(encoding="utf-8")
    page.get_by_label("Type the same id again to confirm").fill("something else")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_role("alert")).to_contain_text("type the same id again")
    assert marker_anywhere("Ann-Browser-1")
    page.get_by_label("Type the same id again to confirm").fill(ann.session_id or "")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_text("Erased 1 conversation(s).")).to_be_visible()
    assert marker_anywhere("Ann-Browser-1") == [] and marker_anywhere("Bob-Browser-2")

    page.goto(f"{live_gateway.url}/console/admin/audit")
    page.get_by_label("Action").select_option("erase")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("#audit-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ann.conversation_id)
    expect(rows.first).to_contain_text("root")
    page.screenshot(path=str(SHOTS / "admin-audit.png"), full_page=True)
