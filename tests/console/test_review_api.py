"""Conversation review through the staff API: reviewers and admins only (401 without a
session, 403 for advisors and without the CSRF token), the filtered list, a transcript with
the engine's intent, confidence and actions per message from the tracker store, marks, tags,
flags, and the audit rows each writes (ids and codes, never text)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert
from sqlalchemy.pool import NullPool

from bot.console.review_export import training_examples
from bot.settings import get_settings
from bot.store import audit, conversations, handover
from bot.store.models import utcnow
from bot.store.queries import ContactIn, record_contact
from bot.store.session import in_unit
from bot.store.tracker_turns import EVENTS, tracker_url
from tests.store.review_data import message
from tests.support.staff import PASSWORD, make_staff

ASKED = "how do i claim universal credit when i get out"  # a training example of uc_claim


class Staff:
    """One signed-in member of staff with their own cookie jar and CSRF token."""

    def __init__(self, app: FastAPI, name: str, role: str) -> None:
        self.user = make_staff(name, role)
        self.client = TestClient(app, base_url="https://testserver")
        login = {"username": name, "password": PASSWORD}
        token = self.client.post("/api/staff/login", json=login).json()["csrf_token"]
        self.headers = {"X-CSRF-Token": token}

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(f"/api/staff/review{path}", params=params)

    def send(self, method: str, path: str, body: dict | None = None) -> httpx.Response:
        return self.client.request(
            method, f"/api/staff/review{path}", json=body, headers=self.headers
        )


@pytest.fixture
def rev(app: FastAPI) -> Iterator[Staff]:
    yield Staff(app, "rev", "reviewer")


def tracker_events(cid: str, rows: list[dict]) -> None:
    """Events in Rasa's table in the tracker database, as the engine writes them."""
    engine = create_engine(tracker_url(get_settings().database_url), poolclass=NullPool)
    EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                insert(EVENTS).values(
                    sender_id=cid,
                    type_name=row["event"],
                    timestamp=row["timestamp"],
                    intent_name=(row.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=row.get("name"),
                    data=json.dumps(row),
                )
            )
    engine.dispose()


