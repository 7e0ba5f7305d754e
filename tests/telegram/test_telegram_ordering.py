"""One slow Telegram conversation does not hold up the others; one chat stays in order."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.gateway.rasa_client import RasaClient
from bot.telegram.ordering import PerChatOrder
from tests.support.fake_telegram import FakeTelegram, start_gateway, text_update
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa

SLOW_CHAT, QUICK_CHAT = 777000111, 777000222


class SlowForOneMessage(ScriptedRasa):
    """The engine thinks for two seconds about "slow" and answers everything else at once."""

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/":
            body = json.loads(request.content)
            if body["message"].startswith("slow"):
                await asyncio.sleep(2)
            self.received.append(body)
            return httpx.Response(200, json=[{"text": f"re: {body['message']}"}])
        return httpx.Response(200, text="Hello from Rasa")

    def client(self) -> RasaClient:
        """A gateway client on the async handler, so the wait does not block the loop."""
        transport = httpx.MockTransport(self.handle)
        return RasaClient("http://rasa.test", httpx.AsyncClient(transport=transport))


@pytest.fixture
def gateway(
    fake_telegram: FakeTelegram, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    fake_telegram.reset()
    server = start_gateway(SlowForOneMessage().client(), fake_telegram, monkeypatch)
    yield server
    server.stop()


def test_a_slow_turn_does_not_hold_up_another_chat(
    gateway: LiveServer, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.push(
        text_update(101, SLOW_CHAT, "slow question"),
        text_update(102, QUICK_CHAT, "quick question"),
        text_update(103, SLOW_CHAT, "second question"),
    )
    started = time.monotonic()
    first = fake_telegram.wait_for_sent(1, timeout=10)[0]
    assert first["chat_id"] == QUICK_CHAT and time.monotonic() - started < 1.8
    sent = fake_telegram.wait_for_sent(3, timeout=10)
    slow_chat = [m["text"] for m in sent if m["chat_id"] == SLOW_CHAT]
    assert slow_chat == ["re: slow question", "re: second question"]  # in the order sent


def test_the_processor_orders_one_chat_and_runs_chats_together() -> None:
    from telegram import Update

    def update(update_id: int, chat_id: int) -> Update:
        return Update.de_json(text_update(update_id, chat_id, "x"), None)

    async def run() -> list[str]:
        processor = PerChatOrder()
        done: list[str] = []

        async def work(name: str, seconds: float) -> None:
            await asyncio.sleep(seconds)
            done.append(name)

        await asyncio.gather(
            processor.process_update(update(1, 1), work("a1", 0.3)),
            processor.process_update(update(2, 2), work("b1", 0.0)),
            processor.process_update(update(3, 1), work("a2", 0.0)),
        )
        assert not processor._locks  # nothing kept once a chat is quiet
        return done

    assert asyncio.run(run()) == ["b1", "a1", "a2"]


def test_a_flooding_sender_is_slowed_down_like_on_the_web_chat(
    gateway: LiveServer, fake_telegram: FakeTelegram
) -> None:
    from bot.gateway import texts

    fake_telegram.push(*(text_update(200 + n, QUICK_CHAT, f"message {n}") for n in range(10)))
    sent = fake_telegram.wait_for_sent(10, timeout=10)
    said = [m["text"] for m in sent]
    assert said[:8] == [f"re: message {n}" for n in range(8)]
    assert said[8:] == [texts.SLOW_DOWN, texts.SLOW_DOWN]
