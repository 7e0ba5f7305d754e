"""An NLU component that gives the intent classifier the crisis normaliser's spelling of words.

People write "univeral credit", "sanctiond", "wiv", "2moro" and "skint af". The crisis detector
already turns such words into the ones its model was trained on (bot/crisis/normalise.py:
text-speak, stretched letters, misspellings by symspellpy, with a project word list and the
place names kept as typed). This component runs straight after the tokenizer and sets each
token's lemma to that normalised form, so a word featurizer that reads lemmas counts the word
that was meant. The token's text and offsets are left alone: place extraction, the regex
features and the featurizers set `use_lemma: false` still see what was typed, and the message
text stored in the conversation is unchanged.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.crisis.normalise import normalise, warm


def normalised_lemma(typed: str) -> str:
    """What one typed token means, in the normaliser's words ("wiv" -> "with",
    "2moro" -> "tomorrow", "univeral" -> "universal"); a token the normaliser has no word
    for (punctuation, an emoji it does not read) keeps its text."""
    return normalise(typed) or typed


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class NormalisedWords(GraphComponent):
    """Sets every text token's lemma to its normalised spelling, before featurizing."""

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
    ) -> "NormalisedWords":
        warm()
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            for token in message.get(TOKENS_NAMES[TEXT]) or ():
                token.lemma = normalised_lemma(token.text)
        return messages
