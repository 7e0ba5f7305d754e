"""Who may review conversations and read reports: reviewers and admins, never advisors.

The console's own check (`auth.signed_in`) keeps reviewers read-only; review marks, tags and
flags are the reviewers' own work, so the review routes use this check instead: the same
session and CSRF rules, and the role decides.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from bot.console import auth
from bot.console.auth import SignedIn
from bot.store import staff as staff_store
from bot.vocabulary import StaffRole

REVIEW_ROLES = (StaffRole.REVIEWER, StaffRole.ADMIN)


def reviewing(request: Request) -> SignedIn:
    """401 without a live session; 403 for advisors, and on changes without the CSRF token."""
    token = request.cookies.get(auth.COOKIE)
    staff = staff_store.session_staff(token, staff_store.SESSION_IDLE) if token else None
    if token is None or staff is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    if request.method not in auth.SAFE_METHODS:
        sent = request.headers.get(auth.CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, auth.csrf_token(token)):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
    if staff.role not in REVIEW_ROLES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "for reviewers and admins only")
    return SignedIn(staff, token)


Reviewer = Annotated[SignedIn, Depends(reviewing)]
