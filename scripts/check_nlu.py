"""Fail the build when the held-out NLU results fall below the bar the service needs.

Reads the reports `rasa test nlu` wrote: intent macro-F1 must reach the bar (`--min-f1`) and,
where the set has crisis examples, every one must be recognised as a crisis. The bars (Makefile) are
what the assistant reaches today, 0.955 on the team's held-out set and 0.90 on the one
paraphrased from public forums; the service's targets are 0.96 and 0.93. With `--report-only`
(for the cross-validation run on training data) it prints the figures and never fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MIN_MACRO_F1 = 0.955
# A crisis example is recognised when it gets a crisis reply or the direct question.
CRISIS = {"crisis", "crisis_abuse", "crisis_other", "crisis_check"}


def main(results: Path, report_only: bool = False, min_f1: float = MIN_MACRO_F1) -> int:
    report = json.loads((results / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    missed = [
        e
        for e in errors
        if e["intent"] in CRISIS and (e["intent_prediction"]["name"] not in CRISIS)
    ]
    crisis_total = sum(report[i]["support"] for i in CRISIS if i in report)
    bar = "" if report_only else f" (bar {min_f1})"
    print(f"intent macro-F1: {macro_f1:.3f}{bar}")
    print(f"crisis examples: {crisis_total}, missed: {len(missed)}")
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
