"""Helpers every action shares: the channel, the contact log, the topic buttons."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.intents import CRISIS_ASK
from bot.content import DistrictService, get_content
from bot.store.queries import ContactIn, record_contact
from bot.store.session import in_unit
from bot.vocabulary import Channel

logger = logging.getLogger(__name__)

CHANNELS = (Channel.TELEGRAM, Channel.WEBCHAT)

TOPIC_BUTTONS: list[dict[str, str]] = [
    {"title": "Money and benefits", "payload": "/uc_claim"},
    {"title": "Somewhere to stay", "payload": "/housing_tonight"},
    {"title": "Debt and fines", "payload": "/debt"},
    {"title": "ID and bank account", "payload": "/bank_account"},
    {"title": "Food and energy", "payload": "/food"},
    {"title": "Work with a record", "payload": "/work_record"},
    {"title": "Feeling low", "payload": "/feeling_low"},
    {"title": "Help near me", "payload": "/find_local"},
    {"title": "Refer myself", "payload": "/refer_self"},
    {"title": "Talk to a person", "payload": "/human"},
]


def channel_of(tracker: Tracker) -> str:
    """The channel the gateway named in the message metadata; 'other' for the shell and tests."""
    metadata = tracker.get_slot("session_started_metadata") or {}
    latest = (tracker.latest_message or {}).get("metadata") or {}
    channel = latest.get("channel") or metadata.get("channel")
    return channel if channel in CHANNELS else Channel.OTHER


def district_service(district: str | None) -> DistrictService | None:
    """The district's providers from the content file, or None for unknown/outside."""
    if not district:
        return None
    return get_content().districts.get(district)


def log_contact(
    tracker: Tracker,
    outcome: str,
    topics: Sequence[str] = (),
    district: str | None = None,
) -> None:
    """Record the outcome; a database failure is logged with the id and never ends the chat."""
    district = district if district is not None else tracker.get_slot("district")
    service = district_service(district)
    contact = ContactIn(
        conversation_id=tracker.sender_id,
        channel=channel_of(tracker),
        outcome=outcome,
        topics=list(topics),
        district=service.district if service else None,
        provider=", ".join(service.providers) if service else None,
        probation_status=tracker.get_slot("probation_status"),
    )
    try:
        in_unit(record_contact, contact)
        logger.info("contact_logged conversation=%s outcome=%s", tracker.sender_id, outcome)
    except SQLAlchemyError as error:
        # The error's type only: its text may quote what was being written.
        logger.error(
            "contact_log_failed conversation=%s outcome=%s error=%s",
            tracker.sender_id,
            outcome,
            type(error).__name__,
        )


def handover_message(reason: str, urgent: bool) -> dict[str, Any]:
    """The custom message the gateway reads as 'queue this conversation for an advisor'."""
    return {"handover": {"reason": reason, "urgent": urgent}}


def latest_intent(tracker: Tracker) -> str | None:
    """Name of the intent of the person's latest message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    """Text of the person's latest message (never logged)."""
    return (tracker.latest_message or {}).get("text") or ""


def entity_value(tracker: Tracker, entity: str) -> str | None:
    """First value of an entity in the latest message."""
    return next(tracker.get_latest_entity_values(entity), None)


def crisis_question_first(tracker: Tracker) -> bool:
    """The engine marked the latest message `crisis_ask`: the crisis detector is unsure of it,
    so the assistant asks "are you thinking about ending your life?" before anything else."""
    return bool((tracker.latest_message or {}).get(CRISIS_ASK))


class CrisisQuestionFirst:
    """For form validators: a message marked `crisis_ask` answers none of the form's questions.

    Nothing is extracted, so the engine rejects the form for that message and asks the crisis
    question instead (engine/crisis_question.py); after a "no" the form asks again. Not an
    Action itself, so the SDK does not register it.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if crisis_question_first(tracker):
            return []
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
