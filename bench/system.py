"""Measure one trained system: start its three processes, time, parse, load, read memory.

Why one function per system, run one after the other on the same ports: the two systems
never compete for the two cores, and every process is stopped in `finally`.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import gateway, load, nlu
from bench.procs import PYTHON, RASA, ROOT, Stack, spawn, wait_for
from bench.script import Step


@dataclass(frozen=True)
class Plan:
    """How much to send: QUICK is a smoke run of the same code."""

    seq_reps: int = 5
    users: int = 20
    conversations: int = 150
    time_limit_s: float = 120.0
    gateway_reps: int = 1
    seed: int = 20240601


@dataclass(frozen=True)
class Ports:
    engine: int = 15005
    actions: int = 15055
    gateway: int = 18000


@dataclass
class SystemSpec:
    """A model to measure, with any engine settings to try (e.g. SANIC_WORKERS)."""

    name: str
    model: Path
    engine_env: dict[str, str] = field(default_factory=dict)
    endpoints: str = "endpoints.yml"
    actions_env: dict[str, str] = field(default_factory=dict)
    redis_port: int | None = None  # start a throw-away Redis (lock/tracker store variants)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def fresh_database(path: Path) -> str:
    """A new SQLite file for this run, brought to the latest schema by the product's migrate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    subprocess.run(
        [str(PYTHON), "-m", "bot.store.migrate"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    return url


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


def start(spec: SystemSpec, ports: Ports, db_url: str, logs: Path, stack: Stack) -> float:
    """Start actions, engine and gateway together; seconds until the first answer."""
    for port in (ports.engine, ports.actions, ports.gateway):
        if not port_free(port):
            raise RuntimeError(f"port {port} is in use; stop what holds it")
    engine_url = f"http://127.0.0.1:{ports.engine}"
    if spec.redis_port:
        start_redis(spec.redis_port, logs, stack)
    t0 = time.monotonic()
    actions = stack.add(
        spawn(
            "actions",
            [str(PYTHON), "-m", "actions.server", "--port", str(ports.actions)],
            {"DATABASE_URL": db_url, "SANIC_HOST": "127.0.0.1", **spec.actions_env},
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
                "DATABASE_URL": db_url,
                **spec.engine_env,
            },
            logs / "engine.log",
        )
    )
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
                "--no-server-header",
                "--timeout-graceful-shutdown",
                "5",
            ],  # fmt: skip
            {
                "DATABASE_URL": db_url,
                "RASA_URL": engine_url,
                "TELEGRAM_BOT_TOKEN": "",
                "SECRET_KEY": secrets.token_hex(32),
            },
            logs / "gateway.log",
        )
    )
    wait_for(actions, f"http://127.0.0.1:{ports.actions}/health", 120)
    wait_for(engine, f"{engine_url}/status", 300, model=True)
    first_answer(engine_url)
    startup = time.monotonic() - t0
    wait_for(gw, f"http://127.0.0.1:{ports.gateway}/healthz", 60)
    return startup


def measure(
    spec: SystemSpec,
    convs: list[tuple[str, list[Step]]],
    plan: Plan,
    ports: Ports,
    logs: Path,
    examples: list[nlu.Example],
) -> dict[str, Any]:
    """Every figure for one system except its training time."""
    stack = Stack()
    db_url = fresh_database(logs / "bench.db")
    engine_url = f"http://127.0.0.1:{ports.engine}"
    try:
        out: dict[str, Any] = {"startup_s": round(start(spec, ports, db_url, logs, stack), 2)}
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
        out.update(
            gateway.overhead(
                f"http://127.0.0.1:{ports.gateway}", engine_url, convs, plan.gateway_reps, plan.seed
            )
        )
        rss = stack.rss()
        out.update({f"rss_mb_{name}": mb for name, mb in rss.items()})
        out["rss_mb_total"] = round(sum(rss.values()), 1)  # Redis included when a variant runs it
        return out
    finally:
        stack.stop_all()
