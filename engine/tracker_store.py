"""The engine's dialogue state in the project's database: Rasa's SQL tracker store.

Rasa keeps every conversation in memory by default, so a restart loses half-finished
referral forms and the engine's memory grows with every conversation it has seen. Here the
state lives in `DATABASE_URL`'s database, in Rasa's own `events` table (PostgreSQL in
production); with the default SQLite database it lives in a second SQLite file beside the
app's (`var/welfare-tracker.db`), so the engine's writes never wait on the gateway's lock.
The engine environment has SQLAlchemy 1.4 with psycopg2, so a `postgresql+psycopg` URL (the
app's driver) is opened with psycopg2. Bound parameters (message text) are kept out of
database error messages and logs. Named in endpoints.yml (`tracker_store: type:`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_APP_DATABASE = ROOT / "var" / "welfare.db"


def tracker_database_url(database_url: str | None) -> str:
    """The SQLAlchemy 1.4 URL of the tracker store for the app's DATABASE_URL."""
    url = make_url(database_url or f"sqlite:///{DEFAULT_APP_DATABASE}")
    if url.get_backend_name() == "sqlite":
        app_file = Path(url.database or DEFAULT_APP_DATABASE)
        beside = app_file.with_name(f"{app_file.stem}-tracker{app_file.suffix or '.db'}")
        return f"sqlite:///{beside}"
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


class ProjectTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the project's database, with parameters hidden in errors."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = tracker_database_url(os.environ.get("DATABASE_URL"))
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        rasas_engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        rasas_engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    @property
    def database(self) -> str:
        """Which database holds the state (without the password), for health checks."""
        return self.engine.url.render_as_string(hide_password=True)
