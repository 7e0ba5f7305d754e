"""Password hashing: argon2 checks, and no more than two 64 MiB hashes at a time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import pytest
from argon2 import PasswordHasher

from bot.console import passwords


def test_a_hash_checks_and_a_wrong_password_does_not() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert passwords.check_password(stored, "correct horse battery") == (True, False)
    assert passwords.check_password(stored, "wrong horse battery")[0] is False
    assert passwords.check_password(None, "anything at all")[0] is False


def test_at_most_two_hashes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight logins at once: the real argon2 check runs, counted, never more than two together."""
    running, peak, lock = 0, 0, threading.Lock()

    class CountedHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                return super().verify(hash, password)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(passwords, "_hasher", CountedHasher())
    stored = passwords.hash_password("correct horse battery")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: passwords.check_password(stored, "nope"), range(8)))
    assert all(not ok for ok, _ in results)
    assert peak == passwords.HASHING_AT_ONCE
