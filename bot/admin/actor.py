"""Who runs a command line: the audit's actor when there is no staff login."""

from __future__ import annotations

import getpass

from bot.store import audit
from bot.store.privacy import Actor

PREFIX = "command line"


def cli_actor() -> Actor:
    """No staff id; the `client` says "command line (<OS user>)", so the audit tells a person
    at the server from a member of staff in the pages."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        user = ""
    return Actor(None, f"{PREFIX} ({user})" if user else PREFIX)


def record(action: str, conversation_id: str | None = None, detail: str | None = None) -> None:
    """Write one audit row for a command (ids and counts only, never content)."""
    actor = cli_actor()
    audit.record(action, actor.staff_user_id, conversation_id, detail=detail, client=actor.client)
