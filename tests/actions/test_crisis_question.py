"""The crisis question's side in the actions: a message the engine marked `crisis_ask` is no
form answer (so the question comes first), and after a "no" its own topic is answered."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handover import ActionCrisisCheckNo, topic_before_check
from actions.referral import ValidateReferralForm
from actions.signpost import ValidateLocationForm
from tests.support.actions import make_tracker, run_action, slot_events

FORMS: dict[str, Any] = {
    "forms": {
        "location_form": {"required_slots": ["district"]},
        "referral_form": {"required_slots": ["referral_consent", "preferred_name", "district"]},
    },
    "slots": {},
}


def marked(tracker: Tracker) -> Tracker:
    """The same tracker with its latest message marked as the engine marks it."""
    tracker.latest_message["crisis_ask"] = True
    return tracker


def validate(action: Any, tracker: Tracker) -> dict[str, Any]:
    """Run a form validator as the engine does; the slots it set."""
    events = asyncio.run(action.run(CollectingDispatcher(), tracker, FORMS))
    return slot_events(events)


@pytest.mark.parametrize(
    ("action", "form", "requested", "text", "intent"),
    [
        (ValidateLocationForm(), "location_form", "district", "bolton i cant cope", "inform"),
        (ValidateReferralForm(), "referral_form", "district", "bolton i cant cope", "inform"),
        (ValidateReferralForm(), "referral_form", "referral_consent", "yes whatever", "affirm"),
    ],
)
def test_a_marked_message_answers_no_form_question(
    action: Any, form: str, requested: str, text: str, intent: str
) -> None:
    def tracker() -> Tracker:
        slots = {"requested_slot": requested, "referral_consent": requested != "referral_consent"}
        return make_tracker(text, intent, slots=slots, active_loop=form)

    assert requested in validate(action, tracker())  # unmarked, the same words are an answer
    assert validate(action, marked(tracker())) == {}  # marked: nothing, so the form rejects


def user(text: str, intent: str, confidence: float = 0.8, ask: bool = True) -> dict[str, Any]:
    """A stored user event as the engine writes it."""
    parse: dict[str, Any] = {"intent": {"name": intent, "confidence": confidence}}
    if ask:
        parse["crisis_ask"] = True
    return {"event": "user", "text": text, "parse_data": parse}


def test_the_topic_is_the_marked_message_s_own_intent() -> None:
    no = user("no", "deny", ask=False)
    assert topic_before_check([user("got sanctioned again", "uc_sanction"), no]) == "uc_sanction"
    assert topic_before_check([user("rent", "debt", ask=False), no]) is None  # not asked about
    assert topic_before_check([user("hmm", "nlu_fallback", 0.2), no]) is None
    assert topic_before_check([user("near me", "find_local"), no]) is None  # a flow, no topic
    assert topic_before_check([no]) is None


def test_no_after_a_fallback_offers_the_topics(sqlite_url: str) -> None:
    bot = {"event": "bot", "text": "Are you thinking about ending your life?"}
    events = [user("asdf i dunno", "nlu_fallback", 0.2), bot]
    messages, events_out = run_action(
        ActionCrisisCheckNo(), make_tracker("no", "deny", events=events), {}
    )
    assert [m["response"] for m in messages] == ["utter_crisis_check_no", "utter_affirm"]
    assert messages[1]["buttons"] and events_out == []
