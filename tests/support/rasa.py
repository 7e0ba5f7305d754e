"""Rasa's REST channel: a scripted stand-in for the engine, and a client for the real one."""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from bot.gateway.rasa_client import ENGINE_TIMEOUT_S, RasaClient

HELLO = [{"text": "Hello", "buttons": [{"title": "Refer myself", "payload": "/refer_self"}]}]


class ScriptedRasa:
    """Answers the REST channel like Rasa would, or fails like a down engine (`mode`)."""

    def __init__(self, replies: list[dict[str, Any]] | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.mode = "up"  # "down": refused; "actions_down": an empty answer; "memory": see below
        self.replies: list[dict[str, Any]] = copy.deepcopy(HELLO if replies is None else replies)
        self.delay_s = 0.0  # a slow engine: each answer comes this much later
        self.wait_s = ENGINE_TIMEOUT_S  # how long the gateway waits before it answers itself

    @property
    def messages(self) -> list[str]:
        """The text of every message the engine was sent, in order."""
        return [body["message"] for body in self.received]

    def answer(self, message: str) -> list[dict[str, Any]]:
        """The replies to one message; a subclass can answer by what was said."""
        return self.replies

    def client(self) -> RasaClient:
        """A gateway client that talks to this script instead of the network."""
        client = RasaClient(
            "http://rasa.test", httpx.AsyncClient(transport=httpx.MockTransport(self))
        )
        client.wait_s = self.wait_s
        return client

    def __call__(self, request: httpx.Request) -> Any:
        """The answer, or with `delay_s` an awaitable of it (httpx awaits it)."""
        response = self._respond(request)
        return self._later(response) if self.delay_s else response

    async def _later(self, response: httpx.Response) -> httpx.Response:
        await asyncio.sleep(self.delay_s)
        return response

    def _respond(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200 if self.mode != "down" else 503, text="Hello from Rasa")
        if request.url.path == "/webhooks/health/":
            if self.mode == "down":
                raise httpx.ConnectError("refused")
            store = {"ok": self.mode != "memory"}  # "memory": fell back to keeping it in memory
            return httpx.Response(200, json={"tracker_store": store, "lock_store": {"ok": True}})
        body = json.loads(request.content)
        self.received.append(body)
        if self.mode == "down":
            raise httpx.ConnectError("refused")
        if self.mode == "actions_down":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=self.answer(body["message"]))


@dataclass
class Chat:
    """One person's conversation with the real engine over the REST channel."""

    engine_url: str
    channel: str = "webchat"

    def __post_init__(self) -> None:
        self.sender = secrets.token_hex(16)

    def say(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{self.engine_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text, "metadata": {"channel": self.channel}},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


def texts(replies: list[dict[str, Any]]) -> str:
    """The replies' text, one per line."""
    return "\n".join(r.get("text", "") for r in replies)


def handover(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The handover signal among the replies, if any."""
    return next(
        (
            r["custom"]["handover"]
            for r in replies
            if isinstance(r.get("custom"), dict) and "handover" in r["custom"]
        ),
        None,
    )


def payloads(replies: list[dict[str, Any]]) -> dict[str, str]:
    """Button title -> payload, across the replies."""
    return {b["title"]: b["payload"] for r in replies for b in r.get("buttons") or []}
