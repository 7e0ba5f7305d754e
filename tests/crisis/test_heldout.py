"""The gate on the blind crisis test set (tests/crisis/heldout_crisis.yml), never trained on.

Fails when recall (a crisis reply or the direct question) falls under the floors in gate.yml,
or false alarms (a crisis reply to an everyday message) rise over it; the service's target,
every crisis answered and at most 2% false alarms, is written there with today's figures.
Prints recall per category and the false-alarm rate.
Reports counts only, never the messages, so the set stays blind to whoever tunes the detector.
CRISIS_HELDOUT may point at another file of the same shape.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.crisis import CATEGORIES, assess

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = Path(os.environ.get("CRISIS_HELDOUT") or ROOT / "tests" / "crisis" / "heldout_crisis.yml")
HERE = Path(__file__).resolve().parent


def load() -> dict[str, list[dict[str, Any]]]:
    """The held-out set (committed: a missing file is a failure, not a skip)."""
    doc = yaml.safe_load(HELDOUT.read_text(encoding="utf-8")) or {}
    return {"positives": doc.get("positives") or [], "negatives": doc.get("negatives") or []}


def flat(text: str) -> str:
    """Lower case letters and digits with single spaces: what "verbatim" compares."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def trained_texts() -> set[str]:
    """Every text the crisis detector and the assistant's classifier are trained on."""
    texts: set[str] = set()
    corpus = yaml.safe_load((ROOT / "content" / "crisis" / "training.yml").read_text("utf-8"))
    for kinds in corpus["labels"].values():
        for items in kinds.values():
            texts.update(flat(str(t)) for t in items)
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    texts.add(flat(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:])))
    return texts


def test_heldout_set_has_the_agreed_shape() -> None:
    data = load()
    assert data["positives"] and data["negatives"]
    assert all(p.get("text") and p.get("category") in CATEGORIES for p in data["positives"])
    assert all(n.get("text") and n.get("kind") for n in data["negatives"])


def test_crises_are_answered_and_false_alarms_stay_under_the_gate(capsys) -> None:
    data = load()
    caught: Counter = Counter()
    total: Counter = Counter()
    for item in data["positives"]:
        found = assess(item["text"], recent=item.get("context") or ())
        total[item["category"]] += 1
        caught[item["category"]] += found.decision != "none"
    alarms: Counter = Counter()
    kinds: Counter = Counter()
    asked = 0
    for item in data["negatives"]:
        found = assess(item["text"], recent=item.get("context") or (), asking=item.get("asking"))
        kinds[item["kind"]] += 1
        alarms[item["kind"]] += found.decision == "crisis"
        asked += found.decision == "ask"
    negatives = len(data["negatives"])
    rate = sum(alarms.values()) / negatives
    lines = [f"held-out crisis set: {sum(total.values())} crises, {negatives} everyday messages"]
    lines += [
        f"  recall {category:12s} {caught[category]}/{total[category]}"
        for category in CATEGORIES
        if total[category]
    ]
    lines.append(f"  false alarms {sum(alarms.values())}/{negatives} = {rate:.1%}")
    lines += [f"    {kind}: {alarms[kind]}/{kinds[kind]}" for kind in sorted(kinds) if alarms[kind]]
    lines.append(f"  asked (not a false alarm): {asked}/{negatives}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    gate = yaml.safe_load((HERE / "gate.yml").read_text(encoding="utf-8"))
    recall = sum(caught.values()) / sum(total.values())
    assert recall >= gate["min_recall"], f"recall {recall:.1%} under {gate['min_recall']:.1%}"
    weakest = min(caught[c] / total[c] for c in total)
    assert weakest >= gate["min_recall_per_category"], f"a category's recall is {weakest:.1%}"
    assert rate <= gate["max_false_alarms"], f"false alarms {rate:.1%}"


def test_heldout_set_is_never_trained_on() -> None:
    data = load()
    trained = trained_texts()
    overlap = sum(flat(item["text"]) in trained for item in data["positives"] + data["negatives"])
    assert overlap == 0, f"{overlap} held-out messages also appear in the training data"
