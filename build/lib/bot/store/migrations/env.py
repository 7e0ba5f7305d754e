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


def run_migrations_online() -> None:
    """Run against a live connection; batch mode lets SQLite alter tables."""
    url = config.attributes.get("database_url")
    connectable = get_engine(url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not used; run `make migrate`")
run_migrations_online()
