"""Entry point of `python -m bot.admin`; each command group registers its own subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.admin import privacy, users


def build_parser() -> argparse.ArgumentParser:
    """The command line: `user ...`, and `export`, `erase` and `retention`."""
    parser = argparse.ArgumentParser(prog="python -m bot.admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    users.add_parser(commands)
    privacy.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    return int(args.run(args, stdin or sys.stdin))


if __name__ == "__main__":
    sys.exit(main())
