"""Reading the engine's per-turn intent, confidence and actions from Rasa's tracker store.

Rasa keeps its events in its own `events` table (engine/tracker_store.py): in DATABASE_URL's
database on PostgreSQL, or in a SQLite file beside the app's (`var/welfare-tracker.db`). The
engine's module imports Rasa, which the app environment does not have, so the same derivation
of the URL is repeated here (tests/store/test_tracker_turns.py checks both give the same
database). Reads only: a SQLite file is opened read-only, a PostgreSQL transaction is READ
ONLY, and a missing file or table means "no events yet", never an error or a new file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)
from sqlalchemy import inspect as inspect_db
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.settings import ROOT, get_settings
from bot.store.session import get_engine, normalise_url

logger = logging.getLogger(__name__)

DEFAULT_APP_DATABASE = ROOT / "var" / "welfare.db"
# The action Rasa runs after every turn to wait for the next message: not worth showing.
LISTEN = "action_listen"

# The columns of Rasa 3.6's SQLTrackerStore.SQLEvent that are read here.
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class UserTurn:
    """One message the engine read: what it took it to mean, how sure, and what it did."""

    at: float  # Unix time, as Rasa stores it
    text: str
    intent: str | None
    confidence: float | None
    actions: list[str] = field(default_factory=list)


def tracker_url(database_url: str | None = None) -> str:
    """The tracker store's URL for the app's DATABASE_URL, as engine/tracker_store.py works
    it out, but with the app's driver (psycopg 3) for PostgreSQL."""
    url = make_url(normalise_url(database_url or f"sqlite:///{DEFAULT_APP_DATABASE}"))
    if url.get_backend_name() == "sqlite":
        app_file = Path(url.database or DEFAULT_APP_DATABASE)
        beside = app_file.with_name(f"{app_file.stem}-tracker{app_file.suffix or '.db'}")
        return f"sqlite:///{beside}"
    return url.render_as_string(hide_password=False)


@lru_cache(maxsize=4)
def _sqlite_reader(path: str) -> Engine:
    """A read-only connection to the tracker file: reading can never create or change it."""
    return create_engine(
        f"sqlite:///file:{path}?mode=ro&uri=true",
        poolclass=NullPool,
        connect_args={"timeout": 5},
        hide_parameters=True,
    )


def _engine_for(url: str) -> Engine | None:
    """The engine to read the tracker with (the app's own pool when the tracker shares its
    database), or None while a SQLite tracker file does not exist."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return _sqlite_reader(path) if Path(path).is_file() else None
    if make_url(url) == make_url(normalise_url(get_settings().database_url)):
        return get_engine()
    return get_engine(url)


def _parse(data: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(data or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _turns(rows: list[Any]) -> list[UserTurn]:
    """Group the events: each user event, then the actions that answered it."""
    turns: list[UserTurn] = []
    for row in rows:
        data = _parse(row.data)
        if row.type_name == "user":
            intent = (data.get("parse_data") or {}).get("intent") or {}
            confidence = intent.get("confidence")
            turns.append(
                UserTurn(
                    at=float(row.timestamp or data.get("timestamp") or 0.0),
                    text=str(data.get("text") or ""),
                    intent=intent.get("name") or row.intent_name,
                    confidence=float(confidence) if confidence is not None else None,
                )
            )
        elif turns and row.action_name and row.action_name != LISTEN:
            turns[-1].actions.append(row.action_name)
    return turns


def user_turns(conversation_id: str, database_url: str | None = None) -> list[UserTurn]:
    """The engine's reading of each message of one conversation, oldest first; empty when the
    tracker store does not exist yet or cannot be read (the transcript still shows)."""
    url = tracker_url(database_url or get_settings().database_url)
    engine = _engine_for(url)
    if engine is None:
        return []
    stmt = (
        select(EVENTS)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "action")))
        .order_by(EVENTS.c.id)
    )
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            if not inspect_db(connection).has_table("events"):
                return []
            rows = list(connection.execute(stmt))
    except SQLAlchemyError as error:
        logger.warning(
            "tracker_events_unreadable conversation=%s error=%s",
            conversation_id,
            type(error).__name__,
        )
        return []
    return _turns(rows)
