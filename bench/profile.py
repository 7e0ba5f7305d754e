"""The two ways the bench stands a system up: the default profile and the production profile.

Why a profile: the targets must hold as the line is deployed (docs/deploy.md, `make run-prod`),
not only on one machine's defaults. The default profile is `make run`: one process of each
part and a SQLite file. The production profile is `scripts/run_prod.sh`: the engine with two
Sanic workers on endpoints.prod.yml (the tracker store on PostgreSQL, Rasa's Redis lock
store), two gateway workers sharing Redis, one action server, and the app's database on
PostgreSQL. Each run gets a database of its own, created here and dropped afterwards, and a
throw-away Redis on loopback, so nothing of anyone else's is touched.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import PYTHON, ROOT

PROFILES = ("default", "prod")
ENGINE_WORKERS = 2  # scripts/run_prod.sh ENGINE_WORKERS
GATEWAY_WORKERS = 2  # scripts/run_prod.sh GATEWAY_WORKERS
REDIS_LOCK_DB = 1
PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class Deployment:
    """What a profile gives the three processes: database, Redis, workers, environment."""

    profile: str
    database_url: str
    engine_workers: int = 1
    gateway_workers: int = 1
    redis_port: int | None = None
    engine_env: dict[str, str] = field(default_factory=dict)
    gateway_env: dict[str, str] = field(default_factory=dict)
    actions_env: dict[str, str] = field(default_factory=dict)


def endpoints(profile: str, reference: bool) -> str:
    """The endpoints file of a system in a profile (the reference names none of ours)."""
    if reference:
        return f"bench/reference_endpoints{'_prod' if profile == 'prod' else ''}.yml"
    return "endpoints.prod.yml" if profile == "prod" else "endpoints.yml"


def migrate(url: str) -> None:
    """Bring a fresh database to the latest schema with the product's own migrate."""
    subprocess.run(
        [str(PYTHON), "-m", "bot.store.migrate"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )


def sqlite_database(path: Path) -> str:
    """A new SQLite file for this run, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate(url)
    return url


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new PostgreSQL database for this run, migrated, dropped afterwards whoever is still
    connected (the processes are stopped first; FORCE covers a straggler)."""
    import psycopg
    from psycopg import sql

    name = f"welfare_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = f"{PG_ADMIN_DSN.rpartition('/')[0]}/{name}"
        migrate(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def prod_env(url: str, redis_port: int) -> tuple[dict[str, str], dict[str, str]]:
    """(engine env, gateway env) as scripts/run_prod.sh sets them, on this run's Redis.
    The PostgreSQL parts are also given one by one, for the reference's Rasa SQL store."""
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    namespace = f"bench{secrets.token_hex(3)}"
    engine = {
        "SANIC_WORKERS": str(ENGINE_WORKERS),
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_LOCK_DB": str(REDIS_LOCK_DB),
        "REDIS_NAMESPACE": namespace,
        "BENCH_PG_HOST": parts.host or "127.0.0.1",
        "BENCH_PG_PORT": str(parts.port or 5432),
        "BENCH_PG_USER": parts.username or "postgres",
        "BENCH_PG_DB": parts.database or "",
    }
    gateway = {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "REDIS_NAMESPACE": namespace}
    return engine, gateway


@contextmanager
def deploy(profile: str, logs: Path, redis_port: int) -> Iterator[Deployment]:
    """The profile's database (and Redis settings) for one system's measurement."""
    if profile == "default":
        yield Deployment(profile, sqlite_database(logs / "bench.db"))
        return
    if profile != "prod":
        raise ValueError(f"unknown profile {profile!r}; one of {PROFILES}")
    with postgres_database() as url:
        engine_env, gateway_env = prod_env(url, redis_port)
        yield Deployment(
            profile,
            url,
            engine_workers=ENGINE_WORKERS,
            gateway_workers=GATEWAY_WORKERS,
            redis_port=redis_port,
            engine_env=engine_env,
            gateway_env=gateway_env,
            actions_env={"ACTION_SERVER_SANIC_WORKERS": "1"},
        )
