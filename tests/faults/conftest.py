"""Fixtures of the fault tests: a PostgreSQL database per module, a Redis namespace per module,
and the module's processes (tests/faults/stack.py), stopped whatever happens."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
import redis

from tests.faults.stack import LOCK_DB, REDIS_URL, Stack
from tests.support.databases import create_postgres, drop_postgres, using_database
from tests.support.processes import MODEL


@pytest.fixture(scope="module")
def redis_namespace() -> Iterator[str]:
    """A namespace of this module's own (its rate limits start afresh), its keys deleted
    afterwards. Letters and digits only: Rasa's lock store ignores a prefix with anything
    else (and uses "lock:" alone)."""
    namespace = f"faults{secrets.token_hex(6)}"
    yield namespace
    for db in (0, LOCK_DB):
        client = redis.Redis.from_url(REDIS_URL, db=db)
        try:
            keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture(scope="module")
def fault_database() -> Iterator[str]:
    """A PostgreSQL database for this module, created, migrated, and dropped at its end; the
    test process reads it too."""
    url = create_postgres()
    try:
        with using_database(url):
            yield url
    finally:
        drop_postgres(url)


@pytest.fixture(scope="module")
def start_stack(
    fault_database: str, redis_namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Stack]]:
    """Start the module's processes: `start_stack(gateways=2)`."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    started: list[Stack] = []

    def start(gateways: int = 1) -> Stack:
        log_dir = tmp_path_factory.mktemp("faults")
        stack = Stack.build(fault_database, redis_namespace, log_dir, gateways)
        started.append(stack)  # before starting: a failed start still stops what did start
        stack.start()
        return stack

    yield start
    for stack in started:
        stack.stop()
