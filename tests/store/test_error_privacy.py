"""A database error never lists the values it was writing (message text, phone numbers).

SQLAlchemy adds the bound parameters to every error's text unless the engine hides them. (A
PostgreSQL server's own DETAIL line may still quote a failing row, which is why the app logs an
error's type, never its text.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.store.session import get_engine


def test_database_errors_leave_the_parameters_out(database_url: str) -> None:
    secret = "07700 900123 my name is Sam"
    with pytest.raises(SQLAlchemyError) as error:
        with get_engine().begin() as connection:
            connection.execute(
                text("INSERT INTO no_such_table (conversation_id, text) VALUES (:c, :t)"),
                {"c": "no-such-conversation", "t": secret},
            )
    assert "SQL parameters hidden" in str(error.value)
    assert secret not in str(error.value) and "07700" not in repr(error.value)
