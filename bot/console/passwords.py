"""Staff password hashing with argon2 (argon2-cffi's recommended parameters).

Each hash or check takes 64 MiB for a moment; at most HASHING_AT_ONCE run together, so a burst
of logins (or of guesses) queues for a fraction of a second instead of taking the memory.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
HASHING_AT_ONCE = 2
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)

_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only here for timing")


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    with _hashing:
        return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash); an unknown user (None) is checked against a dummy hash."""
    try:
        with _hashing:
            _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False, False
    if password_hash is None:
        return False, False
    return True, _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None if it will do."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters"
    return None
