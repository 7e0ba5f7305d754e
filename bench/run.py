"""`make bench`: train ours and the reference on the same data, measure both, write results.

Usage: python -m bench.run [--quick] [--reuse-reference] [--profile default|prod]
                            [--ours-only] [--ours-env KEY=VALUE ...]
The reference is Rasa 3.6.21's `rasa init` config (bench/reference_config.yml). Its DIET
training takes most of an hour on two cores, so `--reuse-reference` (REUSE=1) reuses a
reference model trained earlier from the very same inputs (checked by a fingerprint) and
reports the training time measured then; everything else is measured in this run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import crisis, growth, nlu, report
from bench.procs import RASA, ROOT
from bench.profile import PROFILES, endpoints
from bench.script import message_count, script
from bench.system import Plan, Ports, SystemSpec, measure
from bench.train import relative, train
from bot.crisis import normalise

MODELS = ROOT / "models" / "bench"
RESULTS = ROOT / "bench" / "results"
QUICK_PLAN = Plan(
    seq_reps=1,
    users=4,
    conversations=8,
    time_limit_s=30,
    gateway_reps=1,
    crisis_every=6,
    growth_conversations=4,
    growth_turns=12,
)
MB_PER_COPY = 1024  # the default profile's budget for one engine, action server and gateway


@dataclass(frozen=True)
class Target:
    """One target: whether it needs the reference's figures, and the profiles it holds on."""

    name: str
    check: Callable[[dict[str, Any]], bool]
    reference: bool = False
    profiles: tuple[str, ...] = PROFILES


def _every_category(r: dict[str, Any], least: Callable[[str], float]) -> bool:
    per_category = r["ours"]["crisis_detail"]["per_category"]
    return all(found["recall"] >= least(name) for name, found in per_category.items())


def _ref_recall(r: dict[str, Any], category: str) -> float:
    return float(r["reference"]["crisis_detail"]["per_category"][category]["recall"])


TARGETS = [
    Target("throughput_c20 >= 3x", lambda r: r["ratios"]["throughput_c20"] >= 3, True),
    Target("p95 at 20 at once >= 3x lower", lambda r: r["ratios"]["p95_ms_c20"] >= 3, True),
    Target("p50 one at a time >= 3x lower", lambda r: r["ratios"]["p50_ms_seq"] >= 3, True),
    Target("our p95 one at a time < 60 ms", lambda r: r["ours"]["p95_ms_seq"] < 60),
    Target("intent macro-F1 >= 0.92", lambda r: r["ours"]["intent_macro_f1"] >= 0.92),
    Target(
        "intent macro-F1 >= the reference's",
        lambda r: r["ours"]["intent_macro_f1"] >= r["reference"]["intent_macro_f1"],
        True,
    ),
    Target("district entity F1 >= 0.95", lambda r: r["ours"]["entity_f1"] >= 0.95),
    Target("crisis recall 1.0", lambda r: r["ours"]["crisis_recall"] == 1.0),
    Target(
        "held-out crisis set: every crisis answered, in every category",
        lambda r: _every_category(r, lambda _: 1.0),
    ),
    Target(
        "held-out crisis set: false alarms <= 2%",
        lambda r: r["ours"]["crisis_heldout_false_alarm_rate"] <= 0.02,
    ),
    Target(
        "held-out crisis set: recall >= the reference's in every category",
        lambda r: _every_category(r, lambda category: _ref_recall(r, category)),
        True,
    ),
    Target("gateway overhead p50 < 10 ms", lambda r: r["ours"]["gateway_overhead_p50_ms"] < 10),
    Target(
        "turn 60 within 1.2x turn 5",
        lambda r: (r["ours"]["growth_ratio"] or float("inf")) <= growth.TARGET_RATIO,
    ),
    Target("training <= half the reference's", lambda r: r["ratios"]["train_s"] >= 2, True),
    Target("start-up <= half the reference's", lambda r: r["ratios"]["startup_s"] >= 2, True),
    Target(
        "three processes < 1.0 GB",
        lambda r: r["ours"]["rss_mb_total"] < MB_PER_COPY,
        profiles=("default",),
    ),
    # Production runs two engine and two gateway workers: the same budget per copy, over every
    # process (supervisors and workers). Forked workers share their supervisor's pages, which a
    # sum of RSS counts once per process; PSS splits each shared page between the processes
    # that map it, so this target is on the sum of PSS.
    Target(
        "production profile: every process, PSS < 2.0 GB (1.0 GB per copy)",
        lambda r: r["ours"]["pss_mb_total"] < 2 * MB_PER_COPY,
        profiles=("prod",),
    ),
]


def check_targets(result: dict[str, Any]) -> dict[str, bool]:
    """The targets that apply to this run: its profile's, and those needing the reference
    only when the reference was measured."""
    with_reference = "reference" in result
    return {
        target.name: bool(target.check(result))
        for target in TARGETS
        if result["profile"] in target.profiles and (with_reference or not target.reference)
    }


def fingerprint(config: Path) -> str:
    """What a model depends on: config, domain, data and Rasa; for a config that uses this
    repo's own components (ours), also the engine's code and the spaCy model. The reference
    reads neither, so rebuilding them does not retrain it."""
    text = config.read_bytes()
    digest = hashlib.sha256(text)
    inputs = [ROOT / "domain.yml", RASA, *sorted((ROOT / "data").rglob("*.yml"))]
    if b"engine." in text or b"models/spacy-gm" in text:
        inputs += _engine_inputs()
    for path in inputs:
        if path.is_file():
            digest.update(
                str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode()
            )
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _engine_inputs() -> list[Path]:
    """What our own components read when they train: their code, the spaCy model, and the
    normaliser every message goes through before the classifier (its code, the project word
    list and the place names it keeps as typed)."""
    return [
        *sorted((ROOT / "engine").glob("*.py")),
        *sorted((ROOT / "models" / "spacy-gm").rglob("*")),
        ROOT / "bot" / "crisis" / "normalise.py",
        normalise.KEEP_WORDS,
        normalise.GAZETTEER,
    ]


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


