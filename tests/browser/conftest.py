"""Debian's chromium for Playwright, and a scripted Rasa that answers by what the person said."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.rasa import ScriptedRasa

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class PageRasa(ScriptedRasa):
    """Help and a button, the referral's first step, a handover when asked or in crisis."""

    def answer(self, message: str) -> list[dict[str, Any]]:
        if message == "/refer_self":
            return [{"text": "Before I take any details..."}]
        if "advisor please" in message:
            return [
                {"text": "I'll ask an advisor to join this chat."},
                {"custom": {"handover": {"reason": "asked", "urgent": False}}},
            ]
        if "end my life" in message:
            return [
                {"text": "Please call 999 now if you are in danger."},
                {"custom": {"handover": {"reason": "crisis", "urgent": True}}},
            ]
        return [
            {
                "text": "Here is some help",
                "buttons": [{"title": "Refer myself", "payload": "/refer_self"}],
            }
        ]


@pytest.fixture
def rasa() -> ScriptedRasa:
    """The engine behind the live gateway, scripted for the pages."""
    return PageRasa()


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
