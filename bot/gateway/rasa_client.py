"""The Rasa engine's REST channel, over one pooled HTTP client (connections are reused).

httpx's interface over aiohttp's HTTP (httpx-aiohttp): every message makes one request, and
httpx's own HTTP/1.1 cost about 1.2 ms of it on loopback against 0.5 ms this way. Tests pass a
client of their own (httpx's MockTransport).

The person waits at most ENGINE_TIMEOUT_S for an answer; the request itself is not cut then
(cutting it would make Rasa drop the turn's state while the action server's work, a saved
referral, stays), but runs on for up to ENGINE_LATE_S, and the caller gets it to settle later.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

ENGINE_TIMEOUT_S = 5.0
ENGINE_LATE_S = 60.0


# Any failure of a request: httpx's errors, and an aiohttp error httpx-aiohttp leaves unmapped.
_FAILED = (httpx.HTTPError, aiohttp.ClientError)
# What a kept connection to a dead engine worker raises: httpx's own errors, and the one
# httpx-aiohttp maps aiohttp's "server disconnected" and "connection reset" to.
_DEAD_CONNECTION = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.ConnectTimeout,
)


class EngineUnavailable(Exception):
    """The engine or the action server is down, slow (over 5 s) or answered nothing."""


class EngineLate(EngineUnavailable):
    """No answer within ENGINE_TIMEOUT_S; `answer` gives it (or EngineUnavailable) later."""

    def __init__(self, answer: asyncio.Future[list[dict[str, Any]]]) -> None:
        super().__init__("late")
        self.answer = answer


class RasaClient:
    """Sends a person's message to Rasa as `sender` = the conversation id."""

    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient | None = None,
        wait_s: float = ENGINE_TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(
            timeout=ENGINE_LATE_S, transport=AiohttpTransport(trust_env=False)
        )
        self.wait_s = wait_s

    async def send(
        self,
        conversation_id: str,
        text: str,
        channel: str,
        metadata: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The engine's replies; EngineUnavailable when there are none to give. `metadata` adds
        to the channel what the engine's crisis check reads (the last question, earlier
        messages): it holds the person's words, so it is never logged. EngineLate when the
        answer is still coming after `wait_s`."""
        answer = asyncio.ensure_future(self._post(conversation_id, text, channel, metadata))
        try:
            return await asyncio.wait_for(asyncio.shield(answer), self.wait_s)
        except TimeoutError:
            raise EngineLate(answer) from None

    async def _post(
        self, conversation_id: str, text: str, channel: str, metadata: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        body = {
            "sender": conversation_id,
            "message": text,
            "metadata": {"channel": channel, **(metadata or {})},
        }
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            try:
                response = await self.client.post(url, json=body, timeout=ENGINE_LATE_S)
            except _DEAD_CONNECTION:
                # A kept connection to an engine worker that has since died (or an engine
                # restarted): no answer came back, so try once more on a new connection.
                response = await self.client.post(url, json=body, timeout=ENGINE_LATE_S)
            response.raise_for_status()
            replies = response.json()
        except (*_FAILED, ValueError) as error:
            raise EngineUnavailable(type(error).__name__) from error
        if not isinstance(replies, list) or not replies:
            # Rasa answers 200 with no messages when the action server is down.
            raise EngineUnavailable("no reply")
        return replies

    async def is_up(self) -> bool:
        """True when the engine answers on its root URL."""
        try:
            return (await self.client.get(f"{self.base_url}/", timeout=2)).status_code == 200
        except _FAILED:
            return False

    async def stores(self) -> dict[str, Any] | None:
        """The engine's own report on its tracker store and lock store (engine/health_channel.py),
        or None when it cannot be read."""
        try:
            answer = await self.client.get(f"{self.base_url}/webhooks/health/", timeout=3)
            report = answer.json()
        except (*_FAILED, ValueError):
            return None
        return report if isinstance(report, dict) else None

    async def close(self) -> None:
        await self.client.aclose()
