"""The intent classifier reads the crisis normaliser's words: the NormalisedWords component sets
each token's lemma to its normalised spelling and leaves what was typed alone.

Runs with the engine's Python (`make test-engine`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.crisis.normalise import normalise
from engine.normalised_words import NormalisedWords

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tokenizer() -> WhitespaceTokenizer:
    return WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())


def tokens(tokenizer: WhitespaceTokenizer, text: str) -> list[Any]:
    """The message's tokens after the tokenizer and then the component."""
    message = Message({TEXT: text})
    tokenizer.process([message])
    NormalisedWords().process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_each_token_gets_the_normalised_word_as_its_lemma(tokenizer: WhitespaceTokenizer) -> None:
    found = tokens(tokenizer, "wiv my univeral credit 2moro in Wigan")
    assert [t.lemma for t in found] == [
        "with",
        "my",
        "universal",
        "credit",
        "tomorrow",
        "in",
        "wigan",
    ]


def test_the_typed_text_and_its_offsets_stay_as_they_were(
    tokenizer: WhitespaceTokenizer,
) -> None:
    text = "wiv my univeral credit 2moro"
    found = tokens(tokenizer, text)
    assert [t.text for t in found] == text.split()
    assert all(text[t.start : t.end] == t.text for t in found)


def test_a_token_the_normaliser_has_no_word_for_keeps_its_text() -> None:
    message = Message({TEXT: "x"})
    message.set(TOKENS_NAMES[TEXT], [Token("\u2764", 0), Token("ok", 2)])
    NormalisedWords().process([message])
    assert [t.lemma for t in message.get(TOKENS_NAMES[TEXT])] == ["\u2764", "ok"]


def test_a_message_with_no_tokens_passes_through() -> None:
    message = Message({TEXT: ""})
    assert NormalisedWords().process([message]) == [message]


def test_training_examples_are_normalised_as_messages_are(
    tokenizer: WhitespaceTokenizer,
) -> None:
    example = Message({TEXT: "cnt pay my leccy", "intent": "energy"})
    data = TrainingData([example])
    tokenizer.process_training_data(data)
    NormalisedWords().process_training_data(data)
    lemmas = [t.lemma for t in example.get(TOKENS_NAMES[TEXT])]
    assert lemmas == [normalise(t.text) for t in example.get(TOKENS_NAMES[TEXT])]
    assert lemmas[0] == "cant" and lemmas[-1] == "leccy"


def test_a_misspelt_message_gets_the_word_features_of_the_spelt_one(
    tokenizer: WhitespaceTokenizer, tmp_path: Path
) -> None:
    """A lemma-reading word featurizer sees "univeral credit" as "universal credit"."""
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("words"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    spelt = Message({TEXT: "universal credit", "intent": "uc"})
    typo = Message({TEXT: "univeral credit"})
    data = TrainingData([spelt, Message({TEXT: "food bank", "intent": "food"})])
    tokenizer.process_training_data(data)
    NormalisedWords().process_training_data(data)
    featurizer.train(data)
    tokenizer.process([typo])
    NormalisedWords().process([typo])
    featurizer.process([typo, spelt])
    seq_typo = typo.get_sparse_features(TEXT)[0].features.toarray()  # type: ignore[union-attr]
    seq_spelt = spelt.get_sparse_features(TEXT)[0].features.toarray()  # type: ignore[union-attr]
    assert (seq_typo == seq_spelt).all() and seq_typo.any()


def test_config_puts_the_component_straight_after_the_tokenizer() -> None:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    names = [step["name"] for step in pipeline]
    assert names[names.index("SpacyTokenizer") + 1] == "engine.normalised_words.NormalisedWords"
    lemma_readers = [
        s for s in pipeline if s["name"] == "CountVectorsFeaturizer" and s.get("use_lemma", True)
    ]
    assert lemma_readers, "no word featurizer reads the normalised words"
