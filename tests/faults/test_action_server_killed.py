"""The action server killed (SIGKILL) in the middle of a referral form, then started again.

The person gets the gateway's outage reply with the crisis numbers and is queued for an
advisor; the engine keeps the form in its tracker store, so once the action server is back the
next message goes on with the answers given so far, and the confirmed referral is saved once.
"""

from __future__ import annotations

import pytest

from bot.gateway import texts
from bot.store.models import ConsentRecord, Referral
from tests.faults.stack import Advisor, Person, Stack, words
from tests.support.db import rows

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PHONE = "07700 900123"


@pytest.fixture(scope="module")
def stack(start_stack) -> Stack:
    return start_stack(gateways=1)


def start_referral(person: Person) -> None:
    """Consent, a name and an area: the form then asks how to get back to them."""
    assert "Is that OK?" in words(person.say("can i refer myself"))
    assert "call you" in words(person.tap("Yes, that's OK"))
    assert "area" in words(person.say("call me Jo"))
    assert "How should an advisor get back to you?" in words(person.say("Eccles"))


def assert_outage_reply(replies: list[dict]) -> None:
    """The kind outage reply, with the crisis numbers in it."""
    assert replies[0]["text"] == texts.OUTAGE
    assert "999" in replies[0]["text"] and "116 123" in replies[0]["text"]


def test_the_form_goes_on_after_the_action_server_comes_back(stack: Stack) -> None:
    person = Person(stack.gateways[0].url)
    start_referral(person)

    stack.actions.kill()
    try:
        assert_outage_reply(person.tap("Phone me"))
        advisor = Advisor("outage-advisor", stack.gateways[0].url)
        queued = advisor.queued()[person.conversation_id]
        assert (queued["reason"], queued["urgent"], queued["state"]) == (
            "outage",
            False,
            "assistant",
        )
    finally:
        stack.actions.start()

    # The same answer again: the form is where it was, with name and area kept.
    assert "best number" in words(person.tap("Phone me"))
    assert "best time" in words(person.say(PHONE))
    person.tap("Mornings")
    person.tap("Housing")
    assert "probation" in words(person.tap("That's all"))
    summary = words(person.tap("Yes"))
    assert "Jo" in summary and "Salford (Salford Foundation)" in summary
    assert "that's sent" in words(person.tap("Yes, send it"))

    [referral] = rows(Referral, conversation_id=person.conversation_id)
    assert (
        referral.preferred_name,
        referral.district,
        referral.contact_method,
        referral.phone,
        referral.best_time,
        referral.needs,
        referral.probation_status,
    ) == ("Jo", "Salford", "phone", "07700900123", "Mornings", ["housing"], "yes")
    assert len(rows(ConsentRecord, conversation_id=person.conversation_id)) == 1


def test_an_answer_sent_again_after_the_outage_stays_out_of_the_transcript(
    stack: Stack,
) -> None:
    """Killed while the form asks for the phone number: the number typed during the outage
    and the same number typed again once the action server is back are both answers to that
    question, so neither is kept in the transcript as written (docs: data protection)."""
    person = Person(stack.gateways[0].url)
    start_referral(person)
    assert "best number" in words(person.tap("Phone me"))

    stack.actions.kill()
    try:
        assert_outage_reply(person.say(PHONE))
    finally:
        stack.actions.start()
    assert "best time" in words(person.say(PHONE))  # the form goes on from the number

    said = [m["text"] for m in person.transcript() if m["from"] == "person"]
    assert PHONE not in said, said
    assert said.count("[answer to: phone number]") == 2, said
