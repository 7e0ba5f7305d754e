"""Finding the person's district from what they typed, shared by both forms."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.common import entity_value, latest_intent, latest_text
from actions.intents import NOT_A_PLACE
from bot.places.resolver import Resolution, resolve

OUTSIDE = "outside"


def resolve_latest(tracker: Tracker) -> Resolution | None:
    """Resolve the latest message: the spaCy place entity first, then the whole text."""
    if latest_intent(tracker) in NOT_A_PLACE:
        return None
    place = entity_value(tracker, "place")
    if place:
        found = resolve(place)
        if found.district or found.outside:
            return found
    found = resolve(latest_text(tracker))
    if found.district or found.outside:
        return found
    return None
