"""Leaving a number for a call back while waiting: offered under the "no advisor soon" notice,
nothing kept before a yes (with a consent record), stop at any step keeps nothing, the number is
validated, and advisors see it in the queue and the conversation view."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.gateway import texts
from bot.store import callbacks, handover
from bot.store.models import CallbackRequest, ConsentRecord
from bot.store.session import in_unit
from tests.support.db import rows
from tests.support.rasa import ScriptedRasa
from tests.support.webchat import WebChat

HANDOVER = [
    {"text": "Passing you to an advisor."},
    {"custom": {"handover": {"reason": "asked", "urgent": False}}},
]


@pytest.fixture
def rasa() -> ScriptedRasa:
    """Every message is handed over: the person starts waiting at once."""
    return ScriptedRasa(HANDOVER)


def test_offer_consent_then_number(gateway_client: TestClient) -> None:
    person = WebChat(gateway_client)
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
    conversation_id = person.conversation_id
    assert in_unit(callbacks.for_conversation, conversation_id).phone == "07700900123"
    [item] = handover.queue()
    assert item.conversation_id == conversation_id and item.callback is True
    # Once given, it is not offered again, and later messages wait for the advisor.
    assert person.say(text="thanks")[0]["text"] == texts.WAITING


def test_no_or_stop_keeps_nothing(gateway_client: TestClient) -> None:
    person = WebChat(gateway_client)
    person.say(text="a person please")
    person.say(payload="/callback")
    assert person.say(text="no thanks")[0]["text"] == texts.CALLBACK_DECLINED
    assert rows(ConsentRecord) == []

    other = WebChat(gateway_client)
    other.say(text="a person please")
    other.say(payload="/callback")
    other.say(text="yes")
    assert len(rows(ConsentRecord)) == 1
    assert other.say(text="stop")[0]["text"] == texts.CALLBACK_DECLINED
    assert rows(ConsentRecord) == []  # the consent given a moment ago is withdrawn
    assert all(r.phone is None for r in rows(CallbackRequest))


def test_the_steps_only_start_from_the_offered_button(gateway_client: TestClient) -> None:
    person = WebChat(gateway_client)
    person.say(text="hello")  # handed over, notice offered
    typed = person.say(text="/callback")  # typed, not tapped: just a message for the advisor
    assert typed[0]["text"] == texts.WAITING
    assert rows(CallbackRequest) == []
    fresh = WebChat(gateway_client)
    assert fresh.say(payload="/callback_yes")[0]["text"] == texts.UNKNOWN_BUTTON
