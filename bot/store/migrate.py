"""Apply Alembic migrations from code, so `make run`, tests and the gateway share one path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.settings import ROOT, get_settings
from bot.store.session import normalise_url


def upgrade(database_url: str | None = None) -> None:
    """Bring the database to the latest revision, creating the SQLite folder if needed."""
    url = normalise_url(database_url or get_settings().database_url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")


if __name__ == "__main__":
    upgrade()
