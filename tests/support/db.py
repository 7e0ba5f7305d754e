"""Reading rows straight from the database, to check what a test's actions stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

from bot.store.session import get_sessionmaker


def rows(model: type, **where: Any) -> list[Any]:
    """Every row of `model` matching `where` (column=value), in primary key order."""
    with get_sessionmaker().begin() as session:
        query = select(model).filter_by(**where).order_by(*inspect(model).primary_key)
        return list(session.scalars(query))


def count(model: type) -> int:
    """How many rows `model` has."""
    with get_sessionmaker().begin() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
