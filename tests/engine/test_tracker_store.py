"""The dialogue state lives in the project's database and survives a new engine process."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore, create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from engine.tracker_store import ProjectTrackerStore, tracker_database_url

DOMAIN = Domain.from_dict(
    {
        "intents": ["refer_self"],
        "slots": {"district": {"type": "text", "mappings": [{"type": "custom"}]}},
    }
)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, created and dropped."""
    name = f"tracker_{secrets.token_hex(6)}"
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _store(monkeypatch: pytest.MonkeyPatch, database_url: str) -> TrackerStore:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    return create_tracker_store(endpoints.tracker_store, DOMAIN)


def _half_finished_form(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("refer me please", {"name": "refer_self", "confidence": 1.0}),
            SlotSet("district", "Bolton"),
        ],
        DOMAIN.slots,
    )


def _restart_keeps_the_conversation(monkeypatch: pytest.MonkeyPatch, url: str) -> Any:
    sender = secrets.token_hex(16)
    first = _store(monkeypatch, url)
    asyncio.run(first.save(_half_finished_form(sender)))
    again = _store(monkeypatch, url)  # a new engine process reads the same database
    tracker = asyncio.run(again.retrieve(sender))
    assert tracker is not None
    assert tracker.get_slot("district") == "Bolton"
    assert tracker.latest_message.text == "refer me please"
    return again


def test_endpoints_yml_names_the_project_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = _store(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, ProjectTrackerStore)
    assert inner.database == f"sqlite:///{tmp_path / 'welfare-tracker.db'}"


def test_sqlite_state_survives_a_restart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _restart_keeps_the_conversation(monkeypatch, f"sqlite:///{tmp_path / 'welfare.db'}")
    assert (tmp_path / "welfare-tracker.db").exists()


def test_postgresql_state_survives_a_restart(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    store = _restart_keeps_the_conversation(monkeypatch, postgres_url)
    inner = getattr(store, "_tracker_store", store)
    assert inner.database.startswith("postgresql+psycopg2://postgres@127.0.0.1:5432/tracker_")
    inner.engine.dispose()


def test_database_errors_do_not_carry_message_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'welfare.db'}")
    store = ProjectTrackerStore(DOMAIN)
    with pytest.raises(sa.exc.StatementError) as caught:
        with store.engine.connect() as connection:
            connection.execute(
                sa.text("SELECT * FROM no_such_table WHERE x = :t"), {"t": "Jo 07700"}
            )
    assert "Jo 07700" not in str(caught.value)


def test_urls() -> None:
    assert (
        tracker_database_url("sqlite:////srv/line/app.db") == "sqlite:////srv/line/app-tracker.db"
    )
    assert (
        tracker_database_url("postgresql+psycopg://u:pw@db:5432/line")
        == "postgresql+psycopg2://u:pw@db:5432/line"
    )
    assert tracker_database_url(None).endswith("/var/welfare-tracker.db")
