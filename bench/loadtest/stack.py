"""The production profile on loopback for one load run, made fresh and cleaned up again: a new
PostgreSQL database (migrated, dropped at the end), a Redis namespace of its own (its keys
deleted at the end), the action server, the engine with two Sanic workers on the PostgreSQL
tracker store and the Redis lock store, and two gateway processes sharing Redis and a key.

Why not scripts/run_prod.sh: the run needs each process's id (for its memory), free ports, and
everything stopped whatever happens. The commands and settings are that script's own
(docs/deploy.md); each gateway process is one uvicorn worker on a port of its own, so the
load can put half the people on each.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg
import redis
from psycopg import sql

from bench.procs import PYTHON, RASA, ROOT, Proc, Stack, StartError, spawn, wait_for

PG_ADMIN_DSN = os.environ.get("LOAD_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_LOCK_DB = 1
ENGINE_WORKERS = 2
GATEWAY_PROCESSES = 2
MODEL = ROOT / "models" / "welfare.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Profile:
    """The running parts of one load run."""

    database_url: str
    namespace: str
    engine_url: str
    gateways: list[str]
    stack: Stack = field(default_factory=Stack)

    def rss_mb(self) -> dict[str, float]:
        """Resident MB of each part, its worker processes included (cheap: read often)."""
        return {p.name: memory_mb(p.process.pid)[0] for p in self.stack.procs}

    def memory_mb(self) -> dict[str, tuple[float, float]]:
        """(resident, proportional) MB of each part; PSS splits the pages forked workers share
        between them, so it sums to what the machine gives (slower: read now and then)."""
        return {p.name: memory_mb(p.process.pid, pss=True) for p in self.stack.procs}

    @property
    def engine_pid(self) -> int:
        """The engine's main process (the Rasa command), which starts the workers."""
        return next(p.process.pid for p in self.stack.procs if p.name == "engine")

    def cpu_s(self) -> dict[str, dict[int, float]]:
        """Processor seconds used so far by each part, per process id. The engine's children
        are its Sanic workers, which take the turns."""
        return {proc.name: cpu_seconds(proc.process.pid) for proc in self.stack.procs}


def memory_mb(pid: int, pss: bool = False) -> tuple[float, float]:
    """(RSS, PSS) in MB of a process and all its children; PSS is 0 unless asked for."""
    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0.0, 0.0
    rss = proportional = 0
    for proc in procs:
        try:
            info = proc.memory_full_info() if pss else proc.memory_info()
        except psutil.Error:
            continue
        rss += info.rss
        proportional += getattr(info, "pss", 0)
    return round(rss / 2**20, 1), round(proportional / 2**20, 1)


def cpu_seconds(pid: int) -> dict[int, float]:
    """User and system seconds of a process and of each of its children ({} once gone)."""
    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
        return {p.pid: round(sum(p.cpu_times()[:2]), 2) for p in procs}
    except psutil.Error:
        return {}


def create_database() -> str:
    """A new, empty PostgreSQL database; its URL."""
    name = f"welfare_load_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{PG_ADMIN_DSN.rpartition('/')[0]}/{name}"


def drop_database(url: str) -> None:
    """Drop the run's database, whoever is still connected to it."""
    name = url.rpartition("/")[2]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def migrate(url: str, logs: Path) -> None:
    """The schema, by the product's own command (`make migrate`)."""
    with (logs / "migrate.log").open("w") as out:
        subprocess.run(
            [str(PYTHON), "-m", "bot.store.migrate"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url},
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=120,
        )


def clear_namespace(namespace: str) -> int:
    """Delete the run's keys from the app's Redis database and the lock store's; how many."""
    deleted = 0
    app_db = int(redis.Redis.from_url(REDIS_URL).connection_pool.connection_kwargs.get("db", 0))
    for db in {app_db, REDIS_LOCK_DB}:
        client = redis.Redis.from_url(REDIS_URL, db=db)
        try:
            keys = list(client.scan_iter(match=f"{namespace}*", count=500))
            deleted += int(client.delete(*keys)) if keys else 0
        finally:
            client.close()
    return deleted


def _redis_host_port() -> tuple[str, int]:
    pool = redis.Redis.from_url(REDIS_URL).connection_pool.connection_kwargs
    return str(pool.get("host", "127.0.0.1")), int(pool.get("port", 6379))


