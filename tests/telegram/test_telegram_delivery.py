"""Advisors' messages to a Telegram chat when the Bot API fails, in the running gateway against
the fake Bot API: a passing failure is tried again until sent, in the order written; a 429's
retry_after is waited out; a blocked bot is given up at once; a message still pending when the
gateway stops is sent by the next one's sweep; too many failures end in "failed". Rasa is
scripted; the gateway, store and python-telegram-bot are real."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.gateway.outbound import send_to_person
from bot.store import delivery as delivery_store
from bot.store import telegram as telegram_store
from bot.store.delivery import DeliveryState
from bot.telegram import delivery
from tests.support.fake_telegram import FakeTelegram, start_gateway, text_update
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa

CHAT = 555000333
BLOCKED = "Forbidden: bot was blocked by the user"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same steps, in tenths of a second rather than seconds."""
    monkeypatch.setattr(delivery, "QUICK_PAUSE", 0.05)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 0.3)
    monkeypatch.setattr(delivery, "SWEEP_SECONDS", 0.1)


@pytest.fixture
def gateway(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveServer]:
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    yield server
    server.stop()


def eventually(check: Callable[[], Any], timeout: float = 10) -> Any:
    """Wait until `check()` is truthy (the gateway sends in the background); return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"still not so after {timeout}s: {check()!r}")


def state_is(message_id: int, state: str) -> Callable[[], DeliveryState | None]:
    def check() -> DeliveryState | None:
        found = delivery_store.state_of(message_id)
        return found if found is not None and found.state == state else None

    return check


def started_chat(fake: FakeTelegram) -> str:
    """The person has written once (and had the assistant's answer): their conversation."""
    fake.push(text_update(1, CHAT, "hello"))
    fake.wait_for_sent(1)
    return telegram_store.conversation_for_chat(CHAT)


def test_a_failed_send_is_tried_again_and_the_messages_arrive_in_order(
    gateway: LiveServer,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 1.0)
    conversation_id = started_chat(fake_telegram)
    fake_telegram.fail_next(3, 500)  # every quick try of the first message fails
    first = gateway.call(send_to_person(conversation_id, "First, from the advisor"))
    # Written while the first is being tried...
    second = gateway.call(send_to_person(conversation_id, "Second, from the advisor"))
    assert first is not None and second is not None
    eventually(lambda: (s := delivery_store.state_of(first.id)) and s.attempts == 3)
    # ...and while it waits for the sweep: neither goes before it.
    third = gateway.call(send_to_person(conversation_id, "Third, from the advisor"))
    assert third is not None

    sent = fake_telegram.wait_for_sent(4)
    assert [m["text"] for m in sent[1:]] == [
        "First, from the advisor",
        "Second, from the advisor",
        "Third, from the advisor",
    ]
    assert len(fake_telegram.refused) == 3
    assert eventually(state_is(first.id, "sent")).attempts == 4  # three quick, one from the sweep
    assert eventually(state_is(second.id, "sent")).attempts == 1
    assert eventually(state_is(third.id, "sent")).attempts == 1
    assert "from the advisor" not in caplog.text and str(CHAT) not in caplog.text
    assert "telegram_delivery_try_failed" in caplog.text


def test_a_429_is_waited_out_for_as_long_as_telegram_asks(
    gateway: LiveServer, fake_telegram: FakeTelegram
) -> None:
    conversation_id = started_chat(fake_telegram)
    fake_telegram.fail_next(1, 429, "Too Many Requests: retry after 1", retry_after=1)
    began = time.monotonic()
    message = gateway.call(send_to_person(conversation_id, "Sorry for the wait"))
    assert message is not None
    sent = fake_telegram.wait_for_sent(2)
    assert time.monotonic() - began >= 1.0  # not after the quick pause of 0.05 s
    assert sent[1]["text"] == "Sorry for the wait"
    state = eventually(state_is(message.id, "sent"))
    assert state.attempts == 2


def test_a_blocked_bot_is_given_up_at_once(
    gateway: LiveServer, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    conversation_id = started_chat(fake_telegram)
    fake_telegram.fail_next(1, 403, BLOCKED)
    message = gateway.call(send_to_person(conversation_id, "Are you there?"))
    assert message is not None
    state = eventually(state_is(message.id, "failed"))
    assert (state.attempts, state.problem) == (1, "blocked")
    time.sleep(0.5)  # several sweeps later: never tried again
    assert len(fake_telegram.refused) == 1 and len(fake_telegram.sent) == 1
    # The next message is not held up by the one given up (Telegram decides again).
    later = gateway.call(send_to_person(conversation_id, "Write back when you can"))
    assert later is not None
    assert fake_telegram.wait_for_sent(2)[1]["text"] == "Write back when you can"
    assert "Are you there?" not in caplog.text and str(CHAT) not in caplog.text


def test_a_pending_message_survives_a_restart_and_the_next_gateway_sends_it(
    fake_telegram: FakeTelegram,
    rasa: ScriptedRasa,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 2.0)  # long enough to restart in between
    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    try:
        conversation_id = started_chat(fake_telegram)
        fake_telegram.fail_next(100, 502, "Bad Gateway")
        message = server.call(send_to_person(conversation_id, "Your appointment is at 3pm"))
        assert message is not None
        pending = eventually(lambda: (s := delivery_store.state_of(message.id)) and s.attempts == 3)
        assert pending
    finally:
        server.stop()
    state = delivery_store.state_of(message.id)
    assert state is not None and (state.state, state.attempts) == ("pending", 3)
    fake_telegram.stop_failing()
    assert len(fake_telegram.sent) == 1

    server = start_gateway(rasa.client(), fake_telegram, monkeypatch)
    try:
        sent = fake_telegram.wait_for_sent(2, timeout=10)
        assert sent[1] == {
            "chat_id": CHAT,
            "text": "Your appointment is at 3pm",
            "reply_markup": None,
        }
        assert eventually(state_is(message.id, "sent")).attempts == 4
    finally:
        server.stop()


def test_too_many_failures_end_in_failed(
    gateway: LiveServer, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 5)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 0.1)
    conversation_id = started_chat(fake_telegram)
    fake_telegram.fail_next(100, 500)
    message = gateway.call(send_to_person(conversation_id, "Hello again"))
    assert message is not None
    state = eventually(state_is(message.id, "failed"))
    assert (state.attempts, state.problem) == (5, "unreachable")
    time.sleep(0.5)
    assert len(fake_telegram.refused) == 5
