"""Watches the SQL statements a piece of work sends (on PostgreSQL each is a round trip)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.store.session import get_engine


@contextmanager
def on_each_statement(callback: Callable[[str], None]) -> Iterator[None]:
    """While inside: `callback(sql)` as each statement is sent, in the thread that sends it."""

    def note(*args: Any) -> None:
        callback(str(args[2]))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """While inside: the SQL of every statement sent, in order."""
    sent: list[str] = []
    with on_each_statement(lambda sql: sent.append(" ".join(sql.split()))):
        yield sent
