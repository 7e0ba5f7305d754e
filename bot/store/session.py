"""Engine and session factory, one per process and database URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


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
    or off the event loop `await asyncio.to_thread(in_unit, get_state, conversation_id)`."""
    with unit_of_work() as session:
        return step(session, *args, **kwargs)
