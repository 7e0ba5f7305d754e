"""Content settings admins edit in the staff pages: stored values and the change stamp.

Each saved change also writes a new random stamp in the one-row `content_stamp` table, in the
same transaction; a process compares the stamp it last read with the stored one (one small
read) to know whether to read the settings again. Keys and values are content, never personal
data; checking them is bot/content.py's job.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.models import ContentSetting, ContentStamp, StaffUser
from bot.store.session import get_sessionmaker
from bot.store.staff import aware

STAMP_ID = 1


@dataclass(frozen=True)
class StoredSetting:
    """A value set in the staff pages, with who set it and when (for the content page)."""

    key: str
    value: str
    updated_at: datetime
    updated_by: str | None


def current_stamp() -> str:
    """The stamp of the latest change ("" before any); the cheap freshness check."""
    with get_sessionmaker().begin() as session:
        return session.scalar(select(ContentStamp.stamp).where(ContentStamp.id == STAMP_ID)) or ""


def stored_values() -> tuple[str, dict[str, str]]:
    """(stamp, {key: value}) read together, so the values belong to that stamp."""
    with get_sessionmaker().begin() as session:
        stamp = session.scalar(select(ContentStamp.stamp).where(ContentStamp.id == STAMP_ID))
        rows = session.execute(select(ContentSetting.key, ContentSetting.value))
        values = {key: value for key, value in rows}
        return stamp or "", values


def stored_settings() -> dict[str, StoredSetting]:
    """Every stored value with its author and time."""
    stmt = select(ContentSetting, StaffUser.username).outerjoin(
        StaffUser, StaffUser.id == ContentSetting.updated_by
    )
    with get_sessionmaker().begin() as session:
        return {
            row.key: StoredSetting(row.key, row.value, aware(row.updated_at), name)
            for row, name in session.execute(stmt)
        }


def _bump(session: Session) -> str:
    stamp = secrets.token_hex(16)
    row = session.get(ContentStamp, STAMP_ID, with_for_update=True)
    if row is None:
        session.add(ContentStamp(id=STAMP_ID, stamp=stamp))
    else:
        row.stamp = stamp
    return stamp


def _write(changes: Mapping[str, str | None], staff_user_id: int | None) -> str:
    with get_sessionmaker().begin() as session:
        for key, value in changes.items():
            row = session.get(ContentSetting, key, with_for_update=True)
            if value is None:
                session.execute(delete(ContentSetting).where(ContentSetting.key == key))
            elif row is None:
                session.add(ContentSetting(key=key, value=value, updated_by=staff_user_id))
            else:
                row.value, row.updated_by = value, staff_user_id
        return _bump(session)


def save(changes: Mapping[str, str | None], staff_user_id: int | None) -> str:
    """Store checked values (None: back to the content file's value) and a new stamp, all or
    nothing; returns the stamp. Two first writes at once: the loser retries once."""
    for attempt in range(2):
        try:
            return _write(changes, staff_user_id)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")
