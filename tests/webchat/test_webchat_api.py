"""The web chat HTTP API: sessions, the transcript a reload resumes from, tokens that never
open another person's conversation, and a flood slowed down. Rasa is scripted."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.gateway import texts
from tests.support.rasa import ScriptedRasa
from tests.support.webchat import WebChat


def test_messages_are_stored_and_a_reload_resumes(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    replies = person.say(text="/restart")
    assert replies == [
        {"text": "Hello", "buttons": [{"title": "Refer myself", "payload": "/refer_self"}]}
    ]
    assert rasa.received[0]["message"] == "restart"
    assert rasa.received[0]["metadata"] == {"channel": "webchat"}
    assert len(rasa.received[0]["sender"]) == 32  # the conversation id, not the session id
    assert [(m["from"], m["text"]) for m in person.transcript()] == [
        ("person", "/restart"),
        ("assistant", "Hello"),
    ]


def test_wrong_or_missing_token_never_shows_a_conversation(gateway_client: TestClient) -> None:
    person, other = WebChat(gateway_client), WebChat(gateway_client)
    person.say(text="private")
    url = person.url
    assert gateway_client.get(url).status_code == 401
    assert gateway_client.get(url, headers=other.headers).status_code == 403
    assert gateway_client.post(url, json={"text": "x"}, headers=other.headers).status_code == 403
    nope = gateway_client.get("/api/webchat/sessions/nope/messages", headers=person.headers)
    assert nope.status_code == 403


def test_a_flood_is_slowed_down(gateway_client: TestClient) -> None:
    person = WebChat(gateway_client)
    answers = [person.say(text=f"hi {i}")[0]["text"] for i in range(10)]
    assert texts.SLOW_DOWN in answers
