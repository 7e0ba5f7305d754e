"""The web chat's live stream: an advisor's message reaches an open page at once, one stored
before the page connected is sent on connect, and replies the page already has are not sent
twice. The gateway runs for real (uvicorn); Rasa is scripted."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.gateway.outbound import send_to_person
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa
from tests.support.sse import read_data
from tests.support.webchat import WebChat


@pytest.fixture
def rasa() -> ScriptedRasa:
    return ScriptedRasa([{"text": "Hello from the assistant"}])


@pytest.fixture
def person(live_gateway: LiveServer) -> Iterator[WebChat]:
    """A person with a web chat session on the live gateway."""
    with httpx.Client(base_url=live_gateway.url, timeout=20) as client:
        yield WebChat(client)


def stream(server: LiveServer, person: WebChat, after: int = 0) -> str:
    return f"{server.url}/api/webchat/sessions/{person.session_id}/stream?after={after}"


def test_stream_needs_the_sessions_token(live_gateway: LiveServer, person: WebChat) -> None:
    url = f"{live_gateway.url}/api/webchat/sessions/{person.session_id}/stream"
    assert httpx.get(url).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert httpx.get(url, headers=wrong).status_code == 403


def test_advisor_messages_arrive_live_and_on_reconnect(
    live_gateway: LiveServer, person: WebChat
) -> None:
    conversation_id = person.conversation_id
    person.say(text="hello")
    early = live_gateway.call(send_to_person(conversation_id, "An advisor will be with you soon"))

    events = read_data(stream(live_gateway, person), person.headers, timeout=20)
    first = events.get(timeout=5)
    assert (first["from"], first["text"], first["id"]) == (
        "advisor",
        "An advisor will be with you soon",
        early.id,
    )
    # The page shows the assistant's reply from the POST; the stream does not repeat it.
    person.say(text="are you there")
    live_gateway.call(send_to_person(conversation_id, "Hi, I'm Jo, an advisor"))
    live = events.get(timeout=5)
    assert (live["from"], live["text"]) == ("advisor", "Hi, I'm Jo, an advisor")

    # A page that reconnects with the last id it has gets nothing twice.
    again = read_data(stream(live_gateway, person, after=live["id"]), person.headers, timeout=20)
    live_gateway.call(send_to_person(conversation_id, "Still here"))
    assert again.get(timeout=5)["text"] == "Still here"
    assert events.get(timeout=5)["text"] == "Still here"
    assert again.empty()
