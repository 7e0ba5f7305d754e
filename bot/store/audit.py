"""The staff audit trail: every login, view, claim, reply, note and close, with who and when.

Rows carry ids and short codes only (an outcome, a reason), never message or note text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.store.models import AuditEvent
from bot.store.session import get_sessionmaker

ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "view",
    "watch",
    "claim",
    "reply",
    "note",
    "handback",
    "requeue",
    "close",
    # conversation review and reports (bot/console/review_api.py, reports_api.py)
    "review_view",
    "review_mark",
    "review_tag",
    "review_flag",
    "review_export",
    "report_export",
    # data protection and content settings (bot/admin/, bot/console/admin_*.py); from the
    # command line the actor is the `client` "command line (<OS user>)" and no staff id
    "lookup",
    "export",
    "erase",
    "retention",
    "user_create",
    "user_password",
    "user_disable",
    "user_enable",
    "content_change",
)


@dataclass(frozen=True)
class AuditRow:
    """One audit event as staff review it."""

    at: datetime
    staff_user_id: int | None
    action: str
    conversation_id: str | None
    detail: str | None
    client: str | None


def record(
    action: str,
    staff_user_id: int | None,
    conversation_id: str | None = None,
    detail: str | None = None,
    client: str | None = None,
) -> None:
    """Write one audit event in its own transaction, so it stays even if the caller fails."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with get_sessionmaker().begin() as session:
        session.add(
            AuditEvent(
                staff_user_id=staff_user_id,
                action=action,
                conversation_id=conversation_id,
                detail=detail[:200] if detail else None,
                client=client[:64] if client else None,
            )
        )


def events(conversation_id: str | None = None, staff_user_id: int | None = None) -> list[AuditRow]:
    """The audit trail, oldest first, for one conversation and/or one staff user."""
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if conversation_id is not None:
        stmt = stmt.where(AuditEvent.conversation_id == conversation_id)
    if staff_user_id is not None:
        stmt = stmt.where(AuditEvent.staff_user_id == staff_user_id)
    with get_sessionmaker().begin() as session:
        return [
            AuditRow(e.at, e.staff_user_id, e.action, e.conversation_id, e.detail, e.client)
            for e in session.scalars(stmt)
        ]
