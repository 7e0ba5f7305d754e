"""Whole conversations through the real engine and action server, checked in the database.

Runs once with SQLite and once with the machine's PostgreSQL.
"""

from __future__ import annotations

import pytest

from bot.privacy import PROBATION_SHARING
from bot.store.models import ConsentRecord, Contact, Referral
from engine import patches
from tests.support.db import rows
from tests.support.processes import ActionServer, Engine
from tests.support.rasa import Chat, handover, payloads, texts

pytestmark = pytest.mark.e2e


def test_question_is_answered_and_logged(engine_url: str, actions: ActionServer) -> None:
    chat = Chat(engine_url, channel="telegram")
    replies = chat.say("how do i claim universal credit when i get out")
    assert "Universal Credit" in texts(replies)
    [contact] = rows(Contact, conversation_id=chat.sender)
    assert (contact.outcome, contact.topics, contact.channel) == (
        "answered",
        ["uc_claim"],
        "telegram",
    )


def test_signposting_asks_where_then_names_the_provider(
    engine_url: str, actions: ActionServer
) -> None:
    chat = Chat(engine_url)
    assert "Where do you live" in texts(chat.say("who can help me round here"))
    replies = chat.say("farnworth")
    assert "Bolton Advice" in texts(replies) and "Bolton" in texts(replies)
    [contact] = rows(Contact, conversation_id=chat.sender)
    assert (contact.outcome, contact.district, contact.provider) == (
        "signposted",
        "Bolton",
        "Bolton Advice",
    )
    # the district is remembered: the next question is logged against it
    chat.say("where can i get a food bank voucher")
    assert rows(Contact, conversation_id=chat.sender)[-1].district == "Bolton"


def test_postcode_and_outside_greater_manchester(engine_url: str, actions: ActionServer) -> None:
    chat = Chat(engine_url)
    assert "POPs" in texts(chat.say("who helps people in M22 5RT"))
    other = Chat(engine_url)
    other.say("is there a service near me")
    assert "Greater Manchester only" in texts(other.say("i live in leeds"))


def test_self_referral_with_a_question_and_a_correction(
    engine_url: str, actions: ActionServer
) -> None:
    chat = Chat(engine_url, channel="webchat")
    consent = chat.say("can i refer myself")
    assert "Say cancel at any time and we delete what you typed for this." in texts(consent)
    assert rows(ConsentRecord, conversation_id=chat.sender) == []
    chat.say(payloads(consent)["Yes, that's OK"])
    # a question mid-form is answered, then the form asks for the name again
    mid = chat.say("is this confidential")
    # The one reviewed statement of what is shared with probation, then back to the form.
    assert PROBATION_SHARING in texts(mid) and "call you" in texts(mid)
    assert "area" in texts(chat.say("call me Jo"))
    method = chat.say("Eccles")
    chat.say(payloads(method)["Phone me"])
    assert "UK phone number" in texts(chat.say("12345"))
    times = chat.say("07700 900123")
    needs = chat.say(payloads(times)["Mornings"])
    more = chat.say(payloads(needs)["Housing"])
    more = chat.say(payloads(more)["Mentoring"])
    probation = chat.say(payloads(more)["That's all"])
    summary = chat.say(payloads(probation)["Yes"])
    assert "Jo" in texts(summary) and "Salford (Salford Foundation)" in texts(summary)
    # change the best time at the summary, then confirm
    which = chat.say(payloads(summary)["Change something"])
    again = chat.say(payloads(which)["Best time"])
    summary = chat.say(payloads(again)["Evenings"])
    assert "Evenings" in texts(summary)
    done = chat.say(payloads(summary)["Yes, send it"])
    assert "that's sent" in texts(done)
    assert handover(done) == {"reason": "referral", "urgent": False}
    [referral] = rows(Referral, conversation_id=chat.sender)
    assert (
        referral.preferred_name,
        referral.district,
        referral.phone,
        referral.best_time,
        referral.needs,
        referral.probation_status,
    ) == ("Jo", "Salford", "07700900123", "Evenings", ["housing", "mentoring"], "yes")
    [consent_row] = rows(ConsentRecord, conversation_id=chat.sender)
    assert consent_row.id == referral.consent_id and consent_row.channel == "webchat"
    assert [c.outcome for c in rows(Contact, conversation_id=chat.sender)][-1] == "referral"


