"""Measure one trained system: start its three processes on a profile, time, parse, load, read
memory, then score the held-out crisis set and time long conversations.

Why one function per system, run one after the other on the same ports: the two systems
never compete for the two cores, and every process is stopped in `finally`.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import crisis, gateway, growth, load, nlu
from bench.procs import (
    PYTHON,
    RASA,
    ROOT,
    Memory,
    Stack,
    spawn,
    wait_for,
    wait_for_log,
    wait_for_workers,
)
from bench.profile import Deployment, deploy
from bench.script import Step

PARTS = ("engine", "actions", "gateway")  # what the memory targets are about (Redis apart)
GATEWAY_UP = "Application startup complete."  # logged by each uvicorn worker


@dataclass(frozen=True)
class Plan:
    """How much to send: QUICK is a smoke run of the same code."""

    seq_reps: int = 5
    users: int = 20
    conversations: int = 150
    time_limit_s: float = 120.0
    gateway_reps: int = 4  # 31 paired steps each; one pass alone moved the p50 by 2 ms
    crisis_every: int = 1  # QUICK scores every 6th held-out crisis message
    growth_conversations: int = len(growth.CYCLE)
    growth_turns: int = 60
    seed: int = 20240601


@dataclass(frozen=True)
class Ports:
    engine: int = 15005
    actions: int = 15055
    gateway: int = 18000
    redis: int = 16379  # the production profile's throw-away Redis


@dataclass
class SystemSpec:
    """A model to measure, with any engine settings to try (e.g. SANIC_WORKERS)."""

    name: str
    model: Path
    engine_env: dict[str, str] = field(default_factory=dict)
    endpoints: str = "endpoints.yml"
    actions_env: dict[str, str] = field(default_factory=dict)
    redis_port: int | None = None  # start a throw-away Redis (lock/tracker store variants)
    reference: bool = False  # scored on its predicted intents (bench/crisis.py)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def first_answer(engine_url: str, timeout: float = 120) -> None:
    """Wait until the engine answers a message through the REST channel (actions included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = httpx.post(
                f"{engine_url}/webhooks/rest/webhook",
                json={"sender": "bench-startup", "message": "hello"},
                timeout=30,
            )
            if reply.status_code == 200 and reply.json():
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    raise RuntimeError("no first answer from the engine")


def start_redis(port: int, logs: Path, stack: Stack) -> None:
    """An empty, unsaved Redis on loopback for a lock-store / tracker-store variant."""
    if not port_free(port):
        raise RuntimeError(f"port {port} is in use; stop what holds it")
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    stack.add(spawn("redis", command, {}, logs / "redis.log"))
    deadline = time.monotonic() + 20
    while port_free(port):
        if time.monotonic() > deadline:
            raise RuntimeError("redis did not start")
        time.sleep(0.1)


def start(spec: SystemSpec, ports: Ports, dep: Deployment, logs: Path, stack: Stack) -> float:
    """Start actions, engine and gateway together; seconds until every engine worker is up
    and the engine has answered a first message."""
    for port in (ports.engine, ports.actions, ports.gateway):
        if not port_free(port):
            raise RuntimeError(f"port {port} is in use; stop what holds it")
    engine_url = f"http://127.0.0.1:{ports.engine}"
    for redis_port in sorted({p for p in (spec.redis_port, dep.redis_port) if p is not None}):
        start_redis(redis_port, logs, stack)
    t0 = time.monotonic()
    actions = stack.add(
        spawn(
            "actions",
            [str(PYTHON), "-m", "actions.server", "--port", str(ports.actions)],
            {
                "DATABASE_URL": dep.database_url,
                "SANIC_HOST": "127.0.0.1",
                **dep.actions_env,
                **spec.actions_env,
            },
            logs / "actions.log",
        )
    )
    engine = stack.add(
        spawn(
            "engine",
            [
                str(RASA),
                "run",
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(ports.engine),
                "--model",
                str(spec.model),
                "--endpoints",
                spec.endpoints,
                "--credentials",
                "credentials.yml",
            ],  # fmt: skip
            {
                "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions}/webhook",
                "DATABASE_URL": dep.database_url,
                **dep.engine_env,
                **spec.engine_env,
            },
            logs / "engine.log",
        )
    )
    workers = ["--workers", str(dep.gateway_workers)] if dep.gateway_workers > 1 else []
    gw = stack.add(
        spawn(
            "gateway",
            [
                str(ROOT / ".venv/bin/uvicorn"),
                "bot.app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports.gateway),
                *workers,
                "--no-server-header",
                "--timeout-graceful-shutdown",
                "5",
            ],  # fmt: skip
            {
                "DATABASE_URL": dep.database_url,
                "RASA_URL": engine_url,
                "TELEGRAM_BOT_TOKEN": "",
                "SECRET_KEY": secrets.token_hex(32),
                # Every conversation the bench opens comes from one loopback address, as from
                # a hostel's: room for the overhead passes and the long conversations.
                "WEBCHAT_SESSIONS_PER_HOUR": "200",
                **dep.gateway_env,
            },
            logs / "gateway.log",
        )
    )
    wait_for(actions, f"http://127.0.0.1:{ports.actions}/health", 120)
    wait_for(engine, f"{engine_url}/status", 300, model=True)
    if dep.engine_workers > 1:
        # The first worker up answers /status; the others may still be loading the model.
        wait_for_workers(engine, ports.engine, dep.engine_workers, 300)
    first_answer(engine_url)
    startup = time.monotonic() - t0
    wait_for(gw, f"http://127.0.0.1:{ports.gateway}/healthz", 60)
    if dep.gateway_workers > 1:
        wait_for_log(gw, GATEWAY_UP, dep.gateway_workers, 60)
    return startup


def memory_figures(memory: dict[str, Memory]) -> dict[str, float | int]:
    """Resident (and proportional) MB per part over all its processes, and the parts' total;
    a throw-away Redis is reported apart, as it is no part of the assistant."""
    out: dict[str, float | int] = {}
    for name, found in memory.items():
        out[f"rss_mb_{name}"] = round(found.rss_mb, 1)
        out[f"pss_mb_{name}"] = round(found.pss_mb, 1)
        out[f"processes_{name}"] = found.processes
    parts = [memory[name] for name in PARTS if name in memory]
    out["rss_mb_total"] = round(sum(m.rss_mb for m in parts), 1)
    out["pss_mb_total"] = round(sum(m.pss_mb for m in parts), 1)
    out["processes_total"] = sum(m.processes for m in parts)
    return out


def measure(
    spec: SystemSpec,
    convs: list[tuple[str, list[Step]]],
    plan: Plan,
    ports: Ports,
    logs: Path,
    examples: list[nlu.Example],
    crisis_items: list[crisis.Item],
    profile: str = "default",
) -> dict[str, Any]:
    """Every figure for one system except its training time."""
    with deploy(profile, logs, ports.redis) as dep:
        stack = Stack()
        try:
            return _measure(spec, convs, plan, ports, logs, examples, crisis_items, dep, stack)
        finally:
            stack.stop_all()  # before the profile's database is dropped


def _measure(
    spec: SystemSpec,
    convs: list[tuple[str, list[Step]]],
    plan: Plan,
    ports: Ports,
    logs: Path,
    examples: list[nlu.Example],
    crisis_items: list[crisis.Item],
    dep: Deployment,
    stack: Stack,
) -> dict[str, Any]:
    engine_url = f"http://127.0.0.1:{ports.engine}"
    gateway_url = f"http://127.0.0.1:{ports.gateway}"
    out: dict[str, Any] = {
        "profile": dep.profile,
        "startup_s": round(start(spec, ports, dep, logs, stack), 2),
    }
    out.update(nlu.evaluate(engine_url, examples))
    asyncio.run(load.sequential(engine_url, convs, 1, plan.seed - 1))  # warm-up, untimed
    seq = asyncio.run(load.sequential(engine_url, convs, plan.seq_reps, plan.seed)).summary()
    c20 = asyncio.run(
        load.concurrent(
            engine_url, convs, plan.users, plan.conversations, plan.time_limit_s, plan.seed
        )
    ).summary()
    out.update(
        p50_ms_seq=seq["p50_ms"],
        p95_ms_seq=seq["p95_ms"],
        p99_ms_seq=seq["p99_ms"],
        p50_ms_c20=c20["p50_ms"],
        p95_ms_c20=c20["p95_ms"],
        p99_ms_c20=c20["p99_ms"],
        throughput_c20_msg_s=c20["msg_s"],
        seq_detail=seq,
        c20_detail=c20,
    )
    out.update(gateway.overhead(gateway_url, engine_url, convs, plan.gateway_reps, plan.seed))
    # Memory at the same point as in earlier runs (after the load and the gateway's script), so
    # the figures compare; the crisis set and the long conversations come after it.
    out.update(memory_figures(stack.memory()))
    out.update(crisis.evaluate(engine_url, crisis_items, not spec.reference, plan.seed))
    turns = growth.measure(gateway_url, plan.growth_conversations, plan.growth_turns)
    out.update(
        growth_early_ms=turns["early_median_ms"],
        growth_late_ms=turns["late_median_ms"],
        growth_ratio=turns["ratio"],
        growth_ratio_same_conversations=turns["ratio_same_conversations"],
        growth_detail=turns,
    )
    out["rss_mb_total_at_end"] = memory_figures(stack.memory())["rss_mb_total"]
    return out
