"""What one caller can make the gateway hold: new web chats per address, open live streams."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from bot.gateway import limits
from bot.gateway.limits import StreamSlots
from bot.settings import Settings


def test_new_chats_from_one_address_are_bounded(gateway_client: TestClient) -> None:
    bound = Settings().webchat_sessions_per_hour
    made = [gateway_client.post("/api/webchat/sessions") for _ in range(bound)]
    assert all(r.status_code == 201 for r in made)
    refused = gateway_client.post("/api/webchat/sessions")
    assert refused.status_code == 429
    assert "116 123" in refused.json()["message"]  # the kind text with the numbers


def test_the_bound_on_new_chats_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBCHAT_SESSIONS_PER_HOUR", "3")
    limiter = limits.session_limiter(Settings.from_env())
    allowed = [asyncio.run(limiter.check("10.0.0.9")) for _ in range(4)]
    assert allowed == [True, True, True, False]


def test_stream_slots_per_session_and_in_all() -> None:
    slots = StreamSlots(per_key=2, in_all=3)

    async def events():  # noqa: ANN202
        yield 1

    async def drain(stream) -> list[int]:  # noqa: ANN001
        return [e async for e in stream]

    first, second = slots.held("a", events()), slots.held("a", events())
    with pytest.raises(HTTPException) as refused:
        slots.held("a", events())
    assert refused.value.status_code == 429
    third = slots.held("b", events())
    with pytest.raises(HTTPException):
        slots.held("c", events())  # three open in all
    assert slots.open == 3
    for stream in (first, second, third):
        assert asyncio.run(drain(stream)) == [1]
    assert slots.open == 0 and not slots._open


def test_a_fifth_stream_for_one_chat_is_refused(gateway_client: TestClient) -> None:
    session = gateway_client.post("/api/webchat/sessions").json()
    url = f"/api/webchat/sessions/{session['session_id']}/stream"
    headers = {"Authorization": f"Bearer {session['token']}"}
    key = f"webchat:{_conversation(session)}"
    for _ in range(limits.STREAMS_PER_KEY):
        limits.streams.take(key)  # streams already open for this chat
    try:
        refused = gateway_client.get(url, headers=headers)
        assert refused.status_code == 429
    finally:
        for _ in range(limits.STREAMS_PER_KEY):
            limits.streams.give_back(key)


def _conversation(session: dict[str, str]) -> str:
    from bot.store.models import WebchatSession
    from bot.store.session import get_sessionmaker

    with get_sessionmaker().begin() as db:
        return db.get(WebchatSession, session["session_id"]).conversation_id
