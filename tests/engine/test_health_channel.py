"""The engine's report on the stores it really uses (engine/health_channel.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    create_tracker_store,
)
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain

from engine.health_channel import lock_store_state, tracker_store_state

DOMAIN = Domain.from_dict({"intents": ["greet"]})


def _configured(monkeypatch: pytest.MonkeyPatch, database_url: str):  # noqa: ANN202
    """The tracker store as the engine's agent holds it: built from endpoints.yml, wrapped in
    Rasa's fail-safe store (which falls back to memory on a database error)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    return FailSafeTrackerStore(create_tracker_store(endpoints.tracker_store, DOMAIN))


def test_the_project_store_is_reported_ok(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = _configured(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    state = asyncio.run(tracker_store_state(store))
    assert state == {"type": "ProjectTrackerStore", "ok": True, "fell_back_to_memory": False}


def test_a_fallback_to_memory_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = _configured(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    store.fallback_tracker_store  # what Rasa does on a database error: memory from now on  # noqa: B018
    state = asyncio.run(tracker_store_state(store))
    assert state["ok"] is False and state["fell_back_to_memory"] is True
    assert asyncio.run(tracker_store_state(InMemoryTrackerStore(DOMAIN)))["ok"] is False


def test_an_unreachable_database_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    store = _configured(monkeypatch, "postgresql://nobody@127.0.0.1:1/none")
    assert asyncio.run(tracker_store_state(store))["ok"] is False


def test_redis_locks_are_required_with_the_production_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_HOST", raising=False)
    assert lock_store_state(InMemoryLockStore())["ok"] is True
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    assert lock_store_state(InMemoryLockStore())["ok"] is False
    assert lock_store_state(RedisLockStore(host="127.0.0.1", port=6379, db=1))["ok"] is True
