"""The classifier's numpy feature rows are scikit-learn's, so its speed-up changes no answer."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack
from sklearn.preprocessing import normalize

from engine import intent_classifier
from tests.engine.test_graph_runner import TEXTS


def sklearn_features(message: Message) -> csr_matrix:
    """The classifier's features as first written: scikit-learn's normalize and scipy."""
    blocks = [
        normalize(csr_matrix(f.features))
        for f in message.features
        if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()
    ]
    return hstack(blocks).tocsr()


def test_feature_rows_are_scikit_learns(agent: Any, monkeypatch: Any) -> None:
    seen: list[Message] = []
    create_x = intent_classifier.LinearSVCIntentClassifier._create_X

    def spy(self: Any, messages: list[Message]) -> csr_matrix:
        seen.extend(messages)
        return create_x(self, messages)

    monkeypatch.setattr(intent_classifier.LinearSVCIntentClassifier, "_create_X", spy)
    for text in TEXTS:
        asyncio.run(agent.parse_message(text))
    assert len(seen) >= len(TEXTS)
    for message in seen:
        ours = intent_classifier.features_matrix([message])
        assert abs(ours - sklearn_features(message)).max() < 1e-12


def test_empty_messages_get_a_row_of_zeros(agent: Any) -> None:
    empty = intent_classifier.features_matrix([Message(data={TEXT: ""})], width=7)
    assert empty.shape == (1, 7) and empty.nnz == 0
    parsed = asyncio.run(agent.parse_message("hello"))
    assert parsed["intent"]["name"]
