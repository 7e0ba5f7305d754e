"""Fail the build when the held-out NLU results fall below the bar the service needs.

Reads the reports `rasa test nlu` wrote: intent macro-F1 must be >= 0.92 and every crisis
example must be recognised as a crisis (crisis or crisis_abuse). With `--report-only` (for the
cross-validation run on training data) it prints the figures and never fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MIN_MACRO_F1 = 0.92
CRISIS = {"crisis", "crisis_abuse"}


def main(results: Path, report_only: bool = False) -> int:
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
    bar = "" if report_only else f" (bar {MIN_MACRO_F1})"
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
    ok = macro_f1 >= MIN_MACRO_F1 and not missed and crisis_total > 0
    print("NLU check:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(Path(args[0] if args else "results/nlu"), "--report-only" in sys.argv))
