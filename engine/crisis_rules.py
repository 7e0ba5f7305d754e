"""An NLU component that makes the shared crisis detector decide every crisis intent.

It runs after the intent classifier and before the FallbackClassifier, so a crisis message is
never answered as something else, nor met with "I didn't catch that"; and a message the
detector finds safe is never answered as a crisis because the general classifier guessed so.
The gateway may send `crisis_asking` (what a form just asked for) and `crisis_recent` (the
person's earlier messages) in the message metadata; the detector reads both.
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

from bot.crisis import assess, crisis_intent, load_patterns, warm

CRISIS_INTENTS = ("crisis", "crisis_abuse", "crisis_other", "crisis_check")
CHECK_INTENT = "crisis_check"
ASKING_KEY = "crisis_asking"
RECENT_KEY = "crisis_recent"


def _metadata(message: Message) -> tuple[str | None, Sequence[str]]:
    """The form's question and the earlier messages the gateway sent, ignoring anything odd."""
    metadata = message.get(METADATA) or {}
    if not isinstance(metadata, dict):
        return None, ()
    asking = metadata.get(ASKING_KEY)
    recent = metadata.get(RECENT_KEY) or ()
    if not isinstance(recent, (list, tuple)):
        recent = ()
    return (
        asking if isinstance(asking, str) else None,
        tuple(r for r in recent if isinstance(r, str)),
    )


def detected_intent(message: Message) -> str | None:
    """The crisis intent the detector gives this message, or None when it finds no crisis."""
    asking, recent = _metadata(message)
    found = assess(message.get(TEXT), recent=recent, asking=asking)
    if found.decision == "ask":
        return CHECK_INTENT
    if found.decision == "crisis":
        return crisis_intent(found.category)
    return None


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
    """Sets crisis / crisis_abuse / crisis_other / crisis_check from the shared detector."""

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
            intent = detected_intent(message)
            predicted = (message.get(INTENT) or {}).get("name")
            if intent is None:
                if predicted in CRISIS_INTENTS:
                    _demote(message)
                continue
            _set_intent(message, intent, 1.0)
        return messages
