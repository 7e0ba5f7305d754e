"""The advisor side of a conversation: the queue, claiming, notes, and giving it back.

Every change of holder is one conditional UPDATE whose row count says who won, so two
advisors (or two gateway processes) can never both hold a conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from bot.store import callbacks
from bot.store.models import (
    Contact,
    Conversation,
    ConversationNote,
    Referral,
    StaffUser,
    utcnow,
)
from bot.store.session import get_sessionmaker
from bot.store.staff import aware
from bot.vocabulary import ConversationState

# Waiting for a person, or flagged for one while the assistant carries on (an outage).
IN_QUEUE = or_(
    Conversation.state == ConversationState.WAITING,
    and_(
        Conversation.state == ConversationState.ASSISTANT, Conversation.handover_reason.is_not(None)
    ),
)


@dataclass(frozen=True)
class Circumstances:
    """What the conversation has told us about where the person lives and what they need."""

    district: str | None = None
    provider: str | None = None
    needs: list[str] = field(default_factory=list)
    probation_status: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """One conversation waiting for a person, as the queue shows it."""

    conversation_id: str
    channel: str
    state: str
    reason: str | None
    urgent: bool
    district: str | None
    needs: list[str]
    waiting_since: datetime
    waiting_s: int
    callback: bool = False


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation's record as the console shows it (transcript read separately)."""

    conversation_id: str
    channel: str
    state: str
    reason: str | None
    urgent: bool
    advisor_id: int | None
    advisor: str | None
    outcome: str | None
    created_at: datetime
    waiting_since: datetime | None
    circumstances: Circumstances
    referral: dict[str, Any] | None
    notes: list[dict[str, Any]]


def circumstances(conversation_ids: list[str]) -> dict[str, Circumstances]:
    """District and needs per conversation: from its referral, else from its logged contacts."""
    found: dict[str, Circumstances] = {}
    if not conversation_ids:
        return found
    with get_sessionmaker().begin() as session:
        contacts = session.scalars(
            select(Contact)
            .where(Contact.conversation_id.in_(conversation_ids))
            .order_by(Contact.id)
        )
        for c in contacts:
            before = found.get(c.conversation_id, Circumstances())
            needs = before.needs + [t for t in c.topics or [] if t not in before.needs]
            found[c.conversation_id] = Circumstances(
                c.district or before.district,
                c.provider or before.provider,
                needs,
                c.probation_status or before.probation_status,
            )
        referrals = session.scalars(
            select(Referral)
            .where(Referral.conversation_id.in_(conversation_ids))
            .order_by(Referral.id)
        )
        for r in referrals:
            found[r.conversation_id] = Circumstances(
                r.district, r.provider, list(r.needs or []), r.probation_status
            )
    return found


def queue(now: datetime | None = None) -> list[QueueItem]:
    """Conversations waiting for a person: urgent first, then the longest wait first."""
    now = now or utcnow()
    since = func.coalesce(Conversation.waiting_since, Conversation.updated_at)
    stmt = (
        select(Conversation, since)
        .where(IN_QUEUE, Conversation.advisor_id.is_(None))
        .order_by(Conversation.urgent.desc(), since, Conversation.id)
    )
    with get_sessionmaker().begin() as session:
        rows = [(c, aware(s)) for c, s in session.execute(stmt)]
        call_back = callbacks.given_among(session, [c.id for c, _ in rows])
    known = circumstances([c.id for c, _ in rows])
    return [
        QueueItem(
            conversation_id=c.id,
            channel=c.channel,
            state=c.state,
            reason=c.handover_reason,
            urgent=c.urgent,
            district=known.get(c.id, Circumstances()).district,
            needs=known.get(c.id, Circumstances()).needs,
            waiting_since=s,
            waiting_s=max(0, int((now - s).total_seconds())),
            callback=c.id in call_back,
        )
        for c, s in rows
    ]


def claim(conversation_id: str, staff_user_id: int) -> str:
    """Take a waiting conversation; one UPDATE ... WHERE advisor_id IS NULL whose row count
    decides the race on any database.

    Returns "claimed", "yours" (already), "held", "not_waiting" or "missing".
    """
    now = utcnow()
    stmt = (
        update(Conversation)
        .where(Conversation.id == conversation_id, IN_QUEUE, Conversation.advisor_id.is_(None))
        .values(
            state=ConversationState.ADVISOR,
            advisor_id=staff_user_id,
            claimed_at=now,
            updated_at=now,
            outcome=None,
        )
        .execution_options(synchronize_session=False)
    )
    with get_sessionmaker().begin() as session:
        if cast(CursorResult[Any], session.execute(stmt)).rowcount == 1:
            return "claimed"
        row = session.get(Conversation, conversation_id)
        if row is None:
            return "missing"
        if row.advisor_id == staff_user_id and row.state == ConversationState.ADVISOR:
            return "yours"
        return "held" if row.advisor_id is not None else "not_waiting"


