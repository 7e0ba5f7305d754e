"""Gateway routing, slash guard, crisis rules before the engine, outage handling, web chat API.

The Rasa engine is replaced here by a scripted HTTP transport, so outages can be staged
exactly; tests/e2e runs the same paths against the real engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.gateway import texts
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import RateLimiter
from bot.gateway.router import engine_text
from bot.store import conversations


class ScriptedEngine:
    """Answers the REST channel like Rasa would, or fails like a down engine."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.mode = "up"
        self.replies: list[dict[str, Any]] = [
            {"text": "Hello", "buttons": [{"title": "Refer myself", "payload": "/refer_self"}]}
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200 if self.mode == "up" else 503, text="Hello from Rasa")
        self.received.append(json.loads(request.content))
        if self.mode == "down":
            raise httpx.ConnectError("refused")
        if self.mode == "actions_down":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=self.replies)


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
def client(engine: ScriptedEngine, database_url: str) -> Iterator[TestClient]:
    rasa = RasaClient("http://rasa.test", httpx.AsyncClient(transport=httpx.MockTransport(engine)))
    with TestClient(create_app(rasa)) as test_client:
        yield test_client


def new_session(client: TestClient) -> tuple[str, dict[str, str]]:
    response = client.post("/api/webchat/sessions")
    assert response.status_code == 201
    body = response.json()
    return body["session_id"], {"Authorization": f"Bearer {body['token']}"}


def say(client: TestClient, sid: str, headers: dict[str, str], **body: str) -> list[dict]:
    response = client.post(f"/api/webchat/sessions/{sid}/messages", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


@pytest.mark.parametrize(
    "typed, sent",
    [
        ("/restart", "restart"),
        ('/inform{"district":"Bolton"}', 'inform{"district":"Bolton"}'),
        ("  //human", "human"),
        ("hello /there", "hello /there"),
    ],
)
def test_slash_text_never_reaches_rasa_as_a_command(typed: str, sent: str) -> None:
    assert engine_text(typed) == sent


def test_messages_are_stored_and_a_reload_resumes(
    client: TestClient, engine: ScriptedEngine
) -> None:
    sid, headers = new_session(client)
    replies = say(client, sid, headers, text="/restart")
    assert replies == [
        {"text": "Hello", "buttons": [{"title": "Refer myself", "payload": "/refer_self"}]}
    ]
    assert engine.received[0]["message"] == "restart"
    assert engine.received[0]["metadata"] == {"channel": "webchat"}
    assert len(engine.received[0]["sender"]) == 32  # the conversation id, not the session id
    transcript = client.get(f"/api/webchat/sessions/{sid}/messages", headers=headers).json()
    assert [(m["from"], m["text"]) for m in transcript["messages"]] == [
        ("person", "/restart"),
        ("assistant", "Hello"),
    ]


def test_only_offered_buttons_are_accepted(client: TestClient, engine: ScriptedEngine) -> None:
    sid, headers = new_session(client)
    assert say(client, sid, headers, payload="/refer_self")[0]["text"] == texts.UNKNOWN_BUTTON
    say(client, sid, headers, text="hi")
    say(client, sid, headers, payload="/refer_self")
    assert engine.received[-1]["message"] == "/refer_self"
    assert say(client, sid, headers, payload='/inform{"x":1}')[0]["text"] == texts.UNKNOWN_BUTTON


def test_wrong_or_missing_token_never_shows_a_conversation(client: TestClient) -> None:
    sid, headers = new_session(client)
    other, other_headers = new_session(client)
    say(client, sid, headers, text="private")
    url = f"/api/webchat/sessions/{sid}/messages"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=other_headers).status_code == 403
    assert client.post(url, json={"text": "x"}, headers=other_headers).status_code == 403
    assert client.get("/api/webchat/sessions/nope/messages", headers=headers).status_code == 403


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", texts.EMPTY),
        ("   \n ", texts.EMPTY),
        ("x" * 20_000, texts.TOO_LONG),
    ],
)
def test_empty_and_over_long_messages_get_a_kind_answer(
    client: TestClient, text: str, expected: str
) -> None:
    sid, headers = new_session(client)
    assert say(client, sid, headers, text=text)[0]["text"] == expected


