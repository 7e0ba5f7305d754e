"""`make bench`: train ours and the reference on the same data, measure both, write results.

Usage: python -m bench.run [--quick] [--reuse-reference] [--ours-env KEY=VALUE ...]
The reference is Rasa 3.6.21's `rasa init` config (bench/reference_config.yml). Its DIET
training takes most of an hour on two cores, so `--reuse-reference` (REUSE=1) reuses a
reference model trained earlier from the very same inputs (checked by a fingerprint) and
reports the training time measured then; everything else is measured in this run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import nlu, report
from bench.procs import RASA, ROOT
from bench.script import message_count, script
from bench.system import Plan, Ports, SystemSpec, measure
from bench.train import relative, train

MODELS = ROOT / "models" / "bench"
RESULTS = ROOT / "bench" / "results"
QUICK_PLAN = Plan(seq_reps=1, users=4, conversations=8, time_limit_s=30, gateway_reps=1)
TARGETS = {
    "throughput_c20 >= 3x": lambda r: r["ratios"]["throughput_c20"] >= 3,
    "p95 at 20 at once >= 3x lower": lambda r: r["ratios"]["p95_ms_c20"] >= 3,
    "p50 one at a time >= 3x lower": lambda r: r["ratios"]["p50_ms_seq"] >= 3,
    "our p95 one at a time < 60 ms": lambda r: r["ours"]["p95_ms_seq"] < 60,
    "intent macro-F1 >= reference and >= 0.92": lambda r: (
        r["ours"]["intent_macro_f1"] >= max(0.92, r["reference"]["intent_macro_f1"])
    ),
    "district entity F1 >= 0.95": lambda r: r["ours"]["entity_f1"] >= 0.95,
    "crisis recall 1.0": lambda r: r["ours"]["crisis_recall"] == 1.0,
    "gateway overhead p50 < 10 ms": lambda r: r["ours"]["gateway_overhead_p50_ms"] < 10,
    "training <= half the reference's": lambda r: r["ratios"]["train_s"] >= 2,
    "start-up <= half the reference's": lambda r: r["ratios"]["startup_s"] >= 2,
    "three processes < 1.0 GB": lambda r: r["ours"]["rss_mb_total"] < 1024,
}


def fingerprint(config: Path) -> str:
    """What a model depends on: config, domain, data and Rasa; for a config that uses this
    repo's own components (ours), also the engine's code and the spaCy model. The reference
    reads neither, so rebuilding them does not retrain it."""
    text = config.read_bytes()
    digest = hashlib.sha256(text)
    inputs = [ROOT / "domain.yml", RASA, *sorted((ROOT / "data").rglob("*.yml"))]
    if b"engine." in text or b"models/spacy-gm" in text:
        inputs += sorted((ROOT / "engine").glob("*.py"))
        inputs += sorted((ROOT / "models" / "spacy-gm").rglob("*"))
    for path in inputs:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def model_for(config: Path, name: str, logs: Path, reuse: bool) -> tuple[Path, dict[str, Any]]:
    """Train (or, with `reuse`, find an identical earlier training); model and its record."""
    record_path, model = MODELS / f"{name}.json", MODELS / f"{name}.tar.gz"
    print_ = fingerprint(config)
    if reuse and record_path.exists() and model.exists():
        record = json.loads(record_path.read_text())
        if record.get("fingerprint") == print_:
            print(f"==> {name}: reusing the model trained {record['trained_at']}", flush=True)
            return model, {**record, "reused": True}
        print(f"==> {name}: inputs changed since the saved model; training", flush=True)
    print(f"==> {name}: training with {relative(config)}", flush=True)
    model, seconds = train(config, MODELS, name, logs / f"train-{name}.log")
    record = {
        "config": relative(config),
        "fingerprint": print_,
        "train_s": round(seconds, 1),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return model, {**record, "reused": False}


def env_pairs(pairs: list[str]) -> dict[str, str]:
    return dict(p.split("=", 1) for p in pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run, same code")
    parser.add_argument("--reuse-reference", action="store_true")
    parser.add_argument("--ours-config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--ours-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--ours-endpoints", default="endpoints.yml")
    parser.add_argument("--ours-actions-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--ours-redis", type=int, default=None, metavar="PORT")
    parser.add_argument("--ours-only", action="store_true", help="try a variant of ours only")
    parser.add_argument("--out", default=None, help="results file stem (default latest/quick)")
    args = parser.parse_args(argv)
    quick = args.quick
    plan = QUICK_PLAN if quick else Plan()
    stem = args.out or ("quick" if quick else "latest")
    out_dir = ROOT / "var" / "bench" if quick else RESULTS
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    logs = ROOT / "var" / "bench" / stamp
    ref_config = ROOT / "bench" / ("reference_quick.yml" if quick else "reference_config.yml")
    started = time.monotonic()

    suffix = "-quick" if quick else ""
    # QUICK reuses identical earlier trainings: its figures mean nothing, it checks the code.
    ours_model, ours_train = model_for(
        args.ours_config, f"ours{suffix}", logs, quick or args.ours_only
    )
    ref_model, ref_train = (
        (ours_model, ours_train)  # not measured: --ours-only
        if args.ours_only
        else model_for(ref_config, f"reference{suffix}", logs, quick or args.reuse_reference)
    )
    convs, examples = script(quick), nlu.load_examples()
    if quick:
        examples = examples[::6]
    systems = {
        "ours": SystemSpec(
            "ours",
            ours_model,
            env_pairs(args.ours_env),
            args.ours_endpoints,
            env_pairs(args.ours_actions_env),
            args.ours_redis,
        ),
        "reference": SystemSpec("reference", ref_model, endpoints="bench/reference_endpoints.yml"),
    }
    if args.ours_only:
        del systems["reference"]
    result: dict[str, Any] = {
        "quick": quick,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "plan": {**plan.__dict__, "script_messages": message_count(convs)},
        "ours_variant": {
            "engine_env": env_pairs(args.ours_env),
            "endpoints": args.ours_endpoints,
            "actions_env": env_pairs(args.ours_actions_env),
            "redis": bool(args.ours_redis),
        },
    }
    for name, spec in systems.items():
        print(f"==> measuring {name}", flush=True)
        figures = measure(spec, convs, plan, Ports(), logs / name, examples)
        training = ours_train if name == "ours" else ref_train
        figures["train_s"] = training["train_s"]
        figures["training"] = training
        result[name] = figures
    if args.ours_only:
        path = ROOT / "var" / "bench" / f"{stem}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({k: v for k, v in result["ours"].items() if "detail" not in k}, indent=1))
        return 0
    result["ratios"] = report.ratios(result["ours"], result["reference"])
    result["targets"] = {k: bool(check(result)) for k, check in TARGETS.items()}
    result["bench_wall_s"] = round(time.monotonic() - started, 1)
    json_path, png_path = report.write(result, out_dir, stem)
    print()
    print(report.table(result))
    print()
    for target, met in result["targets"].items():
        print(f"  [{'met' if met else 'NOT met'}] {target}")
    print(f"\nResults: {relative(json_path)}, {relative(png_path)}; logs in {relative(logs)}")
    print(f"Bench took {result['bench_wall_s']} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
