"""Tracebacks in the engine's log carry no local variables, in both of Rasa's renderers."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import structlog
from rasa.utils import log_utils
from structlog.dev import plain_traceback

from engine.patches import log_privacy

SECRET = "Jo Bloggs 07700 900123"


class Terminal:
    """Stands in for a terminal on stderr, so Rasa picks its console renderer."""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _fail_with_secret() -> None:
    phone_and_name = SECRET  # noqa: F841 - a local that a renderer with locals would print
    raise ValueError("boom")


def _logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, console: bool, patched: bool
) -> str:
    monkeypatch.setattr(log_utils, "FORCE_JSON_LOGGING", not console)
    if console:
        monkeypatch.setattr(log_utils.sys, "stderr", Terminal())
    log_utils.configure_structlog(logging.INFO)  # as `rasa run` does before loading the model
    if patched:
        log_privacy.install()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        try:
            _fail_with_secret()
        except ValueError:
            structlog.get_logger("engine.test").exception("engine.failed")
    return "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("console", [True, False], ids=["console", "json"])
def test_rendered_traceback_has_no_locals(
    console: bool, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _logged(caplog, monkeypatch, console, patched=True)
    assert "boom" in text and "_fail_with_secret" in text
    assert SECRET not in text


def test_without_the_patch_rasas_json_renderer_shows_locals(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So the test above can fail: Rasa's own configuration prints the local."""
    text = _logged(caplog, monkeypatch, console=False, patched=False)
    assert SECRET in text


def test_a_console_renderer_with_a_locals_formatter_gets_the_plain_one() -> None:
    """Rasa's console renderer prints locals when `rich` is installed; the patch stops that."""
    renderer = log_utils.HumanConsoleRenderer(exception_formatter=lambda sio, exc: None)
    assert log_privacy.without_locals(renderer)._exception_formatter is plain_traceback


def teardown_module(module: Any) -> None:
    log_utils.configure_structlog(logging.WARNING)
    log_privacy.install()
