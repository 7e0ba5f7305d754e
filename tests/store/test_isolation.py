"""The database fixtures keep tests apart: whatever one test stores, the next sees no row of it,
on SQLite (a new file per test) and on PostgreSQL (every table emptied before each test)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.store import conversations, staff
from bot.store.models import Base
from bot.store.queries import ContactIn, record_contact
from bot.store.session import get_engine, in_unit


def test_a_test_leaves_rows_behind(database_url: str) -> None:
    cid = in_unit(conversations.create_conversation, "webchat")
    in_unit(conversations.add_message, cid, "in", "person", "hello")
    in_unit(record_contact, ContactIn(cid, "webchat", "answered", ["housing"], None, None))
    staff.create_user("left-behind", "not-a-real-hash", "advisor")


def test_the_next_test_finds_every_table_empty(database_url: str) -> None:
    with get_engine().connect() as connection:
        counts = {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
    assert counts and set(counts.values()) == {0}, counts
