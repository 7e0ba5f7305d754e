"""Engine and session factory, one per process and database URL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from bot.settings import get_settings


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def get_engine(url: str | None = None) -> Engine:
    """A pooled engine reused by every request of this process: one per database, however
    it is asked for (`get_engine()`, `get_engine(None)` and the URL itself are the same)."""
    return _engine_for(normalise_url(url or get_settings().database_url))


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            hide_parameters=True,  # bound values (message text, numbers) never reach a log
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=10, hide_parameters=True)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


# A pooled connection idle longer than this is pinged before use. One in steady use is not:
# the ping is a round trip, two per message (a message is two units of work), and a connection
# the server dropped meanwhile (a restart) fails its first statement, which makes the pool
# replace every older connection and `in_unit` run its step again on a fresh one.
IDLE_PING_S = 5.0


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    """SQLAlchemy's pessimistic disconnect check, for idle connections only: a dead one is
    replaced before the caller sees it (the pool retries the checkout)."""

    def check(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("an idle connection was closed by the server") from error

    return check


def forget_engines() -> None:
    """Forget every engine, so the next call makes a new one (tests point the process at
    another database; the caller disposes of the old one's connections)."""
    _engine_for.cache_clear()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the engine, actions and gateway share one file; FKs are off by default.

    synchronous=NORMAL: in WAL mode a commit then waits for no disk flush (the WAL is flushed
    at each checkpoint), which took a third of the gateway's own time per message. A process
    that crashes or is killed loses nothing committed; a power cut or an OS crash may lose the
    last commits before the latest checkpoint, never corrupt the file. Production runs on
    PostgreSQL (docs/deploy.md), whose commits do wait for the disk."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_sessionmaker(url: str | None = None) -> sessionmaker[Session]:
    """Short sessions: `with get_sessionmaker().begin() as s: ...`."""
    return _sessionmaker_for(get_engine(url))


@lru_cache(maxsize=8)
def _sessionmaker_for(engine: Engine) -> sessionmaker[Session]:
    """One factory per engine, so a new engine (tests clear get_engine) gets a new factory."""
    return sessionmaker(engine, expire_on_commit=False)


def run(
    session: Session,
    statement: Executable,
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> CursorResult[*tuple[Any, ...]]:
    """Execute a statement built once at import (its values as bound parameters) on the
    session's connection, in its transaction; a list of parameter sets is one statement for
    them all (an INSERT of several rows).

    Why: on the path every message takes, building a statement and passing it through the
    ORM session cost more than its round trip to PostgreSQL (0.7 ms against 0.35 for a read,
    measured in process). Pending ORM changes are flushed first, as `session.execute` would,
    so a read here sees what the unit has added."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params)


P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """One transaction for one piece of work (an incoming message, an advisor's action):
    everything written in it commits together or not at all. Store functions take the session
    from their caller, so the caller decides what belongs together. Blocking: run it off the
    event loop (`asyncio.to_thread`)."""
    with get_sessionmaker(url).begin() as session:
        yield session


def in_unit(step: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one store step in a unit of work of its own: `in_unit(get_state, conversation_id)`,
    or off the event loop `await asyncio.to_thread(in_unit, get_state, conversation_id)`.

    A step whose connection turns out to have been dropped by the server (a database
    restart; busy connections are not pinged first) runs once more on a fresh one: nothing
    of the first try was committed. A failure in the COMMIT itself is not retried (the server
    may have committed before the connection went)."""
    try:
        with unit_of_work() as session:
            try:
                return step(session, *args, **kwargs)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                raise _DroppedConnection from error
    except _DroppedConnection:
        pass
    with unit_of_work() as session:
        return step(session, *args, **kwargs)


class _DroppedConnection(Exception):
    """A step's statement found its connection dropped by the server, before any COMMIT."""
