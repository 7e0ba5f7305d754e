"""Keep what people tell the line out of the engine's logs.

Two things in Rasa 3.6 put conversation data into its log:

- Every response is passed through slot interpolation, button payloads included. A payload
  such as `/inform{"best_time":"Mornings"}` looks like a `{placeholder}`, so Rasa logs an
  error with a full traceback, whose local variables show the conversation's slot values
  (cut at 80 characters: the district and consent time in our runs; the referral form's
  name and phone number are slots too), and then uses the text unchanged. That happened for
  every button of every referral question, and the traceback formatting was a visible share
  of those turns' time. The text is now left unchanged without the error log; the answer is
  the same.
- Rasa's structured log renders any exception's traceback with the local variables of every
  frame: message text, trackers, slot values. Tracebacks are now rendered without locals.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict

import structlog
from rasa.core.nlg import interpolator
from structlog.dev import ConsoleRenderer, plain_traceback
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer

logger = logging.getLogger(__name__)
_rasa_interpolate_text = interpolator.interpolate_text


def _interpolate_text(response: str, values: Dict[str, Any]) -> str:
    """Rasa's `interpolate_text` line for line, except that text whose `{...}` is not a slot
    is returned unchanged with a debug line that names nothing from the conversation."""
    try:
        text = re.sub(r"{([^\n{}]+?)}", r"{0[\1]}", response)
        text = text.format(values)
        if "0[" in text:
            return response.format({})
        return text
    except KeyError:
        logger.debug("A response's {...} is not a slot name (a button payload?); left as is.")
        return response


def _without_locals(processor: Any) -> Any:
    """The same log processor, rendering exceptions without local variables."""
    if isinstance(processor, ExceptionRenderer):
        return ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    if isinstance(processor, ConsoleRenderer):
        processor._exception_formatter = plain_traceback
    return processor


def install() -> None:
    """Idempotent. The processor list is changed in place: Rasa's loggers cache it."""
    interpolator.interpolate_text = _interpolate_text
    processors = structlog.get_config()["processors"]
    processors[:] = [_without_locals(p) for p in processors]
