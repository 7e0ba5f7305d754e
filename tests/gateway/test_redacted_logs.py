"""No exception message in any log: a traceback keeps its frames and types, never the text
(a PostgreSQL DETAIL line quotes a failing row's values)."""

from __future__ import annotations

import io
import logging
import time

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

import bot.app  # noqa: F401 - the gateway installs the redaction when it is imported
from bot.redacted_logs import WITHHELD, redacted_traceback
from tests.support.live_server import LiveServer

SECRET = 'DETAIL: Key (phone)=(07700 900123) already exists; name "Sam Example"'


def failing_write() -> None:
    try:
        raise ValueError(f"could not parse {SECRET}")
    except ValueError as error:
        raise IntegrityError("INSERT INTO referrals ...", {}, Exception(SECRET)) from error


def test_a_logged_exception_keeps_frames_and_types_only() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    log = logging.getLogger("tests.redacted")
    log.addHandler(handler)
    try:
        try:
            failing_write()
        except IntegrityError:
            log.exception("referral_save_failed")
    finally:
        log.removeHandler(handler)
    written = out.getvalue()
    assert "referral_save_failed" in written
    assert "sqlalchemy.exc.IntegrityError" in written and "builtins.ValueError" in written
    assert "failing_write" in written and WITHHELD in written  # where, and what kind
    assert "07700" not in written and "Sam Example" not in written


def test_redacted_traceback_follows_the_chain_oldest_first() -> None:
    try:
        failing_write()
    except IntegrityError as error:
        text = redacted_traceback(error)
    assert text.index("ValueError") < text.index("IntegrityError")
    assert SECRET not in text


def test_the_servers_own_traceback_of_a_failed_request_is_redacted() -> None:
    """uvicorn logs "Exception in ASGI application" with the traceback of whatever a route
    raised: the gateway's process prints no message of it."""
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        failing_write()

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    server_log = logging.getLogger("uvicorn.error")
    server = LiveServer(app, lifespan="off").start()
    server_log.addHandler(handler)
    try:
        assert httpx.get(f"{server.url}/boom", timeout=10).status_code == 500
        deadline = time.monotonic() + 5  # the server logs it after answering
        while "IntegrityError" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server_log.removeHandler(handler)
        server.stop()
    written = out.getvalue()
    assert "Exception in ASGI application" in written and "IntegrityError" in written
    assert "07700" not in written and "Sam Example" not in written