def made_model(config: Path) -> tuple[Path, dict[str, Any]] | None:
    """The assistant `make train` keeps (models/welfare.tar.gz), when it was trained from
    `config` and is newer than everything a model depends on: the quick run checks the bench
    code and need not train the same assistant again (its training time is not measured)."""
    model = ROOT / "models" / "welfare.tar.gz"
    if config.resolve() != (ROOT / "config.yml").resolve() or not model.exists():
        return None
    inputs = [config, ROOT / "domain.yml", *(ROOT / "data").rglob("*.yml"), *_engine_inputs()]
    built = model.stat().st_mtime
    if any(path.is_file() and path.stat().st_mtime > built for path in inputs):
        return None
    print(f"==> ours: using {relative(model)} as `make train` left it", flush=True)
    return model, {"config": relative(config), "train_s": None, "reused": relative(model)}


def env_pairs(pairs: list[str]) -> dict[str, str]:
    return dict(p.split("=", 1) for p in pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run, same code")
    parser.add_argument("--reuse-reference", action="store_true")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="default",
        help="default: one process each, SQLite; prod: as scripts/run_prod.sh (bench/profile.py)",
    )
    parser.add_argument("--ours-config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--ours-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--ours-endpoints", default=None, help="default: the profile's")
    parser.add_argument("--ours-actions-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--ours-redis", type=int, default=None, metavar="PORT")
    parser.add_argument("--ours-only", action="store_true", help="try a variant of ours only")
    parser.add_argument("--out", default=None, help="results file stem (default latest/quick)")
    args = parser.parse_args(argv)
    quick, profile = args.quick, args.profile
    plan = QUICK_PLAN if quick else Plan()
    stem = args.out or ("quick" if quick else "latest") + ("-prod" if profile == "prod" else "")
    out_dir = ROOT / "var" / "bench" if quick else RESULTS
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    logs = ROOT / "var" / "bench" / stamp
    ref_config = ROOT / "bench" / ("reference_quick.yml" if quick else "reference_config.yml")
    ours_endpoints = args.ours_endpoints or endpoints(profile, reference=False)
    started = time.monotonic()

    suffix = "-quick" if quick else ""
    # QUICK reuses identical earlier trainings: its figures mean nothing, it checks the code.
    ours_model, ours_train = (quick and made_model(args.ours_config)) or model_for(
        args.ours_config, f"ours{suffix}", logs, quick or args.ours_only
    )
    ref_model, ref_train = (
        (ours_model, ours_train)  # not measured: --ours-only
        if args.ours_only
        else model_for(ref_config, f"reference{suffix}", logs, quick or args.reuse_reference)
    )
    convs, examples, crisis_items = script(quick), nlu.load_examples(), crisis.load_items()
    if quick:
        examples = examples[::6]
    crisis_items = crisis.sample(crisis_items, plan.crisis_every)
    systems = {
        "ours": SystemSpec(
            "ours",
            ours_model,
            env_pairs(args.ours_env),
            ours_endpoints,
            env_pairs(args.ours_actions_env),
            args.ours_redis,
        ),
        "reference": SystemSpec(
            "reference", ref_model, endpoints=endpoints(profile, reference=True), reference=True
        ),
    }
    if args.ours_only:
        del systems["reference"]
    result: dict[str, Any] = {
        "quick": quick,
        "profile": profile,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        # Others' work on a shared machine moves every timing: the load says how much.
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "plan": {**plan.__dict__, "script_messages": message_count(convs)},
        "ours_variant": {
            "engine_env": env_pairs(args.ours_env),
            "endpoints": ours_endpoints,
            "actions_env": env_pairs(args.ours_actions_env),
            "redis": bool(args.ours_redis),
        },
    }
    for name, spec in systems.items():
        print(f"==> measuring {name} ({profile} profile)", flush=True)
        figures = measure(spec, convs, plan, Ports(), logs / name, examples, crisis_items, profile)
        training = ours_train if name == "ours" else ref_train
        figures["train_s"] = training["train_s"]
        figures["training"] = training
        result[name] = figures
    if not args.ours_only:
        result["ratios"] = report.ratios(result["ours"], result["reference"])
    result["targets"] = check_targets(result)
    result["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["bench_wall_s"] = round(time.monotonic() - started, 1)
    if args.ours_only:
        # A variant of ours is never the committed result: it goes to var/bench/.
        json_path = report.write_json(result, ROOT / "var" / "bench", stem)
        written = relative(json_path)
    else:
        json_path, png_path = report.write(result, out_dir, stem)
        written = f"{relative(json_path)}, {relative(png_path)}"
    print()
    print(report.table(result))
    print()
    for target, met in result["targets"].items():
        print(f"  [{'met' if met else 'NOT met'}] {target}")
    print(f"\nResults: {written}; logs in {relative(logs)}")
    print(f"Bench took {result['bench_wall_s']} s; load average (1, 5, 15 min) at the start")
    print(f"{result['load_avg_at_start']}, at the end {result['load_avg_at_end']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
