"""Staff sign-in: password check, slow-down after failures, session cookie and CSRF token.

The cookie holds a random token (HttpOnly, SameSite=Strict, Secure unless COOKIE_SECURE=0);
the database keeps only its hash. The CSRF token is an HMAC of the session token under
SECRET_KEY: returned at login, sent back as `X-CSRF-Token` on every request that changes
something, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status

from bot.console.passwords import check_password, hash_password
from bot.settings import get_settings
from bot.store import audit
from bot.store import staff as staff_store
from bot.store.models import utcnow
from bot.store.staff import Staff

logger = logging.getLogger(__name__)

COOKIE = "staff_session"
CSRF_HEADER = "X-CSRF-Token"
LOGOUT_PATH = "/api/staff/logout"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

SESSION_LIFETIME = timedelta(hours=12)

# Slow-down: past FREE_FAILURES failed logins for a name (or CLIENT_FREE_FAILURES from one
# address) each further failure doubles the wait, from FAILURE_BASE up to FAILURE_CAP.
FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20
FAILURE_BASE = timedelta(seconds=30)
FAILURE_CAP = timedelta(minutes=15)
FAILURE_WINDOW = timedelta(hours=1)


class LoginRefused(Exception):
    """Wrong name or password (which one is never said)."""


class LoginSlowed(Exception):
    """Too many failures: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """The staff user behind a request and the session token they hold."""

    staff: Staff
    token: str

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.token)


@dataclass(frozen=True)
class LoginResult:
    staff: Staff
    token: str
    csrf_token: str
    expires: datetime


@lru_cache(maxsize=1)
def _process_key() -> bytes:
    logger.warning("secret_key_unset using a per-process key; set SECRET_KEY in production")
    return secrets.token_bytes(32)


def _secret_key() -> bytes:
    key = get_settings().secret_key
    return key.encode() if key else _process_key()


def csrf_token(session_token: str) -> str:
    """The CSRF token bound to one session: only someone who saw the login reply has it."""
    return hmac.new(_secret_key(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def _throttle_keys(username: str, client: str) -> tuple[str, str]:
    return f"user:{username.strip().lower()[:64]}", f"client:{client[:64]}"


def login(username: str, password: str, client: str) -> LoginResult:
    """Check a login and open a session; raises LoginSlowed or LoginRefused."""
    user_key, client_key = _throttle_keys(username, client)
    until = staff_store.blocked_until([user_key, client_key])
    if until is not None:
        audit.record("login_failed", None, detail="slowed_down", client=client)
        raise LoginSlowed(max(1, int((until - utcnow()).total_seconds()) + 1))
    record = staff_store.login_record(username.strip())
    ok, rehash = check_password(record[1] if record else None, password)
    if record is None or not ok:
        staff_store.record_failure(
            user_key, FREE_FAILURES, FAILURE_BASE, FAILURE_CAP, FAILURE_WINDOW
        )
        staff_store.record_failure(
            client_key, CLIENT_FREE_FAILURES, FAILURE_BASE, FAILURE_CAP, FAILURE_WINDOW
        )
        detail = "unknown_user" if record is None else "wrong_password"
        audit.record("login_failed", record[0].id if record else None, detail=detail, client=client)
        logger.info("staff_login_failed reason=%s", detail)
        raise LoginRefused
    staff = record[0]
    staff_store.clear_failures([user_key])
    if rehash:
        staff_store.update_password_hash(staff.id, hash_password(password))
    token = secrets.token_urlsafe(32)
    expires = staff_store.open_session(staff.id, token, SESSION_LIFETIME)
    audit.record("login", staff.id, client=client)
    logger.info("staff_login staff=%s", staff.id)
    return LoginResult(staff, token, csrf_token(token), expires)


def logout(signed_in: SignedIn, client: str) -> None:
    """End the session at once, wherever its cookie is."""
    staff_store.close_session(signed_in.token)
    audit.record("logout", signed_in.staff.id, client=client)
    logger.info("staff_logout staff=%s", signed_in.staff.id)


def set_session_cookie(response: Response, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=get_settings().cookie_secure,
    )


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget the cookie."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=get_settings().cookie_secure
    )


def client_of(request: Request) -> str:
    """The caller's address for the throttle and audit (the proxy's, behind a proxy)."""
    return request.client.host if request.client else "unknown"


def signed_in(request: Request) -> SignedIn:
    """Every console route: 401 without a live session; on changes 403 without the CSRF
    token, and 403 for reviewers (read only) except to sign out."""
    token = request.cookies.get(COOKIE)
    staff = staff_store.session_staff(token, staff_store.SESSION_IDLE) if token else None
    if token is None or staff is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, csrf_token(token)):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
        if staff.role == "reviewer" and request.url.path != LOGOUT_PATH:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "reviewers have read-only access")
    return SignedIn(staff, token)


CurrentStaff = Annotated[SignedIn, Depends(signed_in)]
