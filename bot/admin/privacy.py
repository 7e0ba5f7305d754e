"""`export`, `erase` and `retention`: the data-protection duties from the command line.

Each prints ids, file paths and counts only (never what a person wrote), and is audited with
the command line as the actor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bot.admin import actor
from bot.settings import ROOT, get_settings
from bot.store import export, privacy, retention

DEFAULT_EXPORT_DIR = ROOT / "var" / "exports"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `export ID`, `erase ID` and `retention [--dry-run]`."""
    id_help = (
        "a conversation id, a web chat session id, or telegram:<user id>; "
        "put -- before an id that starts with a dash"
    )
    sub = commands.add_parser("export", help="everything held about one person (JSON and HTML)")
    sub.add_argument("id", help=id_help)
    sub.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_EXPORT_DIR,
        help="folder for the two files (default var/exports; made owner-only)",
    )
    sub.set_defaults(run=run_export)
    sub = commands.add_parser("erase", help="remove everything held about one person")
    sub.add_argument("id", help=id_help)
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    sub.set_defaults(run=run_erase)
    sub = commands.add_parser(
        "retention", help="delete personal data older than RETENTION_DAYS (safe from cron)"
    )
    sub.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    sub.set_defaults(run=run_retention)


def _subject(identifier: str) -> privacy.Subject | int:
    """The person, or the exit status: 2 for a malformed id, 1 when nothing is held."""
    try:
        return privacy.resolve(identifier)
    except privacy.BadId as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except privacy.NothingHeld:
        print("error: nothing is held for that id", file=sys.stderr)
        return 1


def _counts(counts: dict[str, int]) -> str:
    return "\n".join(f"  {name}: {n}" for name, n in sorted(counts.items()))


def run_export(args: argparse.Namespace, stdin: TextIO) -> int:
    """Write the JSON and HTML files and print their paths."""
    subject = _subject(args.id)
    if isinstance(subject, int):
        return subject
    data = export.collect(subject)
    json_path, html_path = export.write_files(data, args.out)
    for conversation_id in subject.conversation_ids:
        actor.record("export", conversation_id, detail=f"by={subject.kind} files=json,html")
    print(f"exported {len(subject.conversation_ids)} conversation(s)")
    print(json_path)
    print(html_path)
    return 0


def _confirmed(subject: privacy.Subject, stdin: TextIO) -> bool:
    print("this removes, for good:", file=sys.stderr)
    print(_counts(privacy.summary(subject)), file=sys.stderr)
    if not stdin.isatty():
        print("error: add --yes to erase without a terminal", file=sys.stderr)
        return False
    print("type erase to go on: ", end="", file=sys.stderr, flush=True)
    return stdin.readline().strip().lower() == "erase"


def run_erase(args: argparse.Namespace, stdin: TextIO) -> int:
    """Erase after a confirmation (or --yes) and print what went, as counts."""
    subject = _subject(args.id)
    if isinstance(subject, int):
        return subject
    if not args.yes and not _confirmed(subject, stdin):
        print("nothing erased", file=sys.stderr)
        return 1
    done = privacy.erase(subject, actor.cli_actor())
    print(f"erased {len(done)} conversation(s); contacts stay as counts without an id")
    print(_counts(privacy.totals(done)))
    return 0


def run_retention(args: argparse.Namespace, stdin: TextIO) -> int:
    """Apply retention (or count it with --dry-run) and print the counts."""
    days = get_settings().retention_days
    try:
        counts = retention.run(days, dry_run=args.dry_run)
    except ValueError as error:
        print(f"error: {error} (RETENTION_DAYS={days})", file=sys.stderr)
        return 2
    if not args.dry_run:
        actor.record("retention", detail=privacy.describe(counts, prefix=f"days={days}"))
    verb = "would remove" if args.dry_run else "removed"
    print(f"retention {days} days: {verb} (contacts are anonymised, never removed)")
    print(_counts(counts))
    return 0
