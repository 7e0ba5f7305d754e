"""The trained crisis detector: multinomial logistic regression read from one JSON file.

Inference is plain Python so the gateway (3.11) and the engine (3.10) give the same numbers
without numpy; scripts/train_crisis.py writes the file. The weights are held in two flat arrays
(sorted feature indices, and their rows of doubles) rather than a dict of tuples: the same
numbers in about 4 MB instead of 33 MB, in each of the two processes that load them.
"""

from __future__ import annotations

import gzip
import json
import math
from array import array
from bisect import bisect_left
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
    indices: array[int]  # sorted feature indices that have weights ('q')
    weights: array[float]  # their rows, one after another, len(labels) doubles each ('d')
    thresholds: dict[str, float]
    meta: dict[str, Any]

    @classmethod
    def from_rows(
        cls,
        labels: tuple[str, ...],
        bits: int,
        intercept: tuple[float, ...],
        rows: dict[int, Sequence[float]],
        thresholds: dict[str, float],
        meta: dict[str, Any],
    ) -> Model:
        """A model from feature index -> one weight per label (the file's and the trainer's
        form), packed into the flat arrays inference reads."""
        ordered = sorted(rows.items())
        return cls(
            labels=labels,
            bits=bits,
            intercept=intercept,
            indices=array("q", (index for index, _ in ordered)),
            weights=array("d", (w for _, row in ordered for w in row)),
            thresholds=thresholds,
            meta=meta,
        )

    def probabilities(self, sentences: Sequence[Sequence[str]]) -> dict[str, float]:
        """Label -> probability for a normalised message (a softmax over the labels)."""
        scores = list(self.intercept)
        width, indices, weights = len(self.labels), self.indices, self.weights
        for index, value in featurise(sentences, self.bits).items():
            at = bisect_left(indices, index)
            if at < len(indices) and indices[at] == index:
                start = at * width
                for k in range(width):
                    scores[k] += weights[start + k] * value
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
    return Model.from_rows(
        labels=tuple(doc["labels"]),
        bits=int(doc["hash_bits"]),
        intercept=tuple(float(b) for b in doc["intercept"]),
        rows={int(index): [w / scale for w in row] for index, row in doc["weights"].items()},
        thresholds={k: float(v) for k, v in doc["thresholds"].items()},
        meta={k: doc.get(k) for k in META},
    )
