"""Start the real Rasa engine and action server for end-to-end conversations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import empty_postgres, migrated_sqlite, use_database
from tests.support.processes import MODEL, ActionServer, Engine, free_port


@pytest.fixture(scope="session")
def action_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def engine(action_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The Rasa engine with the trained model, REST channel on a loopback port."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = Engine(action_port, tmp_path_factory.mktemp("engine") / "engine.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def engine_url(engine: Engine) -> str:
    return engine.url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database for this module: a new SQLite file, or the run's PostgreSQL emptied."""
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path_factory.mktemp("db") / "e2e.db")
    url = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    return url


@pytest.fixture(scope="module")
def actions(
    database: str, action_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ActionServer]:
    """The action server, writing to this module's database."""
    use_database(database)
    server = ActionServer(action_port, database, tmp_path_factory.mktemp("actions"))
    server.start()
    yield server
    server.stop()
