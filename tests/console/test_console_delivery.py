"""What the advisor sees of a reply's sending to Telegram, against the fake Bot API: the reply's
answer, the conversation's live stream ("delivery" events, also from another gateway process
through the bus) and the conversation view on reload all say "Sending…", "Not delivered yet,
trying again", "Sent" or "Not delivered: <why>"."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.console import delivery as wording
from bot.console.auth import COOKIE
from bot.store import conversations
from bot.store import telegram as telegram_store
from bot.store.session import in_unit
from bot.telegram import delivery
from tests.support.databases import migrated_sqlite, using_database
from tests.support.fake_telegram import TOKEN, FakeTelegram, start_gateway, text_update
from tests.support.live_server import LiveServer
from tests.support.processes import free_port, start_gateway_process, stop
from tests.support.rasa import ScriptedRasa
from tests.support.sse import read_events
from tests.support.staff import PASSWORD, make_staff

CHAT = 555000444
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_DELIVERED_BLOCKED = (
    "Not delivered: the person has blocked the bot or closed their Telegram account"
)


@pytest.fixture
def gateway(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveServer]:
    """The gateway with Telegram against the fake Bot API, retrying in tenths of a second."""
    monkeypatch.setattr(delivery, "QUICK_PAUSE", 0.2)
    monkeypatch.setattr(delivery, "SWEEP_SECONDS", 0.1)
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    yield server
    server.stop()


def sign_in(base_url: str, name: str) -> dict[str, str]:
    """Headers carrying the session cookie (sent by hand: it may be Secure over plain http)."""
    response = httpx.post(
        f"{base_url}/api/staff/login", json={"username": name, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.cookies.get(COOKIE) or response.headers["set-cookie"].split(";")[0][14:]
    return {"Cookie": f"{COOKIE}={token}", "X-CSRF-Token": response.json()["csrf_token"]}


def telegram_person_waiting(fake: FakeTelegram) -> str:
    """A person has written on Telegram and waits for an advisor."""
    fake.push(text_update(1, CHAT, "hello"))
    fake.wait_for_sent(1)
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    in_unit(conversations.set_state, conversation_id, "waiting", reason="asked")
    return conversation_id


def deliveries_until(events: queue.Queue[Any], final: str, timeout: float = 10) -> list[dict]:
    """The stream's "delivery" events for one message, up to the one in state `final`."""
    found: list[dict] = []
    while not found or found[-1]["delivery"]["state"] != final:
        name, body = events.get(timeout=timeout)
        if name == "delivery":
            found.append(body)
    return found


def test_the_advisor_sees_a_blocked_bot_live_and_on_reload(
    gateway: LiveServer, fake_telegram: FakeTelegram
) -> None:
    make_staff("ada")
    headers = sign_in(gateway.url, "ada")
    conversation_id = telegram_person_waiting(fake_telegram)
    url = f"{gateway.url}/api/staff/conversations/{conversation_id}"
    assert httpx.post(f"{url}/claim", headers=headers).status_code == 200
    events = read_events(f"{url}/stream?after=0", headers)

    fake_telegram.fail_next(1, 403, BLOCKED)
    reply = httpx.post(f"{url}/messages", json={"text": "Hi, I'm Ada"}, headers=headers)
    assert reply.status_code == 200
    message_id = reply.json()["id"]
    assert reply.json()["delivery"]["state"] in ("pending", "failed")  # sent in the background

    changes = deliveries_until(events, "failed")
    assert {c["message_id"] for c in changes} == {message_id}
    assert changes[0]["delivery"] == {
        "state": "pending",
        "attempts": 0,
        "problem": None,
        "status": wording.SENDING,
    }
    assert changes[-1]["delivery"] == {
        "state": "failed",
        "attempts": 1,
        "problem": "blocked",
        "status": NOT_DELIVERED_BLOCKED,
    }

    view = httpx.get(url, headers=headers).json()
    assert [m["delivery"] for m in view["transcript"][:-1]] == [None, None]  # person, assistant
    assert view["transcript"][-1]["delivery"]["status"] == NOT_DELIVERED_BLOCKED
    # A reconnecting stream sends the transcript with each message's delivery as it stands.
    again = read_events(f"{url}/stream?after=0", headers)
    bodies = [again.get(timeout=5)[1] for _ in range(3)]
    assert bodies[-1]["id"] == message_id
    assert bodies[-1]["delivery"]["status"] == NOT_DELIVERED_BLOCKED


def test_the_advisor_sees_a_retry_then_sent(
    gateway: LiveServer, fake_telegram: FakeTelegram
) -> None:
    make_staff("ada")
    headers = sign_in(gateway.url, "ada")
    conversation_id = telegram_person_waiting(fake_telegram)
    url = f"{gateway.url}/api/staff/conversations/{conversation_id}"
    assert httpx.post(f"{url}/claim", headers=headers).status_code == 200
    events = read_events(f"{url}/stream?after=0", headers)

    fake_telegram.fail_next(1, 500)
    reply = httpx.post(f"{url}/messages", json={"text": "Are you safe?"}, headers=headers)
    assert reply.status_code == 200
    statuses = [c["delivery"]["status"] for c in deliveries_until(events, "sent")]
    assert statuses == [wording.SENDING, wording.RETRYING, wording.SENT]
    assert fake_telegram.said(0, CHAT).splitlines()[-1] == "Are you safe?"
    view = httpx.get(url, headers=headers).json()
    assert view["transcript"][-1]["delivery"] == {
        "state": "sent",
        "attempts": 2,
        "problem": None,
        "status": wording.SENT,
    }


@pytest.fixture
def two_telegram_workers(fake_telegram: FakeTelegram, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two gateway processes with Telegram (polling by whichever leads) on one SQLite file and
    the machine's Redis under a namespace of their own; the engine is down."""
    url = migrated_sqlite(tmp_path / "welfare.db")
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "SECRET_KEY": uuid.uuid4().hex,
        "COOKIE_SECURE": "0",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}/webhook",
    }
    ports = free_port(), free_port()
    processes = [
        start_gateway_process(port, env, tmp_path / f"gateway-{n}.log")
        for n, port in enumerate(ports)
    ]
    try:
        with using_database(url):
            yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    finally:
        for process in processes:
            stop(process)


def test_a_failed_delivery_reaches_the_console_on_the_other_worker(
    two_telegram_workers: tuple[str, str], fake_telegram: FakeTelegram
) -> None:
    first, second = two_telegram_workers
    make_staff("bea")
    conversation_id = telegram_store.conversation_for_chat(CHAT)
    in_unit(conversations.add_message, conversation_id, "in", "person", "can someone help")
    in_unit(conversations.set_state, conversation_id, "waiting", reason="asked")
    headers = sign_in(first, "bea")
    path = f"/api/staff/conversations/{conversation_id}"
    assert httpx.post(f"{first}{path}/claim", headers=headers).status_code == 200
    watching = read_events(f"{second}{path}/stream?after=0", headers)  # on the other worker

    fake_telegram.fail_next(1, 403, BLOCKED)
    reply = httpx.post(f"{first}{path}/messages", json={"text": "Hello"}, headers=headers)
    assert reply.status_code == 200
    changes = deliveries_until(watching, "failed")
    assert changes[0]["delivery"]["status"] == wording.SENDING  # from the first worker
    assert changes[-1] == {
        "message_id": reply.json()["id"],
        "delivery": {
            "state": "failed",
            "attempts": 1,
            "problem": "blocked",
            "status": NOT_DELIVERED_BLOCKED,
        },
    }