def test_handover_stops_forwarding_to_the_assistant(
    client: TestClient, engine: ScriptedEngine
) -> None:
    sid, headers = new_session(client)
    engine.replies = [
        {"text": "Passing you to an advisor."},
        {"custom": {"handover": {"reason": "asked", "urgent": False}}},
    ]
    assert say(client, sid, headers, text="a person please")[0]["text"].startswith("Passing")
    calls = len(engine.received)
    assert say(client, sid, headers, text="hello?")[0]["text"] == texts.WAITING
    assert len(engine.received) == calls  # kept for the advisor, not sent to Rasa
    conversation_id = engine.received[0]["sender"]
    assert conversations.get_state(conversation_id) == "waiting"


@pytest.mark.parametrize("mode", ["down", "actions_down"])
def test_outage_gets_a_kind_message_and_recovery_goes_back_to_the_assistant(
    client: TestClient, engine: ScriptedEngine, mode: str
) -> None:
    sid, headers = new_session(client)
    engine.mode = mode
    reply = say(client, sid, headers, text="how do i claim uc")[0]["text"]
    assert reply == texts.OUTAGE and "116 123" in reply
    engine.mode = "up"
    assert say(client, sid, headers, text="how do i claim uc")[0]["text"] == "Hello"
    transcript = client.get(f"/api/webchat/sessions/{sid}/messages", headers=headers).json()
    assert [m["from"] for m in transcript["messages"]].count("person") == 2  # nothing lost


def test_crisis_numbers_even_when_the_engine_is_down(
    client: TestClient, engine: ScriptedEngine
) -> None:
    sid, headers = new_session(client)
    engine.mode = "down"
    reply = say(client, sid, headers, text="i want to kill myself")[0]["text"]
    assert "116 123" in reply and "999" in reply
    abuse = say(client, sid, headers, text="my partner hits me")[0]["text"]
    assert "0808 2000 247" in abuse
    assert conversations.get_state(engine.received[0]["sender"]) == "waiting"


def test_a_flood_is_slowed_down(client: TestClient) -> None:
    sid, headers = new_session(client)
    answers = [say(client, sid, headers, text=f"hi {i}")[0]["text"] for i in range(10)]
    assert texts.SLOW_DOWN in answers


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=2, window_s=10)
    assert limiter.allow("a", 0) and limiter.allow("a", 1) and not limiter.allow("a", 2)
    assert limiter.allow("b", 2) and limiter.allow("a", 11.5)


def test_healthz_reports_each_part(client: TestClient, engine: ScriptedEngine) -> None:
    body = client.get("/healthz").json()
    assert body["database"] == "ok" and body["engine"] == "ok"
    assert body["action_server"] in ("ok", "down")
    engine.mode = "down"
    assert client.get("/healthz").json()["engine"] == "down"


def test_a_closed_conversation_goes_back_to_the_assistant_on_the_next_message(
    client: TestClient, engine: ScriptedEngine
) -> None:
    sid, headers = new_session(client)
    say(client, sid, headers, text="hello")
    conversation_id = engine.received[0]["sender"]
    conversations.set_state(conversation_id, "closed")
    assert say(client, sid, headers, text="one more question")[0]["text"] == "Hello"
    assert conversations.get_state(conversation_id) == "assistant"


def test_a_handover_with_no_advisor_signed_in_says_so_honestly(
    client: TestClient, engine: ScriptedEngine
) -> None:
    sid, headers = new_session(client)
    engine.replies = [
        {"text": "Passing you to an advisor."},
        {"custom": {"handover": {"reason": "asked", "urgent": False}}},
    ]
    replies = [m["text"] for m in say(client, sid, headers, text="a person please")]
    assert replies == ["Passing you to an advisor.", texts.NOBODY_SIGNED_IN]
