"""Crisis replies, asking for a person, and what happens when the assistant doesn't understand."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import TOPIC_INTENTS, answer_topic
from actions.common import (
    TOPIC_BUTTONS,
    channel_of,
    handover_message,
    latest_intent,
    log_contact,
)
from actions.intents import CRISIS_ASK
from actions.referral import clear_referral_slots
from bot.crisis.decide import QUESTION_RESPONSES, SAFETY_ASK_CATEGORY
from bot.vocabulary import Channel, Outcome

logger = logging.getLogger(__name__)

FALLBACKS_BEFORE_OFFER = 2


# The reviewed reply for each crisis intent; abuse is fitted to the channel (the web chat has a
# Quick exit button, Telegram does not). The gateway picks the same ones (bot/gateway/texts.py).
CRISIS_RESPONSES = {
    "crisis_abuse": "utter_crisis_abuse",
    "crisis_other": "utter_crisis_other",
}
ABUSE_BY_CHANNEL: dict[str, str] = {Channel.TELEGRAM: "utter_crisis_abuse_telegram"}
CRISIS_TOPICS = {"crisis_abuse": "domestic_abuse", "crisis_other": "third_party"}
# Questions the assistant answers from the domain that are not worth answering after a "no".
NOT_A_TOPIC = frozenset({"service_hours"})


# The safety question ("is someone hurting you, or making you feel unsafe, right now?"): a yes
# to it is the abuse reply, a no is thanked with the abuse helpline.
SAFETY_QUESTION = QUESTION_RESPONSES[SAFETY_ASK_CATEGORY]


def crisis_response(intent: str | None, channel: str) -> str:
    """The response for a crisis intent on a channel; 'for yourself' unless told otherwise."""
    if intent == "crisis_abuse":
        return ABUSE_BY_CHANNEL.get(channel, CRISIS_RESPONSES[intent])
    return CRISIS_RESPONSES.get(intent or "", "utter_crisis")


class ActionCrisis(Action):
    """The fixed, reviewed crisis reply, then an urgent handover. Interrupts any form."""

    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # In a worker thread: the contact log's write must not hold up the event loop.
        return await asyncio.to_thread(self.reply, dispatcher, tracker)

    @staticmethod
    def reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The crisis reply, the urgent handover and the contact record."""
        # A "yes" or "not sure" to the crisis question arrives as affirm / crisis: for yourself;
        # a typed yes to the safety question is abuse (its buttons send /crisis_abuse).
        intent = latest_intent(tracker)
        if intent not in CRISIS_RESPONSES and _last_bot_response(tracker) == SAFETY_QUESTION:
            intent = "crisis_abuse"
        dispatcher.utter_message(response=crisis_response(intent, channel_of(tracker)))
        dispatcher.utter_message(json_message=handover_message("crisis", urgent=True))
        logger.info("crisis_handover conversation=%s", tracker.sender_id)
        log_contact(tracker, Outcome.CRISIS, topics=[CRISIS_TOPICS.get(intent or "", "crisis")])
        # Any form stops here: nothing half-collected is kept.
        return [ActiveLoop(None), *clear_referral_slots()]


class ActionCrisisCheckNo(Action):
    """'No' to "are you thinking about ending your life?" (or to the safety question): thank
    them and go back to the topic (the form carries on by rule; otherwise answer what the
    asked-about message was about)."""

    def name(self) -> str:
        return "action_crisis_check_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        safety = _last_bot_response(tracker) == SAFETY_QUESTION
        dispatcher.utter_message(
            response="utter_crisis_safety_check_no" if safety else "utter_crisis_check_no"
        )
        logger.info("crisis_check_no conversation=%s", tracker.sender_id)
        if tracker.active_loop.get("name"):
            return []
        topic = topic_before_check(tracker.events)
        if topic is None:
            dispatcher.utter_message(response="utter_affirm", buttons=TOPIC_BUTTONS)
            return []
        # In a worker thread: the answer reads settings and logs the contact.
        return await asyncio.to_thread(answer_topic, dispatcher, tracker, topic)


def topic_before_check(events: list[dict[str, Any]]) -> str | None:
    """The welfare topic of the message that made the assistant ask, if it had one.

    That message is the person's one before the "no", marked `crisis_ask`; the engine kept
    its intent, so the intent is the topic (a fallback or a flow like find_local is none).
    """
    said = [e for e in events if e.get("event") == "user"]
    if len(said) < 2:
        return None
    parse = said[-2].get("parse_data") or {}
    if not parse.get(CRISIS_ASK):
        return None
    name = (parse.get("intent") or {}).get("name")
    return name if name in TOPIC_INTENTS and name not in NOT_A_TOPIC else None


class ActionHandover(Action):
    """The person asked for a human (or accepted one after being misunderstood)."""

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # In a worker thread: the contact log's write must not hold up the event loop.
        return await asyncio.to_thread(self.reply, dispatcher, tracker)

    @staticmethod
    def reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The handover reply and the contact record."""
        reason = "fallback" if _last_bot_response(tracker) == "utter_offer_person" else "asked"
        dispatcher.utter_message(response="utter_handover")
        dispatcher.utter_message(json_message=handover_message(reason, urgent=False))
        logger.info("handover conversation=%s reason=%s", tracker.sender_id, reason)
        log_contact(tracker, Outcome.HANDOVER, topics=[reason])
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
