"""The schema's history: every migration goes down and up again, and the models match it
(`alembic check`), on a fresh SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg import sql

from bot.settings import ROOT
from bot.store.session import get_engine, normalise_url
from tests.support.databases import PG_ADMIN_DSN


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = normalise_url(url)
    return config


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    request.applymarker(pytest.mark.postgres)
    name = f"welfare_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        get_engine(normalise_url(f"{base}/{name}")).dispose()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_every_migration_goes_down_and_up_and_the_models_match(empty_database: str) -> None:
    config = _config(empty_database)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    assert len(revisions) >= 10
    command.upgrade(config, "head")
    command.check(config)  # no difference between the models and the migrated schema
    for _ in revisions:  # one step down at a time to nothing, then all the way up again
        command.downgrade(config, "-1")
    command.upgrade(config, "head")
    command.check(config)
