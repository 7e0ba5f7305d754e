"""The gateway's client to the engine over real loopback HTTP (aiohttp's, through httpx): the
answer comes back, a worker that drops the connection is tried once more, and any failure of
the request, mapped by httpx or not, is EngineUnavailable, so the caller's outage and crisis
paths run instead of a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from bot.gateway.rasa_client import EngineUnavailable, RasaClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def engine(webhook: Handler) -> AsyncIterator[str]:
    """An engine stand-in on a free loopback port; yields its base URL."""
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def _send(url: str, text: str, metadata: dict[str, Any] | None = None) -> Any:
    """One message through a fresh client to `url`, closed afterwards whatever happens."""
    client = RasaClient(url)
    try:
        return await client.send("c1", text, "webchat", metadata)
    finally:
        await client.close()


async def _echo(request: web.Request) -> web.Response:
    body = await request.json()
    return web.json_response([{"recipient_id": body["sender"], "text": body["message"]}])


def test_the_engine_answer_comes_back_with_the_channel_in_the_metadata() -> None:
    seen: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return await _echo(request)

    async def run() -> list[dict[str, Any]]:
        async with engine(webhook) as url:
            return await _send(url, "hello", {"asking": None})

    assert asyncio.run(run()) == [{"recipient_id": "c1", "text": "hello"}]
    assert seen[0]["metadata"] == {"channel": "webchat", "asking": None}


def test_a_worker_that_drops_the_connection_is_tried_once_more() -> None:
    calls = 0

    async def webhook(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            assert request.transport is not None
            request.transport.close()  # the worker died before answering
            await asyncio.sleep(0.5)
        return await _echo(request)

    async def run() -> list[dict[str, Any]]:
        async with engine(webhook) as url:
            return await _send(url, "still there?")

    assert asyncio.run(run()) == [{"recipient_id": "c1", "text": "still there?"}]
    assert calls == 2


@asynccontextmanager
async def garbage_server() -> AsyncIterator[str]:
    """Something on the engine's port that does not speak HTTP (aiohttp's parser error is one
    httpx-aiohttp leaves unmapped)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("failure", ["refused", "not_http", "not_json"])
def test_every_failure_is_engine_unavailable(failure: str) -> None:
    async def not_json(request: web.Request) -> web.Response:
        return web.Response(text="<html>gateway error</html>")

    async def run() -> None:
        if failure == "refused":
            await _send("http://127.0.0.1:9", "hello")  # nothing listens on the discard port
        elif failure == "not_http":
            async with garbage_server() as url:
                await _send(url, "hello")
        else:
            async with engine(not_json) as url:
                await _send(url, "hello")

    with pytest.raises(EngineUnavailable):
        asyncio.run(run())