def test_an_engine_restart_mid_referral_carries_on(engine: Engine, actions: ActionServer) -> None:
    """The dialogue state lives in the database, so a restarted engine goes on with the form."""
    chat = Chat(engine.url, channel="webchat")
    consent = chat.say("can i refer myself")
    chat.say(payloads(consent)["Yes, that's OK"])
    assert "area" in texts(chat.say("call me Jo"))
    engine.stop()
    engine.start()
    method = chat.say("Eccles")  # the area question's answer, not a new conversation
    assert "Phone me" in payloads(method)
    chat.say(payloads(method)["Phone me"])
    assert "UK phone number" in texts(chat.say("12345"))


def test_cancel_mid_referral_stores_nothing(engine_url: str, actions: ActionServer) -> None:
    chat = Chat(engine_url)
    chat.say("sign me up")
    chat.say("yes")
    chat.say("Dave")
    assert "deleted what you typed" in texts(chat.say("cancel"))
    assert (
        rows(Referral, conversation_id=chat.sender) == []
        and rows(ConsentRecord, conversation_id=chat.sender) == []
    )
    assert "Universal Credit" in texts(chat.say("how do i claim universal credit"))


@pytest.mark.parametrize(
    "message, abuse",
    [
        ("i want to kill myself", False),
        ("thinking of ending it all tonight", False),
        ("ive took a load of pills", False),
        ("my partner hits me and im scared to go home", True),
    ],
)
def test_crisis_mid_referral_gets_the_numbers_and_an_urgent_handover(
    engine_url: str, actions: ActionServer, message: str, abuse: bool
) -> None:
    chat = Chat(engine_url)
    chat.say("i want to refer myself")
    chat.say("yes")
    replies = chat.say(message)
    assert "116 123" in texts(replies) and "999" in texts(replies)
    assert ("0808 2000 247" in texts(replies)) is abuse
    assert handover(replies) == {"reason": "crisis", "urgent": True}
    assert rows(Referral, conversation_id=chat.sender) == []
    assert rows(Contact, conversation_id=chat.sender)[-1].outcome == "crisis"


def test_unsure_of_a_crisis_asks_first_then_no_answers_the_topic(
    engine_url: str, actions: ActionServer
) -> None:
    chat = Chat(engine_url)
    asked = chat.say("the debts are too much, i cant do this anymore")
    assert texts(asked).startswith("Are you thinking about ending your life?")
    assert rows(Contact, conversation_id=chat.sender) == []  # the topic waits for the answer
    replies = chat.say(payloads(asked)["No"])
    assert texts(replies).startswith("Thank you for telling me.")
    assert handover(replies) is None
    [contact] = rows(Contact, conversation_id=chat.sender)
    assert (contact.outcome, contact.topics) == ("answered", ["debt"])


def test_unsure_of_a_crisis_mid_referral_asks_first_and_the_form_goes_on(
    engine_url: str, actions: ActionServer
) -> None:
    chat = Chat(engine_url)
    consent = chat.say("can i refer myself")
    assert "call you" in texts(chat.say(payloads(consent)["Yes, that's OK"]))
    asked = chat.say("the debts are too much, i cant do this anymore")  # not read as a name
    assert texts(asked).startswith("Are you thinking about ending your life?")
    replies = chat.say(payloads(asked)["No"])
    assert "Thank you for telling me." in texts(replies) and "call you" in texts(replies)
    assert "area" in texts(chat.say("call me Jo"))  # the form carries on from where it was


def test_unsure_of_a_crisis_then_yes_is_a_crisis(engine_url: str, actions: ActionServer) -> None:
    chat = Chat(engine_url)
    asked = chat.say("i cant do this anymore")
    replies = chat.say(payloads(asked)["Yes"])
    assert "116 123" in texts(replies) and "999" in texts(replies)
    assert handover(replies) == {"reason": "crisis", "urgent": True}
    assert rows(Contact, conversation_id=chat.sender)[-1].outcome == "crisis"


