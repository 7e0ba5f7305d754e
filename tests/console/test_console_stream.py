"""The console's live streams on a real server: the queue stream sends the queue on connect
and after each change; a conversation's stream sends its messages, then new ones live."""

from __future__ import annotations

import httpx

from bot.console import texts
from bot.console.auth import COOKIE
from bot.console.service import announce_queue_change
from bot.gateway.outbound import publish_message
from bot.store import conversations
from bot.store.session import in_unit
from tests.support.live_server import LiveServer
from tests.support.sse import read_events
from tests.support.staff import PASSWORD, make_staff


def sign_in(server: LiveServer, name: str) -> dict[str, str]:
    """Headers carrying the session cookie (Secure, so sent by hand over the test's http)."""
    make_staff(name)
    response = httpx.post(
        f"{server.url}/api/staff/login", json={"username": name, "password": PASSWORD}
    )
    token = response.cookies.get(COOKIE) or response.headers["set-cookie"].split(";")[0][14:]
    return {"Cookie": f"{COOKIE}={token}", "X-CSRF-Token": response.json()["csrf_token"]}


def test_streams_need_a_session(live_gateway: LiveServer) -> None:
    cid = in_unit(conversations.create_conversation, "webchat")
    for path in ("/api/staff/queue/stream", f"/api/staff/conversations/{cid}/stream"):
        assert httpx.get(f"{live_gateway.url}{path}").status_code == 401


def test_queue_stream_follows_the_queue(live_gateway: LiveServer) -> None:
    headers = sign_in(live_gateway, "ada")
    events = read_events(f"{live_gateway.url}/api/staff/queue/stream", headers)
    assert events.get(timeout=5) == ("queue", {"change": None, "queue": []})

    cid = in_unit(conversations.create_conversation, "telegram")
    in_unit(conversations.set_state, cid, "waiting", reason="crisis", urgent=True)

    async def announce() -> None:  # as the gateway does on a handover
        announce_queue_change(cid, "waiting")

    live_gateway.call(announce())
    name, body = events.get(timeout=5)
    assert (name, body["change"]) == ("queue", {"event": "waiting", "conversation_id": cid})
    assert [(i["conversation_id"], i["urgent"]) for i in body["queue"]] == [(cid, True)]

    claim = httpx.post(f"{live_gateway.url}/api/staff/conversations/{cid}/claim", headers=headers)
    assert claim.status_code == 200
    name, body = events.get(timeout=5)
    assert (body["change"]["event"], body["queue"]) == ("claimed", [])


def test_conversation_stream_sends_the_transcript_then_live_messages(
    live_gateway: LiveServer,
) -> None:
    headers = sign_in(live_gateway, "ada")
    cid = in_unit(conversations.create_conversation, "webchat")
    first = in_unit(conversations.add_message, cid, "in", "person", "hello")
    in_unit(conversations.set_state, cid, "waiting", reason="asked")
    url = f"{live_gateway.url}/api/staff/conversations/{cid}"
    httpx.post(f"{url}/claim", headers=headers)

    events = read_events(f"{url}/stream?after=0", headers)
    name, body = events.get(timeout=5)
    assert (name, body["id"], body["from"], body["text"]) == (
        "message",
        first.id,
        "person",
        "hello",
    )

    later = in_unit(conversations.add_message, cid, "in", "person", "are you there?")

    async def person_writes() -> None:
        publish_message(cid, later)

    live_gateway.call(person_writes())
    name, body = events.get(timeout=5)
    assert (name, body["from"], body["text"]) == ("message", "person", "are you there?")

    httpx.post(f"{url}/messages", json={"text": "Yes, I'm here"}, headers=headers)
    name, body = events.get(timeout=5)
    assert (body["from"], body["text"]) == ("advisor", "Yes, I'm here")

    httpx.post(f"{url}/close", json={"outcome": "answered"}, headers=headers)
    name, body = events.get(timeout=5)
    assert (name, body["from"], body["text"]) == ("message", "advisor", texts.CLOSED)
    name, body = events.get(timeout=5)
    assert (name, body) == ("state", {"event": "state", "state": "closed", "conversation_id": cid})
    assert (
        httpx.get(
            f"{live_gateway.url}/api/staff/conversations/nope/stream", headers=headers
        ).status_code
        == 404
    )
