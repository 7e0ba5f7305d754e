"""Subject-access export: everything held about one person, as JSON and as a readable page.

Every row of every table with the person's conversation id (privacy.personal_tables, so a new
table is included without a change here), the staff access to their conversations, and the
engine's tracker events. Secrets that are ours, not theirs (a web chat token's hash) are left
out. The HTML page escapes every value; the files are readable by their owner only.
"""

from __future__ import annotations

import html
import json
import os
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, select

from bot.store.models import Base, Conversation, StaffUser, utcnow
from bot.store.privacy import AUDIT, TRACKER, Subject, personal_tables
from bot.store.session import get_sessionmaker
from bot.store.tracker_privacy import events_of, tracker_connection

HIDDEN = {"webchat_sessions": {"token_hash"}, AUDIT: {"client"}}
# Staff ids shown with the name beside them.
STAFF_COLUMNS = {"staff_user_id": "staff_name", "advisor_id": "advisor_name"}
TITLES = {
    "messages": "Messages",
    "referrals": "Self-referral",
    "consent_records": "Consent records",
    "callback_requests": "Call-back requests",
    "conversation_notes": "Advisors' notes",
    "contacts": "Contacts counted for reports (no message text)",
    "telegram_chats": "Telegram chat",
    "webchat_sessions": "Web chat session",
    AUDIT: "Staff access to this conversation",
    TRACKER: "The assistant's record of the conversation (tracker events)",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _tables() -> list[tuple[Table, Column[Any]]]:
    """Every table with rows of a conversation but the conversation's own, and the audit."""
    audit = Base.metadata.tables[AUDIT]
    found = [(t, c) for t, c in personal_tables() if t.name != Conversation.__tablename__]
    return [(t, c) for t, c in found if t.name != AUDIT] + [(audit, audit.c.conversation_id)]


def _record(row: Conversation, staff: dict[int, str]) -> dict[str, Any]:
    return {
        "channel": row.channel,
        "state": row.state,
        "created_at": _plain(row.created_at),
        "updated_at": _plain(row.updated_at),
        "handover_reason": row.handover_reason,
        "urgent": row.urgent,
        "outcome": row.outcome,
        "advisor_name": staff.get(row.advisor_id) if row.advisor_id else None,
    }


def collect(subject: Subject) -> dict[str, Any]:
    """The export as one JSON-ready dictionary, one entry per conversation."""
    ids = list(subject.conversation_ids)
    per: dict[str, dict[str, Any]] = {cid: {"conversation_id": cid} for cid in ids}
    with get_sessionmaker().begin() as session:
        staff = {i: name for i, name in session.execute(select(StaffUser.id, StaffUser.username))}
        for table, column in _tables():
            hidden = HIDDEN.get(table.name, set())
            stmt = select(table).where(column.in_(ids)).order_by(*table.primary_key)
            for row in session.execute(stmt).mappings():
                item = {k: _plain(v) for k, v in row.items() if k not in hidden}
                for key, name in STAFF_COLUMNS.items():
                    if item.get(key) is not None:
                        item[name] = staff.get(item[key])
                per[row[column.key]].setdefault(table.name, []).append(item)
        for conversation in session.scalars(select(Conversation).where(Conversation.id.in_(ids))):
            per[conversation.id]["record"] = _record(conversation, staff)
    with tracker_connection(commit=False) as tracker:
        for event in events_of(tracker, ids):
            per[event.pop("conversation_id")].setdefault(TRACKER, []).append(event)
    return {
        "about": {"kind": subject.kind, "conversation_ids": ids},
        "generated_at": utcnow().isoformat(),
        "conversations": [per[cid] for cid in ids],
    }


def to_json(data: dict[str, Any]) -> str:
    """The export as indented JSON (UTF-8, nothing escaped away)."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _e(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return html.escape(value, quote=True)


def _table(rows: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th scope='col'>{_e(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _transcript(messages: list[dict[str, Any]]) -> str:
    items = "".join(
        f"<li><span class='meta'>{_e(m.get('sender'))} · {_e(m.get('at'))}</span>"
        f"<p>{_e(m.get('text'))}</p></li>"
        for m in messages
    )
    return f"<ol class='transcript'>{items}</ol>"


def _section(name: str, rows: list[dict[str, Any]]) -> str:
    title = TITLES.get(name, name.replace("_", " ").capitalize())
    inner = _transcript(rows) if name == "messages" else _table(rows)
    return f"<section><h3>{_e(title)} ({len(rows)})</h3>{inner}</section>"


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1b1b}table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top;"
    "word-break:break-word}.transcript{list-style:none;padding:0}.transcript li{border-left:"
    "3px solid #555;margin:.5rem 0;padding:.2rem .6rem}.meta{color:#555;font-size:.85rem}"
    "p{white-space:pre-wrap;margin:.2rem 0}"
)


def to_html(data: dict[str, Any]) -> str:
    """A page a person (or the member of staff answering them) can read; every value escaped."""
    parts = [
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>",
        "<title>Your data held by the Welfare Advice Line</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Data held by the Welfare Advice Line</h1>",
        f"<p>Produced {_e(data['generated_at'])} for a subject access request "
        f"({_e(data['about']['kind'])}), {len(data['conversations'])} conversation(s).</p>",
    ]
    for conversation in data["conversations"]:
        parts.append(f"<h2>Conversation {_e(conversation['conversation_id'])}</h2>")
        record = conversation.get("record")
        if record:
            parts.append(_table([record]))
        for name, rows in conversation.items():
            if isinstance(rows, list) and rows:
                parts.append(_section(name, rows))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_files(data: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write the JSON and HTML files (owner-only permissions, no id in the names) and return
    their paths."""
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = f"subject-access-{utcnow():%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    paths = (out_dir / f"{stem}.json", out_dir / f"{stem}.html")
    for path, text in zip(paths, (to_json(data), to_html(data)), strict=True):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    return paths
