"""The trained crisis detector: multinomial logistic regression read from one JSON file.

Inference is plain Python so the gateway (3.11) and the engine (3.10) give the same numbers
without numpy; scripts/train_crisis.py writes the file. The weights are held in flat arrays
(one column of doubles per label, and a table from each hashed feature to its place in them)
rather than a dict of tuples: the same numbers in about 5 MB instead of 33 MB, in each of the
two processes that load them. Columns and table let the lookups and sums run in C (`map`)
rather than a Python loop per feature and label: under half the time for a message of a few
sentences.
"""

from __future__ import annotations

import gzip
import json
import math
from array import array
from collections import defaultdict
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
    slots: array[int]  # per hashed feature, its place in the columns, or -1 ('i', 2**bits)
    columns: tuple[array[float], ...]  # per label, the weight of each of those features ('d')
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
        slots = array("i", [-1]) * (1 << bits)
        for at, (index, _) in enumerate(ordered):
            slots[index] = at
        return cls(
            labels=labels,
            bits=bits,
            intercept=intercept,
            slots=slots,
            columns=tuple(array("d", (row[k] for _, row in ordered)) for k in range(len(labels))),
            thresholds=thresholds,
            meta=meta,
        )

    def probabilities(self, sentences: Sequence[Sequence[str]]) -> dict[str, float]:
        """Label -> probability for a normalised message (a softmax over the labels)."""
        # Features share a handful of values (one per block, see featurise): the places of the
        # features with weights, grouped by value, so each label's sum is one C loop.
        found: defaultdict[float, list[int]] = defaultdict(list)
        for index, value in featurise(sentences, self.bits).items():
            at = self.slots[index]
            if at >= 0:
                found[value].append(at)
        scores = list(self.intercept)
        for k, column in enumerate(self.columns):
            for value, positions in found.items():
                scores[k] += value * sum(map(column.__getitem__, positions))
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
