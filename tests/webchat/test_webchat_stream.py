"""The web chat's live stream: an advisor's message reaches an open page at once, one stored
before the page connected is sent on connect, and replies the page already has are not sent
twice. The gateway runs for real (uvicorn); Rasa is scripted."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator

import httpx
import pytest

from bot.app import create_app
from bot.gateway.outbound import send_to_person
from bot.gateway.rasa_client import RasaClient
from bot.store import webchat
from tests.live_server import LiveServer


def rasa() -> RasaClient:
    reply = httpx.Response(200, json=[{"text": "Hello from the assistant"}])
    transport = httpx.MockTransport(lambda request: reply)
    return RasaClient("http://rasa.test", httpx.AsyncClient(transport=transport))


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    live = LiveServer(create_app(rasa())).start()
    yield live
    live.stop()


def start_session(server: LiveServer) -> tuple[str, dict[str, str]]:
    body = httpx.post(f"{server.url}/api/webchat/sessions").json()
    return body["session_id"], {"Authorization": f"Bearer {body['token']}"}


def read_events(server: LiveServer, sid: str, headers: dict[str, str], after: int = 0):
    """Read the stream in a thread; events arrive on the returned queue."""
    events: queue.Queue[dict] = queue.Queue()
    opened = threading.Event()

    def run() -> None:
        url = f"{server.url}/api/webchat/sessions/{sid}/stream?after={after}"
        try:
            with httpx.stream("GET", url, headers=headers, timeout=20) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                opened.set()
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        events.put(json.loads(line[5:]))
        except httpx.RemoteProtocolError:
            pass  # the server shut down at the end of the test

    threading.Thread(target=run, daemon=True).start()
    assert opened.wait(10)
    return events


def test_stream_needs_the_sessions_token(server: LiveServer) -> None:
    sid, _ = start_session(server)
    url = f"{server.url}/api/webchat/sessions/{sid}/stream"
    assert httpx.get(url).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert httpx.get(url, headers=wrong).status_code == 403


def test_advisor_messages_arrive_live_and_on_reconnect(server: LiveServer) -> None:
    sid, headers = start_session(server)
    conversation_id = webchat.check_session(sid, headers["Authorization"][7:])
    assert conversation_id is not None
    say = f"{server.url}/api/webchat/sessions/{sid}/messages"
    httpx.post(say, json={"text": "hello"}, headers=headers)
    early = server.call(send_to_person(conversation_id, "An advisor will be with you soon"))

    events = read_events(server, sid, headers)
    first = events.get(timeout=5)
    assert (first["from"], first["text"], first["id"]) == (
        "advisor",
        "An advisor will be with you soon",
        early.id,
    )
    # The page shows the assistant's reply from the POST; the stream does not repeat it.
    httpx.post(say, json={"text": "are you there"}, headers=headers)
    server.call(send_to_person(conversation_id, "Hi, I'm Jo, an advisor"))
    live = events.get(timeout=5)
    assert (live["from"], live["text"]) == ("advisor", "Hi, I'm Jo, an advisor")

    # A page that reconnects with the last id it has gets nothing twice.
    again = read_events(server, sid, headers, after=live["id"])
    server.call(send_to_person(conversation_id, "Still here"))
    assert again.get(timeout=5)["text"] == "Still here"
    assert events.get(timeout=5)["text"] == "Still here"
    assert again.empty()
