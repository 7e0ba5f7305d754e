"""Tracebacks in the logs without exception messages.

An exception's message can quote what a person wrote: a PostgreSQL DETAIL line names the
values of a failing row, a parser error quotes its input. Our own log lines name an error's
type only, but a traceback logged by a library (uvicorn's "Exception in ASGI application",
rasa-sdk's failed action) would print the message. Installed once per process, the record
factory below keeps each traceback's frames (file, line, code) and exception types, and
withholds every message, for every logger and handler.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

WITHHELD = "(message withheld: it may hold personal data)"
_installed = False


def redacted_traceback(error: BaseException) -> str:
    """The traceback as Python prints it, each exception's message replaced by WITHHELD."""
    parts = []
    for link in _chain(error):
        frames = "".join(traceback.format_list(traceback.extract_tb(link.__traceback__)))
        kind = f"{type(link).__module__}.{type(link).__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{frames}{kind}: {WITHHELD}")
    return "\n\nThe above exception led to:\n\n".join(parts)


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and its causes, oldest first, as Python prints them."""
    found: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and all(link is not seen for seen in found):
        found.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return list(reversed(found))


def install() -> None:
    """Redact the exception of every log record made from now on in this process."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info[1])
            record.exc_info = None
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True
