"""The gateway's own overhead: the script through the web chat API minus the engine's time.

Why paired steps: each step goes once through the gateway (which calls the engine) and
once straight to the engine in a twin conversation, right after each other, so the
difference is the gateway's work (auth, rate limit, crisis check, logging to the database,
the call to the engine) and the machine's drift cancels. The gateway allows 8 messages per
10 s per conversation, so each conversation is paced at one message per 1.3 s and the
conversations run round-robin to keep the run short; the pauses are not timed.

Why alternate which goes first: after the 1.3 s pause the first request of a pair meets cold
caches on both sides and is slower than the second, whichever system it goes to (in process
with the real engine, 2026-12-04: 11.2 ms with the gateway always first, 4.3 ms with the
engine always first, the same work). Until then the gateway always went first, so that cost
was counted as the gateway's. Now every other pair starts with the engine, the two orders
cancel, and each order's p50 is reported beside the whole (`..._gateway_first`,
`..._engine_first`).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import httpx
import numpy as np

from bench.load import TIMEOUT_S, sender_id
from bench.script import Step, button_payloads, resolve_step

PACE_S = 1.3


@dataclass
class Twin:
    """A web chat session and its twin conversation straight to the engine."""

    steps: list[Step]
    session: str
    headers: dict[str, str]
    sender: str
    index: int = 0
    sent_at: float = 0.0
    gw_buttons: dict[str, str] = field(default_factory=dict)
    rasa_buttons: dict[str, str] = field(default_factory=dict)


def _gateway_say(client: httpx.Client, twin: Twin) -> float:
    text, tapped = resolve_step(twin.steps[twin.index], twin.gw_buttons)
    body = {"payload": text} if tapped else {"text": text}
    start = time.perf_counter()
    reply = client.post(
        f"/api/webchat/sessions/{twin.session}/messages", json=body, headers=twin.headers
    )
    ms = (time.perf_counter() - start) * 1000
    reply.raise_for_status()
    twin.gw_buttons = button_payloads(reply.json()["messages"])
    return ms


def _engine_say(client: httpx.Client, twin: Twin) -> float:
    text, _ = resolve_step(twin.steps[twin.index], twin.rasa_buttons)
    start = time.perf_counter()
    reply = client.post(
        "/webhooks/rest/webhook",
        json={"sender": twin.sender, "message": text, "metadata": {"channel": "webchat"}},
    )
    ms = (time.perf_counter() - start) * 1000
    reply.raise_for_status()
    twin.rasa_buttons = button_payloads(reply.json())
    return ms


def overhead(
    gateway_url: str, engine_url: str, convs: list[tuple[str, list[Step]]], reps: int, seed: int
) -> dict[str, float | int]:
    """p50/p95 of (gateway latency - engine latency) over every paired step."""
    rng = random.Random(seed)
    diffs, through, gateway_first = [], [], []
    with (
        httpx.Client(base_url=gateway_url, timeout=TIMEOUT_S) as gw,
        httpx.Client(base_url=engine_url, timeout=TIMEOUT_S) as rasa,
    ):
        twins = []
        for _ in range(reps):
            for _, steps in convs:
                made = gw.post("/api/webchat/sessions").json()
                headers = {"Authorization": f"Bearer {made['token']}"}
                twins.append(Twin(steps, made["session_id"], headers, sender_id(rng)))
        while twins:
            for twin in list(twins):
                wait = twin.sent_at + PACE_S - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                twin.sent_at = time.monotonic()
                first = len(diffs) % 2 == 0
                if first:
                    gw_ms = _gateway_say(gw, twin)
                    engine_ms = _engine_say(rasa, twin)
                else:
                    engine_ms = _engine_say(rasa, twin)
                    gw_ms = _gateway_say(gw, twin)
                diffs.append(gw_ms - engine_ms)
                through.append(gw_ms)
                gateway_first.append(first)
                twin.index += 1
                if twin.index == len(twin.steps):
                    twins.remove(twin)
    d, first = np.array(diffs), np.array(gateway_first)
    return {
        "gateway_overhead_p50_ms": round(float(np.percentile(d, 50)), 1),
        "gateway_overhead_p95_ms": round(float(np.percentile(d, 95)), 1),
        "gateway_overhead_p50_ms_gateway_first": round(float(np.percentile(d[first], 50)), 1),
        "gateway_overhead_p50_ms_engine_first": round(float(np.percentile(d[~first], 50)), 1),
        "gateway_p50_ms": round(float(np.percentile(through, 50)), 1),
        "gateway_messages": len(diffs),
    }
