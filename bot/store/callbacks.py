"""Call-back requests of people waiting for an advisor: consent first, then the number.

Every function takes the caller's session (one unit of work per message)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, Select, bindparam, select
from sqlalchemy.orm import Session

from bot.store.models import CallbackRequest, ConsentRecord, Conversation, utcnow
from bot.store.session import run

PURPOSE = "callback"


@dataclass(frozen=True)
class Callback:
    """The latest call-back request of a conversation, as staff see it."""

    status: str
    phone: str | None
    at: str


def _newest(what: Any, conversation_id: Any) -> Select[Any]:
    """`what` of the conversation's latest request: the one every step reads and moves on."""
    return (
        select(what)
        .where(CallbackRequest.conversation_id == conversation_id)
        .order_by(CallbackRequest.id.desc())
        .limit(1)
    )


def _latest(session: Session, conversation_id: str) -> CallbackRequest | None:
    return session.scalars(_newest(CallbackRequest, conversation_id)).first()


def latest_status(conversation_id: Any) -> ScalarSelect[str]:
    """The status of the conversation's latest request, as a column of a larger read."""
    return _newest(CallbackRequest.status, conversation_id).scalar_subquery()


def status(session: Session, conversation_id: str) -> str | None:
    """Where the latest request stands ("asked", "consented", "given", "declined"), or None."""
    return session.scalar(select(latest_status(conversation_id)))


# Read for every message the gateway takes in, built once (store.session.run says why).
_STATE_AND_STATUS = select(Conversation.state, latest_status(bindparam("conversation_id"))).where(
    Conversation.id == bindparam("conversation_id")
)


def state_and_status(session: Session, conversation_id: str) -> tuple[str | None, str | None]:
    """The conversation's state and `status`, in one query: every message the gateway takes
    in needs both, and on PostgreSQL each query is a round trip (None, None: no such
    conversation)."""
    row = run(session, _STATE_AND_STATUS, {"conversation_id": conversation_id}).one_or_none()
    return (row[0], row[1]) if row is not None else (None, None)


def ask(session: Session, conversation_id: str) -> None:
    """The person tapped "leave a number": the consent question is now open."""
    session.add(CallbackRequest(conversation_id=conversation_id, status="asked"))


def consent(session: Session, conversation_id: str, channel: str, wording_version: str) -> None:
    """A yes to the consent question: record it (time, wording, channel), then ask the number."""
    row = _latest(session, conversation_id)
    if row is None or row.status != "asked":
        return
    record = ConsentRecord(
        conversation_id=conversation_id,
        channel=channel,
        purpose=PURPOSE,
        wording_version=wording_version,
        given_at=utcnow(),
    )
    session.add(record)
    session.flush()
    row.consent_id, row.status = record.id, "consented"


def give_number(session: Session, conversation_id: str, phone: str) -> bool:
    """Keep the number (only after consent); False if consent was not given."""
    row = _latest(session, conversation_id)
    if row is None or row.status != "consented" or row.consent_id is None:
        return False
    row.phone, row.status = phone, "given"
    return True


def decline(session: Session, conversation_id: str) -> None:
    """No, or stop: nothing personal is kept, and a consent given a moment ago is withdrawn."""
    row = _latest(session, conversation_id)
    if row is None:
        return
    consent_id = row.consent_id
    row.status, row.phone, row.consent_id = "declined", None, None
    session.flush()
    if consent_id is not None:
        record = session.get(ConsentRecord, consent_id)
        if record is not None:
            session.delete(record)


def for_conversation(session: Session, conversation_id: str) -> Callback | None:
    """The latest request, for the advisor's view."""
    row = _latest(session, conversation_id)
    if row is None:
        return None
    return Callback(row.status, row.phone, row.updated_at.isoformat())


def given_among(session: Session, conversation_ids: list[str]) -> set[str]:
    """Which of these conversations hold a number to call back (for the queue)."""
    if not conversation_ids:
        return set()
    stmt = select(CallbackRequest.conversation_id).where(
        CallbackRequest.conversation_id.in_(conversation_ids), CallbackRequest.status == "given"
    )
    return set(session.scalars(stmt))
