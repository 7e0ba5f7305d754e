"""An asyncio httpx driver for the REST channel: one message at a time, then N at once.

Why not Locust: a closed loop of conversations (each person waits for the answer before the
next message) with a fixed seed is a few lines here and needs no extra package. Traffic goes
to loopback only; every run is bounded in conversations and in seconds.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx
import numpy as np

from bench.script import Step, button_payloads, resolve_step

TIMEOUT_S = 30.0


@dataclass
class Tally:
    """Latencies in ms, plus what went wrong (never the message text)."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    missing_buttons: int = 0
    wall_s: float = 0.0

    def summary(self) -> dict[str, float | int]:
        lat = np.array(self.latencies or [float("nan")])
        return {
            "p50_ms": round(float(np.percentile(lat, 50)), 1),
            "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "p99_ms": round(float(np.percentile(lat, 99)), 1),
            "messages": len(self.latencies),
            "errors": self.errors,
            "empty_answers": self.empty,
            "missing_buttons": self.missing_buttons,
            "wall_s": round(self.wall_s, 2),
            "msg_s": round(len(self.latencies) / self.wall_s, 2) if self.wall_s else 0.0,
        }


def sender_id(rng: random.Random) -> str:
    """A 128-bit conversation id, as the gateway makes, but from a seeded generator."""
    return f"{rng.getrandbits(128):032x}"


async def say(client: httpx.AsyncClient, url: str, sender: str, text: str) -> tuple[float, list]:
    """POST one message to the REST channel; (latency ms, replies)."""
    start = time.perf_counter()
    reply = await client.post(
        url, json={"sender": sender, "message": text, "metadata": {"channel": "webchat"}}
    )
    elapsed = (time.perf_counter() - start) * 1000
    reply.raise_for_status()
    return elapsed, reply.json()


async def conversation(
    client: httpx.AsyncClient, url: str, steps: list[Step], sender: str, tally: Tally
) -> None:
    """One person's conversation, step by step, tapping buttons from the last answer."""
    last: dict[str, str] = {}
    for step in steps:
        text, tapped = resolve_step(step, last)
        tally.missing_buttons += not isinstance(step, str) and not tapped
        try:
            ms, replies = await say(client, url, sender, text)
        except (httpx.HTTPError, ValueError):
            tally.errors += 1
            continue
        tally.latencies.append(ms)
        tally.empty += not replies
        last = button_payloads(replies)


def rest_url(engine_url: str) -> str:
    return f"{engine_url}/webhooks/rest/webhook"


async def sequential(
    engine_url: str, convs: list[tuple[str, list[Step]]], reps: int, seed: int
) -> Tally:
    """The script `reps` times over, one message at a time."""
    rng, tally = random.Random(seed), Tally()
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        start = time.perf_counter()
        for _ in range(reps):
            for _, steps in convs:
                await conversation(client, rest_url(engine_url), steps, sender_id(rng), tally)
        tally.wall_s = time.perf_counter() - start
    return tally


async def concurrent(
    engine_url: str,
    convs: list[tuple[str, list[Step]]],
    users: int,
    conversations: int,
    time_limit_s: float,
    seed: int,
) -> Tally:
    """`users` people at once, each starting the next conversation of a seeded shuffle
    when their last one ends, until `conversations` are done or the time is up."""
    rng, tally = random.Random(seed), Tally()
    queue = [convs[i % len(convs)][1] for i in range(conversations)]
    rng.shuffle(queue)
    senders = [sender_id(rng) for _ in queue]
    work: asyncio.Queue[tuple[list[Step], str]] = asyncio.Queue()
    for item in zip(queue, senders, strict=True):
        work.put_nowait(item)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as client:
        start = time.perf_counter()
        deadline = start + time_limit_s

        async def person() -> None:
            while not work.empty() and time.perf_counter() < deadline:
                steps, sender = work.get_nowait()
                await conversation(client, rest_url(engine_url), steps, sender, tally)

        await asyncio.gather(*(person() for _ in range(users)))
        tally.wall_s = time.perf_counter() - start
    return tally
