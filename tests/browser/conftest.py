"""A live gateway (fake Rasa, SQLite) on a free local port, and Debian's chromium for Playwright."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.gateway.rasa_client import RasaClient
from tests.live_server import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class FakeRasa:
    """Answers the REST channel like Rasa: help and a button, then the referral's first step."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        message = json.loads(request.content)["message"]
        self.received.append(message)
        replies: list[dict[str, Any]]
        if message == "/refer_self":
            replies = [{"text": "Before I take any details..."}]
        elif "advisor please" in message:
            replies = [
                {"text": "I'll ask an advisor to join this chat."},
                {"custom": {"handover": {"reason": "asked", "urgent": False}}},
            ]
        elif "end my life" in message:
            replies = [
                {"text": "Please call 999 now if you are in danger."},
                {"custom": {"handover": {"reason": "crisis", "urgent": True}}},
            ]
        else:
            replies = [
                {
                    "text": "Here is some help",
                    "buttons": [{"title": "Refer myself", "payload": "/refer_self"}],
                }
            ]
        return httpx.Response(200, json=replies)


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def gateway(sqlite_url: str, fake_rasa: FakeRasa) -> Iterator[LiveServer]:
    """The gateway with the chat page, served by uvicorn in a thread."""
    rasa = RasaClient(
        "http://rasa.test", httpx.AsyncClient(transport=httpx.MockTransport(fake_rasa))
    )
    server = LiveServer(create_app(rasa)).start()
    yield server
    server.stop()


@pytest.fixture
def live_server(gateway: LiveServer) -> str:
    """The gateway's base URL."""
    return gateway.url


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's chromium (no browser downloads offline); a missing one fails, never skips."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install it with "
            "`apt-get update && apt-get install -y chromium` to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
