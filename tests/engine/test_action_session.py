"""The action server's endpoint keeps one connection and answers as Rasa's request does."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from engine.patches import action_session

PORT = 15999
URL = f"http://127.0.0.1:{PORT}/webhook"


class FakeActionServer:
    """An aiohttp server on loopback that records each caller's port and body."""

    def __init__(self) -> None:
        self.peers: list[int] = []
        self.bodies: list[Any] = []
        self.runner: web.AppRunner | None = None

    async def webhook(self, request: web.Request) -> web.Response:
        self.peers.append(request.transport.get_extra_info("peername")[1])  # type: ignore
        self.bodies.append(json.loads(await request.read()))
        if request.headers.get("Content-Type") != "application/json":
            return web.json_response({"error": "content type"}, status=415)
        return web.json_response({"events": [], "responses": [{"text": "ok / é"}]})

    async def missing(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "no such action"}, status=404)

    async def start(self) -> None:
        app = web.Application()
        app.add_routes([web.post("/webhook", self.webhook), web.post("/missing", self.missing)])
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", PORT).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


BODY = {"next_action": "action_x", "tracker": {"slots": {"a": [1, 2.5, None]}, "t": "/ é"}}


def test_the_action_server_keeps_one_connection_and_survives_a_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTION_SERVER_URL", URL)

    async def scenario() -> None:
        server = FakeActionServer()
        await server.start()
        endpoint = EndpointConfig(URL)
        try:
            answers = [await action_session.request(endpoint, json=BODY) for _ in range(3)]
            rasas = await action_session._rasa_request(endpoint, json=BODY)
            assert answers == [rasas] * 3
            assert server.bodies == [BODY] * 4
            assert len(set(server.peers[:3])) == 1, "the connection was not kept"
            await server.stop()
            await server.start()
            assert await action_session.request(endpoint, json=BODY) == rasas
        finally:
            assert await action_session.close_kept_sessions() >= 1
            await server.stop()
        assert endpoint.__dict__["_kept_session"][1].closed

    asyncio.run(scenario())


def test_errors_are_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = f"http://127.0.0.1:{PORT}/missing"
    monkeypatch.setenv("ACTION_SERVER_URL", missing)

    async def scenario() -> None:
        server = FakeActionServer()
        await server.start()
        endpoint = EndpointConfig(missing)
        try:
            for call in (action_session.request, action_session._rasa_request):
                with pytest.raises(ClientResponseError) as caught:
                    await call(endpoint, json=BODY)
                assert caught.value.status == 404
        finally:
            await action_session.close_kept_sessions()
            await server.stop()

    asyncio.run(scenario())


def test_other_endpoints_go_through_rasas_own_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:1/elsewhere")

    async def scenario() -> None:
        server = FakeActionServer()
        await server.start()
        endpoint = EndpointConfig(URL)
        try:
            for _ in range(2):
                await action_session.request(endpoint, json=BODY)
        finally:
            await server.stop()
        assert "_kept_session" not in endpoint.__dict__
        assert len(set(server.peers)) == 2, "a non-action endpoint reused a connection"

    asyncio.run(scenario())


def test_body_is_the_same_json() -> None:
    for body in (BODY, {"x": float("1e300")}, {"k": "\u2028 / \\"}):
        assert json.loads(action_session.json_bytes(body)) == json.loads(json.dumps(body))
