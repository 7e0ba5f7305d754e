"""A new conversation session (after two hours of quiet): only the district carries over.

Rasa's own session start copies every slot into the new session, the referral's name, number
and probation status among them. Here the district (a choice of ten areas, so the person is not
asked again where they live) and the channel the session started on are kept; the personal
slots are not, and the engine then forgets their old values (engine/tracker_store.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

CARRIED_SLOTS = ("district",)
METADATA_SLOT = "session_started_metadata"


def carried_over(tracker: Tracker) -> list[EventType]:
    """SlotSet for each slot the new session keeps, and the channel it started on."""
    events: list[EventType] = [
        SlotSet(slot, tracker.get_slot(slot))
        for slot in CARRIED_SLOTS
        if tracker.get_slot(slot) is not None
    ]
    metadata = tracker.get_slot(METADATA_SLOT)
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    if channel:
        events.append(SlotSet(METADATA_SLOT, {"channel": channel}))
    return events


class ActionSessionStart(Action):
    """Start the session with the district (if known) and nothing personal."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SessionStarted(), *carried_over(tracker), ActionExecuted("action_listen")]
