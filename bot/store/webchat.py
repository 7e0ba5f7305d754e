"""Web chat sessions: a server-issued id and secret token per browser."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from bot.store.conversations import create_conversation
from bot.store.models import WebchatSession
from bot.store.session import get_sessionmaker
from bot.vocabulary import Channel


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session() -> tuple[str, str, str]:
    """(session id, token, conversation id); only the token's hash is stored."""
    session_id, token = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
    conversation_id = create_conversation(Channel.WEBCHAT)
    with get_sessionmaker().begin() as session:
        session.add(
            WebchatSession(id=session_id, token_hash=_hash(token), conversation_id=conversation_id)
        )
    return session_id, token, conversation_id


def check_session(session_id: str, token: str) -> str | None:
    """The conversation id when the token belongs to the session (constant-time), else None."""
    with get_sessionmaker().begin() as session:
        row = session.get(WebchatSession, session_id)
        expected = row.token_hash if row else _hash("no session")
        conversation_id = row.conversation_id if row else None
    if hmac.compare_digest(expected, _hash(token)) and conversation_id:
        return conversation_id
    return None
