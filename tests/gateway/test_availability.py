"""The honest notice for a person who starts waiting: out of hours, or nobody signed in."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest

from bot.gateway import availability as hours
from bot.gateway import texts
from bot.gateway.availability import UK, availability_notice, next_opening, parse_hours
from bot.settings import get_settings
from bot.store import staff

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=UK)  # a Monday
FRIDAY_6PM = datetime(2026, 12, 4, 18, 0, tzinfo=UK)


@pytest.fixture
def advisor_hours(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ADVISOR_HOURS", "mon-fri 09:00-17:00; sat 10:00-13:00")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def sign_in(role: str = "advisor") -> None:
    user = staff.create_user(f"{role}-{secrets.token_hex(4)}", "hash", role)
    staff.open_session(user.id, secrets.token_urlsafe(32), timedelta(hours=1))


def test_parse_hours() -> None:
    parsed = parse_hours("Mon-Fri 9:00-17:00; sat 10:00-13:00")
    assert parsed[0] == parsed[4] == [(time(9), time(17))]
    assert parsed[5] == [(time(10), time(13))] and 6 not in parsed
    assert parse_hours("sat-mon 10:00-12:00").keys() == {5, 6, 0}
    for bad in ("weekdays 9-5", "mon 17:00-09:00", "xyz 09:00-10:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_next_opening() -> None:
    parsed = parse_hours("mon-fri 09:00-17:00; sat 10:00-13:00")
    assert next_opening(parsed, FRIDAY_6PM) == datetime(2026, 12, 5, 10, 0, tzinfo=UK)
    assert hours.describe(datetime(2026, 12, 5, 10, 0, tzinfo=UK), FRIDAY_6PM) == (
        "tomorrow at 10:00"
    )
    saturday_2pm = datetime(2026, 12, 5, 14, 0, tzinfo=UK)
    assert hours.describe(next_opening(parsed, saturday_2pm), saturday_2pm) == "Monday at 9:00"


def test_unknown_hours_and_nobody_signed_in(sqlite_url: str) -> None:
    assert availability_notice(MONDAY_10AM).startswith(texts.NOBODY_SIGNED_IN)
    sign_in(role="reviewer")  # reviewers do not answer people
    assert availability_notice(MONDAY_10AM).startswith(texts.NOBODY_SIGNED_IN)
    sign_in()
    assert availability_notice(MONDAY_10AM) is None


def test_out_of_hours_says_when_someone_can_reply(sqlite_url: str, advisor_hours: None) -> None:
    sign_in()
    assert availability_notice(FRIDAY_6PM) == texts.closed_until("tomorrow at 10:00")
    assert availability_notice(MONDAY_10AM) is None


def test_in_hours_with_nobody_signed_in(sqlite_url: str, advisor_hours: None) -> None:
    assert availability_notice(MONDAY_10AM) == texts.NOBODY_IN_HOURS
