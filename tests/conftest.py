"""Fixtures shared by every test folder: databases, a scripted Rasa, the gateway, fake Telegram.

Markers: `postgres` goes on every test that touches PostgreSQL (added here from the fixtures it
uses), and every test under tests/e2e/ and tests/browser/ must carry `e2e` or `browser` (under
tests/faults/, which starts the real engine too: `e2e`).

The engine's tests (tests/engine/) run under the engine's own Python, which has none of the
app's packages, so this file imports the app only inside its fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The gateway refuses to start with Secure cookies and no SECRET_KEY (as in production); every
# gateway a test starts, in this process or as a child process, signs with this one.
os.environ.setdefault("SECRET_KEY", "test-secret-" + os.urandom(8).hex())

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.support.fake_telegram import FakeTelegram
    from tests.support.live_server import LiveServer
    from tests.support.rasa import ScriptedRasa

TESTS = Path(__file__).resolve().parent
POSTGRES_FIXTURES = {"postgres_database", "postgres_url"}
# Every test in one of these folders carries the marker named here.
MARKED_FOLDERS = {"e2e": "e2e", "browser": "browser", "faults": "e2e"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark PostgreSQL tests; refuse an end-to-end or browser test without its marker."""
    unmarked = []
    for item in items:
        if POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        try:
            folder = item.path.resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        marker = MARKED_FOLDERS.get(folder)
        if marker and item.get_closest_marker(marker) is None:
            unmarked.append(f"{item.nodeid} (add `pytestmark = pytest.mark.{marker}`)")
    if unmarked:
        raise pytest.UsageError("tests without their folder's marker:\n" + "\n".join(unmarked))


# Databases


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite file of its own."""
    from tests.support.databases import migrated_sqlite, using_database

    with using_database(migrated_sqlite(tmp_path / "welfare.db")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped afterwards."""
    from tests.support.databases import create_postgres, drop_postgres

    url = create_postgres()
    yield url
    drop_postgres(url)


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """The run's PostgreSQL database, every table emptied before each test."""
    from tests.support.databases import empty_postgres, using_database

    empty_postgres(postgres_database)
    with using_database(postgres_database) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


# The gateway, with Rasa scripted


@pytest.fixture
def rasa() -> ScriptedRasa:
    """The engine, scripted: says hello with a button. Override it for other replies."""
    from tests.support.rasa import ScriptedRasa

    return ScriptedRasa()


@pytest.fixture
def gateway_client(rasa: ScriptedRasa, database_url: str) -> Iterator[TestClient]:
    """The gateway app in a test client, on SQLite and on PostgreSQL."""
    from fastapi.testclient import TestClient

    from bot.app import create_app

    with TestClient(create_app(rasa.client())) as client:
        yield client


@pytest.fixture
def live_gateway(rasa: ScriptedRasa, sqlite_url: str) -> Iterator[LiveServer]:
    """The gateway served by uvicorn on a loopback port, for streams and browsers."""
    from bot.app import create_app
    from tests.support.live_server import LiveServer

    server = LiveServer(create_app(rasa.client())).start()
    yield server
    server.stop()


# Telegram


@pytest.fixture(scope="module")
def fake_telegram_server() -> Iterator[FakeTelegram]:
    """The fake Bot API, started once per test module."""
    from tests.support.fake_telegram import FakeTelegram

    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def fake_telegram(fake_telegram_server: FakeTelegram) -> FakeTelegram:
    """The module's fake Bot API with nothing queued, sent or registered."""
    fake_telegram_server.reset()
    return fake_telegram_server
