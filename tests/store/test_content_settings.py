"""Content settings over the content file: a stored value wins, a change reaches another process
within the freshness interval (and never costs a database read per call), the line's hours are
one setting for people and for the availability notice, and a database that cannot be read
leaves the file's content in use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot import content
from bot.gateway import availability, texts
from bot.settings import ROOT, get_settings
from bot.store import settings_store
from tests.support.databases import using_database

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=availability.UK)
FRIDAY_6PM = datetime(2026, 12, 4, 18, 0, tzinfo=availability.UK)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    content.forget_cached()
    yield
    content.forget_cached()


def another_process_saves(values: dict[str, str | None]) -> None:
    """A save as the gateway would make it in another process: this one is not told."""
    settings_store.save(values, None)


def test_a_stored_value_is_laid_over_the_file_and_can_be_taken_back(database_url: str) -> None:
    assert content.get_content().districts["Bolton"].phone == ""
    settings_store.save({"district.Bolton.phone": "01204 123456"}, None)
    content.forget_cached()  # what the saving process does
    bolton = content.get_content().districts["Bolton"]
    assert bolton.phone == "01204 123456" and bolton.providers == ("Bolton Advice",)
    assert content.get_content().districts["Bury"].phone == ""
    settings_store.save({"district.Bolton.phone": None}, None)
    content.forget_cached()
    assert content.get_content().districts["Bolton"].phone == ""


def test_another_process_sees_a_change_within_the_interval(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(content, "REFRESH_SECONDS", 3600.0)  # within the interval...
    assert content.get_content().districts["Wigan"].website == ""
    another_process_saves({"district.Wigan.website": "https://example.org/wigan"})
    assert content.get_content().districts["Wigan"].website == ""  # ...no read, the old value
    monkeypatch.setattr(content, "REFRESH_SECONDS", 0.0)  # the interval has passed
    assert content.get_content().districts["Wigan"].website == "https://example.org/wigan"


def test_a_real_second_process_picks_the_change_up(sqlite_url: str) -> None:
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from bot.content import get_content\n"
            "print(repr(get_content().districts['Salford'].phone), flush=True)\n"
            "sys.stdin.readline()\n"
            "deadline = time.monotonic() + 10\n"
            "while time.monotonic() < deadline:\n"
            "    phone = get_content().districts['Salford'].phone\n"
            "    if phone: break\n"
            "    time.sleep(0.1)\n"
            "print(repr(phone), flush=True)\n",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": sqlite_url, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin and reader.stdout
    try:
        assert reader.stdout.readline().strip() == "''"
        settings_store.save({"district.Salford.phone": "0161 234 5678"}, None)
        started = time.monotonic()
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "'0161 234 5678'"
        assert time.monotonic() - started < content.REFRESH_SECONDS + 5  # a slow machine too
    finally:
        reader.kill()
        reader.wait()


def test_hours_are_one_setting_for_people_and_the_availability_notice(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert content.get_content().opening_hours == "" and content.line_hours() == ""
    assert availability.availability_notice(FRIDAY_6PM).startswith(texts.NOBODY_SIGNED_IN)
    settings_store.save({content.HOURS_KEY: "mon-fri 09:00-17:00; sat 10:00-13:00"}, None)
    content.forget_cached()
    assert content.get_content().opening_hours == (
        "Monday to Friday, 9am to 5pm and Saturday, 10am to 1pm"
    )
    assert content.line_hours() == "mon-fri 09:00-17:00; sat 10:00-13:00"
    assert availability.availability_notice(FRIDAY_6PM) == texts.closed_until("tomorrow at 10:00")
    assert availability.availability_notice(MONDAY_10AM) == texts.NOBODY_IN_HOURS


def test_advisor_hours_stay_the_default_until_the_pages_set_them(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_HOURS", "mon-fri 09:00-12:00")
    get_settings.cache_clear()
    try:
        assert content.get_content().opening_hours == "Monday to Friday, 9am to midday"
        assert content.line_hours() == "mon-fri 09:00-12:00"
        settings_store.save({content.HOURS_KEY: ""}, None)  # set as unknown in the pages
        content.forget_cached()
        assert content.get_content().opening_hours == "" and content.line_hours() == ""
        assert availability.availability_notice(FRIDAY_6PM).startswith(texts.NOBODY_SIGNED_IN)
    finally:
        monkeypatch.delenv("ADVISOR_HOURS")
        get_settings.cache_clear()


def test_normalised_hours_and_what_people_read() -> None:
    assert content.normalise_hours("Mon-Fri 9:00-17:30;  SUN 0:00-12:00") == (
        "mon-fri 09:00-17:30; sun 00:00-12:00"
    )
    assert content.hours_sentence("mon 09:30-12:00; wed 13:00-16:45; sat-sun 10:00-11:00") == (
        "Monday, 9:30am to midday, Wednesday, 1pm to 4:45pm and Saturday to Sunday, 10am to 11am"
    )
    for bad in ("weekdays 9-5", "mon 17:00-09:00", "mon 25:00-26:00"):
        with pytest.raises(ValueError):
            content.normalise_hours(bad)


def test_a_database_without_the_settings_leaves_the_file_in_use(tmp_path: Path) -> None:
    empty = tmp_path / "not-migrated.db"
    empty.write_bytes(b"")
    with using_database(f"sqlite:///{empty}"):
        found = content.get_content()
    assert found.districts["Bolton"].providers == ("Bolton Advice",)
    assert found.districts["Bolton"].phone == ""


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "never.db"
    with using_database(f"sqlite:///{missing}"):
        assert content.get_content().districts["Bury"].providers == ("Stepping Stones",)
    assert not missing.exists()


def test_the_freshness_check_costs_no_read_per_call(database_url: str) -> None:
    content.get_content()
    calls = 20_000
    started = time.perf_counter()
    for _ in range(calls):
        content.get_content()
    per_call = (time.perf_counter() - started) / calls
    assert per_call < 20e-6, f"{per_call * 1e6:.1f} µs per call"
