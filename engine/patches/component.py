"""The one place the engine's patches are switched on: a pipeline component named for it.

config.yml lists `engine.patches.component.EnginePatches` first in the pipeline. Rasa
creates every component of a model before the model handles its first message (and before
training), so the patches are in place from the start; removing the line (or setting
ENGINE_PATCHES=off) turns them all off. The component passes messages through untouched.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from engine import patches


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class EnginePatches(GraphComponent):
    """Switches on engine/patches when the model is built or loaded; changes no message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EnginePatches":
        patches.switch_on()
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
