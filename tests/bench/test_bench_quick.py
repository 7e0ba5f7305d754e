"""Smoke run of the benchmark code end to end (`make bench QUICK=1`), with no timing asserted.

Why e2e: it trains two small models (reused when nothing changed) and starts the engine, the
action server and the gateway twice, which takes minutes.
"""

from __future__ import annotations

import json

import pytest

from bench import run

pytestmark = pytest.mark.e2e

KEYS = {
    "intent_macro_f1", "entity_f1", "crisis_recall", "p50_ms_seq", "p95_ms_seq", "p99_ms_seq",
    "p50_ms_c20", "p95_ms_c20", "throughput_c20_msg_s", "gateway_overhead_p50_ms", "train_s",
    "startup_s", "rss_mb_engine", "rss_mb_actions", "rss_mb_gateway", "pss_mb_total",
    "crisis_heldout_recall", "crisis_heldout_false_alarm_rate", "crisis_recall_suicide",
    "growth_early_ms", "growth_late_ms", "growth_ratio",
}  # fmt: skip


def test_quick_bench_writes_every_figure() -> None:
    assert run.main(["--quick"]) == 0
    result = json.loads((run.ROOT / "var" / "bench" / "quick.json").read_text())
    for system in ("ours", "reference"):
        assert KEYS <= set(result[system])
        assert result[system]["seq_detail"]["errors"] == 0
        assert result[system]["growth_detail"]["errors"] == 0
    assert set(result["ratios"]) == {
        "throughput_c20", "p50_ms_seq", "p95_ms_c20", "train_s", "startup_s"
    }  # fmt: skip
    assert (run.ROOT / "var" / "bench" / "quick.png").exists()
    assert "turn 60 within 1.2x turn 5" in result["targets"]
