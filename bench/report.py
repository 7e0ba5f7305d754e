"""Results: the JSON file, the Markdown table printed at the end, and the chart.

Why ratios are oriented as they are: each ratio is "how many times better ours is", so a
target of 3 reads the same for throughput (ours / reference) and for times (reference / ours).
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import psutil  # noqa: E402

ROWS: list[tuple[str, str, str]] = [  # key, label, better
    ("intent_macro_f1", "Intent macro-F1 (held-out)", "higher"),
    ("entity_f1", "District entity F1", "higher"),
    ("crisis_recall", "Crisis recall (NLU held-out)", "higher"),
    ("crisis_heldout_recall", "Crisis set: recall, all", "higher"),
    ("crisis_recall_suicide", "Crisis set: recall, suicide", "higher"),
    ("crisis_recall_self_harm", "Crisis set: recall, self-harm", "higher"),
    ("crisis_recall_overdose", "Crisis set: recall, overdose", "higher"),
    ("crisis_recall_third_party", "Crisis set: recall, third-party emergency", "higher"),
    ("crisis_recall_danger", "Crisis set: recall, immediate danger", "higher"),
    ("crisis_recall_abuse", "Crisis set: recall, domestic abuse", "higher"),
    ("crisis_heldout_false_alarm_rate", "Crisis set: false alarms (hard negatives)", "lower"),
    ("p50_ms_seq", "p50 ms, one at a time", "lower"),
    ("p95_ms_seq", "p95 ms, one at a time", "lower"),
    ("p99_ms_seq", "p99 ms, one at a time", "lower"),
    ("p50_ms_c20", "p50 ms, 20 at once", "lower"),
    ("p95_ms_c20", "p95 ms, 20 at once", "lower"),
    ("throughput_c20_msg_s", "Messages/s, 20 at once", "higher"),
    ("parse_p50_ms", "NLU parse alone p50 ms", "lower"),
    ("gateway_overhead_p50_ms", "Gateway overhead p50 ms", "lower"),
    ("gateway_overhead_p95_ms", "Gateway overhead p95 ms", "lower"),
    ("gateway_overhead_p50_ms_gateway_first", "The same p50, gateway asked first", "lower"),
    ("gateway_overhead_p50_ms_engine_first", "The same p50, engine asked first", "lower"),
    ("growth_early_ms", "Turn ms through the gateway, around turn 5 (fresh cohort)", "lower"),
    ("growth_late_ms", "Turn ms through the gateway, around turn 60", "lower"),
    ("growth_ratio", "Turn around 60 / turn around 5", "lower"),
    ("growth_ratio_same_conversations", "The same, turn 5 of the long ones (earlier)", "lower"),
    ("train_s", "Training s", "lower"),
    ("startup_s", "Start to first answer s", "lower"),
    ("rss_mb_engine", "RSS MB engine", "lower"),
    ("rss_mb_actions", "RSS MB action server", "lower"),
    ("rss_mb_gateway", "RSS MB gateway", "lower"),
    ("rss_mb_total", "RSS MB, three together", "lower"),
    ("pss_mb_total", "PSS MB, three together", "lower"),
    ("processes_total", "Processes, three together", "lower"),
]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
    }


def ratios(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, float]:
    def div(a: float, b: float) -> float:
        return round(a / b, 2) if b else float("inf")

    return {
        "throughput_c20": div(ours["throughput_c20_msg_s"], ref["throughput_c20_msg_s"]),
        "p50_ms_seq": div(ref["p50_ms_seq"], ours["p50_ms_seq"]),
        "p95_ms_c20": div(ref["p95_ms_c20"], ours["p95_ms_c20"]),
        "train_s": div(ref["train_s"], ours["train_s"]),
        "startup_s": div(ref["startup_s"], ours["startup_s"]),
    }


def table(result: dict[str, Any]) -> str:
    """The Markdown table: one row per figure, both systems side by side (ours alone when the
    reference was not measured)."""
    ours, ref = result["ours"], result.get("reference")
    profile = result.get("profile", "default")
    if ref is None:
        lines = [f"| figure ({profile} profile) | ours |", "| --- | ---: |"]
        lines += [f"| {label} | {ours.get(k, '')} |" for k, label, _ in ROWS]
        return "\n".join(lines)
    lines = [
        f"| figure ({profile} profile) | ours | reference (rasa init) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {ours.get(k, '')} | {ref.get(k, '')} |" for k, label, _ in ROWS]
    r = result["ratios"]
    lines.append("")
    lines.append(
        f"Ratios (times better): throughput at 20 {r['throughput_c20']}x, p50 one at a time "
        f"{r['p50_ms_seq']}x, p95 at 20 {r['p95_ms_c20']}x, training {r['train_s']}x, "
        f"start-up {r['startup_s']}x."
    )
    return "\n".join(lines)


def chart(result: dict[str, Any], path: Path) -> None:
    """Bars for ours vs the reference on the figures the targets are about."""
    panels = [
        ("p50_ms_seq", "p50 ms, 1 at a time"),
        ("p95_ms_c20", "p95 ms, 20 at once"),
        ("throughput_c20_msg_s", "messages/s, 20 at once"),
        ("train_s", "training s"),
        ("startup_s", "start-up s"),
        ("rss_mb_total", "resident MB, 3 processes"),
        ("intent_macro_f1", "intent macro-F1"),
        ("entity_f1", "district entity F1"),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(13, 5.5))
    for ax, (key, title) in zip(axes.flat, panels, strict=True):
        # A figure not measured (the quick run's reused model has no training time): no bar.
        values = [
            float("nan") if result[name][key] is None else result[name][key]
            for name in ("ours", "reference")
        ]
        bars = ax.bar(["ours", "reference"], values, color=["#2a7f62", "#9a9a9a"])
        ax.bar_label(bars, fmt="%g", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.margins(y=0.15)
    m = result["machine"]
    fig.suptitle(
        f"Ours vs Rasa 3.6.21 default pipeline ({'QUICK smoke' if result['quick'] else 'full'} run)"
        f" - {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(result: dict[str, Any], out_dir: Path, stem: str) -> Path:
    """Write `<stem>.json`; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    return json_path


def write(result: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write `<stem>.json` and `<stem>.png`; returns both paths."""
    json_path, png_path = write_json(result, out_dir, stem), out_dir / f"{stem}.png"
    chart(result, png_path)
    return json_path, png_path
