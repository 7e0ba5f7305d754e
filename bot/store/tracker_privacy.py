"""The engine's tracker events for the data-protection duties: read them for an export,
delete them for an erasure or at retention.

Where the events live and their columns come from bot/store/tracker_turns.py (the same rule
as engine/tracker_store.py). Reads and deletions here are never allowed to create the tracker
database: a SQLite file that does not exist yet, or a database without the `events` table,
simply holds nothing. On PostgreSQL the events sit in the app's own database, so a deletion
shares the caller's transaction and commits or rolls back with the app's rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, create_engine, delete, inspect, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement

from bot.settings import get_settings
from bot.store.session import get_engine, normalise_url
from bot.store.tracker_turns import EVENTS, tracker_url


def _urls() -> tuple[str, str]:
    app = make_url(normalise_url(get_settings().database_url))
    app_url = app.render_as_string(hide_password=False)
    return app_url, tracker_url(app_url)


def shares_app_database() -> bool:
    """PostgreSQL: the events are in the app's database, so one transaction covers both."""
    app_url, events_url = _urls()
    return app_url == events_url


@lru_cache(maxsize=8)
def _file_engine(url: str) -> Engine:
    """A SQLite tracker file's engine: no pool (these duties are rare), parameters hidden."""
    return create_engine(
        url, poolclass=NullPool, hide_parameters=True, connect_args={"timeout": 15}
    )


@contextmanager
def tracker_connection(
    app_connection: Connection | None = None, commit: bool = True
) -> Iterator[Connection | None]:
    """A connection in a transaction on the tracker database, or None when it holds no events.

    With the events in the app's database and `app_connection` given, that connection is used
    and its owner ends the transaction. Otherwise the transaction commits at the end, or rolls
    back when `commit` is false (a dry run, a read) or on an error."""
    shared = shares_app_database()
    if shared and app_connection is not None:
        yield app_connection if _has_events(app_connection) else None
        return
    url = _urls()[1]
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        yield None
        return
    engine = get_engine() if shared else _file_engine(url)
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection if _has_events(connection) else None
        except BaseException:
            transaction.rollback()
            raise
        if commit:
            transaction.commit()
        else:
            transaction.rollback()


def _has_events(connection: Connection) -> bool:
    return inspect(connection).has_table(EVENTS.name)


def _decoded(raw: str | None) -> Any:
    """Rasa stores each event's data as JSON text."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def events_of(connection: Connection | None, sender_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every tracker event of these conversations, oldest first, its data decoded."""
    if connection is None or not sender_ids:
        return []
    stmt = select(EVENTS).where(EVENTS.c.sender_id.in_(sender_ids)).order_by(EVENTS.c.id)
    return [
        {
            "conversation_id": row.sender_id,
            "type": row.type_name,
            "at": datetime.fromtimestamp(row.timestamp, UTC).isoformat()
            if row.timestamp is not None
            else None,
            "intent": row.intent_name,
            "action": row.action_name,
            "data": _decoded(row.data),
        }
        for row in connection.execute(stmt)
    ]


def senders_with_events(connection: Connection | None, sender_ids: Sequence[str]) -> set[str]:
    """Which of these conversation ids the tracker still holds events for."""
    if connection is None or not sender_ids:
        return set()
    stmt = select(EVENTS.c.sender_id).where(EVENTS.c.sender_id.in_(sender_ids)).distinct()
    return set(connection.scalars(stmt))


def delete_events(
    connection: Connection | None,
    sender_ids: Sequence[str] = (),
    before: datetime | None = None,
) -> int:
    """Delete the events of these conversations, and every event older than `before`;
    returns how many went."""
    conditions: list[ColumnElement[bool]] = []
    if sender_ids:
        conditions.append(EVENTS.c.sender_id.in_(sender_ids))
    if before is not None:
        conditions.append(EVENTS.c.timestamp < before.timestamp())
    if connection is None or not conditions:
        return 0
    result = connection.execute(delete(EVENTS).where(or_(*conditions)))
    return cast(CursorResult[Any], result).rowcount or 0
