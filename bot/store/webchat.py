"""Web chat sessions: a server-issued id and secret token per browser.

A token works while the conversation is in use: it stops after WEBCHAT_IDLE_MINUTES without a
message either way (a shared phone picked up later shows nothing), and at once when the
person presses Quick exit (`revoke`). The conversation itself stays for the advisors.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.settings import get_settings
from bot.store.callbacks import latest_status
from bot.store.conversations import RECENT_SCAN, create_conversation
from bot.store.models import Conversation, Message, WebchatSession, utcnow
from bot.store.session import get_sessionmaker, run
from bot.store.staff import aware
from bot.vocabulary import Channel


@dataclass(frozen=True)
class SessionCheck:
    """What a session id and token open: the conversation, or why not."""

    conversation_id: str | None = None  # set only for a right token on a live session
    ended: bool = False  # the right token, but revoked or quiet for too long


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _SessionRow(Protocol):
    """A web chat session's row as read: the ORM object, or the columns `read_session` selects."""

    token_hash: str
    conversation_id: str
    created_at: datetime
    revoked_at: datetime | None


_Row = TypeVar("_Row", bound=_SessionRow)


def _matching(row: _Row | None, token: str) -> _Row | None:
    """The row if the token is its token; compared in constant time even without a row."""
    expected = row.token_hash if row else _hash("no session")
    matches = hmac.compare_digest(expected, _hash(token))
    return row if row is not None and matches else None


def new_session_id() -> str:
    """A public session id: 128 random bits in hex. Staff paste it into `python -m bot.admin`;
    a url-safe token can start with "-", which a command line reads as an option."""
    return secrets.token_hex(16)


def create_session() -> tuple[str, str, str]:
    """(session id, token, conversation id); only the token's hash is stored."""
    session_id, token = new_session_id(), secrets.token_urlsafe(32)
    with get_sessionmaker().begin() as session:
        # The conversation and its session together: never a conversation nobody can reach.
        conversation_id = create_conversation(session, Channel.WEBCHAT)
        session.add(
            WebchatSession(id=session_id, token_hash=_hash(token), conversation_id=conversation_id)
        )
    return session_id, token, conversation_id


def open_session(session_id: str, token: str) -> SessionCheck:
    """Check the token (constant-time) and whether its session is still live. If the messages
    cannot be read the session stays live: a broken table must not lock a person out, the
    crisis step still needs their conversation."""
    with get_sessionmaker().begin() as session:
        found, created_at = _by_token(session, session_id, token)
    if found.conversation_id is None:
        return found
    try:
        with get_sessionmaker().begin() as session:
            last = session.scalar(_last_message_at(found.conversation_id))
    except SQLAlchemyError:
        return found
    return _live_or_ended(found, created_at, last)


@dataclass(frozen=True)
class FirstRead:
    """What a web chat message's first read found: the session check and, for a live
    session, the conversation's latest messages (sender, text; newest first), its state and
    the status of its latest call-back request."""

    check: SessionCheck
    messages: list[tuple[str, str]] = field(default_factory=list)
    state: str | None = None
    callback_status: str | None = None


def read_session(session: Session, session_id: str, token: str) -> FirstRead:
    """`open_session` in the caller's unit of work, with what the gateway reads next for the
    same message (the crisis step's context, the state), in one query: on PostgreSQL each
    query is a round trip. A failure is raised: the caller falls back to `open_session`."""
    rows = run(session, _FIRST_READ, {"session_id": session_id, "scan": RECENT_SCAN}).all()
    first = rows[0] if rows else None
    found, created_at = _opened(first, token)
    if found.conversation_id is None or first is None:
        return FirstRead(found)
    check = _live_or_ended(found, created_at, first.at)  # newest message first
    if check.conversation_id is None:
        return FirstRead(check)
    messages = [(row.sender, row.text) for row in rows if row.sender is not None]
    return FirstRead(check, messages, first.state, first.callback_status)


def _last_message_at(conversation_id: Any) -> Select[datetime]:
    return select(func.max(Message.at)).where(Message.conversation_id == conversation_id)


# Every web chat message's first read, built once (store.session.run says why): the
# session's row with its conversation's state and call-back status, once per message of the
# latest RECENT_SCAN (one row with no message for a conversation without any).
_FIRST_READ = (
    select(
        WebchatSession.token_hash,
        WebchatSession.conversation_id,
        WebchatSession.created_at,
        WebchatSession.revoked_at,
        Conversation.state,
        latest_status(WebchatSession.conversation_id).label("callback_status"),
        Message.sender,
        Message.text,
        Message.at,
    )
    .join(Conversation, Conversation.id == WebchatSession.conversation_id)
    .outerjoin(Message, Message.conversation_id == WebchatSession.conversation_id)
    .where(WebchatSession.id == bindparam("session_id"))
    .order_by(Message.id.desc())
    .limit(bindparam("scan"))
)


def _by_token(session: Session, session_id: str, token: str) -> tuple[SessionCheck, datetime]:
    """What the token opens before the quiet spell is looked at, and when the session began."""
    return _opened(session.get(WebchatSession, session_id), token)


def _opened(row: _SessionRow | None, token: str) -> tuple[SessionCheck, datetime]:
    """What the token opens of the session `row` (None: no such session)."""
    row = _matching(row, token)
    if row is None:
        return SessionCheck(), utcnow()
    if row.revoked_at is not None:
        return SessionCheck(ended=True), utcnow()
    return SessionCheck(row.conversation_id), aware(row.created_at)


def _live_or_ended(
    found: SessionCheck, created_at: datetime, last_message: datetime | None
) -> SessionCheck:
    """Ended after WEBCHAT_IDLE_MINUTES without a message either way (the person's, the
    assistant's, an advisor's)."""
    last = max(created_at, aware(last_message or created_at))
    quiet = utcnow() - last > timedelta(minutes=get_settings().webchat_idle_minutes)
    return SessionCheck(ended=True) if quiet else found


def check_session(session_id: str, token: str) -> str | None:
    """The conversation id when the token belongs to a live session, else None."""
    return open_session(session_id, token).conversation_id


def revoke(session_id: str, token: str) -> bool:
    """Quick exit: the token stops working now (an ended session's too). False for a wrong
    token."""
    with get_sessionmaker().begin() as session:
        row = _matching(session.get(WebchatSession, session_id), token)
        if row is None:
            return False
        row.revoked_at = row.revoked_at or utcnow()
        return True
