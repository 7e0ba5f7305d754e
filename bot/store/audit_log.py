"""Reading the audit trail for admins: filtered, newest first, a page at a time.

Read only: nothing in the product changes or removes an audit row. Staff appear by name; a
command run at the server shows as its `client` ("command line (<OS user>)").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from bot.store.models import AuditEvent, StaffUser
from bot.store.session import get_sessionmaker
from bot.store.staff import aware

COMMAND_LINE = "command line"
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the trail to; None means any."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    action: str | None = None
    staff: str | None = None  # a username, or "command line"
    conversation_id: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One audit row as the audit page shows it."""

    id: int
    at: datetime
    action: str
    staff: str | None
    conversation_id: str | None
    detail: str | None
    client: str | None


def _filtered(stmt: Select, where: AuditFilter) -> Select:
    if where.since is not None:
        stmt = stmt.where(AuditEvent.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEvent.at < where.until)
    if where.action:
        stmt = stmt.where(AuditEvent.action == where.action)
    if where.conversation_id:
        stmt = stmt.where(AuditEvent.conversation_id == where.conversation_id)
    if where.staff == COMMAND_LINE:
        stmt = stmt.where(
            AuditEvent.staff_user_id.is_(None), AuditEvent.client.startswith(COMMAND_LINE)
        )
    elif where.staff:
        stmt = stmt.where(StaffUser.username == where.staff)
    return stmt


def search(
    where: AuditFilter, before_id: int | None = None, limit: int = 100
) -> tuple[list[AuditEntry], int | None]:
    """A page of matching rows, newest first, and the id to pass as `before_id` for the next
    page (None on the last one)."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = select(AuditEvent, StaffUser.username).outerjoin(
        StaffUser, StaffUser.id == AuditEvent.staff_user_id
    )
    stmt = _filtered(stmt, where)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)
    with get_sessionmaker().begin() as session:
        rows = session.execute(stmt).all()
    entries = [
        AuditEntry(e.id, aware(e.at), e.action, name, e.conversation_id, e.detail, e.client)
        for e, name in rows[:limit]
    ]
    more = len(rows) > limit
    return entries, (entries[-1].id if more and entries else None)


def staff_names() -> list[str]:
    """Every staff username, for the filter's choices."""
    with get_sessionmaker().begin() as session:
        return list(session.scalars(select(StaffUser.username).order_by(StaffUser.username)))
