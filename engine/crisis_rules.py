"""An NLU component that lets the shared crisis detector decide every crisis intent.

It runs after the intent classifier and before the FallbackClassifier, so a crisis message is
never answered as something else, nor met with "I didn't catch that"; and a message the
detector finds safe is never answered as a crisis because the general classifier guessed so.
The gateway sends `crisis_asking` (what a form just asked for) in the message metadata, and
`crisis_found` (`{"decision": "crisis" | "ask", "category": ...}`) when its own check, which
also read the person's earlier messages, flagged the message. The component checks the words
itself and takes the stronger of its finding and the gateway's: the earlier messages can only
raise a decision, never lower it, so this is the decision the detector would reach with them,
without reading them twice. A caller that holds the earlier messages itself may send them as
`crisis_recent` instead; the detector then reads them here.

When the detector is unsure (its "ask" band) the message keeps the classifier's intent and
entities, and `crisis_ask: <category>` is added to the parse result: understanding and triage are
kept apart. The dialogue acts on the mark first (engine/crisis_question.py asks "are you
thinking about ending your life?"), and after a "no" the assistant answers the topic the
intent names. A parse-result field rather than an intent, so `rasa test nlu` scores what the
message is about; rather than an entity, because it is no span of the text: as an entity it
would be scored by `rasa test nlu` as a made-up entity extractor, and slot mappings and the
actions' entity lookups would see it. It reaches the tracker, the actions and /model/parse
with the rest of the parse result.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import (
    ASKING_KEY,
    CATEGORIES,
    FOUND_KEY,
    RECENT_KEY,
    Assessment,
    assess,
    crisis_intent,
    load_patterns,
    warm,
)

CRISIS_INTENTS = ("crisis", "crisis_abuse", "crisis_other")
# The parse-result field that says "ask the crisis question before anything else".
CRISIS_ASK = "crisis_ask"
_STRENGTH = {"none": 0, "ask": 1, "crisis": 2}


def _metadata(message: Message) -> tuple[str | None, Sequence[str], Assessment | None]:
    """The form's question, earlier messages and the gateway's finding sent with the message,
    ignoring anything odd."""
    metadata = message.get(METADATA) or {}
    if not isinstance(metadata, dict):
        return None, (), None
    asking = metadata.get(ASKING_KEY)
    recent = metadata.get(RECENT_KEY) or ()
    if not isinstance(recent, (list, tuple)):
        recent = ()
    return (
        asking if isinstance(asking, str) else None,
        tuple(r for r in recent if isinstance(r, str)),
        _gateway_finding(metadata.get(FOUND_KEY)),
    )


def _gateway_finding(found: Any) -> Assessment | None:
    """The gateway's crisis or ask, when it sent a well-formed one."""
    if not isinstance(found, dict):
        return None
    decision, category = found.get("decision"), found.get("category")
    if decision not in ("crisis", "ask") or category not in CATEGORIES:
        return None
    return Assessment(decision, category, 0.0, "gateway")


def assessment(message: Message) -> Assessment:
    """The detector's decision on this message, or the gateway's when that is stronger."""
    asking, recent, gateway = _metadata(message)
    own = assess(message.get(TEXT), recent=recent, asking=asking)
    if gateway is not None and _STRENGTH[gateway.decision] > _STRENGTH[own.decision]:
        return gateway
    return own


def _set_intent(message: Message, intent: str, confidence: float) -> None:
    """Put an intent on top, keeping the rest of the classifier's ranking below it."""
    message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != intent]
    message.set(
        INTENT_RANKING_KEY,
        [{"name": intent, "confidence": confidence}] + ranking,
        add_to_output=True,
    )


def _demote(message: Message) -> None:
    """Replace a crisis guess the detector does not share with the best other intent."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] not in CRISIS_INTENTS]
    if not ranking:
        return
    message.set(INTENT, dict(ranking[0]), add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisRuleClassifier(GraphComponent, IntentClassifier):
    """Sets crisis / crisis_abuse / crisis_other from the shared detector, and marks the
    messages it is unsure about with `crisis_ask`."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"patterns_file": None}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._patterns_file: str | None = config.get("patterns_file")
        load_patterns(self._patterns_file)  # fail at start-up, not on a person's message
        warm()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisRuleClassifier":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = assessment(message)
            if found.decision == "crisis":
                _set_intent(message, crisis_intent(found.category) or "crisis", 1.0)
                continue
            if (message.get(INTENT) or {}).get("name") in CRISIS_INTENTS:
                _demote(message)
            if found.decision == "ask":
                # The mark is the category, which picks the question (engine/crisis_question.py).
                message.set(CRISIS_ASK, found.category or True, add_to_output=True)
        return messages
