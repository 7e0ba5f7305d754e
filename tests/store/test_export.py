"""Subject-access export: everything seeded for the person and nothing of anyone else, as JSON
and as an HTML page that escapes what people wrote; files readable by their owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from bot.store import export, privacy
from tests.store.people import seed_person

SCRIPT = "<script>alert('Ann')</script>"


def test_export_holds_everything_of_the_person_and_nothing_of_another(database_url: str) -> None:
    ann = seed_person("Ann-Export-1", channel="telegram", telegram_id=31337)
    bob = seed_person("Bob-Export-2")
    data = export.collect(privacy.resolve("telegram:31337"))
    text = export.to_json(data)
    assert "Bob-Export-2" not in text and bob.conversation_id not in text
    [conversation] = data["conversations"]
    assert conversation["conversation_id"] == ann.conversation_id
    assert conversation["record"]["channel"] == "telegram"
    held = {name: len(rows) for name, rows in conversation.items() if isinstance(rows, list)}
    assert held == {
        "messages": 3,
        "referrals": 1,
        "consent_records": 2,
        "callback_requests": 1,
        "conversation_notes": 1,
        "contacts": 2,
        "telegram_chats": 1,
        "handover_waits": 1,
        "tracker_events": 6,
    }
    assert [m["text"] for m in conversation["messages"]][0] == "hello I am Ann-Export-1"
    assert conversation["referrals"][0]["preferred_name"] == "Ann-Export-1"
    assert conversation["callback_requests"][0]["phone"] == "07700900456"
    assert conversation["conversation_notes"][0]["staff_name"] == "advisor-Ann-Export-1"
    assert conversation["telegram_chats"][0]["chat_id"] == 31337
    assert conversation["tracker_events"][0]["data"]["text"] == "I am Ann-Export-1"
    assert json.loads(text) == json.loads(json.dumps(data, default=str))


def test_web_chat_token_hash_is_ours_and_left_out(database_url: str) -> None:
    ann = seed_person("Ann-Export-3")
    data = export.collect(privacy.resolve(ann.session_id or ""))
    [session] = data["conversations"][0]["webchat_sessions"]
    assert session["id"] == ann.session_id and "token_hash" not in session


def test_html_escapes_what_people_wrote(database_url: str) -> None:
    ann = seed_person(SCRIPT)
    page = export.to_html(export.collect(privacy.resolve(ann.conversation_id)))
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;Ann&#x27;)&lt;/script&gt;" in page
    assert page.startswith("<!doctype html>") and "Messages (3)" in page


def test_files_are_for_their_owner_only(database_url: str, tmp_path: Path) -> None:
    ann = seed_person("Ann-Export-4")
    out = tmp_path / "exports"
    paths = export.write_files(export.collect(privacy.resolve(ann.conversation_id)), out)
    assert [p.suffix for p in paths] == [".json", ".html"]
    assert all("Ann" not in p.name and ann.conversation_id not in p.name for p in paths)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o600}
    assert "Ann-Export-4" in paths[1].read_text(encoding="utf-8")
