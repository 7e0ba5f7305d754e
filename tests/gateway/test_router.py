"""Gateway routing: slash guard, offered buttons only, handover, crisis rules before the engine,
outage handling, and a closed conversation starting afresh.

The Rasa engine is replaced here by a scripted HTTP transport, so outages can be staged
exactly; tests/e2e runs the same paths against the real engine.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.gateway import texts
from bot.gateway.router import engine_text
from bot.store import conversations
from bot.store.session import in_unit
from tests.support.rasa import ScriptedRasa
from tests.support.webchat import WebChat

HANDOVER = [
    {"text": "Passing you to an advisor."},
    {"custom": {"handover": {"reason": "asked", "urgent": False}}},
]


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


def test_only_offered_buttons_are_accepted(gateway_client: TestClient, rasa: ScriptedRasa) -> None:
    person = WebChat(gateway_client)
    assert person.say(payload="/refer_self")[0]["text"] == texts.UNKNOWN_BUTTON
    person.say(text="hi")
    person.say(payload="/refer_self")
    assert rasa.messages[-1] == "/refer_self"
    assert person.say(payload='/inform{"x":1}')[0]["text"] == texts.UNKNOWN_BUTTON


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", texts.EMPTY),
        ("   \n ", texts.EMPTY),
        ("x" * 10_000, texts.TOO_LONG),  # over the limit, under the 16 KiB body limit
    ],
)
def test_empty_and_over_long_messages_get_a_kind_answer(
    gateway_client: TestClient, text: str, expected: str
) -> None:
    assert WebChat(gateway_client).say(text=text)[0]["text"] == expected


def test_handover_stops_forwarding_to_the_assistant(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    rasa.replies = HANDOVER
    assert person.say(text="a person please")[0]["text"].startswith("Passing")
    calls = len(rasa.received)
    assert person.say(text="hello?")[0]["text"] == texts.WAITING
    assert len(rasa.received) == calls  # kept for the advisor, not sent to Rasa
    conversation_id = rasa.received[0]["sender"]
    assert in_unit(conversations.get_state, conversation_id) == "waiting"


@pytest.mark.parametrize("mode", ["down", "actions_down"])
def test_outage_gets_a_kind_message_and_recovery_goes_back_to_the_assistant(
    gateway_client: TestClient, rasa: ScriptedRasa, mode: str
) -> None:
    person = WebChat(gateway_client)
    rasa.mode = mode
    reply = person.say(text="how do i claim uc")[0]["text"]
    assert reply == texts.OUTAGE and "116 123" in reply
    rasa.mode = "up"
    assert person.say(text="how do i claim uc")[0]["text"] == "Hello"
    senders = [m["from"] for m in person.transcript()]
    assert senders.count("person") == 2  # nothing lost


def test_crisis_numbers_even_when_the_engine_is_down(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    rasa.mode = "down"
    reply = person.say(text="i want to kill myself")[0]["text"]
    assert "116 123" in reply and "999" in reply
    abuse = person.say(text="my partner hits me")[0]["text"]
    assert "0808 2000 247" in abuse
    assert in_unit(conversations.get_state, rasa.received[0]["sender"]) == "waiting"


def test_a_closed_conversation_goes_back_to_the_assistant_on_the_next_message(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    person.say(text="hello")
    conversation_id = rasa.received[0]["sender"]
    in_unit(conversations.set_state, conversation_id, "closed")
    assert person.say(text="one more question")[0]["text"] == "Hello"
    assert in_unit(conversations.get_state, conversation_id) == "assistant"


def test_a_handover_with_no_advisor_signed_in_says_so_honestly(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    rasa.replies = HANDOVER
    replies = [m["text"] for m in person.say(text="a person please")]
    assert replies == ["Passing you to an advisor.", texts.NOBODY_SIGNED_IN]
