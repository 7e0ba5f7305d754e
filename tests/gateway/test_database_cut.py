"""The database unreachable for a few seconds (a TCP proxy in front of PostgreSQL, cut and
restored) under a real gateway worker process: Telegram's webhook delivery gets a non-2xx
answer, so Telegram delivers it again; a web chat message gets "try again" with the crisis
numbers; after recovery every message is stored exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.session import in_unit
from tests.support.databases import create_postgres, drop_postgres, using_database
from tests.support.fake_telegram import SECRET, FakeTelegram, text_update
from tests.support.live_server import LiveServer
from tests.support.processes import free_port, start_gateway_process, stop
from tests.support.tcp_proxy import TcpProxy
from tests.support.telegram_workers import webhook_env

pytestmark = pytest.mark.postgres
CHAT = 555000777


def quick_engine() -> LiveServer:
    """An engine that answers every message at once (this test is about the database)."""
    app = FastAPI()

    @app.get("/")
    async def root() -> str:
        return "Hello from Rasa"

    @app.post("/webhooks/rest/webhook")
    async def webhook() -> list[dict[str, str]]:
        return [{"text": "an answer"}]

    return LiveServer(app, lifespan="off").start()


@pytest.fixture
def gateway_behind_proxy(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> Iterator[tuple[str, TcpProxy, str]]:
    """(gateway URL, the proxy its database goes through, the database's direct URL)."""
    direct = create_postgres()
    proxy = TcpProxy(5432)
    proxied = direct.replace(":5432/", f":{proxy.port}/")
    engine = quick_engine()
    port = free_port()
    env = webhook_env(fake_telegram, proxied, port, engine.url)
    process = start_gateway_process(port, env, tmp_path / "gateway.log")
    try:
        with using_database(direct):
            yield f"http://127.0.0.1:{port}", proxy, direct
    finally:
        stop(process)
        proxy.close()
        engine.stop()
        drop_postgres(direct)


def deliver(url: str, update: dict) -> int:
    return httpx.post(
        f"{url}/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        timeout=30,
    ).status_code


def person_said(conversation_id: str) -> list[str]:
    return [
        m.text for m in in_unit(conversations.transcript, conversation_id) if m.sender == "person"
    ]


def test_a_database_cut_loses_and_doubles_nothing(
    gateway_behind_proxy: tuple[str, TcpProxy, str], fake_telegram: FakeTelegram
) -> None:
    url, proxy, _ = gateway_behind_proxy
    chat = httpx.post(f"{url}/api/webchat/sessions", timeout=10).json()
    post_url = f"{url}/api/webchat/sessions/{chat['session_id']}/messages"
    headers = {"Authorization": f"Bearer {chat['token']}"}
    assert httpx.post(post_url, json={"text": "hi"}, headers=headers, timeout=30).status_code == 200
    first = text_update(990001, CHAT, "hello, i need help with my benefits")
    assert deliver(url, first) == 200

    proxy.cut()
    try:
        refused = httpx.post(
            post_url, json={"text": "is anyone there"}, headers=headers, timeout=30
        )
        assert refused.status_code == 503
        said = refused.json()["message"]
        assert "try again" in said and "999" in said and "116 123" in said
        second = text_update(990002, CHAT, "my money has not come")
        assert deliver(url, second) >= 500  # Telegram will deliver it again
    finally:
        proxy.restore()

    # Telegram's redelivery, and the person trying again, once the database is back.
    deadline = time.monotonic() + 30
    while deliver(url, second) != 200:
        assert time.monotonic() < deadline, "the redelivery was never accepted"
        time.sleep(0.5)
    again = httpx.post(post_url, json={"text": "is anyone there"}, headers=headers, timeout=30)
    assert again.status_code == 200
    assert deliver(url, first) == 200  # a late duplicate of the first update: dropped

    webchat_conversation = _webchat_conversation(chat["session_id"], chat["token"])
    assert person_said(webchat_conversation) == ["hi", "is anyone there"]
    telegram_conversation = telegram_store.conversation_for_chat(CHAT)
    assert person_said(telegram_conversation) == [
        "hello, i need help with my benefits",
        "my money has not come",
    ]
    sent = [m["text"] for m in fake_telegram.sent if m["chat_id"] == CHAT]
    assert sent == ["an answer", "an answer"]  # each message answered once


def _webchat_conversation(session_id: str, token: str) -> str:
    from bot.store import webchat

    conversation_id = webchat.check_session(session_id, token)
    assert conversation_id is not None
    return conversation_id
