"""Waiting for what the gateway sends in the background."""

from __future__ import annotations

import time
from typing import Any


def wait_for(found: list[Any], count: int = 1, timeout: float = 3) -> list[Any]:
    """Alerts go out in the background: wait until `count` have arrived (or time is up)."""
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return found
