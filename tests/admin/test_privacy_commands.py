"""`python -m bot.admin export|erase|retention` and the audit rows every admin command writes
(the command line as the actor, never a password or what a person wrote)."""

from __future__ import annotations

import getpass
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.admin.__main__ import main
from bot.settings import ROOT, get_settings
from bot.store import audit
from bot.store.models import Contact
from tests.store.people import marker_anywhere, rows_of, seed_person, tracker_count
from tests.support.db import count
from tests.support.staff import PASSWORD

ACTOR = f"command line ({getpass.getuser()})"


def audit_rows(action: str) -> list[audit.AuditRow]:
    return [row for row in audit.events() if row.action == action]


def test_export_writes_json_and_html_and_prints_their_paths(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = seed_person("Ann-Cli-1")
    seed_person("Bob-Cli-2")
    out = tmp_path / "out"
    assert main(["export", ann.session_id or "", "--out", str(out)], io.StringIO()) == 0
    printed = capsys.readouterr().out.splitlines()
    json_path, html_path = Path(printed[-2]), Path(printed[-1])
    assert json_path.parent == out and html_path.suffix == ".html"
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["about"]["conversation_ids"] == [ann.conversation_id]
    assert "Bob-Cli-2" not in json_path.read_text() and "Ann-Cli-1" in html_path.read_text()
    assert "Ann-Cli-1" not in "\n".join(printed)
    [row] = audit_rows("export")
    assert (row.conversation_id, row.client, row.staff_user_id) == (
        ann.conversation_id,
        ACTOR,
        None,
    )


def test_an_id_starting_with_a_dash_is_taken_after_a_double_dash(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Web chat ids made before they were hex could start with "-"; the help says how."""
    assert main(["export", "--", "-Abc123"], io.StringIO()) == 1
    assert "nothing" in capsys.readouterr().err.lower()


def test_erase_needs_confirmation_then_removes_and_is_audited(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = seed_person("Ann-Cli-3")
    bob = seed_person("Bob-Cli-4")
    contacts = count(Contact)
    assert main(["erase", ann.conversation_id], io.StringIO("erase\n")) == 1  # not a terminal
    assert rows_of(ann.conversation_id)
    assert main(["erase", ann.conversation_id, "--yes"], io.StringIO()) == 0
    out = capsys.readouterr().out
    assert "messages: 3" in out and "tracker_events: 6" in out and "Ann-Cli-3" not in out
    assert rows_of(ann.conversation_id) == {} and tracker_count(ann.conversation_id) == 0
    assert marker_anywhere("Ann-Cli-3") == [] and marker_anywhere("Bob-Cli-4")
    assert count(Contact) == contacts and tracker_count(bob.conversation_id) == 6
    [row] = audit_rows("erase")
    assert row.conversation_id == ann.conversation_id and row.client == ACTOR
    assert main(["erase", ann.conversation_id, "--yes"], io.StringIO()) == 1  # nothing left
    assert main(["erase", "telegram:x", "--yes"], io.StringIO()) == 2


def test_retention_dry_run_changes_nothing_and_the_real_run_is_audited(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = seed_person("Old-Cli-5", age=timedelta(days=500))
    before = rows_of(old.conversation_id)
    assert main(["retention", "--dry-run"], io.StringIO()) == 0
    assert "would remove" in capsys.readouterr().out
    assert rows_of(old.conversation_id) == before and audit_rows("retention") == []
    assert main(["retention"], io.StringIO()) == 0
    out = capsys.readouterr().out
    assert "retention 365 days: removed" in out and "  messages: 3" in out
    assert rows_of(old.conversation_id) == {}
    [row] = audit_rows("retention")
    assert row.client == ACTOR and row.detail and "messages=3" in row.detail
    assert main(["retention"], io.StringIO()) == 0
    assert "  messages: 0" in capsys.readouterr().out


def test_retention_days_come_from_the_setting(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_person("Mid-Cli-6", age=timedelta(days=40))
    monkeypatch.setenv("RETENTION_DAYS", "30")
    get_settings.cache_clear()
    try:
        assert main(["retention", "--dry-run"], io.StringIO()) == 0
        assert "  messages: 3" in capsys.readouterr().out
        monkeypatch.setenv("RETENTION_DAYS", "0")
        get_settings.cache_clear()
        assert main(["retention"], io.StringIO()) == 2
    finally:
        monkeypatch.delenv("RETENTION_DAYS")
        get_settings.cache_clear()


def test_user_commands_are_audited_without_the_password(sqlite_url: str) -> None:
    assert main(["user", "create", "ada", "--role", "admin"], io.StringIO(PASSWORD)) == 0
    assert main(["user", "set-password", "ada"], io.StringIO("another long password")) == 0
    assert main(["user", "disable", "ada"], io.StringIO()) == 0
    assert main(["user", "enable", "ada"], io.StringIO()) == 0
    rows = [r for r in audit.events() if r.action.startswith("user_")]
    assert [(r.action, r.detail, r.client) for r in rows] == [
        ("user_create", "user=ada role=admin", ACTOR),
        ("user_password", "user=ada", ACTOR),
        ("user_disable", "user=ada", ACTOR),
        ("user_enable", "user=ada", ACTOR),
    ]
    assert all(PASSWORD not in (r.detail or "") for r in audit.events())


def test_runs_from_cron_as_a_module(sqlite_url: str) -> None:
    seed_person("Old-Cli-7", age=timedelta(days=400))
    result = subprocess.run(
        [sys.executable, "-m", "bot.admin", "retention"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "DATABASE_URL": sqlite_url},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "  messages: 3" in result.stdout and "Old-Cli-7" not in result.stdout + result.stderr
    assert marker_anywhere("Old-Cli-7") == []
