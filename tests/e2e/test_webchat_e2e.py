"""The web chat API through the gateway, with the real engine and action server.

Includes an outage: the action server is stopped mid-conversation and started again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.gateway import texts
from bot.gateway.rasa_client import RasaClient
from bot.store.models import Contact, Conversation
from bot.store.session import get_sessionmaker
from tests.support.processes import ActionServer, Engine
from tests.support.webchat import WebChat

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(engine_url: str, actions: ActionServer) -> Iterator[TestClient]:
    with TestClient(create_app(RasaClient(engine_url))) as test_client:
        yield test_client


def joined(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def test_web_chat_question_signpost_and_referral_start(client: TestClient) -> None:
    person = WebChat(client)
    assert "Universal Credit" in joined(person.say(text="how do i claim uc"))
    assert "Where do you live" in joined(person.say(text="who can help near me"))
    signposted = person.say(text="Hyde")
    assert "The Big Life Company" in joined(signposted)
    consent = person.say(payload="/refer_self")
    assert "Is that OK?" in joined(consent)
    senders = [m["from"] for m in person.transcript()]
    assert senders.count("person") == 4 and "assistant" in senders
    with get_sessionmaker().begin() as session:
        outcomes = session.scalars(
            select(Contact.outcome).where(
                Contact.conversation_id == session.scalars(select(Conversation.id)).all()[-1]
            )
        )
        assert {"answered", "signposted"} <= set(outcomes)


def test_action_server_outage_mid_conversation(client: TestClient, actions: ActionServer) -> None:
    person = WebChat(client)
    person.say(text="hello")
    actions.stop()
    try:
        assert person.say(text="how do i claim uc")[0]["text"] == texts.OUTAGE
        crisis = joined(person.say(text="i want to end my life"))
        assert "116 123" in crisis
    finally:
        actions.start()
    other = WebChat(client)
    assert "Universal Credit" in joined(other.say(text="how do i claim universal credit"))


def test_engine_down_gives_the_outage_message(sqlite_url: str) -> None:
    dead = RasaClient("http://127.0.0.1:9")  # nothing listens on the discard port
    with TestClient(create_app(dead)) as client:
        person = WebChat(client)
        assert person.say(text="hiya")[0]["text"] == texts.OUTAGE
        assert "999" in joined(person.say(text="ive took an overdose"))
        assert client.get("/healthz").json()["engine"] == "down"


def test_engine_stopped_mid_conversation_then_back(client: TestClient, engine: Engine) -> None:
    person = WebChat(client)
    assert "Universal Credit" in joined(person.say(text="how do i claim uc"))
    engine.stop()
    try:
        assert person.say(text="where is a food bank")[0]["text"] == texts.OUTAGE
        abuse = joined(person.say(text="my partner hits me"))
        assert "0808 2000 247" in abuse
    finally:
        engine.start()
    other = WebChat(client)
    assert "Universal Credit" in joined(other.say(text="how do i claim universal credit"))
    assert [m["from"] for m in person.transcript()].count("person") == 3  # nothing lost


def test_a_means_asked_after_low_mood_is_answered_by_the_engine_itself(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The gateway reads the earlier message and tells the engine what it found; the engine's
    own answer is the crisis reply, with its urgent handover (not the gateway's stand-in)."""
    caplog.set_level("WARNING")
    person = WebChat(client)
    crisis_reply = "Your safety matters most right now."  # utter_crisis, as the page shows it
    assert crisis_reply not in joined(person.say(text="ive been feeling really low lately"))
    replies = joined(person.say(text="how high is the bridge in stockport"))
    assert replies.count(crisis_reply) == 1
    assert "crisis_not_answered_by_engine" not in caplog.text
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, person.conversation_id)
        assert (row.state, row.urgent, row.handover_reason) == ("waiting", True, "crisis")
