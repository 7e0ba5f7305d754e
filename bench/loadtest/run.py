"""`python -m bench.loadtest`: web chat conversations by many people at once, through both
gateway processes and both engine workers on PostgreSQL and Redis, for a fixed time.

It makes the production profile fresh (bench/loadtest/stack.py), runs Locust headless on
loopback (bench/loadtest/locustfile.py) for `--duration` seconds, lets the last requests
finish, counts what the database stored and answered (bench/loadtest/count.py), reads the
memory of every product process after the warm-up and at the end, writes the figures as JSON
and prints a table. It exits 1 when a target is missed.

Why Locust runs as its own process: it patches the standard library for gevent when imported,
which must not happen to this process (it reads memory on a timer) or to pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench.loadtest import count
from bench.loadtest.conversations import SEED, THINK_S
from bench.loadtest.stack import (
    ENGINE_WORKERS,
    GATEWAY_PROCESSES,
    Profile,
    cpu_seconds,
    production_profile,
)
from bench.procs import ROOT, spawn
from bench.report import machine

RESULTS = ROOT / "bench" / "results" / "load.json"
LOCUST = ROOT / ".venv" / "bin" / "locust"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
P95_TARGET_MS = 1000.0
RSS_GROWTH_TARGET_PCT = 10.0
WARMUP_FRACTION = 0.2  # memory is first read this far into the run
PEAK_EVERY_S = 10  # resident memory is also read this often, for its peak
STOP_TIMEOUT_S = 35  # a request in flight at the end may finish (the locustfile's timeout: 30 s)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="people at once")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=None,
        help="people started per second (default: all of them in the first tenth of the run)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=THINK_S,
        metavar=("MIN", "MAX"),
        help=f"seconds from a reply to the next message (default {THINK_S[0]:g} {THINK_S[1]:g})",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--targets",
        choices=("full", "invariants"),
        default="full",
        help="invariants: judge only the counts and errors; report latency and memory "
        "(a short run on a shared machine)",
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration < 5:
        parser.error("at least 1 user and 5 seconds")
    if args.spawn_rate is None:
        args.spawn_rate = round(max(1.0, args.users / (0.1 * args.duration)), 2)
    return args


def run_locust(profile: Profile, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    """Locust for the run's duration, memory read after the warm-up and at the end; what the
    locustfile counted, with the memory readings added."""
    record = logs / "locust-record.json"
    command = [
        str(LOCUST), "-f", str(LOCUSTFILE), "--headless",
        "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.duration}s", "--stop-timeout", str(STOP_TIMEOUT_S),
        "--host", profile.gateways[0], "--only-summary", "--loglevel", "WARNING",
        "--csv", str(logs / "locust"),
    ]  # fmt: skip
    env = {
        "LOAD_GATEWAYS": ",".join(profile.gateways),
        "LOAD_SEED": str(args.seed),
        "LOAD_THINK": ",".join(str(x) for x in args.think),
        "LOAD_RECORD": str(record),
    }
    warmup_s = WARMUP_FRACTION * args.duration
    cpu_before, load_before, busy_before = profile.cpu_s(), os.getloadavg(), busy_s()
    locust = spawn("locust", command, env, logs / "locust.log")
    memory_start: dict[str, tuple[float, float]] = {}
    locust_cpu: dict[int, float] = {}
    peak, tick = 0.0, 0
    try:
        started = time.monotonic()
        deadline = started + args.duration + STOP_TIMEOUT_S + 60
        while locust.process.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"locust did not stop by itself:\n{locust.tail()}")
            if not memory_start and time.monotonic() - started >= warmup_s:
                memory_start = profile.memory_mb()
            if tick % PEAK_EVERY_S == 0:
                peak = max(peak, sum(profile.rss_mb().values()))
            locust_cpu = cpu_seconds(locust.process.pid) or locust_cpu
            tick += 1
            time.sleep(1.0)
        memory_end, load_after = profile.memory_mb(), os.getloadavg()
        cpu = {
            **used_since(cpu_before, profile.cpu_s(), profile.engine_pid),
            "locust": round(sum(locust_cpu.values()), 1),
            # Every process on the machine: ours above, PostgreSQL, Redis and anything else.
            "machine": round(busy_s() - busy_before, 1),
        }
    finally:
        locust.stop()
    if not record.exists():
        raise RuntimeError(f"locust wrote no record:\n{locust.tail()}")
    tally: dict[str, Any] = json.loads(record.read_text())
    memory_start = memory_start or memory_end
    tally.update(
        warmup_s=round(warmup_s, 1),
        rss_start={name: rss for name, (rss, _) in memory_start.items()},
        rss_end={name: rss for name, (rss, _) in memory_end.items()},
        pss_start=round(sum(pss for _, pss in memory_start.values()), 1),
        pss_end=round(sum(pss for _, pss in memory_end.values()), 1),
        rss_peak=round(max(peak, sum(rss for rss, _ in memory_end.values())), 1),
        cpu_s=cpu,
        load_average=[round(load_before[0], 2), round(load_after[0], 2)],
    )
    return tally


def busy_s() -> float:
    """Processor seconds the whole machine has been busy (all cores, not idle or waiting)."""
    times = psutil.cpu_times()._asdict()
    return float(sum(times.get(k, 0.0) for k in ("user", "nice", "system", "irq", "softirq")))


def used_since(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], engine_pid: int
) -> dict[str, Any]:
    """Processor seconds each part used in between: a number, or for the engine one number
    per worker (its main process only starts them)."""
    used: dict[str, Any] = {}
    for name, now in after.items():
        then = before.get(name, {})
        delta = {pid: round(s - then.get(pid, 0.0), 1) for pid, s in now.items()}
        if name == "engine":
            used[name] = [s for pid, s in sorted(delta.items()) if pid != engine_pid]
        else:
            used[name] = round(sum(delta.values()), 1)
    return used


def figures(args: argparse.Namespace, tally: dict[str, Any], db: dict[str, int]) -> dict[str, Any]:
    """The result file's content, before the targets."""
    latencies = np.array(tally["message_ms"] or [float("nan")])
    start, end = sum(tally["rss_start"].values()), sum(tally["rss_end"].values())
    return {
        "sent": tally["sent"],
        "stored": db["stored"],
        "answered": db["answered"],
        "errors_5xx": tally["errors_5xx"],
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "rss_mb_start": round(start, 1),
        "rss_mb_end": round(end, 1),
        "rss_growth_pct": round(100 * (end - start) / start, 2) if start else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 1),
        "max_ms": round(float(np.max(latencies)), 1),
        "messages_per_s": round(tally["sent"] / args.duration, 2),
        "other_errors": tally["other_errors"],
        "outage_replies": db["outage_replies"],
        "refusals": tally["refusals"],
        "empty_answers": tally["empty_answers"],
        "missing_buttons": tally["missing_buttons"],
        "statuses": tally["statuses"],
        "sessions": len(tally["sessions"]),
        "conversations": db["conversations"],
        "conversations_started": tally["started"],
        "conversations_finished": tally["finished"],
        "messages_by_gateway": tally["messages_by_gateway"],
        "cpu_s": tally["cpu_s"],
        # The machine's 1-minute load average as Locust started and as it ended: the other
        # work sharing the cores (2 here) during the run.
        "load_average": tally["load_average"],
        "rss_mb_peak": tally["rss_peak"],
        "pss_mb_start": tally["pss_start"],
        "pss_mb_end": tally["pss_end"],
        "rss_mb_parts_start": tally["rss_start"],
        "rss_mb_parts_end": tally["rss_end"],
        "users": args.users,
        "duration_s": args.duration,
        "spawn_rate": args.spawn_rate,
        "think_s": list(args.think),
        "warmup_s": tally["warmup_s"],
        "seed": args.seed,
        "profile": {
            "database": "postgresql",
            "lock_store": "redis",
            "engine_workers": ENGINE_WORKERS,
            "gateway_processes": GATEWAY_PROCESSES,
        },
    }