def test_unsure_about_a_partner_asks_about_safety_and_yes_is_the_abuse_reply(
    engine_url: str, actions: ActionServer
) -> None:
    chat = Chat(engine_url)
    asked = chat.say("my ex keeps the kids from me as punishment")
    assert texts(asked).startswith("Is someone hurting you, or making you feel unsafe, right now?")
    assert "ending your life" not in texts(asked)
    replies = chat.say("yes")  # typed: the engine alone, no gateway in front
    assert "0808 2000 247" in texts(replies) and "999" in texts(replies)
    assert handover(replies) == {"reason": "crisis", "urgent": True}
    [contact] = rows(Contact, conversation_id=chat.sender)
    assert (contact.outcome, contact.topics) == ("crisis", ["domestic_abuse"])


def test_no_to_the_safety_question_is_thanked_with_the_helpline(
    engine_url: str, actions: ActionServer
) -> None:
    chat = Chat(engine_url)
    asked = chat.say("my ex keeps the kids from me as punishment")
    replies = chat.say(payloads(asked)["No"])
    assert texts(replies).startswith("Thank you for telling me.")
    assert "0808 2000 247" in texts(replies) and handover(replies) is None


def test_asking_for_a_person(engine_url: str, actions: ActionServer) -> None:
    chat = Chat(engine_url)
    replies = chat.say("can i talk to a real person")
    assert handover(replies) == {"reason": "asked", "urgent": False}
    assert rows(Contact, conversation_id=chat.sender)[-1].outcome == "handover"


def test_two_misunderstandings_offer_a_person(engine_url: str, actions: ActionServer) -> None:
    chat = Chat(engine_url)
    first = chat.say("qwpoeiruty zmxncbv")
    assert "didn't catch" in texts(first) and payloads(first)
    offer = chat.say("asdkjh qwelkj")
    assert "talk to a person" in texts(offer)
    replies = chat.say(payloads(offer)["Yes, talk to a person"])
    assert handover(replies) == {"reason": "fallback", "urgent": False}


@pytest.mark.parametrize(
    "message",
    [
        "😀😀😀",
        "<script>alert(1)</script>",
        "¿Dónde puedo conseguir comida?",
        "x" * 20_000,
    ],
)
def test_odd_messages_get_a_kind_answer(
    engine_url: str, actions: ActionServer, message: str
) -> None:
    chat = Chat(engine_url)
    replies = chat.say(message)
    assert replies and texts(replies).strip()
    # and the conversation still works afterwards
    assert "Universal Credit" in texts(chat.say("how do i claim universal credit"))


def test_a_referral_leaves_nothing_personal_in_the_engine_log(
    engine: Engine, actions: ActionServer
) -> None:
    """Rasa logged an error with a traceback of the slot values for every button payload
    (`/inform{...}` looks like a template placeholder); the engine now logs none of it."""
    start = engine.log.stat().st_size
    chat = Chat(engine.url)
    said = ["i want to refer myself", "call me Marnie Quibble", "Wythenshawe", "07700 900456"]
    consent = chat.say(said[0])
    chat.say(payloads(consent)["Yes, that's OK"])
    chat.say(said[1])
    method = chat.say(said[2])
    chat.say(payloads(method)["Phone me"])
    times = chat.say(said[3])
    needs = chat.say(payloads(times)["Mornings"])
    more = chat.say(payloads(needs)["Housing"])
    probation = chat.say(payloads(more)["That's all"])
    summary = chat.say(payloads(probation)["Prefer not to say"])
    assert "Marnie Quibble" in texts(summary)
    chat.say(payloads(summary)["Cancel"])
    with engine.log.open() as log:
        log.seek(start)
        written = log.read()
    for private in [*said, "Marnie", "Quibble", "900456", chat.sender]:
        assert private not in written
    if patches.enabled():  # ENGINE_PATCHES=off: Rasa logs its own error for each button payload
        assert " ERROR " not in written and '"locals": {' not in written
