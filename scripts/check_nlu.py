"""Fail the build when the held-out NLU results fall below the bar the service needs.

Reads the reports `rasa test nlu` wrote: intent macro-F1 must reach the bar (`--min-f1`) and,
where the set has crisis examples, every one must be recognised as a crisis. The bars (Makefile) are
the service's targets, which the assistant now reaches (docs/testing.md): 0.96 on the team's
held-out set and 0.93 on the one paraphrased from public forums. With
`--report-only` (for the cross-validation run on training data) it prints the figures and never
fails.

A crisis example is recognised when it gets a crisis intent (the crisis reply) or the direct
question. The question is not an intent: the engine keeps the message's topic and marks it
`crisis_ask` when the shared crisis detector is unsure, and `rasa test nlu` reports intents
only; so the same detector (same code and model, no context, as in `rasa test nlu`) says here
which of the examples scored as a topic are asked about first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.crisis import assess

MIN_MACRO_F1 = 0.95
CRISIS = {"crisis", "crisis_abuse", "crisis_other"}


def asked_first(text: str) -> bool:
    """The engine asks "are you thinking about ending your life?" before answering this."""
    return assess(text).decision == "ask"


def main(results: Path, report_only: bool = False, min_f1: float = MIN_MACRO_F1) -> int:
    report = json.loads((results / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    unmet = [
        e for e in errors if e["intent"] in CRISIS and e["intent_prediction"]["name"] not in CRISIS
    ]
    asked = [e for e in unmet if asked_first(e["text"])]
    missed = [e for e in unmet if e not in asked]
    crisis_total = sum(report[i]["support"] for i in CRISIS if i in report)
    bar = "" if report_only else f" (bar {min_f1})"
    print(f"intent macro-F1: {macro_f1:.3f}{bar}")
    print(
        f"crisis examples: {crisis_total}, missed: {len(missed)}"
        f" ({len(asked)} scored as a topic get the direct question first)"
    )
    entity_report = results / "SpacyEntityExtractor_report.json"
    if entity_report.exists():
        place = json.loads(entity_report.read_text()).get("place", {})
        if place:
            print(f"place entity F1: {place['f1-score']:.3f} (support {place['support']})")
    worst = sorted(
        (v["f1-score"], k)
        for k, v in report.items()
        if isinstance(v, dict)
        and "support" in v
        and k not in ("macro avg", "weighted avg", "micro avg")
    )[:5]
    print("lowest intents:", ", ".join(f"{k} {f:.2f}" for f, k in worst))
    if report_only:
        return 0
    ok = macro_f1 >= min_f1 and not missed
    print("NLU check:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default="results/nlu", type=Path)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--min-f1", type=float, default=MIN_MACRO_F1)
    args = parser.parse_args()
    sys.exit(main(args.results, args.report_only, args.min_f1))
