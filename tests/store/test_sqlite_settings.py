"""The SQLite file's connection settings: shared by three processes, foreign keys enforced,
and commits that do not wait for the disk (bot/store/session.py says why)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.store.session import forget_engines, get_engine


def test_every_sqlite_connection_is_wal_with_foreign_keys_and_normal_sync(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        engine.dispose()
        forget_engines()
