"""`make load` for 30 seconds with 20 people: the production profile made fresh (PostgreSQL,
Redis, two engine workers, two gateway processes), Locust on loopback, and every message sent
stored and answered with no 5xx. Latency and memory are reported, not judged here: the machine
is shared with the rest of `make test` (the full run judges them, bench/README.md "Load").

Why e2e: it starts the engine with two workers, each loading the model (a minute on two cores).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.loadtest import run

pytestmark = pytest.mark.e2e

KEYS = {
    "sent", "stored", "answered", "errors_5xx", "p50_ms", "p95_ms", "rss_mb_start",
    "rss_mb_end",
}  # fmt: skip


@pytest.mark.timeout(420)
def test_thirty_seconds_of_web_chat_load(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    args = ["--users", "20", "--duration", "30", "--out", str(out), "--targets", "invariants"]
    args += ["--think", "1", "4"]  # the harder pace: more chats and messages in 30 seconds
    code = run.main(args)
    result = json.loads(out.read_text())
    assert KEYS <= set(result)
    assert code == 0, result["targets"]
    assert result["sent"] > 0
    assert result["sent"] == result["stored"] == result["answered"]
    assert result["errors_5xx"] == result["other_errors"] == result["outage_replies"] == 0
    # Every chat the load opened is a conversation of its own, on both gateway processes.
    assert result["conversations"] == result["sessions"] > 20
    assert all(result["messages_by_gateway"])
    # Each scripted button was one the previous answer offered (the script matches the model).
    assert result["missing_buttons"] == 0 and result["empty_answers"] == 0
    assert result["refusals"] == {}
    assert result["p95_ms"] > 0 and result["rss_mb_start"] > 0 and result["rss_mb_end"] > 0
