"""No conversation data in the engine's tracebacks.

Rasa's structured log renders any exception's traceback with the local variables of every
frame: message text, trackers, slot values (names and phone numbers in the referral form).
Rasa builds its processors in `rasa.utils.log_utils.configure_structlog` with no option to
leave locals out, so the processor list is changed in place (Rasa's loggers cache it) to
render tracebacks without locals. Everything else about the log stays as Rasa made it.
"""

from __future__ import annotations

from typing import Any, Dict

import structlog
from structlog.dev import ConsoleRenderer, plain_traceback
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer

# Nothing of Rasa's is replaced; the function that builds the processors is relied on.
ORIGINALS: Dict[str, Any] = {}


def without_locals(processor: Any) -> Any:
    """The same log processor, rendering exceptions without local variables."""
    if isinstance(processor, ExceptionRenderer):
        return ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    if isinstance(processor, ConsoleRenderer):
        processor._exception_formatter = plain_traceback
    return processor


def install() -> None:
    """Idempotent; applies to the processors configured so far."""
    processors = structlog.get_config()["processors"]
    processors[:] = [without_locals(p) for p in processors]


def uninstall() -> None:
    """Nothing to put back: a rendering without locals is not undone."""
