"""The advisor's work through the staff API: the queue, claiming (409 for the loser), the
conversation view, replies reaching the person, private notes, handing back, requeueing and
closing (each telling the person and recording a contact), and the audit rows of it all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.console import texts
from bot.store import audit, conversations
from bot.store.models import Contact
from bot.store.queries import ContactIn, ReferralIn, record_contact, save_referral
from bot.store.session import in_unit
from tests.support.db import rows
from tests.support.staff import PASSWORD, make_staff


class Advisor:
    """One signed-in staff member with their own cookie jar and CSRF token."""

    def __init__(self, app: FastAPI, name: str, role: str = "advisor") -> None:
        self.user = make_staff(name, role)
        self.client = TestClient(app, base_url="https://testserver")
        login = {"username": name, "password": PASSWORD}
        token = self.client.post("/api/staff/login", json=login).json()["csrf_token"]
        self.headers = {"X-CSRF-Token": token}

    def get(self, path: str) -> httpx.Response:
        return self.client.get(f"/api/staff{path}")

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        return self.client.post(f"/api/staff{path}", json=body, headers=self.headers)


@pytest.fixture
def ada(app: FastAPI) -> Iterator[Advisor]:
    yield Advisor(app, "ada")


@pytest.fixture
def bob(app: FastAPI) -> Iterator[Advisor]:
    yield Advisor(app, "bob")


def waiting(channel: str = "webchat", urgent: bool = False, reason: str = "asked") -> str:
    cid = in_unit(conversations.create_conversation, channel)
    in_unit(conversations.add_message, cid, "in", "person", "I need to talk to someone")
    in_unit(conversations.add_message, cid, "out", "assistant", "I'll find you an advisor.")
    in_unit(conversations.set_state, cid, "waiting", reason=reason, urgent=urgent)
    return cid


def contacts(cid: str) -> list[Contact]:
    return rows(Contact, conversation_id=cid)


def test_queue_lists_waiting_conversations_urgent_first(ada: Advisor) -> None:
    first = waiting()
    in_unit(
        record_contact,
        ContactIn(first, "webchat", "handover", ["housing"], "Bury", "Stepping Stones"),
    )
    crisis = waiting(channel="telegram", urgent=True, reason="crisis")
    in_unit(conversations.create_conversation, "webchat")  # with the assistant: not queued
    response = ada.get("/queue")
    assert response.status_code == 200
    items = response.json()
    assert [i["conversation_id"] for i in items] == [crisis, first]
    assert items[0] | {"waiting_s": 0, "waiting_since": ""} == {
        "conversation_id": crisis,
        "channel": "telegram",
        "state": "waiting",
        "reason": "crisis",
        "urgent": True,
        "district": None,
        "needs": [],
        "waiting_s": 0,
        "waiting_since": "",
        "callback": False,
    }
    assert (items[1]["district"], items[1]["needs"]) == ("Bury", ["housing"])


def test_one_advisor_claims_and_the_other_gets_409(ada: Advisor, bob: Advisor) -> None:
    cid = waiting()
    assert ada.post(f"/conversations/{cid}/claim").json() == {
        "conversation_id": cid,
        "state": "advisor",
    }
    assert ada.post(f"/conversations/{cid}/claim").status_code == 200  # already hers
    assert bob.post(f"/conversations/{cid}/claim").status_code == 409
    assert ada.get("/queue").json() == []
    assert bob.post(f"/conversations/{cid}/messages", {"text": "hi"}).status_code == 409
    assert bob.post(f"/conversations/{cid}/close", {"outcome": "answered"}).status_code == 409
    assert bob.post("/conversations/nope/claim").status_code == 404
    unclaimed = waiting()
    assert ada.post(f"/conversations/{unclaimed}/messages", {"text": "hi"}).status_code == 409


def test_the_conversation_view_shows_everything_and_is_audited(ada: Advisor) -> None:
    cid = waiting()
    save_referral(
        ReferralIn(
            cid, "webchat", "Sam", "Salford", "Salford Foundation", "phone", "07700900000",
            "mornings", ["debt"], "yes", datetime.now(UTC), "v1",
        )
    )  # fmt: skip
    ada.post(f"/conversations/{cid}/claim")
    ada.post(f"/conversations/{cid}/notes", {"text": "Asked about a budgeting loan"})
    view = ada.get(f"/conversations/{cid}").json()
    assert (view["state"], view["channel"], view["reason"]) == ("advisor", "webchat", "asked")
    assert (view["advisor"], view["advisor_id"]) == ("ada", ada.user.id)
    assert [(m["from"], m["text"]) for m in view["transcript"]] == [
        ("person", "I need to talk to someone"),
        ("assistant", "I'll find you an advisor."),
    ]
    assert view["referral"]["preferred_name"] == "Sam"
    assert view["referral"]["district"] == "Salford"
    assert (view["district"], view["needs"]) == ("Salford", ["debt"])
    assert [(n["author"], n["text"]) for n in view["notes"]] == [
        ("ada", "Asked about a budgeting loan")
    ]
    assert ada.get("/conversations/nope").status_code == 404
    assert [e.action for e in audit.events(conversation_id=cid)] == ["claim", "note", "view"]


def test_replies_reach_the_person_and_notes_do_not(ada: Advisor) -> None:
    cid = waiting()
    ada.post(f"/conversations/{cid}/claim")
    sent = ada.post(f"/conversations/{cid}/messages", {"text": "Hi, I'm Ada. How can I help?"})
    assert sent.status_code == 200
    assert sent.json()["from"] == "advisor"
    ada.post(f"/conversations/{cid}/notes", {"text": "private"})
    texts_seen = [m.text for m in in_unit(conversations.transcript, cid)]
    assert texts_seen[-1] == "Hi, I'm Ada. How can I help?"
    assert "private" not in texts_seen
    assert ada.post(f"/conversations/{cid}/messages", {"text": ""}).status_code == 422
    rows = audit.events(conversation_id=cid)
    assert [(r.action, r.staff_user_id) for r in rows] == [
        ("claim", ada.user.id),
        ("reply", ada.user.id),
        ("note", ada.user.id),
    ]
    assert rows[1].detail == f"message={sent.json()['id']}"  # an id, never the text


def test_handback_tells_the_person_and_records_a_contact(ada: Advisor) -> None:
    cid = waiting()
    in_unit(
        record_contact, ContactIn(cid, "webchat", "handover", ["debt"], "Bolton", "Bolton Advice")
    )
    ada.post(f"/conversations/{cid}/claim")
    response = ada.post(f"/conversations/{cid}/handback")
    assert response.json() == {"conversation_id": cid, "state": "assistant"}
    assert in_unit(conversations.get_state, cid) == "assistant"
    assert in_unit(conversations.transcript, cid)[-1].text == texts.HANDBACK
    last = contacts(cid)[-1]
    assert (last.outcome, last.district, last.provider, last.topics) == (
        "handover",
        "Bolton",
        "Bolton Advice",
        ["debt"],
    )
    assert ada.post(f"/conversations/{cid}/handback").status_code == 409
    assert audit.events(conversation_id=cid)[-1].action == "handback"


def test_requeue_puts_it_back_for_a_colleague(ada: Advisor, bob: Advisor) -> None:
    cid = waiting()
    ada.post(f"/conversations/{cid}/claim")
    assert ada.post(f"/conversations/{cid}/requeue").json()["state"] == "waiting"
    assert [i["conversation_id"] for i in bob.get("/queue").json()] == [cid]
    assert in_unit(conversations.transcript, cid)[-1].text == texts.REQUEUED
    assert bob.post(f"/conversations/{cid}/claim").status_code == 200
    assert contacts(cid)[-1].outcome == "handover"
    assert [e.action for e in audit.events(conversation_id=cid)] == ["claim", "requeue", "claim"]


def test_close_with_an_outcome(ada: Advisor, bob: Advisor) -> None:
    cid = waiting()
    ada.post(f"/conversations/{cid}/claim")
    assert ada.post(f"/conversations/{cid}/close", {"outcome": "made up"}).status_code == 422
    response = ada.post(f"/conversations/{cid}/close", {"outcome": "signposted"})
    assert response.json() == {"conversation_id": cid, "state": "closed"}
    assert in_unit(conversations.transcript, cid)[-1].text == texts.CLOSED
    assert [c.outcome for c in contacts(cid)] == ["signposted"]
    view = bob.get(f"/conversations/{cid}").json()
    assert (view["state"], view["outcome"], view["advisor"]) == ("closed", "signposted", None)
    assert bob.post(f"/conversations/{cid}/claim").status_code == 409
    close = [e for e in audit.events(conversation_id=cid) if e.action == "close"]
    assert [(e.staff_user_id, e.detail) for e in close] == [(ada.user.id, "outcome=signposted")]


def test_an_admin_can_close_a_conversation_another_advisor_holds(
    app: FastAPI, ada: Advisor
) -> None:
    admin = Advisor(app, "root", role="admin")
    cid = waiting()
    ada.post(f"/conversations/{cid}/claim")
    assert admin.post(f"/conversations/{cid}/messages", {"text": "hi"}).status_code == 409
    assert admin.post(f"/conversations/{cid}/close", {"outcome": "answered"}).status_code == 200
    assert audit.events(conversation_id=cid)[-1].staff_user_id == admin.user.id
