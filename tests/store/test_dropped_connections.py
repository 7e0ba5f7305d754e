"""PostgreSQL connections the server dropped (a restart): an idle pooled connection is pinged
and replaced before use, a busy one is not pinged (two round trips a message saved), and a
unit of work whose connection turns out dead runs again on a fresh one
(bot/store/session.py says why)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.store import session as store_session
from bot.store.models import Conversation
from bot.store.session import get_engine, in_unit, unit_of_work


def _drop_every_other_connection(url: str) -> int:
    """What a server restart does to the pool: every connection to the database but this
    one is closed by the server."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def _one(session: Session) -> int:
    return int(session.scalar(text("SELECT 1")) or 0)


def _count_pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings = [0]
    dialect = get_engine().dialect
    real = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings[0] += 1
        return bool(real(dbapi_connection))

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_in_steady_use_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(monkeypatch)
    for _ in range(5):
        assert in_unit(_one) == 1
    assert pings[0] == 0


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(monkeypatch)
    with unit_of_work() as session:
        assert _one(session) == 1
    assert _drop_every_other_connection(postgres_url) >= 1
    monkeypatch.setattr(store_session, "IDLE_PING_S", 0.0)  # every pooled connection is idle
    # A plain unit of work (no second try): the checkout's ping finds the dead connection.
    with unit_of_work() as session:
        assert _one(session) == 1
    assert pings[0] >= 1


def test_a_unit_whose_connection_was_dropped_runs_again_on_a_fresh_one(
    postgres_url: str,
) -> None:
    assert in_unit(_one) == 1
    assert _drop_every_other_connection(postgres_url) >= 1
    tries: list[int] = []

    def step(session: Session) -> str | None:
        tries.append(1)
        return session.scalar(select(Conversation.state).where(Conversation.id == "nobody"))

    assert in_unit(step) is None  # no error reaches the caller
    assert len(tries) == 2
    # The dropped connection also made the pool replace its other old connections.
    assert in_unit(_one) == 1


def test_a_step_that_fails_for_another_reason_is_not_run_again(postgres_url: str) -> None:
    tries: list[int] = []

    def broken(session: Session) -> None:
        tries.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception) as raised:
        in_unit(broken)
    assert not isinstance(raised.value, OperationalError) or not raised.value.connection_invalidated
    assert len(tries) == 1
