"""Hashed word and character n-gram features, the same at training and at run time.

Words and word pairs carry meaning; word classes (bot/crisis/lexicon.py) carry it to words the
corpus never paired; character n-grams inside word boundaries keep a typo the speller missed
close to the word it meant. Each block is scaled to unit length so a long
message does not outweigh a short one, and crc32 keeps the hashing identical on every Python.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence

from bot.crisis.lexicon import word_class

HASH_BITS = 18
CHAR_SIZES = (3, 4, 5)


def _index(feature: str, bits: int) -> int:
    """A stable bucket for a feature string."""
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


def word_grams(sentences: Sequence[Sequence[str]]) -> set[str]:
    """Words and adjacent word pairs within each sentence."""
    grams: set[str] = set()
    for words in sentences:
        grams.update(f"w {w}" for w in words)
        grams.update(f"b {a} {b}" for a, b in zip(words, words[1:], strict=False))
    return grams


def class_grams(sentences: Sequence[Sequence[str]]) -> set[str]:
    """Word classes present, and pairs and triples of the words with classes put in place."""
    grams: set[str] = set()
    for words in sentences:
        mapped = []
        for w in words:
            c = word_class(w)
            mapped.append(c or w)
            if c:
                grams.add(f"k {c}")
        for a, b in zip(mapped, mapped[1:], strict=False):
            if a.isupper() or b.isupper():
                grams.add(f"p {a} {b}")
        for a, b, c in zip(mapped, mapped[1:], mapped[2:], strict=False):
            if a.isupper() or c.isupper():
                grams.add(f"t {a} {b} {c}")
    return grams


def char_grams(words: Iterable[str], sizes: Sequence[int] = CHAR_SIZES) -> set[str]:
    """Character n-grams of each word padded with spaces, as scikit-learn's char_wb does."""
    grams: set[str] = set()
    for word in words:
        padded = f" {word} "
        for n in sizes:
            grams.update(f"c {padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return grams


def featurise(sentences: Sequence[Sequence[str]], bits: int = HASH_BITS) -> dict[int, float]:
    """Feature index -> value: each block's indices present, scaled to unit length."""
    vector: dict[int, float] = {}
    words = [w for sentence in sentences for w in sentence]
    for block in (word_grams(sentences), class_grams(sentences), char_grams(words)):
        indices = {_index(g, bits) for g in block}
        if not indices:
            continue
        value = 1.0 / math.sqrt(len(indices))
        for i in indices:
            vector[i] = vector.get(i, 0.0) + value
    return vector
