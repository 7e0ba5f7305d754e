"""Staff accounts, their signed-in sessions and the failed-login throttle.

Only hashes are kept: the password's (argon2, made by the caller) and the session token's
(SHA-256), so reading the database opens no console.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.store.models import STAFF_ROLES, LoginThrottle, StaffSession, StaffUser, utcnow
from bot.store.session import get_sessionmaker

# A staff session ends after this long without a request (the console and the availability
# notice both read it).
SESSION_IDLE = timedelta(hours=2)


class UserExists(Exception):
    """A staff user of that name is already there."""


@dataclass(frozen=True)
class Staff:
    """A staff user as the console needs it: never the password hash."""

    id: int
    username: str
    role: str


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _staff(row: StaffUser) -> Staff:
    return Staff(row.id, row.username, row.role)


def create_user(username: str, password_hash: str, role: str) -> Staff:
    """Add a staff user; names are unique whatever their case."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")
    with get_sessionmaker().begin() as session:
        taken = select(StaffUser.id).where(func.lower(StaffUser.username) == username.lower())
        if session.scalar(taken) is not None:
            raise UserExists(username)
        row = StaffUser(username=username, password_hash=password_hash, role=role)
        session.add(row)
        session.flush()
        return _staff(row)


def set_password(username: str, password_hash: str) -> bool:
    """Replace a password and sign the user out everywhere; False if there is no such user."""
    with get_sessionmaker().begin() as session:
        row = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if row is None:
            return False
        row.password_hash = password_hash
        session.execute(delete(StaffSession).where(StaffSession.staff_user_id == row.id))
        return True


def set_active(username: str, active: bool) -> bool:
    """Disable (or re-enable) an account; disabling signs it out. False if no such user."""
    with get_sessionmaker().begin() as session:
        row = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if row is None:
            return False
        row.active = active
        if not active:
            session.execute(delete(StaffSession).where(StaffSession.staff_user_id == row.id))
        return True


def login_record(username: str) -> tuple[Staff, str] | None:
    """An active user and their password hash, for checking a login; None if unknown."""
    stmt = select(StaffUser).where(
        func.lower(StaffUser.username) == username.lower(), StaffUser.active.is_(True)
    )
    with get_sessionmaker().begin() as session:
        row = session.scalar(stmt)
        return (_staff(row), row.password_hash) if row else None


def update_password_hash(user_id: int, password_hash: str) -> None:
    """Store a rehash after a login when the hashing parameters have grown."""
    with get_sessionmaker().begin() as session:
        row = session.get(StaffUser, user_id)
        if row is not None:
            row.password_hash = password_hash


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user_id: int, token: str, lifetime: timedelta) -> datetime:
    """Record a new signed-in session and return when it expires."""
    now = utcnow()
    expires = now + lifetime
    with get_sessionmaker().begin() as session:
        session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        session.add(
            StaffSession(
                id=token_hash(token),
                staff_user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
            )
        )
    return expires


def session_staff(token: str, idle: timedelta) -> Staff | None:
    """The active user signed in with this token, or None if expired, idle too long or unknown."""
    now = utcnow()
    with get_sessionmaker().begin() as session:
        row = session.get(StaffSession, token_hash(token))
        if row is None:
            return None
        user = session.get(StaffUser, row.staff_user_id)
        last_seen = aware(row.last_seen_at)
        if aware(row.expires_at) <= now or last_seen + idle <= now or not user or not user.active:
            session.delete(row)
            return None
        if now - last_seen > timedelta(minutes=1):
            row.last_seen_at = now  # at most one write a minute per session
        return _staff(user)


def close_session(token: str) -> None:
    """Sign out: the token stops working at once."""
    with get_sessionmaker().begin() as session:
        session.execute(delete(StaffSession).where(StaffSession.id == token_hash(token)))


def signed_in_count(roles: tuple[str, ...], idle: timedelta) -> int:
    """How many staff of these roles hold a live session (is anyone there to answer?)."""
    now = utcnow()
    stmt = (
        select(func.count(func.distinct(StaffSession.staff_user_id)))
        .join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
        .where(
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > now - idle,
            StaffUser.role.in_(roles),
            StaffUser.active.is_(True),
        )
    )
    with get_sessionmaker().begin() as session:
        return int(session.scalar(stmt) or 0)


def blocked_until(keys: list[str]) -> datetime | None:
    """The latest time any of these keys (username, client) is slowed down until, if any."""
    now = utcnow()
    stmt = select(func.max(LoginThrottle.blocked_until)).where(
        LoginThrottle.key.in_(keys), LoginThrottle.blocked_until > now
    )
    with get_sessionmaker().begin() as session:
        until = session.scalar(stmt)
        return aware(until) if until else None


def record_failure(key: str, free: int, base: timedelta, cap: timedelta, window: timedelta) -> None:
    """Count a failed login; past `free` failures each one doubles the wait, up to `cap`.

    Failures older than `window` are forgotten, so an occasional typo never adds up.
    """
    for attempt in range(2):  # two first failures at once: the second insert retries
        try:
            _count_failure(key, free, base, cap, window)
            return
        except IntegrityError:
            if attempt:
                raise


def _count_failure(key: str, free: int, base: timedelta, cap: timedelta, window: timedelta) -> None:
    now = utcnow()
    with get_sessionmaker().begin() as session:
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failed_at=now)
            session.add(row)
        elif aware(row.last_failed_at) + window < now:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        if row.failures >= free:
            row.blocked_until = now + min(base * 2 ** (row.failures - free), cap)


def clear_failures(keys: list[str]) -> None:
    """A successful login forgets the user's failures."""
    with get_sessionmaker().begin() as session:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
