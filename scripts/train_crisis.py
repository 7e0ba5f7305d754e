"""Train the crisis detector from content/crisis/training.yml into content/crisis/model.json.gz.

Run in the engine's environment (it has scikit-learn): `make crisis-model`. Prints 5-fold
cross-validation on the training data first (per label, and the detector's decisions with the
thresholds it then stores), so a change to the corpus shows what it did. Deterministic: the
same corpus and word list give the same file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.crisis import decide, detector, lexicon, normalise  # noqa: E402
from bot.crisis.features import HASH_BITS, featurise  # noqa: E402
from bot.crisis.model import MODEL_FILE, Model  # noqa: E402

CORPUS = ROOT / "content" / "crisis" / "training.yml"
# The check sets, never trained on (content/crisis/README.md says what each was used for).
CHECK_SETS = sorted((ROOT / "content" / "crisis").glob("dev*.yml"))
LABELS = ("none", "distress", "method", *decide.CATEGORIES)
SOFT_KIND = "ambiguous"  # trained half on its label, half on distress
C = 20.0
SCALE = 10_000  # weights are stored as integers over this
PART_WEIGHT = 0.5  # a part of an everyday message, trained with its message's label
PART_LABELS = ("none", "distress")
PRUNE = 0.5 / SCALE  # a weight this small changes no decision
DECISIONS = ("crisis", "ask", "none")
CHECK_MESSAGES = (
    "i want to kill myself",
    "my mate took loads of pills and wont wake up",
    "this form is killing me",
    "how high is the bridge in stockport",
    "Hope",
)
VERBOSE = False


def read_corpus(path: Path) -> list[tuple[str, str, str]]:
    """(text, label, kind) for every example in the corpus."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for label, kinds in doc["labels"].items():
        if label not in LABELS:
            raise SystemExit(f"unknown label {label!r} in {path.name}")
        for kind, texts in kinds.items():
            rows.extend((str(text), label, kind) for text in texts)
    return rows


def matrix(sentences: list[list[list[str]]]) -> csr_matrix:
    """Normalised, featurised messages as one sparse matrix."""
    data, cols, ptr = [], [], [0]
    for words in sentences:
        vector = featurise(words)
        cols.extend(vector)
        data.extend(vector.values())
        ptr.append(len(cols))
    return csr_matrix((data, cols, ptr), shape=(len(sentences), 1 << HASH_BITS))


@dataclass
class Corpus:
    """The examples, their features, and the parts of the everyday ones.

    The detector scores a long message sentence by sentence and in windows too, so the parts
    of a message that is no crisis are trained with its label as well (at half weight).
    """

    rows: list[tuple[str, str, str]]
    sentences: list[list[list[str]]]
    x: csr_matrix
    parts: csr_matrix
    parts_of: dict[int, list[int]]
    part_labels: list[str]

    @classmethod
    def build(cls, rows: list[tuple[str, str, str]]) -> Corpus:
        """Normalise and featurise every example and every part of an everyday one."""
        sentences = [normalise.sentences(text) for text, _, _ in rows]
        part_sentences: list[list[list[str]]] = []
        part_labels: list[str] = []
        parts_of: dict[int, list[int]] = {}
        for i, ((_, label, kind), words) in enumerate(zip(rows, sentences, strict=True)):
            if label not in PART_LABELS or kind == SOFT_KIND:
                continue
            for part in detector.segments(words)[1:]:
                parts_of.setdefault(i, []).append(len(part_sentences))
                part_sentences.append(part)
                part_labels.append(label)
        x, parts = matrix(sentences), matrix(part_sentences)
        return cls(rows, sentences, x, parts, parts_of, part_labels)

    def training_set(self, index: np.ndarray) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """Rows for training: an ambiguous example twice, half weight on each label."""
        take, labels, weights, parts = [], [], [], []
        for i in index:
            _, label, kind = self.rows[i]
            if kind == SOFT_KIND:
                take += [i, i]
                labels += [label, "distress"]
                weights += [0.5, 0.5]
            else:
                take.append(i)
                labels.append(label)
                weights.append(1.0)
            parts.extend(self.parts_of.get(i, ()))
        labels += [self.part_labels[k] for k in parts]
        weights += [PART_WEIGHT] * len(parts)
        x = vstack([self.x[take], self.parts[parts]], format="csr")
        return x, np.array(labels), np.array(weights)


@dataclass
class Fitted:
    """A fitted regression and the hashed feature columns its weights belong to."""

    model: LogisticRegression
    columns: np.ndarray


