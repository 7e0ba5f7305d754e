"""Crisis detection shared by the gateway and the engine: one call, `assess`, says what to do.

A normaliser (case, text-speak, misspellings), a trained detector, reviewed rules as a
backstop, and the conversation so far. Pure Python (stdlib, PyYAML, symspellpy) so it also
runs inside the engine's Python 3.10.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.crisis import model as _model
from bot.crisis import normalise as _normalise
from bot.crisis.decide import CATEGORIES, NONE, Assessment
from bot.crisis.detector import assess_with
from bot.crisis.rules import load_patterns, rule_category

ABUSE = "abuse"
# The message metadata the engine's crisis check reads, as the gateway sends it: what a form
# just asked for, the gateway's finding with the earlier messages, or the earlier messages
# themselves (from a caller without the gateway).
ASKING_KEY = "crisis_asking"
FOUND_KEY = "crisis_found"
RECENT_KEY = "crisis_recent"
logger = logging.getLogger(__name__)

__all__ = [
    "ASKING_KEY",
    "CATEGORIES",
    "FOUND_KEY",
    "RECENT_KEY",
    "Assessment",
    "assess",
    "crisis_category",
    "crisis_intent",
    "load_patterns",
    "warm",
]


def assess(
    text: str | None, *, recent: Sequence[str] = (), asking: str | None = None
) -> Assessment:
    """Decide whether a message is a crisis, so every caller answers it the same way.

    recent: the person's earlier messages in this conversation, oldest first (a few);
    asking: what a form just asked for ("name", "place", "number", "time") or None.
    """
    if not text or not text.strip():
        return NONE
    try:
        return assess_with(_model.load(), text, recent=recent, asking=asking)
    except Exception as error:  # a person in crisis must still get an answer
        logger.error("crisis detector failed (%s): reviewed rules only", type(error).__name__)
        rule = rule_category(text)
        return Assessment("crisis", rule, 1.0, "rule") if rule else NONE


def crisis_category(text: str | None, path: str | None = None) -> str | None:
    """The crisis category of a message, or None: kept for callers that only need a yes/no."""
    if path is not None:
        return rule_category(text, path)
    found = assess(text)
    return found.category if found.decision == "crisis" else None


def crisis_intent(category: str | None) -> str | None:
    """The assistant's intent for a category, so the engine picks the reply that fits."""
    if category is None:
        return None
    if category == ABUSE:
        return "crisis_abuse"
    if category == "third_party":
        return "crisis_other"
    return "crisis"


def warm() -> None:
    """Load everything now, at start-up, so the first person in crisis does not wait."""
    load_patterns()
    _normalise.warm()
    _model.load()
