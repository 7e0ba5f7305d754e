"""`user` commands: create staff accounts, change a password, disable or enable an account.

Each change is audited with the command line as the actor (the account's name, never the
password)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.admin import actor
from bot.console.passwords import hash_password, password_problem
from bot.store import staff
from bot.store.models import STAFF_ROLES


def read_password(stdin: TextIO) -> str:
    """From a terminal: asked twice, not echoed. Piped: the first line of standard input."""
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `user create|set-password|disable|enable`."""
    user = commands.add_parser("user", help="staff accounts of the console")
    actions = user.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="add a staff user (password on standard input)")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    create.set_defaults(run=create_user)
    password = actions.add_parser("set-password", help="new password from standard input")
    password.add_argument("name")
    password.set_defaults(run=set_password)
    for verb in ("disable", "enable"):
        sub = actions.add_parser(verb, help=f"{verb} an account")
        sub.add_argument("name")
        sub.set_defaults(run=set_active, active=verb == "enable")


def _new_password(stdin: TextIO) -> str | None:
    try:
        password = read_password(stdin)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    problem = password_problem(password)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return None
    return password


def create_user(args: argparse.Namespace, stdin: TextIO) -> int:
    """Create the account; exit 1 if the name is taken, 2 if the password is refused."""
    name = args.name.strip()
    if not name or len(name) > 64:
        print("error: the name must be 1 to 64 characters", file=sys.stderr)
        return 2
    password = _new_password(stdin)
    if password is None:
        return 2
    try:
        user = staff.create_user(name, hash_password(password), args.role)
    except staff.UserExists:
        print(f"error: a staff user called {name!r} already exists", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(
            f"error: database not ready ({type(error).__name__}); run `make migrate`",
            file=sys.stderr,
        )
        return 1
    actor.record("user_create", detail=f"user={user.username} role={user.role}")
    print(f"created {user.role} {user.username!r} (id {user.id})")
    return 0


def set_password(args: argparse.Namespace, stdin: TextIO) -> int:
    """Replace the password and sign the user out everywhere."""
    password = _new_password(stdin)
    if password is None:
        return 2
    if not staff.set_password(args.name, hash_password(password)):
        print(f"error: no staff user called {args.name!r}", file=sys.stderr)
        return 1
    actor.record("user_password", detail=f"user={args.name}")
    print(f"password changed for {args.name!r}; their sessions have ended")
    return 0


def set_active(args: argparse.Namespace, stdin: TextIO) -> int:
    """Disable (signing out at once) or enable an account; accounts are never deleted."""
    if not staff.set_active(args.name, args.active):
        print(f"error: no staff user called {args.name!r}", file=sys.stderr)
        return 1
    actor.record("user_enable" if args.active else "user_disable", detail=f"user={args.name}")
    print(f"{'enabled' if args.active else 'disabled'} {args.name!r}")
    return 0
