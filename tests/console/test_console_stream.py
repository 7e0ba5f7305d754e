"""The console's live streams on a real server: the queue stream sends the queue on connect
and after each change; a conversation's stream sends its messages, then new ones live."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator

import httpx
import pytest

from bot.app import create_app
from bot.console import texts
from bot.console.auth import COOKIE
from bot.console.passwords import hash_password
from bot.console.service import announce_queue_change
from bot.gateway.outbound import publish_message
from bot.store import conversations, staff
from tests.live_server import LiveServer

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    live = LiveServer(create_app()).start()
    yield live
    live.stop()


def sign_in(server: LiveServer, name: str) -> dict[str, str]:
    """Headers carrying the session cookie (Secure, so sent by hand over the test's http)."""
    staff.create_user(name, hash_password(PASSWORD), "advisor")
    response = httpx.post(
        f"{server.url}/api/staff/login", json={"username": name, "password": PASSWORD}
    )
    token = response.cookies.get(COOKIE) or response.headers["set-cookie"].split(";")[0][14:]
    return {"Cookie": f"{COOKIE}={token}", "X-CSRF-Token": response.json()["csrf_token"]}


def read_events(url: str, headers: dict[str, str]) -> queue.Queue[tuple[str, dict]]:
    """Read an SSE stream in a thread; (event, data) pairs arrive on the returned queue."""
    events: queue.Queue[tuple[str, dict]] = queue.Queue()
    opened = threading.Event()

    def run() -> None:
        try:
            with httpx.stream("GET", url, headers=headers, timeout=30) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                opened.set()
                name = "message"
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        events.put((name, json.loads(line[5:])))
        except httpx.HTTPError:
            pass  # the server stopped at the end of the test

    threading.Thread(target=run, daemon=True).start()
    assert opened.wait(10)
    return events


def test_streams_need_a_session(server: LiveServer) -> None:
    cid = conversations.create_conversation("webchat")
    for path in ("/api/staff/queue/stream", f"/api/staff/conversations/{cid}/stream"):
        assert httpx.get(f"{server.url}{path}").status_code == 401


def test_queue_stream_follows_the_queue(server: LiveServer) -> None:
    headers = sign_in(server, "ada")
    events = read_events(f"{server.url}/api/staff/queue/stream", headers)
    assert events.get(timeout=5) == ("queue", {"change": None, "queue": []})

    cid = conversations.create_conversation("telegram")
    conversations.set_state(cid, "waiting", reason="crisis", urgent=True)

    async def announce() -> None:  # as the gateway does on a handover
        announce_queue_change(cid, "waiting")

    server.call(announce())
    name, body = events.get(timeout=5)
    assert (name, body["change"]) == ("queue", {"event": "waiting", "conversation_id": cid})
    assert [(i["conversation_id"], i["urgent"]) for i in body["queue"]] == [(cid, True)]

    claim = httpx.post(f"{server.url}/api/staff/conversations/{cid}/claim", headers=headers)
    assert claim.status_code == 200
    name, body = events.get(timeout=5)
    assert (body["change"]["event"], body["queue"]) == ("claimed", [])


def test_conversation_stream_sends_the_transcript_then_live_messages(server: LiveServer) -> None:
    headers = sign_in(server, "ada")
    cid = conversations.create_conversation("webchat")
    first = conversations.add_message(cid, "in", "person", "hello")
    conversations.set_state(cid, "waiting", reason="asked")
    url = f"{server.url}/api/staff/conversations/{cid}"
    httpx.post(f"{url}/claim", headers=headers)

    events = read_events(f"{url}/stream?after=0", headers)
    name, body = events.get(timeout=5)
    assert (name, body["id"], body["from"], body["text"]) == (
        "message",
        first.id,
        "person",
        "hello",
    )

    later = conversations.add_message(cid, "in", "person", "are you there?")

    async def person_writes() -> None:
        publish_message(cid, later)

    server.call(person_writes())
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
        httpx.get(f"{server.url}/api/staff/conversations/nope/stream", headers=headers).status_code
        == 404
    )