def fit(x: csr_matrix, y: np.ndarray, w: np.ndarray) -> Fitted:
    """Multinomial logistic regression on the columns in use (much faster than all 2^18)."""
    columns = np.unique(x.indices)
    model = LogisticRegression(C=C, max_iter=3000, multi_class="multinomial", solver="lbfgs")
    return Fitted(model.fit(x[:, columns], y, sample_weight=w), columns)


def weight_rows(fitted: Fitted) -> tuple[dict[int, list[int]], list[float]]:
    """Hashed column -> integer weights per label (small ones dropped), and the intercepts."""
    order = [list(fitted.model.classes_).index(label) for label in LABELS]
    coef = fitted.model.coef_[order]
    keep = np.flatnonzero(np.abs(coef).max(axis=0) >= PRUNE)
    rows = {int(fitted.columns[k]): [int(round(v * SCALE)) for v in coef[:, k]] for k in keep}
    return rows, [round(float(b), 6) for b in fitted.model.intercept_[order]]


def as_model(fitted: Fitted, thresholds: dict[str, float]) -> Model:
    """The run-time model for fitted weights, so cross-validation uses the real inference."""
    rows, intercept = weight_rows(fitted)
    return Model.from_rows(
        labels=LABELS,
        bits=HASH_BITS,
        intercept=tuple(intercept),
        rows={c: [v / SCALE for v in row] for c, row in rows.items()},
        thresholds=thresholds,
        meta={},
    )


def cross_validate(corpus: Corpus, thresholds) -> list[dict[str, float]]:
    """Out-of-fold probabilities for every example, through the run-time detector."""
    rows = corpus.rows
    out: list[dict[str, float]] = [{} for _ in rows]
    strata = [f"{label}/{kind}" if kind == SOFT_KIND else label for _, label, kind in rows]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=13)
    for train, test in folds.split(np.zeros(len(rows)), strata):
        model = as_model(fit(*corpus.training_set(train)), thresholds)
        for i in test:
            out[i] = detector.probabilities(model, corpus.sentences[i])
    return out


def group(label: str, kind: str) -> str:
    """How an example counts in the report."""
    if kind == SOFT_KIND:
        return "ambiguous"
    if label in decide.CATEGORIES:
        return "crisis"
    return "not crisis"


def report(rows, sentences, oof, thresholds: dict[str, float]) -> None:
    """Per-label precision and recall (top label) and the decisions the thresholds give."""
    print("per label (top label, out of fold):")
    gold = [label for _, label, _ in rows]
    top = [max(p, key=p.get) for p in oof]
    for label in LABELS:
        tp = sum(g == label and t == label for g, t in zip(gold, top, strict=True))
        n_gold, n_top = gold.count(label), top.count(label)
        print(
            f"  {label:12s} n={n_gold:5d} precision={tp / max(n_top, 1):.3f} "
            f"recall={tp / max(n_gold, 1):.3f}"
        )
    counts: Counter = Counter()
    by_kind: Counter = Counter()
    missed, alarms = [], []
    for (text, label, kind), words, p in zip(rows, sentences, oof, strict=True):
        rule = detector.rule_for(text, words)
        found = decide.decide(p, thresholds, rule, distressed=False)
        g = group(label, kind)
        counts[(g, found.decision)] += 1
        by_kind[(label, kind, found.decision)] += 1
        if g == "crisis" and found.decision != "none":
            right = found.category == label or found.decision == "ask"
            counts[("crisis", "right" if right else "other")] += 1
        if g == "crisis" and found.decision == "none":
            missed.append((label, text, round(decide.crisis_mass(p), 3)))
        if g == "not crisis" and found.decision == "crisis":
            alarms.append((label, kind, text, found.source))
    print("decisions (out of fold, rules included, no context):")
    for g in ("crisis", "ambiguous", "not crisis"):
        total = sum(counts[(g, d)] for d in ("crisis", "ask", "none"))
        shares = " ".join(f"{d}={counts[(g, d)] / max(total, 1):.4f}" for d in DECISIONS)
        print(f"  {g:11s} n={total:5d} {shares}")
    found = counts[("crisis", "right")] + counts[("crisis", "other")]
    print(
        f"  crisis found with the right category (or asked): "
        f"{counts[('crisis', 'right')] / max(found, 1):.3f}"
    )
    print("by kind (crisis / ask / none):")
    for label, kinds in _kinds(rows).items():
        for kind in kinds:
            n = [by_kind[(label, kind, d)] for d in DECISIONS]
            print(f"  {label}/{kind}: {n[0]} / {n[1]} / {n[2]}")
    context_report(rows, oof, thresholds)
    if VERBOSE:
        for item in missed:
            print("  missed", item)
        for item in alarms:
            print("  alarm", item)


