"""Test databases: a migrated SQLite file per test, and one PostgreSQL database per run that is
emptied before each test, so no test sees another's rows."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from bot.settings import get_settings
from bot.store.migrate import upgrade
from bot.store.session import forget_engines, get_engine, normalise_url

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def use_database(url: str) -> None:
    """Point the whole process at `url` and forget cached engines and settings."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    forget_engines()


@contextmanager
def using_database(url: str) -> Iterator[str]:
    """Point the whole process at `url` for a while, then close its connections and point it
    back where it was (a module's end-to-end database, or the default)."""
    before = os.environ.get("DATABASE_URL")
    use_database(url)
    try:
        yield url
    finally:
        get_engine().dispose()  # the engine the app made from the settings
        get_engine(url).dispose()
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before
        get_settings.cache_clear()
        forget_engines()


def migrate(url: str) -> str:
    """Apply every migration, and close the connection they used; returns `url`."""
    upgrade(url)
    get_engine(normalise_url(url)).dispose()
    return url


def migrated_sqlite(path: os.PathLike[str] | str) -> str:
    """A SQLite file at `path` with every migration applied; returns its URL."""
    return migrate(f"sqlite:///{path}")


def create_postgres() -> str:
    """A new PostgreSQL database with every migration applied; returns its URL."""
    name = f"welfare_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return migrate(f"{base}/{name}")


def drop_postgres(url: str) -> None:
    """Drop a database made by `create_postgres`, whoever is still connected to it."""
    forget_engines()
    name = url.rpartition("/")[2]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def empty_postgres(url: str) -> None:
    """Truncate every table but Alembic's own, ids restarting, as on a fresh database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")  # fail, never hang, if a test left a lock
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            names = sql.SQL(", ").join(sql.Identifier(table) for table in tables)
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names))
