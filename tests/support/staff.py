"""Staff accounts for the console's tests, made straight in the store."""

from __future__ import annotations

from bot.console.passwords import hash_password
from bot.store import staff

PASSWORD = "correct horse battery staple"


def make_staff(name: str, role: str = "advisor") -> staff.Staff:
    """A staff account whose password is PASSWORD."""
    return staff.create_user(name, hash_password(PASSWORD), role)
