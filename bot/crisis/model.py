"""The trained crisis detector: multinomial logistic regression read from one JSON file.

Inference is plain Python so the gateway (3.11) and the engine (3.10) give the same numbers
without numpy; scripts/train_crisis.py writes the file.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.crisis.features import featurise

MODEL_FILE = Path(__file__).resolve().parents[2] / "content" / "crisis" / "model.json.gz"
META = (
    "corpus_sha256",
    "keep_words_sha256",
    "lexicon_sha256",
    "normaliser_sha256",
    "trained_on",
)


@dataclass(frozen=True)
class Model:
    """Weights and settings of one trained detector."""

    labels: tuple[str, ...]
    bits: int
    intercept: tuple[float, ...]
    weights: dict[int, tuple[float, ...]]
    thresholds: dict[str, float]
    meta: dict[str, Any]

    def probabilities(self, sentences: Sequence[Sequence[str]]) -> dict[str, float]:
        """Label -> probability for a normalised message (a softmax over the labels)."""
        scores = list(self.intercept)
        for index, value in featurise(sentences, self.bits).items():
            row = self.weights.get(index)
            if row is not None:
                for k, weight in enumerate(row):
                    scores[k] += weight * value
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps, strict=True)}


def read(path: Path = MODEL_FILE) -> dict[str, Any]:
    """The raw model document: weights, thresholds and the digests of what it was trained on."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=2)
def load(path: Path = MODEL_FILE) -> Model:
    """Load the model once per process; weights are stored as integers over a scale."""
    doc = read(path)
    scale = float(doc["scale"])
    weights = {int(index): tuple(w / scale for w in row) for index, row in doc["weights"].items()}
    return Model(
        labels=tuple(doc["labels"]),
        bits=int(doc["hash_bits"]),
        intercept=tuple(float(b) for b in doc["intercept"]),
        weights=weights,
        thresholds={k: float(v) for k, v in doc["thresholds"].items()},
        meta={k: doc.get(k) for k in META},
    )
