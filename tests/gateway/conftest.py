"""Fixtures the gateway's crisis tests share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.gateway.alerts import ADVISORS
from bot.gateway.push import hub


@pytest.fixture
def alerts() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The urgent alerts sent to the advisors' chat."""
    sent: list[tuple[str, dict[str, Any]]] = []

    async def deliver(conversation_id: str, event: dict[str, Any]) -> None:
        sent.append((conversation_id, event))

    hub.register_deliverer(ADVISORS, deliver)
    yield sent
    hub.unregister_deliverer(ADVISORS)
