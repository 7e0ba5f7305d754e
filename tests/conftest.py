"""Shared fixtures: a fresh, migrated database per test run, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.settings import get_settings
from bot.store.migrate import upgrade
from bot.store.session import get_engine

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _use_database(url: str) -> None:
    """Point the whole process at `url` and forget cached engines and settings."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite file of its own."""
    url = f"sqlite:///{tmp_path / 'welfare.db'}"
    _use_database(url)
    upgrade(url)
    yield url
    get_engine(url).dispose()


def _pg_dsn(dbname: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped afterwards."""
    name = f"welfare_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _pg_dsn(name)
    upgrade(url)
    yield url
    get_engine.cache_clear()
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """The run's PostgreSQL database, emptied before each test."""
    _use_database(postgres_database)
    with psycopg.connect(postgres_database) as conn:
        conn.execute("TRUNCATE referrals, consent_records, contacts RESTART IDENTITY CASCADE")
    yield postgres_database
    get_engine(postgres_database).dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)
