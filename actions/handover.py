"""Crisis replies, asking for a person, and what happens when the assistant doesn't understand."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import TOPIC_BUTTONS, handover_message, latest_intent, log_contact
from actions.referral import clear_referral_slots

logger = logging.getLogger(__name__)

FALLBACKS_BEFORE_OFFER = 2


class ActionCrisis(Action):
    """The fixed, reviewed crisis reply, then an urgent handover. Interrupts any form."""

    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        abuse = latest_intent(tracker) == "crisis_abuse"
        dispatcher.utter_message(response="utter_crisis_abuse" if abuse else "utter_crisis")
        dispatcher.utter_message(json_message=handover_message("crisis", urgent=True))
        logger.info("crisis_handover conversation=%s", tracker.sender_id)
        log_contact(tracker, "crisis", topics=["domestic_abuse" if abuse else "crisis"])
        # Any form stops here: nothing half-collected is kept.
        return [ActiveLoop(None), *clear_referral_slots()]


class ActionHandover(Action):
    """The person asked for a human (or accepted one after being misunderstood)."""

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reason = "fallback" if _last_bot_response(tracker) == "utter_offer_person" else "asked"
        dispatcher.utter_message(response="utter_handover")
        dispatcher.utter_message(json_message=handover_message(reason, urgent=False))
        logger.info("handover conversation=%s reason=%s", tracker.sender_id, reason)
        log_contact(tracker, "handover", topics=[reason])
        # Any form stops here: nothing half-collected is kept.
        return [ActiveLoop(None), *clear_referral_slots()]


class ActionFallback(Action):
    """'I didn't catch that' with topic buttons; after two in a row, offer a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if _consecutive_fallbacks(tracker) >= FALLBACKS_BEFORE_OFFER:
            dispatcher.utter_message(response="utter_offer_person")
        else:
            dispatcher.utter_message(response="utter_default", buttons=TOPIC_BUTTONS)
        return []


def _consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the person's latest messages in a row the assistant did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


def _last_bot_response(tracker: Tracker) -> str | None:
    """The response name of the assistant's last message before the person's latest one."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None
