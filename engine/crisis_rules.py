"""An NLU component that makes the reviewed crisis phrases win over the trained classifier.

It runs after the intent classifier and before the FallbackClassifier, so a crisis message is
never answered as something else, nor met with "I didn't catch that".
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import crisis_category, crisis_intent, load_patterns
from engine import action_client, privacy, speedups

# The engine loads this module with the model, so these are in place before the first message
# is handled: Rasa's repeated work done once (engine/speedups.py), kept connections to the
# action server (engine/action_client.py), and no conversation data in the engine's log
# (engine/privacy.py).
speedups.install()
action_client.install()
privacy.install()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisRuleClassifier(GraphComponent, IntentClassifier):
    """Overrides the predicted intent with crisis / crisis_abuse when a crisis rule matches."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"patterns_file": None}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._patterns_file: str | None = config.get("patterns_file")
        load_patterns(self._patterns_file)  # fail at start-up, not on a person's message

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
            intent = crisis_intent(crisis_category(message.get(TEXT), self._patterns_file))
            if intent is None:
                continue
            predicted = (message.get(INTENT) or {}).get("name")
            if predicted in ("crisis", "crisis_abuse") and intent == "crisis":
                continue  # the model already knows; keep its finer label
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != intent]
            message.set(
                INTENT_RANKING_KEY,
                [{"name": intent, "confidence": 1.0}] + ranking,
                add_to_output=True,
            )
        return messages
