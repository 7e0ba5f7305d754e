"""Telegram's redeliveries across two gateway worker processes: one update delivered ten times
at once, spread over both workers, is stored once and answered once."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.session import in_unit
from tests.support.databases import migrated_sqlite, using_database
from tests.support.fake_telegram import SECRET, FakeTelegram, text_update
from tests.support.live_server import LiveServer
from tests.support.processes import free_port, start_gateway_process, stop
from tests.support.telegram_workers import webhook_env

CHAT = 555000999


@pytest.fixture
def two_webhook_workers(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> Iterator[tuple[list[str], str]]:
    """Two gateway processes in webhook mode on one SQLite file and the machine's Redis; the
    engine is down, so each message gets the outage reply (and waits for an advisor)."""
    fake_telegram.reset()
    url = migrated_sqlite(tmp_path / "welfare.db")
    ports = [free_port(), free_port()]
    env = webhook_env(fake_telegram, url, ports[0], f"http://127.0.0.1:{free_port()}")
    logs = [tmp_path / f"gateway-{n}.log" for n in range(2)]
    processes = [start_gateway_process(p, env, log) for p, log in zip(ports, logs, strict=True)]
    try:
        with using_database(url):
            yield [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports], url
    finally:
        for process in processes:
            stop(process)


def _deliver_like_telegram(url: str, update: dict) -> int:
    """POST the update, again after any answer but 200, as Telegram does (here: quickly)."""
    for _ in range(60):
        status = httpx.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30
        ).status_code
        if status == 200:
            return status
        time.sleep(0.25)
    return status


def test_ten_deliveries_at_once_are_one_message_and_one_answer(
    two_webhook_workers: tuple[list[str], str], fake_telegram: FakeTelegram
) -> None:
    urls, _ = two_webhook_workers
    update = text_update(880001, CHAT, "i need some help with money")
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda n: _deliver_like_telegram(urls[n % 2], update), range(10)))
    assert statuses == [200] * 10
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    transcript = in_unit(conversations.transcript, conversation_id)
    assert [m.text for m in transcript if m.sender == "person"] == ["i need some help with money"]
    answers = [m.text for m in transcript if m.sender != "person"]
    sent = [m["text"] for m in fake_telegram.sent if m["chat_id"] == CHAT]
    assert answers and sent == answers  # one handling's replies, each sent once


class SlowEngine:
    """An engine that takes ten seconds over every message: time to kill a worker mid-turn."""

    def __init__(self) -> None:
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/")
        async def root() -> str:
            return "Hello from Rasa"

        @app.post("/webhooks/rest/webhook")
        async def webhook() -> list[dict[str, str]]:
            await asyncio.sleep(10)
            return [{"text": "an answer"}]

        self.server = LiveServer(app, lifespan="off").start()


def test_a_worker_killed_mid_update_leaves_it_handled_once(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """A worker killed after storing the message, while the engine thinks: Telegram's
    redelivery to the other worker is dropped (the claim was marked done with the message),
    so the message is stored once. (A claim left "processing" by a worker killed before the
    store is taken over once its lease runs out: tests/store/test_telegram.py.)"""
    fake_telegram.reset()
    engine = SlowEngine()
    url = migrated_sqlite(tmp_path / "welfare.db")
    ports = [free_port(), free_port()]
    env = webhook_env(fake_telegram, url, ports[0], engine.server.url)
    env["TELEGRAM_CLAIM_LEASE_SECONDS"] = "3"
    logs = [tmp_path / f"gateway-{n}.log" for n in range(2)]
    doomed, survivor = (
        start_gateway_process(p, env, log) for p, log in zip(ports, logs, strict=True)
    )
    urls = [f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]
    try:
        with using_database(url):
            update = text_update(880002, CHAT + 1, "hello is anyone there")

            def deliver_to_the_doomed_worker() -> None:
                try:
                    httpx.post(
                        urls[0],
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        timeout=30,
                    )
                except httpx.HTTPError:
                    pass  # it is killed mid-request

            first = threading.Thread(target=deliver_to_the_doomed_worker, daemon=True)
            first.start()
            conversation_id = _wait_for_person_message(CHAT + 1)  # stored; engine thinking
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
            # Telegram redelivers to the other worker: handled already, so dropped.
            assert _deliver_like_telegram(urls[1], update) == 200
            person = [
                m
                for m in in_unit(conversations.transcript, conversation_id)
                if m.sender == "person"
            ]
            assert [m.text for m in person] == ["hello is anyone there"]
    finally:
        stop(survivor)
        if doomed.poll() is None:
            stop(doomed)
        engine.server.stop()


def _wait_for_person_message(chat_id: int) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            conversation_id = telegram_store.conversation_for_chat(chat_id)
            if any(
                m.sender == "person" for m in in_unit(conversations.transcript, conversation_id)
            ):
                return conversation_id
        except Exception:  # noqa: BLE001 - the row may not be there yet
            pass
        time.sleep(0.1)
    raise AssertionError("the message was never stored")