def start_parts(profile: Profile, logs: Path, secret_key: str) -> None:
    """The action server, the engine and the gateway processes, as run_prod.sh starts them."""
    action_port, engine_port = free_port(), free_port()
    action_url = f"http://127.0.0.1:{action_port}/webhook"
    redis_host, redis_port = _redis_host_port()
    stack = profile.stack
    actions = stack.add(
        spawn(
            "actions",
            [str(PYTHON), "-m", "actions.server", "--port", str(action_port)],
            {"DATABASE_URL": profile.database_url, "ACTION_SERVER_SANIC_WORKERS": "1"},
            logs / "actions.log",
        )
    )
    engine = stack.add(
        spawn(
            "engine",
            [
                str(RASA),
                "run",
                "--interface",
                "127.0.0.1",
                "--port",
                str(engine_port),
                "--model",
                str(MODEL),
                "--endpoints",
                "endpoints.prod.yml",
                "--credentials",
                "credentials.yml",
            ],  # fmt: skip
            {
                "DATABASE_URL": profile.database_url,
                "ACTION_SERVER_URL": action_url,
                "SANIC_WORKERS": str(ENGINE_WORKERS),
                "REDIS_HOST": redis_host,
                "REDIS_PORT": str(redis_port),
                "REDIS_LOCK_DB": str(REDIS_LOCK_DB),
                "REDIS_NAMESPACE": profile.namespace,
            },
            logs / "engine.log",
        )
    )
    profile.engine_url = f"http://127.0.0.1:{engine_port}"
    gateway_env = {
        "DATABASE_URL": profile.database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_NAMESPACE": profile.namespace,
        "SECRET_KEY": secret_key,
        "RASA_URL": profile.engine_url,
        "ACTION_SERVER_URL": action_url,
        "TELEGRAM_BOT_TOKEN": "",
    }
    for n in range(GATEWAY_PROCESSES):
        port = free_port()
        stack.add(
            spawn(
                f"gateway-{n + 1}",
                [
                    str(ROOT / ".venv/bin/uvicorn"),
                    "bot.app:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-server-header",
                    "--proxy-headers",
                    "--timeout-graceful-shutdown",
                    "5",
                ],  # fmt: skip
                gateway_env,
                logs / f"gateway-{n + 1}.log",
            )
        )
        profile.gateways.append(f"http://127.0.0.1:{port}")
    wait_for(actions, f"http://127.0.0.1:{action_port}/health", 120)
    wait_for_workers(engine, profile.engine_url, ENGINE_WORKERS, timeout=300)


def wait_for_workers(engine: Proc, url: str, workers: int, timeout: float) -> None:
    """Every engine worker loads the model on its own and the port answers as soon as one has
    (the engine logs no line per worker here). Hold a few connections open at once and see
    which worker processes accepted them, until all `workers` have."""
    port = int(url.rpartition(":")[2])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            raise StartError(f"engine exited early:\n{engine.tail()}")
        clients = [httpx.Client(base_url=url, timeout=5) for _ in range(2 * workers + 2)]
        try:
            with ThreadPoolExecutor(len(clients)) as pool:
                list(pool.map(_touch, clients))
            if len(_accepting(engine, port)) >= workers:
                return
        finally:
            for client in clients:
                client.close()
        time.sleep(1.0)
    raise StartError(f"engine workers not all up in {timeout}s:\n{engine.tail()}")


def _touch(client: httpx.Client) -> None:
    """One request, leaving the connection open (keep-alive) in the client's pool."""
    try:
        client.get("/")
    except httpx.HTTPError:
        pass


def _accepting(engine: Proc, port: int) -> set[int]:
    """The engine's worker processes holding an accepted connection on `port`."""
    try:
        children = psutil.Process(engine.process.pid).children()
    except psutil.NoSuchProcess:
        return set()
    seen = set()
    for child in children:
        try:
            connections = child.net_connections(kind="tcp")
        except psutil.Error:
            continue
        if any(
            c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
            for c in connections
        ):
            seen.add(child.pid)
    return seen


def healthy(profile: Profile, timeout: float = 60) -> dict[str, str]:
    """Wait until every gateway's /healthz says "ok" for every part (the PostgreSQL tracker
    store and the Redis lock store included); its answer, or StartError."""
    deadline = time.monotonic() + timeout
    parts: dict[str, str] = {}
    for proc, url in zip(profile.stack.procs[-GATEWAY_PROCESSES:], profile.gateways, strict=True):
        while True:
            if proc.process.poll() is not None:
                raise StartError(f"{proc.name} exited early:\n{proc.tail()}")
            try:
                parts = httpx.get(f"{url}/healthz", timeout=5).json()
                if parts and set(parts.values()) == {"ok"}:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise StartError(f"{proc.name} not healthy in {timeout}s: {parts}")
            time.sleep(0.5)
    return parts


def warm_up(engine_url: str, senders: int = 8) -> None:
    """A few greetings straight to the engine, a few at once so both workers take some: the
    first turns of a worker are slower. They stay in the engine's store only, never in the
    app's messages, so they are not counted."""

    def greet(n: int) -> None:
        httpx.post(
            f"{engine_url}/webhooks/rest/webhook",
            json={"sender": f"load-warm-up-{n}", "message": "hello"},
            timeout=30,
        ).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(greet, range(senders)))


@contextmanager
def production_profile(logs: Path) -> Iterator[Profile]:
    """Everything up and healthy; stopped, its keys deleted and its database dropped after."""
    logs.mkdir(parents=True, exist_ok=True)
    # Letters and digits only: Rasa's lock store ignores any other prefix (and uses "lock:").
    profile = Profile(create_database(), f"load{secrets.token_hex(6)}", "", [])
    try:
        migrate(profile.database_url, logs)
        start_parts(profile, logs, secret_key=secrets.token_hex(32))
        healthy(profile)
        warm_up(profile.engine_url)
        yield profile
    finally:
        profile.stack.stop_all()
        clear_namespace(profile.namespace)
        drop_database(profile.database_url)
