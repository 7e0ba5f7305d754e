"""Alembic environment: migrates the database that DATABASE_URL names."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.store.models import Base
from bot.store.session import get_engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Only the app's own tables: Rasa's tracker store keeps its `events` table in the same
    PostgreSQL database, and autogenerate must neither drop nor report it."""
    if type_ == "table" and reflected and compare_to is None:
        return name in target_metadata.tables
    return True


def run_migrations_online() -> None:
    """Run against a live connection; batch mode lets SQLite alter tables."""
    url = config.attributes.get("database_url")
    connectable = get_engine(url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=ours,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not used; run `make migrate`")
run_migrations_online()
