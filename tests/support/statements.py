"""Counts the SQL statements a piece of work sends (on PostgreSQL each is a round trip)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.store.session import get_engine


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """While inside: the SQL of every statement sent, in order."""
    sent: list[str] = []

    def note(*args: Any) -> None:
        sent.append(" ".join(str(args[2]).split()))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
