"""Rows for the review and report tests, written with the store's own models at set times, so
each test knows exactly what it should count."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.store.models import (
    ConsentRecord,
    Contact,
    Conversation,
    Message,
    Referral,
    utcnow,
)
from bot.store.session import get_sessionmaker


def at(text: str) -> datetime:
    """'2026-03-31 23:30' in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def conversation(
    channel: str = "webchat",
    created: datetime | None = None,
    reason: str | None = None,
    urgent: bool = False,
) -> str:
    """A conversation with the assistant, started at `created`."""
    cid = secrets.token_hex(16)
    with get_sessionmaker().begin() as session:
        session.add(
            Conversation(
                id=cid,
                channel=channel,
                state="assistant",
                handover_reason=reason,
                urgent=urgent,
                created_at=created or utcnow(),
            )
        )
    return cid


def contact(
    cid: str | None,
    outcome: str,
    district: str | None = None,
    provider: str | None = None,
    topics: Sequence[str] = (),
    channel: str = "webchat",
    when: datetime | None = None,
    probation: str | None = None,
) -> None:
    """One logged outcome at `when`."""
    with get_sessionmaker().begin() as session:
        session.add(
            Contact(
                conversation_id=cid,
                channel=channel,
                outcome=outcome,
                district=district,
                provider=provider,
                topics=list(topics),
                at=when or utcnow(),
                probation_status=probation,
            )
        )


def referral(cid: str, needs: Sequence[str], probation: str, when: datetime | None = None) -> None:
    """A confirmed self-referral (with its consent record) made at `when`."""
    with get_sessionmaker().begin() as session:
        consent = ConsentRecord(
            conversation_id=cid, channel="webchat", wording_version="v1", given_at=utcnow()
        )
        session.add(
            Referral(
                conversation_id=cid,
                channel="webchat",
                preferred_name="Sam",
                district="Bolton",
                provider="Bolton Advice",
                contact_method="chat",
                best_time="Mornings",
                needs=list(needs),
                probation_status=probation,
                consent=consent,
                created_at=when or utcnow(),
            )
        )


def message(cid: str, sender: str, text: str, when: datetime | None = None) -> int:
    """One message of the transcript; returns its id."""
    with get_sessionmaker().begin() as session:
        row = Message(
            conversation_id=cid,
            direction="in" if sender == "person" else "out",
            sender=sender,
            text=text,
            at=when or utcnow(),
        )
        session.add(row)
        session.flush()
        return row.id
