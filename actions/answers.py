"""Answers to the common questions: the short answer first, the rest on "Tell me more".

Welfare and service topics are answered from content/answers/<intent>.yml (bot/answers_content.py),
each logged as an 'answered' contact; so a new topic needs only its file and its NLU examples
here. Small talk ("hi", "thanks") is answered from the domain's utter_<intent> responses.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TOPIC_BUTTONS, entity_value, latest_intent, log_contact
from actions.intents import TELL_ME_MORE
from bot.answers_content import Answer, get_answers
from bot.content import get_content
from bot.vocabulary import Outcome

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"

ANSWERS: dict[str, Answer] = get_answers()
# Intents whose answer is a welfare topic: these count as contacts for the district service.
TOPIC_INTENTS: frozenset[str] = frozenset(ANSWERS)

TELL_ME_MORE_TITLE = "Tell me more"
# The topic the assistant last answered, for a typed "tell me more" (domain slot, not featurised).
LAST_TOPIC_SLOT = "last_topic"
# The buttons an answer file may name (bot/answers_content.BUTTONS), as the person sees them.
ANSWER_BUTTONS: dict[str, dict[str, str]] = {
    "refer_self": {"title": "Refer myself", "payload": "/refer_self"},
    "find_local": {"title": "Find help near me", "payload": "/find_local"},
    "human": {"title": "Talk to a person", "payload": "/human"},
}

# Conversation intents answered from the domain without a contact row.
CONVERSATION_INTENTS: frozenset[str] = frozenset(
    {
        "help_topics",
        "greet",
        "goodbye",
        "thanks",
        "chitchat",
        "out_of_scope",
        "affirm",
        "deny",
        "inform",
        "change_answer",
        "cancel",
    }
)


def _domain_responses() -> frozenset[str]:
    """The domain's response names, read once: the engine then need not send its whole domain
    with every call (selective domain, see endpoints.yml), which is most of a turn's time."""
    with DOMAIN_FILE.open(encoding="utf-8") as handle:
        return frozenset((yaml.safe_load(handle) or {}).get("responses", {}))


RESPONSES = _domain_responses()


def topic_buttons(answer: Answer) -> list[dict[str, str]]:
    """The buttons the answer file names, in its order."""
    return [dict(ANSWER_BUTTONS[name]) for name in answer.buttons]


def _sendable(text: str) -> str | None:
    """The text with its placeholders filled (only {hours}, checked by the loader); None while
    the opening hours are not set: they are a setting staff fill in, never a guess."""
    hours = get_content().opening_hours
    if "{hours}" in text and not hours:
        return None
    return text.format_map({"hours": hours}) if "{" in text else text


def answer_topic(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str
) -> list[EventType]:
    """Send a topic's short answer with "Tell me more" and its buttons, and log the contact."""
    answer = ANSWERS[intent]
    text = _sendable(answer.answer)
    if text is None:
        dispatcher.utter_message(response="utter_service_hours_unknown")
    else:
        more = (
            [{"title": TELL_ME_MORE_TITLE, "payload": answer.more_payload}] if answer.more else []
        )
        dispatcher.utter_message(text=text, buttons=more + topic_buttons(answer))
    log_contact(tracker, Outcome.ANSWERED, topics=[intent])
    return [SlotSet(LAST_TOPIC_SLOT, intent)]


def tell_me_more(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The rest of an answer: the tapped topic, else the last one answered here. Logs nothing:
    it is the same contact as the answer."""
    topic = entity_value(tracker, "topic")
    if topic not in ANSWERS:
        topic = tracker.get_slot(LAST_TOPIC_SLOT)
    answer = ANSWERS.get(topic or "")
    if answer is None:
        dispatcher.utter_message(response="utter_tell_me_more", buttons=TOPIC_BUTTONS)
        return []
    text = _sendable(answer.more) if answer.more else None
    if text is not None:
        dispatcher.utter_message(text=text, buttons=topic_buttons(answer))
    elif answer.more:
        dispatcher.utter_message(response="utter_service_hours_unknown")
    else:
        dispatcher.utter_message(response="utter_no_more", buttons=topic_buttons(answer))
    return [SlotSet(LAST_TOPIC_SLOT, answer.intent)]


class ActionAnswer(Action):
    """Answer the latest intent, so one rule serves every topic and "Tell me more"."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker) or ""
        # Both read the content settings and the first writes the contact row: off the loop.
        if intent == TELL_ME_MORE:
            return await asyncio.to_thread(tell_me_more, dispatcher, tracker)
        if intent in ANSWERS:
            return await asyncio.to_thread(answer_topic, dispatcher, tracker, intent)
        response = f"utter_{intent}"
        if response not in RESPONSES:
            dispatcher.utter_message(response="utter_default", buttons=TOPIC_BUTTONS)
        elif intent == "help_topics":
            dispatcher.utter_message(response=response, buttons=TOPIC_BUTTONS)
        else:
            dispatcher.utter_message(response=response)
        return []
