"""The gateway's own overhead: the script through the web chat API minus the engine's time.

Why paired steps: each step goes once through the gateway (which calls the engine) and
once straight to the engine in a twin conversation, right after each other, so the
difference is the gateway's work (auth, rate limit, crisis check, logging to the database,
the call to the engine) and the machine's drift cancels. The gateway allows 8 messages per
10 s per conversation, so each conversation is paced at one message per 1.3 s and the
conversations run round-robin to keep the run short; the pauses are not timed.
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
    diffs, through = [], []
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
                gw_ms = _gateway_say(gw, twin)
                diffs.append(gw_ms - _engine_say(rasa, twin))
                through.append(gw_ms)
                twin.index += 1
                if twin.index == len(twin.steps):
                    twins.remove(twin)
    d = np.array(diffs)
    return {
        "gateway_overhead_p50_ms": round(float(np.percentile(d, 50)), 1),
        "gateway_overhead_p95_ms": round(float(np.percentile(d, 95)), 1),
        "gateway_p50_ms": round(float(np.percentile(through, 50)), 1),
        "gateway_messages": len(diffs),
    }
