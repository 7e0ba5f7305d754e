"""Answers to the common questions, each logged as an 'answered' contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TOPIC_BUTTONS, latest_intent, log_contact
from bot.content import get_content
from bot.vocabulary import Outcome

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"

# Intents whose answer is a welfare topic: these count as contacts for the district service.
TOPIC_INTENTS: frozenset[str] = frozenset(
    {
        "uc_claim",
        "uc_advance",
        "uc_sanction",
        "pip",
        "housing_tonight",
        "housing_release",
        "housing_eviction",
        "debt",
        "fines",
        "bailiffs",
        "bank_account",
        "replace_id",
        "food",
        "energy",
        "work_record",
        "disclosure",
        "feeling_low",
        "stress_sleep",
        "drink_drugs",
        "family",
        "mentoring",
        "anger",
        "behaviour_change",
        "healthy_choices",
        "service_about",
        "service_confidential",
        "service_eligibility",
        "service_hours",
    }
)

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


class ActionAnswer(Action):
    """Send the domain's answer for the latest intent, so one rule serves every topic."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker) or ""
        response = f"utter_{intent}"
        if response not in RESPONSES:
            dispatcher.utter_message(response="utter_default", buttons=TOPIC_BUTTONS)
            return []
        if intent == "service_hours":
            # Hours are a setting staff fill in; until then say so rather than guess.
            hours = get_content().opening_hours
            if hours:
                dispatcher.utter_message(response=response, hours=hours)
            else:
                dispatcher.utter_message(response="utter_service_hours_unknown")
        elif intent == "help_topics":
            dispatcher.utter_message(response=response, buttons=TOPIC_BUTTONS)
        else:
            dispatcher.utter_message(response=response)
        if intent in TOPIC_INTENTS:
            log_contact(tracker, Outcome.ANSWERED, topics=[intent])
        return []
