"""GET /webhooks/health/: which tracker store and lock store the engine really uses.

Rasa falls back to keeping conversations in memory, with one log line, when its configured
tracker store cannot be created or stops answering; a lock store that fails to build becomes
the in-memory one. Either way the engine goes on answering, and a restart (or a second
worker) then loses conversations. This channel lets the gateway's /healthz see it: the tracker
store must be the project's SQL store, reachable and never fallen back; with the production
profile (REDIS_HOST set) the lock store must be Redis. Listed in credentials.yml.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Awaitable, Callable, Dict

import sqlalchemy as sa
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from engine.tracker_store import ProjectTrackerStore


def _probe(store: ProjectTrackerStore) -> bool:
    """One round trip to the tracker database."""
    try:
        with store.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means the store is not answering
        return False
    return True


async def tracker_store_state(store: TrackerStore | None) -> Dict[str, Any]:
    """The store in use, whether it is the project's, answering, and never fallen back."""
    fell_back = False
    primary = store
    if isinstance(store, FailSafeTrackerStore):  # how the engine's agent holds it
        fell_back = store._fallback_tracker_store is not None
        primary = store._tracker_store
    if isinstance(primary, AwaitableTrackerStore):
        primary = primary._tracker_store
    name = type(primary).__name__
    answering = isinstance(primary, ProjectTrackerStore) and await asyncio.to_thread(
        _probe, primary
    )
    ok = isinstance(primary, ProjectTrackerStore) and answering and not fell_back
    return {"type": name, "ok": ok, "fell_back_to_memory": fell_back}


def lock_store_state(store: LockStore | None) -> Dict[str, Any]:
    """The lock store in use; Redis is required when the engine is given REDIS_HOST."""
    name = type(store).__name__
    wanted = RedisLockStore if os.environ.get("REDIS_HOST") else None
    ok = wanted is None or isinstance(store, wanted)
    return {"type": name, "ok": ok}


class EngineHealthInput(InputChannel):
    """Not a way in for messages: a read-only report on the engine's stores."""

    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint("engine_health", __name__)

        @health.route("/", methods=["GET"])
        async def stores(request: Request) -> HTTPResponse:
            agent = request.app.ctx.agent
            tracker = await tracker_store_state(getattr(agent, "tracker_store", None))
            lock = lock_store_state(getattr(agent, "lock_store", None))
            ok = tracker["ok"] and lock["ok"]
            body = {
                "status": "ok" if ok else "degraded",
                "tracker_store": tracker,
                "lock_store": lock,
            }
            return response.json(body, status=200 if ok else 503)

        return health
