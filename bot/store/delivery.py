"""Where sending each later message (an advisor's) to a Telegram chat stands.

A message to send is "pending" until Telegram accepts it ("sent") or it is given up
("failed"). The database, not a process's memory, holds what is still to send, so a gateway
restart loses nothing, and any process may send: taking a message to send is one conditional
UPDATE (its `delivery_next_at` moved on by a lease), so two processes never send it at once.
A conversation's messages go in order: only its earliest pending message may be taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.orm import aliased

from bot.store.models import Message, TelegramChat, utcnow
from bot.store.session import get_sessionmaker
from bot.vocabulary import Delivery


@dataclass(frozen=True)
class DeliveryState:
    """A message's delivery as the console shows it."""

    message_id: int
    state: str
    attempts: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class Job:
    """A message taken to send now: what to send and where (chat None: no chat any more)."""

    message_id: int
    conversation_id: str
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    chat_id: int | None = None


def _state(row: Message) -> DeliveryState:
    return DeliveryState(row.id, str(row.delivery), row.delivery_attempts, row.delivery_error)


def _no_earlier_pending(conversation_id: Any, message_id: Any) -> Any:
    """No message of the conversation before this one is still waiting to go."""
    earlier = aliased(Message)
    return ~exists(
        select(earlier.id).where(
            earlier.conversation_id == conversation_id,
            earlier.delivery == Delivery.PENDING,
            earlier.id < message_id,
        )
    )


def begin(message_id: int) -> DeliveryState | None:
    """Mark a just-stored message as to be sent, due now (it may be stored pending already,
    bot/gateway/outbound.py); None if it has been tried or is done."""
    not_tried = (Message.delivery == Delivery.PENDING) & (Message.delivery_attempts == 0)
    stmt = (
        update(Message)
        .where(Message.id == message_id, Message.delivery.is_(None) | not_tried)
        .values(
            delivery=Delivery.PENDING,
            delivery_attempts=0,
            delivery_next_at=utcnow(),
            delivery_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    with get_sessionmaker().begin() as session:
        if not cast(CursorResult[Any], session.execute(stmt)).rowcount:
            return None
    return DeliveryState(message_id, Delivery.PENDING)


def claim_next(conversation_id: str, lease: timedelta) -> Job | None:
    """Take the conversation's earliest pending message if its time has come and nobody else
    holds it, for `lease`; None when there is none to send now."""
    now = utcnow()
    with get_sessionmaker().begin() as session:
        head = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.delivery == Delivery.PENDING)
            .order_by(Message.id)
            .limit(1)
        ).first()
        if head is None:
            return None
        taken = session.execute(
            update(Message)
            .where(
                Message.id == head.id,
                Message.delivery == Delivery.PENDING,
                Message.delivery_next_at <= now,
                _no_earlier_pending(conversation_id, head.id),
            )
            .values(delivery_next_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        if not cast(CursorResult[Any], taken).rowcount:
            return None
        chat_id = session.scalars(
            select(TelegramChat.chat_id).where(TelegramChat.conversation_id == conversation_id)
        ).first()
        return Job(
            head.id,
            conversation_id,
            head.text,
            list(head.buttons or []),
            head.delivery_attempts,
            chat_id,
        )


def _record(message_id: int, **values: Any) -> DeliveryState | None:
    stmt = (
        update(Message)
        .where(Message.id == message_id, Message.delivery == Delivery.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    with get_sessionmaker().begin() as session:
        session.execute(stmt)
        row = session.get(Message, message_id)
        return _state(row) if row is not None and row.delivery is not None else None


def mark_sent(message_id: int, attempts: int) -> DeliveryState | None:
    """Telegram accepted the message after `attempts` tries in all."""
    return _record(
        message_id,
        delivery=Delivery.SENT,
        delivery_attempts=attempts,
        delivery_next_at=None,
        delivery_error=None,
    )


def mark_failed(message_id: int, attempts: int, problem: str) -> DeliveryState | None:
    """Given up for good, for `problem`."""
    return _record(
        message_id,
        delivery=Delivery.FAILED,
        delivery_attempts=attempts,
        delivery_next_at=None,
        delivery_error=problem,
    )


def mark_retry(
    message_id: int, attempts: int, problem: str, next_at: datetime
) -> DeliveryState | None:
    """Still pending after `attempts` tries; the next may start at `next_at`."""
    return _record(
        message_id,
        delivery_attempts=attempts,
        delivery_next_at=next_at,
        delivery_error=problem,
    )


def release(message_ids: Sequence[int]) -> None:
    """Give up the lease on messages a stopping process held, so they are due at once."""
    if not message_ids:
        return
    with get_sessionmaker().begin() as session:
        session.execute(
            update(Message)
            .where(Message.id.in_(list(message_ids)), Message.delivery == Delivery.PENDING)
            .values(delivery_next_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def due_conversations(limit: int = 100) -> list[str]:
    """Conversations whose earliest pending message may be tried now (for the sweep)."""
    stmt = (
        select(Message.conversation_id)
        .where(
            Message.delivery == Delivery.PENDING,
            Message.delivery_next_at <= utcnow(),
            _no_earlier_pending(Message.conversation_id, Message.id),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    with get_sessionmaker().begin() as session:
        return list(dict.fromkeys(session.scalars(stmt)))


def states(conversation_id: str) -> dict[int, DeliveryState]:
    """Every message of the conversation that has a delivery state, by message id."""
    stmt = select(
        Message.id, Message.delivery, Message.delivery_attempts, Message.delivery_error
    ).where(Message.conversation_id == conversation_id, Message.delivery.is_not(None))
    with get_sessionmaker().begin() as session:
        return {
            i: DeliveryState(i, str(state), attempts, problem)
            for i, state, attempts, problem in session.execute(stmt)
        }


def state_of(message_id: int) -> DeliveryState | None:
    """One message's delivery state; None if it has none."""
    with get_sessionmaker().begin() as session:
        row = session.get(Message, message_id)
        return _state(row) if row is not None and row.delivery is not None else None
