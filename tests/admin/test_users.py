"""`python -m bot.admin user ...`: accounts made from the command line can sign in."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from bot.admin.__main__ import main
from bot.console.passwords import check_password
from bot.settings import ROOT
from bot.store import staff
from tests.support.staff import PASSWORD


def test_user_create_reads_the_password_from_standard_input(sqlite_url: str, capsys) -> None:
    assert main(["user", "create", "ada", "--role", "advisor"], io.StringIO(PASSWORD + "\n")) == 0
    found = staff.login_record("ada")
    assert found is not None and found[0].role == "advisor"
    assert found[1].startswith("$argon2id$") and PASSWORD not in found[1]
    assert check_password(found[1], PASSWORD) == (True, False)
    assert PASSWORD not in capsys.readouterr().out


def test_user_create_refuses_a_taken_name_and_a_short_password(sqlite_url: str) -> None:
    assert main(["user", "create", "ada", "--role", "admin"], io.StringIO(PASSWORD)) == 0
    assert main(["user", "create", "ADA", "--role", "admin"], io.StringIO(PASSWORD)) == 1
    assert main(["user", "create", "bob", "--role", "reviewer"], io.StringIO("short\n")) == 2
    assert staff.login_record("bob") is None


def test_set_password_and_disable(sqlite_url: str) -> None:
    main(["user", "create", "ada", "--role", "advisor"], io.StringIO(PASSWORD))
    assert main(["user", "set-password", "ada"], io.StringIO("another long password")) == 0
    assert check_password(staff.login_record("ada")[1], "another long password")[0]
    assert main(["user", "disable", "ada"], io.StringIO()) == 0
    assert staff.login_record("ada") is None
    assert main(["user", "enable", "ada"], io.StringIO()) == 0
    assert main(["user", "disable", "nobody"], io.StringIO()) == 1


def test_runs_as_a_module(sqlite_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.admin", "user", "create", "rita", "--role", "reviewer"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": sqlite_url},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert staff.login_record("rita")[0].role == "reviewer"
