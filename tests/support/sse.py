"""Reading a server-sent event stream (the web chat's or the console's) in a background thread."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from typing import Any

import httpx


def read_events(url: str, headers: dict[str, str], timeout: float = 30) -> queue.Queue[Any]:
    """Open the stream and return at once; (event name, data) pairs arrive on the queue."""
    return _read(url, headers, timeout, lambda name, data: (name, data))


def read_data(url: str, headers: dict[str, str], timeout: float = 30) -> queue.Queue[Any]:
    """Like `read_events`, for streams of messages only: each event's data arrives."""
    return _read(url, headers, timeout, lambda name, data: data)


def _read(
    url: str, headers: dict[str, str], timeout: float, item: Callable[[str, dict], Any]
) -> queue.Queue[Any]:
    events: queue.Queue[Any] = queue.Queue()
    opened = threading.Event()

    def run() -> None:
        try:
            with httpx.stream("GET", url, headers=headers, timeout=timeout) as response:
                assert response.status_code == 200, response.status_code
                assert response.headers["content-type"].startswith("text/event-stream")
                opened.set()
                name = "message"
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        events.put(item(name, json.loads(line[5:])))
        except httpx.HTTPError:
            pass  # the server stopped at the end of the test

    threading.Thread(target=run, daemon=True).start()
    assert opened.wait(10), f"the stream at {url} did not open"
    return events
