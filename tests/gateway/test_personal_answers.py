"""Answers to the referral's and the call-back's personal questions stay out of the transcript
and the advisors' live view, and a cancelled or declined referral, or a dropped call back,
leaves nothing the person typed for it in any table of the app's database.

The database (SQLite and PostgreSQL), the store, the router, the web chat API and the
console's stream are real; Rasa is scripted with the domain's own questions, so the gateway
recognises them exactly as it does the real engine's (tests/e2e has the real engine).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, table, text

from bot.gateway import texts
from bot.gateway.ratelimit import RateLimiter
from bot.store.models import Message
from bot.store.session import get_engine
from tests.support.db import rows
from tests.support.live_server import LiveServer
from tests.support.rasa import ScriptedRasa
from tests.support.sse import read_events
from tests.support.staff import PASSWORD, make_staff
from tests.support.webchat import WebChat

NAME, NUMBER, PLACE = "Zebedee Quimby", "07700 900123", "Farnworth"
PRIVATE = ("Zebedee", "Quimby", "900123", PLACE)
PHONE_ME = '/inform{"contact_method":"phone"}'
MORNINGS = '/inform{"best_time":"Mornings"}'
HOUSING, DONE = '/inform{"need":"housing"}', '/inform{"need":"done"}'
ON_PROBATION = '/inform{"probation":"yes"}'


def reply(name: str, **values: str) -> dict[str, Any]:
    """A domain response as the engine sends it, its {placeholders} filled."""
    words, buttons = texts.response(name)
    for key, value in values.items():
        words = words.replace("{" + key + "}", value)
    return {"text": words, "buttons": buttons}


SUMMARY = f"• Name: {NAME}\n• Area: Bolton (Bolton Advice)\n• How to contact you: Phone 07700900123"


class ReferralRasa(ScriptedRasa):
    """The referral form's questions, one per message, as the real engine asks them."""

    SCRIPT = {
        "can i refer myself": [reply("utter_ask_referral_consent")],
        "/affirm": [reply("utter_ask_preferred_name")],
        NAME: [reply("utter_ask_referral_form_district")],
        PLACE: [reply("utter_ask_contact_method")],
        PHONE_ME: [reply("utter_ask_phone")],
        NUMBER: [reply("utter_ask_best_time")],
        MORNINGS: [
            {
                **reply("utter_ask_needs_done"),
                "buttons": [{"title": "Housing", "payload": HOUSING}],
            }
        ],
        HOUSING: [
            {
                **reply("utter_ask_more_needs", chosen="Housing"),
                "buttons": [{"title": "That's all", "payload": DONE}],
            }
        ],
        DONE: [reply("utter_ask_probation_status")],
        ON_PROBATION: [reply("utter_ask_referral_confirm", summary=SUMMARY)],
        "cancel": [reply("utter_referral_cancelled")],
        "who can help near me": [reply("utter_ask_district")],
        "Hyde": [{"text": "In Tameside, support is from The Big Life Company."}],
        "/deny": [reply("utter_referral_no_consent")],
    }

    def answer(self, message: str) -> list[dict[str, Any]]:
        return self.SCRIPT.get(message, [{"text": "Sorry?"}])


@pytest.fixture
def rasa() -> ScriptedRasa:
    return ReferralRasa()


@pytest.fixture(autouse=True)
def unhurried(request: pytest.FixtureRequest) -> None:
    """A whole form in a second is over the real limit of 8 messages in 10 seconds."""
    if "gateway_client" in request.fixturenames:
        client = request.getfixturevalue("gateway_client")
        client.app.state.limiter = RateLimiter(limit=100)


def everything_stored() -> str:
    """Every row of every table of the app's database, as text."""
    engine = get_engine()
    found = []
    with engine.connect() as connection:
        for name in inspect(engine).get_table_names():
            for row in connection.execute(select(text("*")).select_from(table(name))):
                found.append(f"{name}: {tuple(row)}")
    return "\n".join(found)


def refer_until_the_summary(person: WebChat) -> list[dict[str, Any]]:
    """The whole form, typed and tapped; the replies to the last answer (the summary)."""
    person.say(text="can i refer myself")
    person.say(payload="/affirm")
    person.say(text=NAME)
    person.say(text=PLACE)
    person.say(payload=PHONE_ME)
    person.say(text=NUMBER)
    person.say(payload=MORNINGS)
    person.say(payload=HOUSING)
    person.say(payload=DONE)
    return person.say(payload=ON_PROBATION)