def release(
    conversation_id: str,
    staff_user_id: int,
    to_state: str,
    any_holder: bool,
    outcome: str | None = None,
) -> str:
    """Give a held conversation back: to the assistant, the queue, or closed.

    Returns "done", "held" (someone else holds it), "not_held" (nobody does) or "missing".
    Only the holder may, unless `any_holder` (an admin).
    """
    now = utcnow()
    values: dict[str, Any] = {"state": to_state, "advisor_id": None, "claimed_at": None}
    if to_state == ConversationState.WAITING:
        values["waiting_since"] = now
    elif to_state == ConversationState.ASSISTANT:
        values.update(handover_reason=None, urgent=False, waiting_since=None)
    elif to_state == ConversationState.CLOSED:
        values.update(outcome=outcome, waiting_since=None)
    else:
        raise ValueError(f"cannot release to {to_state!r}")
    holder: list[ColumnElement[bool]] = [Conversation.advisor_id.is_not(None)]
    if not any_holder:
        holder = [Conversation.advisor_id == staff_user_id]
    stmt = (
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.state == ConversationState.ADVISOR,
            *holder,
        )
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    with get_sessionmaker().begin() as session:
        if cast(CursorResult[Any], session.execute(stmt)).rowcount == 1:
            return "done"
        row = session.get(Conversation, conversation_id)
        if row is None:
            return "missing"
        return "held" if row.state == ConversationState.ADVISOR and row.advisor_id else "not_held"


def holder(conversation_id: str) -> tuple[str, int | None] | None:
    """The conversation's state and the advisor holding it; None if there is no such one."""
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, conversation_id)
        return (row.state, row.advisor_id) if row else None


def add_note(conversation_id: str, staff_user_id: int, text: str) -> dict[str, Any] | None:
    """Keep a private note on the conversation; None if there is no such conversation."""
    with get_sessionmaker().begin() as session:
        if session.get(Conversation, conversation_id) is None:
            return None
        row = ConversationNote(
            conversation_id=conversation_id, staff_user_id=staff_user_id, text=text
        )
        session.add(row)
        session.flush()
        author = session.get(StaffUser, staff_user_id)
        return _note(row, author.username if author else None)


def _note(row: ConversationNote, author: str | None) -> dict[str, Any]:
    return {"id": row.id, "author": author, "text": row.text, "at": aware(row.at).isoformat()}


def _referral(row: Referral) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": aware(row.created_at).isoformat(),
        "preferred_name": row.preferred_name,
        "district": row.district,
        "provider": row.provider,
        "contact_method": row.contact_method,
        "phone": row.phone,
        "best_time": row.best_time,
        "needs": list(row.needs or []),
        "probation_status": row.probation_status,
        "status": row.status,
    }


def info(conversation_id: str) -> ConversationInfo | None:
    """The conversation's record, its referral summary and notes; None if there is none."""
    with get_sessionmaker().begin() as session:
        row = session.get(Conversation, conversation_id)
        if row is None:
            return None
        advisor = session.get(StaffUser, row.advisor_id) if row.advisor_id else None
        referral = session.scalar(
            select(Referral)
            .where(Referral.conversation_id == conversation_id)
            .order_by(Referral.id.desc())
            .limit(1)
        )
        notes = session.execute(
            select(ConversationNote, StaffUser.username)
            .join(StaffUser, StaffUser.id == ConversationNote.staff_user_id)
            .where(ConversationNote.conversation_id == conversation_id)
            .order_by(ConversationNote.id)
        ).all()
        result = ConversationInfo(
            conversation_id=row.id,
            channel=row.channel,
            state=row.state,
            reason=row.handover_reason,
            urgent=row.urgent,
            advisor_id=row.advisor_id,
            advisor=advisor.username if advisor else None,
            outcome=row.outcome,
            created_at=aware(row.created_at),
            waiting_since=aware(row.waiting_since) if row.waiting_since else None,
            circumstances=Circumstances(),
            referral=_referral(referral) if referral else None,
            notes=[_note(n, author) for n, author in notes],
        )
    known = circumstances([conversation_id]).get(conversation_id, Circumstances())
    return replace(result, circumstances=known)
