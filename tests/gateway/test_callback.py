"""Leaving a number for a call back while waiting: offered under the "no advisor soon" notice,
nothing kept before a yes (with a consent record), stop at any step keeps nothing, the number is
validated, and advisors see it in the queue and the conversation view."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.gateway import texts
from bot.gateway.rasa_client import RasaClient
from bot.store import callbacks, handover, webchat
from bot.store.models import CallbackRequest, ConsentRecord
from bot.store.session import get_sessionmaker

HANDOVER = [
    {"text": "Passing you to an advisor."},
    {"custom": {"handover": {"reason": "asked", "urgent": False}}},
]


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    engine = httpx.MockTransport(lambda request: httpx.Response(200, json=HANDOVER))
    rasa = RasaClient("http://rasa.test", httpx.AsyncClient(transport=engine))
    with TestClient(create_app(rasa)) as test_client:
        yield test_client


class Person:
    """One web chat session."""

    def __init__(self, client: TestClient) -> None:
        body = client.post("/api/webchat/sessions").json()
        self.client, self.sid = client, body["session_id"]
        self.headers = {"Authorization": f"Bearer {body['token']}"}

    def say(self, **body: str) -> list[dict]:
        url = f"/api/webchat/sessions/{self.sid}/messages"
        response = self.client.post(url, json=body, headers=self.headers)
        assert response.status_code == 200
        return response.json()["messages"]


def conversation_of(person: Person) -> str:
    conversation_id = webchat.check_session(person.sid, person.headers["Authorization"][7:])
    assert conversation_id is not None
    return conversation_id


def rows(model: type) -> list:
    with get_sessionmaker().begin() as session:
        return list(session.scalars(select(model)))


def test_offer_consent_then_number(client: TestClient) -> None:
    person = Person(client)
    replies = person.say(text="can I speak to someone")
    assert replies[-1]["text"] == texts.NOBODY_SIGNED_IN
    assert replies[-1]["buttons"] == [texts.CALLBACK_OFFER]

    consent = person.say(payload="/callback")
    assert consent[0]["text"] == texts.CALLBACK_CONSENT
    assert rows(ConsentRecord) == []  # nothing kept before a yes
    assert person.say(payload="/callback_yes")[0]["text"] == texts.CALLBACK_ASK_NUMBER
    [record] = rows(ConsentRecord)
    assert (record.purpose, record.channel) == ("callback", "webchat")
    assert record.wording_version == texts.CALLBACK_CONSENT_VERSION

    assert person.say(text="my number is 12345")[0]["text"] == texts.CALLBACK_NOT_A_NUMBER
    thanks = person.say(text="07700 900123")[0]["text"]
    assert "07700900123" in thanks and "116 123" in thanks
    conversation_id = conversation_of(person)
    assert callbacks.for_conversation(conversation_id).phone == "07700900123"
    [item] = handover.queue()
    assert item.conversation_id == conversation_id and item.callback is True
    # Once given, it is not offered again, and later messages wait for the advisor.
    assert person.say(text="thanks")[0]["text"] == texts.WAITING


def test_no_or_stop_keeps_nothing(client: TestClient) -> None:
    person = Person(client)
    person.say(text="a person please")
    person.say(payload="/callback")
    assert person.say(text="no thanks")[0]["text"] == texts.CALLBACK_DECLINED
    assert rows(ConsentRecord) == []

    other = Person(client)
    other.say(text="a person please")
    other.say(payload="/callback")
    other.say(text="yes")
    assert len(rows(ConsentRecord)) == 1
    assert other.say(text="stop")[0]["text"] == texts.CALLBACK_DECLINED
    assert rows(ConsentRecord) == []  # the consent given a moment ago is withdrawn
    assert all(r.phone is None for r in rows(CallbackRequest))


def test_the_steps_only_start_from_the_offered_button(client: TestClient) -> None:
    person = Person(client)
    person.say(text="hello")  # handed over, notice offered
    typed = person.say(text="/callback")  # typed, not tapped: just a message for the advisor
    assert typed[0]["text"] == texts.WAITING
    assert rows(CallbackRequest) == []
    fresh = Person(client)
    assert fresh.say(payload="/callback_yes")[0]["text"] == texts.UNKNOWN_BUTTON
