"""The crisis question with the trained assistant: real messages through the real pipeline,
then the real policies' next action, step by step (the actions themselves are not run: their
events are added as the engine would add them).

A message the detector is unsure about keeps its topic for the NLU and is asked about first by
the dialogue; a rule phrase is still a crisis; a running form hears the message first and, once
it refuses it, the question comes before the form goes on.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from engine.crisis_question import CrisisQuestionPolicy

LISTEN = "action_listen"
UNSURE = "the debts are too much, i cant do this anymore"  # debt; the detector is unsure
UNSURE_NO_TOPIC = "i cant do this anymore"  # the detector is unsure, the classifier too
UNSAFE = "my ex keeps the kids from me as punishment"  # unsure; reads most like abuse
PLAIN = "how do i claim universal credit"


class Conversation:
    """One conversation with the trained assistant: say something, see what comes next."""

    def __init__(self, agent: Any, events: list[Event] | None = None) -> None:
        self.agent = agent
        self.tracker = DialogueStateTracker.from_events(
            "crisis-question", [ActionExecuted(LISTEN), *(events or [])], agent.domain.slots
        )

    def say(self, text: str) -> dict[str, Any]:
        """Parse `text` (typed, or a /payload) as the engine does and add it; its parse data."""
        parsed = asyncio.run(self.agent.processor.parse_message(UserMessage(text)))
        self.tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parsed))
        return parsed

    def next(self) -> tuple[str, str]:
        """(the action the policies pick now, the policy that picked it)."""
        prediction = self.agent.processor._predict_next_with_tracker(self.tracker)
        names = self.agent.domain.action_names_or_texts
        return names[prediction.max_confidence_index], prediction.policy_name

    def run(self, *events: Event) -> None:
        """Add what running the predicted action gave."""
        for event in events:
            self.tracker.update(event)

    def expect(self, *actions: str) -> None:
        """The policies predict these actions in turn (each is then taken as run)."""
        for action in actions:
            assert self.next()[0] == action
            self.run(ActionExecuted(action))


def test_an_unsure_message_keeps_its_topic_and_is_asked_about_first(agent: Any) -> None:
    chat = Conversation(agent)
    parsed = chat.say(UNSURE)
    assert parsed["intent"]["name"] == "debt" and parsed["crisis_ask"] == "suicide"
    assert chat.next() == ("utter_crisis_check", CrisisQuestionPolicy.__name__)
    chat.expect("utter_crisis_check", LISTEN)
    assert chat.say("/deny")["intent"]["name"] == "deny"
    chat.expect("action_crisis_check_no", LISTEN)  # the action answers the debt question


def test_a_message_that_reads_like_abuse_is_asked_about_safety(agent: Any) -> None:
    chat = Conversation(agent)
    assert chat.say(UNSAFE)["crisis_ask"] == "abuse"
    assert chat.next() == ("utter_crisis_safety_check", CrisisQuestionPolicy.__name__)
    chat.expect("utter_crisis_safety_check", LISTEN)
    chat.say("/deny")
    chat.expect("action_crisis_check_no", LISTEN)


@pytest.mark.parametrize("answer", ["/crisis_abuse", "yes", UNSAFE])
def test_yes_not_sure_or_still_unsure_to_the_safety_question_is_a_crisis(
    agent: Any, answer: str
) -> None:
    chat = Conversation(agent)
    chat.say(UNSAFE)
    chat.expect("utter_crisis_safety_check", LISTEN)
    chat.say(answer)
    chat.expect("action_crisis", LISTEN)


def test_without_the_mark_the_topic_is_answered_at_once(agent: Any) -> None:
    chat = Conversation(agent)
    assert "crisis_ask" not in chat.say(PLAIN)
    chat.expect("action_answer", LISTEN)


@pytest.mark.parametrize("answer", ["/affirm", "/crisis", UNSURE])
def test_yes_not_sure_or_still_unsure_is_a_crisis(agent: Any, answer: str) -> None:
    chat = Conversation(agent)
    chat.say(UNSURE_NO_TOPIC)
    chat.expect("utter_crisis_check", LISTEN)
    chat.say(answer)
    chat.expect("action_crisis", LISTEN)  # never the same question twice in a row


def test_a_clear_crisis_is_still_the_crisis_intent(agent: Any) -> None:
    chat = Conversation(agent)
    parsed = chat.say("i want to kill myself")
    assert parsed["intent"]["name"] == "crisis" and "crisis_ask" not in parsed
    chat.expect("action_crisis", LISTEN)


def test_mid_form_the_form_refuses_the_message_then_the_question_comes(agent: Any) -> None:
    chat = Conversation(
        agent,
        [
            UserUttered("/find_local", {"name": "find_local", "confidence": 1.0}),
            ActionExecuted("location_form"),
            ActiveLoop("location_form"),
            SlotSet("requested_slot", "district"),
            ActionExecuted(LISTEN),
        ],
    )
    chat.say(UNSURE)
    assert chat.next()[0] == "location_form"  # a running form hears every message first
    chat.run(ActionExecutionRejected("location_form"))  # its validator refuses a marked one
    chat.expect("utter_crisis_check", LISTEN)
    chat.say("/deny")
    chat.expect("action_crisis_check_no", "location_form")  # and the form asks again
