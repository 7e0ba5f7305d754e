"""Live events between gateway processes over the machine's Redis (a namespace per test)."""

from __future__ import annotations

import asyncio
import subprocess
import uuid

import pytest

from bot.gateway.bus import RedisBus
from bot.gateway.push import RESYNC, PushHub

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _two_processes() -> tuple[PushHub, RedisBus, PushHub, RedisBus]:
    namespace = f"test-{uuid.uuid4().hex}"
    first, second = PushHub(), PushHub()
    first_bus = RedisBus(first, REDIS_URL, namespace)
    second_bus = RedisBus(second, REDIS_URL, namespace)
    await first_bus.start()
    await second_bus.start()
    return first, first_bus, second, second_bus


async def _no_more(queue: asyncio.Queue, seconds: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(queue.get(), seconds)
    except TimeoutError:
        return True
    return False


def test_an_event_reaches_the_other_process_once() -> None:
    async def run() -> None:
        first, first_bus, second, second_bus = await _two_processes()
        try:
            here, there = first.subscribe("conversation:c1"), second.subscribe("conversation:c1")
            elsewhere = second.subscribe("conversation:c2")
            first.publish("conversation:c1", {"id": 7, "text": "hello", "later": True})
            assert await asyncio.wait_for(there.get(), 1.0) == {
                "id": 7,
                "text": "hello",
                "later": True,
            }
            assert (await here.get())["id"] == 7
            assert await _no_more(here)  # its own event does not come back a second time
            assert await _no_more(there)
            assert await _no_more(elsewhere, 0.1)
        finally:
            await first_bus.stop()
            await second_bus.stop()

    asyncio.run(run())


def test_a_dropped_connection_comes_back_and_streams_catch_up() -> None:
    async def run() -> None:
        first, first_bus, second, second_bus = await _two_processes()
        try:
            watching = second.subscribe("conversation:c1")
            # Cut the second process's connections on the server, as a Redis restart would.
            listed = subprocess.run(
                ["redis-cli", "-h", "127.0.0.1", "CLIENT", "LIST"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            ids = [
                line.split()[0].removeprefix("id=")
                for line in listed.splitlines()
                if f" name={second_bus.client_name} " in f" {line} "
            ]
            assert ids
            for client_id in ids:
                subprocess.run(
                    ["redis-cli", "-h", "127.0.0.1", "CLIENT", "KILL", "ID", client_id],
                    check=True,
                    capture_output=True,
                )
            assert await asyncio.wait_for(watching.get(), 5.0) == RESYNC
            await asyncio.wait_for(second_bus.connected.wait(), 5.0)
            first.publish("conversation:c1", {"id": 8, "later": True})
            assert (await asyncio.wait_for(watching.get(), 2.0))["id"] == 8
        finally:
            await first_bus.stop()
            await second_bus.stop()

    asyncio.run(run())


def test_redis_down_at_start_keeps_this_process_working(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run() -> None:
        monkeypatch.setattr("bot.gateway.bus.RETRY_SECONDS", 0.1)
        hub = PushHub()
        bus = RedisBus(hub, "redis://127.0.0.1:1/0", f"test-{uuid.uuid4().hex}")
        started = asyncio.get_running_loop().time()
        monkeypatch.setattr("asyncio.wait_for", _short_wait(asyncio.wait_for))
        await bus.start()
        assert asyncio.get_running_loop().time() - started < 5
        assert not bus.connected.is_set()
        queue = hub.subscribe("queue")
        hub.publish("queue", {"event": "claim"})
        assert (await queue.get())["event"] == "claim"
        await bus.stop()

    asyncio.run(run())


def _short_wait(real):  # the start-up wait, cut to half a second for this test
    async def wait_for(awaitable, timeout):  # noqa: ANN001, ANN202
        return await real(awaitable, min(timeout, 0.5) if timeout else timeout)

    return wait_for
