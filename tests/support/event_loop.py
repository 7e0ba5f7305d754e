"""Catches database statements run on an event loop (they hold up every request of the process)."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.statements import on_each_statement

PROJECT = ("/bot/", "/actions/")


@contextmanager
def statements_on_the_loop() -> Iterator[list[str]]:
    """While inside: each statement run in a thread that has a running event loop is listed,
    with where in the project's code (bot/, actions/) it came from."""
    found: list[str] = []

    def check(_sql: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        ours = [f for f in traceback.extract_stack() if any(p in f.filename for p in PROJECT)]
        found.append(" <- ".join(f"{f.name} ({f.filename.rsplit('/', 1)[-1]})" for f in ours))

    with on_each_statement(check):
        yield found
