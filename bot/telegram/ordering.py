"""Telegram updates handled at the same time across chats, and in order within one chat.

python-telegram-bot handles one update at a time by default, so one slow turn (the engine
thinking, a database wait) holds up every Telegram conversation. This processor lets up to
MAX_AT_ONCE updates run together, while a chat's updates queue behind each other (asyncio's
locks are first come, first served) so a person's messages are answered in the order sent.
The webhook route sends its updates through the same processor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_AT_ONCE = 32


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (None for updates that are not about one chat)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerChatOrder(BaseUpdateProcessor):
    """Concurrent across chats, one at a time and in arrival order within a chat."""

    def __init__(self, max_concurrent_updates: int = MAX_AT_ONCE) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody else waits for this chat: forget its lock
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