def judge(result: dict[str, Any], full: bool) -> dict[str, bool]:
    """Each target met or not; latency and memory only for a full run."""
    targets = {
        "sent = stored = answered": result["sent"] > 0
        and result["sent"] == result["stored"] == result["answered"],
        "no 5xx": result["errors_5xx"] == 0,
        "no other failed request": result["other_errors"] == 0,
        "no outage reply": result["outage_replies"] == 0,
    }
    if full:
        growth = result["rss_growth_pct"]
        targets[f"p95 < {P95_TARGET_MS:.0f} ms"] = result["p95_ms"] < P95_TARGET_MS
        targets[f"memory growth < {RSS_GROWTH_TARGET_PCT:.0f}%"] = (
            growth is not None and growth < RSS_GROWTH_TARGET_PCT
        )
    return targets


ROWS = [
    ("users", "People at once"),
    ("duration_s", "Seconds of load"),
    ("sessions", "Web chats opened"),
    ("sent", "Messages sent (2xx)"),
    ("stored", "Person messages stored"),
    ("answered", "Stored and answered"),
    ("errors_5xx", "5xx answers"),
    ("other_errors", "Other failed requests"),
    ("outage_replies", "Outage replies"),
    ("messages_per_s", "Messages/s"),
    ("p50_ms", "p50 ms per message"),
    ("p95_ms", "p95 ms per message"),
    ("p99_ms", "p99 ms per message"),
    ("rss_mb_start", "Resident MB after warm-up"),
    ("rss_mb_end", "Resident MB at the end"),
    ("rss_growth_pct", "Memory growth %"),
]


def table(result: dict[str, Any]) -> str:
    """The Markdown table that docs show, then the targets."""
    lines = ["| figure | value |", "| --- | ---: |"]
    lines += [f"| {label} | {result[key]} |" for key, label in ROWS]
    lines += ["", "| target | met |", "| --- | --- |"]
    lines += [f"| {name} | {'yes' if ok else 'NO'} |" for name, ok in result["targets"].items()]
    return "\n".join(lines)


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    """SIGTERM (a CI time-out, `kill`) ends the run as Ctrl-C does: every process stopped,
    the database dropped and the Redis keys deleted on the way out."""
    raise SystemExit(143)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    logs = ROOT / "var" / "load" / stamp
    began = time.monotonic()
    print(f"==> Load: {args.users} people for {args.duration} s; logs in {logs}", flush=True)
    in_main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _stop_on_sigterm) if in_main else None
    try:
        with production_profile(logs) as profile:
            print(f"==> Up: gateways {' '.join(profile.gateways)}, engine {profile.engine_url}")
            tally = run_locust(profile, args, logs)
            db = count.settled(profile.database_url, tally["sessions"])
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, before)
    result = figures(args, tally, db)
    result["targets"] = judge(result, full=args.targets == "full")
    result["targets_met"] = all(result["targets"].values())
    result.update(
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine(),
        command=" ".join(["python -m bench.loadtest", *(sys.argv[1:] if argv is None else argv)]),
        wall_s=round(time.monotonic() - began, 1),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"==> {args.out}")
    return 0 if result["targets_met"] else 1