def test_referral_answers_are_stored_as_what_they_answer(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    summary = refer_until_the_summary(person)
    assert NAME in summary[0]["text"]  # the person still sees their answers to check them
    said = [m.text for m in rows(Message, direction="in")]
    assert said == [
        "can i refer myself",
        "/affirm",
        "[answer to: name]",
        "[answer to: area]",
        "[answer to: how to contact you]",
        "[answer to: phone number]",
        "[answer to: best time]",
        "[answer to: what you need help with]",
        "[answer to: what you need help with]",
        "[answer to: probation status]",
    ]
    shown = [m["text"] for m in person.transcript()]
    assert shown[-1] == "Here's what I'll send:\n\n[your answers]\n\nShall I send it?"
    assert "So far: [what you chose]. Anything else?" in shown[-5]
    # The engine gets the words, marked as personal, so it can forget them later.
    to_engine = {r["message"]: r["metadata"].get("personal_answer") for r in rasa.received}
    assert (to_engine[NAME], to_engine[NUMBER], to_engine[ON_PROBATION]) == (
        "name",
        "phone number",
        "probation status",
    )
    assert to_engine["can i refer myself"] is None and to_engine["/affirm"] is None
    assert not [word for word in PRIVATE if word in everything_stored()]


def test_a_cancelled_referral_leaves_nothing_typed_for_it(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    person = WebChat(gateway_client)
    refer_until_the_summary(person)
    cancelled = person.say(text="cancel")
    assert cancelled[0]["text"] == reply("utter_referral_cancelled")["text"]
    stored = everything_stored()
    assert not [word for word in PRIVATE if word in stored]
    assert "cancel" in [m.text for m in rows(Message, direction="in")]


def test_a_declined_consent_leaves_nothing(gateway_client: TestClient, rasa: ScriptedRasa) -> None:
    person = WebChat(gateway_client)
    person.say(text="can i refer myself")
    declined = person.say(payload="/deny")
    assert declined[0]["text"] == reply("utter_referral_no_consent")["text"]
    assert [m.text for m in rows(Message, direction="in")] == ["can i refer myself", "/deny"]
    stored = everything_stored()
    assert "consent_records:" not in stored and "referrals:" not in stored


def test_where_someone_lives_for_signposting_is_kept_as_written(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    """Only the referral's questions are personal: "who can help near me" is not a referral."""
    person = WebChat(gateway_client)
    person.say(text="who can help near me")
    person.say(text="Hyde")
    assert [m.text for m in rows(Message, direction="in")] == ["who can help near me", "Hyde"]
    assert "personal_answer" not in rasa.received[-1]["metadata"]


def test_a_crisis_typed_as_an_answer_is_kept_as_written(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    """The crisis step reads the real words first; an advisor must read a crisis message."""
    person = WebChat(gateway_client)
    person.say(text="can i refer myself")
    person.say(payload="/affirm")
    replies = person.say(text="i want to kill myself")
    assert "116 123" in "\n".join(r["text"] for r in replies)
    assert rows(Message, direction="in")[-1].text == "i want to kill myself"


def sign_in(server: LiveServer, name: str) -> dict[str, str]:
    make_staff(name)
    response = httpx.post(
        f"{server.url}/api/staff/login", json={"username": name, "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"].split(";")[0]
    return {"Cookie": cookie, "X-CSRF-Token": response.json()["csrf_token"]}


def test_the_advisors_live_view_shows_what_an_answer_answered(live_gateway: LiveServer) -> None:
    headers = sign_in(live_gateway, "ada")
    with httpx.Client(base_url=live_gateway.url) as client:
        person = WebChat(client)
        person.say(text="can i refer myself")
        person.say(payload="/affirm")
        url = f"{live_gateway.url}/api/staff/conversations/{person.conversation_id}/stream"
        events = read_events(f"{url}?after=0", headers)
        person.say(text=NAME)
        pushed = []
        while (
            not pushed
            or pushed[-1]["text"] != texts.response("utter_ask_referral_form_district")[0]
        ):
            name, body = events.get(timeout=5)
            if name == "message":
                pushed.append(body)
    assert "[answer to: name]" in [m["text"] for m in pushed if m["from"] == "person"]
    assert not [m for m in pushed if "Zebedee" in m["text"]]


class WaitingRasa(ScriptedRasa):
    """Every message is handed over: the person waits, and may leave a number."""

    def answer(self, message: str) -> list[dict[str, Any]]:
        return [
            {"text": "Passing you to an advisor."},
            {"custom": {"handover": {"reason": "asked", "urgent": False}}},
        ]


@pytest.mark.parametrize("then", ["stop", "actually can you just message me here"])
def test_a_call_back_number_is_withheld_and_a_dropped_one_leaves_nothing(
    gateway_client: TestClient, rasa: ScriptedRasa, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    monkeypatch.setattr(rasa, "answer", WaitingRasa().answer)
    person = WebChat(gateway_client)
    person.say(text="a person please")
    person.say(payload=texts.CALLBACK_OFFER["payload"])
    person.say(payload="/callback_yes")
    assert person.say(text="0161 4477")[0]["text"] == texts.CALLBACK_NOT_A_NUMBER
    assert rows(Message, direction="in")[-1].text == "[answer to: phone number]"
    replies = person.say(text=then)
    if then == "stop":
        assert replies[0]["text"] == texts.CALLBACK_DECLINED
    else:
        # Words with no number: the person moved on. The request is dropped and the message
        # goes to the advisors as written.
        assert replies[0]["text"] == texts.WAITING
        assert rows(Message, direction="in")[-1].text == then
    stored = everything_stored()
    assert "4477" not in stored and "consent_records:" not in stored
    assert "callback_requests:" in stored  # the request's row stays, declined, without a number