def a_conversation() -> dict:
    """A person asks twice; the assistant misreads the second; an advisor takes over."""
    cid = in_unit(conversations.create_conversation, "telegram")
    in_unit(
        record_contact, ContactIn(cid, "telegram", "handover", ["money"], "Bury", "Stepping Stones")
    )
    start = utcnow() - timedelta(minutes=10)
    first = message(cid, "person", ASKED, start)
    message(cid, "assistant", "Universal Credit is...", start + timedelta(seconds=1))
    second = message(cid, "person", "wen do i get paid", start + timedelta(minutes=1))
    message(cid, "assistant", "Sorry, I didn't catch that.", start + timedelta(minutes=1))
    waiting = message(cid, "person", "hello?", start + timedelta(minutes=2))
    t = start.timestamp()
    tracker_events(
        cid,
        [
            {"event": "action", "name": "action_session_start", "timestamp": t - 1},
            {"event": "user", "text": ASKED, "timestamp": t + 0.2,
             "parse_data": {"intent": {"name": "uc_claim", "confidence": 0.93}}},
            {"event": "action", "name": "action_answer", "timestamp": t + 0.3},
            {"event": "action", "name": "action_listen", "timestamp": t + 0.4},
            {"event": "user", "text": "wen do i get paid", "timestamp": t + 60.2,
             "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.31}}},
            {"event": "action", "name": "action_default_fallback", "timestamp": t + 60.3},
            {"event": "action", "name": "action_handover", "timestamp": t + 60.4},
        ],
    )  # fmt: skip
    return {"cid": cid, "first": first, "second": second, "waiting": waiting}


def test_without_a_session_every_review_route_is_401(app: FastAPI) -> None:
    client = TestClient(app, base_url="https://testserver")
    for method, path in [
        ("GET", "/conversations"),
        ("GET", "/choices"),
        ("GET", "/conversations/x"),
        ("PUT", "/conversations/x/reviewed"),
        ("POST", "/conversations/x/tags"),
        ("DELETE", "/conversations/x/tags/y"),
        ("PUT", "/messages/1/flag"),
        ("DELETE", "/messages/1/flag"),
        ("GET", "/export"),
    ]:
        response = client.request(method, f"/api/staff/review{path}", json={})
        assert response.status_code == 401, (method, path)


def test_advisors_get_403_and_changes_need_the_csrf_token(app: FastAPI, rev: Staff) -> None:
    made = a_conversation()
    advisor = Staff(app, "ada", "advisor")
    assert advisor.get("/conversations").status_code == 403
    assert advisor.get(f"/conversations/{made['cid']}").status_code == 403
    assert advisor.send("PUT", f"/conversations/{made['cid']}/reviewed", {}).status_code == 403
    assert advisor.get("/export").status_code == 403
    no_token = rev.client.put(f"/api/staff/review/conversations/{made['cid']}/reviewed", json={})
    assert no_token.status_code == 403
    assert [e.action for e in audit.events(made["cid"])] == []
    # reviewers stay read only on the advisors' side
    assert (
        rev.client.post(
            f"/api/staff/conversations/{made['cid']}/notes", json={"text": "x"}, headers=rev.headers
        ).status_code
        == 403
    )


def test_the_list_filters_and_shows_no_text(rev: Staff) -> None:
    made = a_conversation()
    other = in_unit(conversations.create_conversation, "webchat")
    in_unit(
        record_contact, ContactIn(other, "webchat", "answered", ["food"], "Bolton", "Bolton Advice")
    )
    listed = rev.get("/conversations", district="Bury")
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["conversation_id"] == made["cid"] and item["districts"] == ["Bury"]
    assert item["channel"] == "telegram" and item["messages"] == 5
    assert "claim uc" not in listed.text
    assert rev.get("/conversations", channel="webchat").json()["total"] == 1
    assert rev.get("/conversations", topic="food").json()["items"][0]["conversation_id"] == other
    assert rev.get("/conversations", channel="fax").status_code == 422
    assert rev.get("/conversations", per_page="2", page="2").json()["items"] == []
    choices = rev.get("/choices").json()
    assert choices["districts"] == ["Bolton", "Bury"] and "uc_claim" in choices["intents"]
    assert "crisis_check" not in choices["intents"]


def test_the_transcript_shows_what_the_assistant_understood_and_is_audited(rev: Staff) -> None:
    made = a_conversation()
    handover.add_note(made["cid"], rev.user.id, "asked about payment dates")
    response = rev.get(f"/conversations/{made['cid']}")
    assert response.status_code == 200
    body = response.json()
    turns = {
        m["id"]: (m["from"], m["intent"], m["confidence"], m["actions"]) for m in body["messages"]
    }
    assert turns[made["first"]] == ("person", "uc_claim", 0.93, ["action_answer"])
    assert turns[made["second"]] == (
        "person",
        "nlu_fallback",
        0.31,
        ["action_default_fallback", "action_handover"],
    )
    assert turns[made["waiting"]] == ("person", None, None, [])  # the engine never saw it
    assert [m["text"] for m in body["messages"]][:2] == [
        "how do i claim universal credit when i get out",
        "Universal Credit is...",
    ]
    assert body["district"] == "Bury" and body["notes"][0]["text"] == "asked about payment dates"
    assert body["review"] == {
        "reviewed": False,
        "reviewed_at": None,
        "reviewed_by": None,
        "tags": [],
    }
    views = [e for e in audit.events(made["cid"]) if e.action == "review_view"]
    assert len(views) == 1 and views[0].staff_user_id == rev.user.id
    assert rev.get("/conversations/nope").status_code == 404


def test_marks_tags_and_flags_are_kept_and_audited_without_text(rev: Staff) -> None:
    made = a_conversation()
    cid = made["cid"]
    marked = rev.send("PUT", f"/conversations/{cid}/reviewed", {"reviewed": True})
    assert marked.status_code == 200 and marked.json()["reviewed_by"] == "rev"
    tagged = rev.send("POST", f"/conversations/{cid}/tags", {"tag": "Payment Dates"})
    assert tagged.json() == {"conversation_id": cid, "tags": ["payment dates"]}
    assert rev.send("POST", f"/conversations/{cid}/tags", {"tag": "x" * 41}).status_code == 422
    assert rev.send("POST", f"/conversations/{cid}/tags", {"tag": "   "}).status_code == 422
    flagged = rev.send("PUT", f"/messages/{made['second']}/flag", {"intent": "uc_payment_date"})
    assert flagged.json() == {
        "message_id": made["second"],
        "intent": "uc_payment_date",
        "new_intent": True,
    }
    assert (
        rev.send("PUT", f"/messages/{made['first']}/flag", {"intent": "Bad Name"}).status_code
        == 422
    )
    assistant = made["first"] + 1
    assert rev.send("PUT", f"/messages/{assistant}/flag", {"intent": "greet"}).status_code == 422
    assert rev.send("PUT", "/messages/99999/flag", {"intent": "greet"}).status_code == 404
    body = rev.get(f"/conversations/{cid}").json()
    assert body["review"]["reviewed"] and body["review"]["tags"] == ["payment dates"]
    assert {m["id"]: m["flag"] for m in body["messages"]}[made["second"]] == "uc_payment_date"
    assert rev.get("/conversations", reviewed="true", tag="payment dates").json()["total"] == 1
    assert rev.send("DELETE", f"/conversations/{cid}/tags/payment dates").json()["tags"] == []
    assert rev.send("DELETE", f"/messages/{made['second']}/flag").status_code == 204
    assert rev.send("DELETE", f"/messages/{made['second']}/flag").status_code == 404
    trail = [(e.action, e.detail) for e in audit.events(cid) if e.action.startswith("review_")]
    assert trail == [
        ("review_mark", "reviewed"),
        ("review_tag", "added"),
        ("review_flag", f"message={made['second']} intent=uc_payment_date"),
        ("review_view", None),
        ("review_tag", "removed"),
        ("review_flag", f"message={made['second']} removed"),
    ]
    assert all("paid" not in (e.detail or "") for e in audit.events(cid))


def test_a_message_id_too_big_for_the_database_is_a_422(rev: Staff) -> None:
    """Past a 64-bit row id the database driver overflows: the route refuses it first."""
    huge = 2**63
    assert rev.send("PUT", f"/messages/{huge}/flag", {"intent": "greet"}).status_code == 422
    assert rev.send("DELETE", f"/messages/{huge}/flag").status_code == 422
    assert rev.send("DELETE", f"/messages/{huge - 1}/flag").status_code == 404


def test_admins_review_too(app: FastAPI) -> None:
    made = a_conversation()
    admin = Staff(app, "boss", "admin")
    assert admin.get(f"/conversations/{made['cid']}").status_code == 200
    assert admin.send("PUT", f"/conversations/{made['cid']}/reviewed", {}).status_code == 200


def test_the_export_downloads_flagged_messages_and_is_audited(rev: Staff) -> None:
    made = a_conversation()
    rev.send("PUT", f"/messages/{made['second']}/flag", {"intent": "uc_payment_date"})
    rev.send("PUT", f"/messages/{made['first']}/flag", {"intent": "uc_claim"})
    assert training_examples()[ASKED] == {"uc_claim"}
    response = rev.get("/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="review_') and ".yml" in disposition
    assert "- intent: uc_payment_date" in response.text
    assert "    - wen do i get paid" in response.text
    assert "uc_payment_date" in response.text.split('version: "3.1"')[0]  # named as new
    exports = [e for e in audit.events() if e.action == "review_export"]
    assert [(e.staff_user_id, e.detail) for e in exports] == [
        (rev.user.id, "examples=1 new_intents=1")
    ]  # the first message is a training example of uc_claim already: left out