def _kinds(rows) -> dict[str, list[str]]:
    """Label -> its kinds, in corpus order."""
    out: dict[str, list[str]] = {}
    for _, label, kind in rows:
        if kind not in out.setdefault(label, []):
            out[label].append(kind)
    return out


def context_report(rows, oof, thresholds) -> None:
    """Method-seeking and everyday messages after distress: how often each becomes a crisis."""
    counts: Counter = Counter()
    for (text, label, kind), p in zip(rows, oof, strict=True):
        if label not in ("method", "none") or kind == "assistant_examples":
            continue
        words = normalise.sentences(text)
        cue = any(w in detector.METHOD_WORDS for s in words for w in s)
        found = decide.decide(p, thresholds, None, distressed=True, method_cue=cue)
        counts[(label, found.decision)] += 1
    for label in ("method", "none"):
        total = sum(counts[(label, d)] for d in DECISIONS)
        shares = " ".join(f"{d}={counts[(label, d)] / max(total, 1):.3f}" for d in DECISIONS)
        print(f"after distress, {label:6s} n={total:5d} {shares}")


def dev_report(model: Model, path: Path, verbose: bool) -> None:
    """Decisions on a separate check set (content/crisis/dev*.yml), never trained on."""
    if not path.exists():
        return
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts: Counter = Counter()
    for item in doc.get("positives", []):
        found = detector.assess_with(model, item["text"], recent=item.get("context", ()))
        counts[(item["category"], found.decision)] += 1
        if verbose and found.decision == "none":
            print("  dev missed", item["category"], item["text"])
    for item in doc.get("negatives", []):
        found = detector.assess_with(
            model, item["text"], recent=item.get("context", ()), asking=item.get("asking")
        )
        counts[("negative", found.decision)] += 1
        if verbose and found.decision != "none":
            print("  dev", found.decision, found.source, item["text"])
    print(f"check set ({path.relative_to(ROOT)}): crisis / ask / none")
    for key in (*decide.CATEGORIES, "negative"):
        print(f"  {key:12s} " + " / ".join(str(counts[(key, d)]) for d in DECISIONS))


def save(fitted: Fitted, thresholds: dict[str, float], n_rows: int) -> int:
    """Write the model file; returns the number of feature rows kept.

    `check` holds the probabilities this Python gave for a few messages, so a test on another
    Python can show that it reads the file to the same numbers.
    """
    rows, intercept = weight_rows(fitted)
    model = as_model(fitted, thresholds)
    check = {text: model.probabilities(normalise.sentences(text)) for text in CHECK_MESSAGES}
    weights = {str(c): row for c, row in sorted(rows.items())}
    doc = {
        "version": 1,
        "labels": list(LABELS),
        "hash_bits": HASH_BITS,
        "scale": SCALE,
        "intercept": intercept,
        "thresholds": thresholds,
        "corpus_sha256": normalise.file_sha256(CORPUS),
        "keep_words_sha256": normalise.file_sha256(normalise.KEEP_WORDS),
        "lexicon_sha256": lexicon.digest(),
        "normaliser_sha256": normalise.digest(),
        "trained_on": n_rows,
        "check": check,
        "weights": weights,
    }
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with (
        open(MODEL_FILE, "wb") as handle,
        gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename="") as gz,
    ):
        gz.write(raw)
    return len(weights)


def main() -> None:
    """Cross-validate, then train on everything and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--verbose", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    rows = read_corpus(CORPUS)
    print(
        f"{len(rows)} examples: "
        + ", ".join(f"{label}={n}" for label, n in Counter(label for _, label, _ in rows).items())
    )
    corpus = Corpus.build(rows)
    thresholds = dict(decide.DEFAULT_THRESHOLDS)
    if not args.no_cv:
        oof = cross_validate(corpus, thresholds)
        report(rows, corpus.sentences, oof, thresholds)
    fitted = fit(*corpus.training_set(np.arange(len(rows))))
    final = as_model(fitted, thresholds)
    for check_set in CHECK_SETS:
        dev_report(final, check_set, VERBOSE)
    kept = save(fitted, thresholds, len(rows))
    print(
        f"saved {MODEL_FILE.relative_to(ROOT)}: {kept} feature rows, "
        f"{MODEL_FILE.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
