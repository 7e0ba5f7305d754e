"""The committed crisis model was trained on today's corpus, word list and feature tables."""

from __future__ import annotations

import math

import yaml

from bot.crisis import lexicon, normalise
from bot.crisis.decide import CATEGORIES, DEFAULT_THRESHOLDS
from bot.crisis.model import MODEL_FILE, load, read

CORPUS = normalise.ROOT / "content" / "crisis" / "training.yml"
RETRAIN = "the crisis model is stale: run `make crisis-model` and commit content/crisis/"


def test_model_was_trained_on_the_committed_corpus_and_word_list() -> None:
    doc = read(MODEL_FILE)
    assert doc["corpus_sha256"] == normalise.file_sha256(CORPUS), RETRAIN
    assert doc["keep_words_sha256"] == normalise.file_sha256(normalise.KEEP_WORDS), RETRAIN


def test_model_was_trained_with_todays_normaliser_and_word_classes() -> None:
    doc = read(MODEL_FILE)
    assert doc["normaliser_sha256"] == normalise.digest(), RETRAIN
    assert doc["lexicon_sha256"] == lexicon.digest(), RETRAIN


def test_model_knows_every_category_and_every_threshold() -> None:
    model = load()
    assert set(CATEGORIES) <= set(model.labels)
    assert set(model.thresholds) == set(DEFAULT_THRESHOLDS)
    assert model.thresholds["ask"] < model.thresholds["crisis"]


def test_this_python_reads_the_model_to_the_numbers_it_was_trained_with() -> None:
    """Training ran on the engine's Python 3.10; this may be 3.11: the numbers must agree."""
    expected = read(MODEL_FILE)["check"]
    model = load()
    assert expected
    for text, probabilities in expected.items():
        got = model.probabilities(normalise.sentences(text))
        assert got.keys() == probabilities.keys()
        assert all(math.isclose(got[k], v, rel_tol=0, abs_tol=1e-12) for k, v in got.items())


def test_corpus_is_large_and_covers_every_label() -> None:
    labels = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["labels"]
    sizes = {label: sum(len(texts) for texts in kinds.values()) for label, kinds in labels.items()}
    assert all(sizes.get(c, 0) >= 200 for c in CATEGORIES)
    assert sum(sizes[c] for c in CATEGORIES) >= 1500
    assert sizes["none"] + sizes["distress"] + sizes["method"] >= 1500
    assert {"wish_to_be_dead", "thoughts", "thoughts_with_method", "intent"} <= set(
        labels["suicide"]
    )
    assert {"plan_and_preparation", "past_attempt"} <= set(labels["suicide"])
