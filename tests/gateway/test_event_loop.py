"""No database statement runs on the event loop, on any path a person or an advisor takes.

A statement run on the loop makes every request and stream of that process wait for it (a
SQLite lock wait freezes them all). The engine's cursor events record each statement run in a
thread that has a running event loop, with where it came from.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from tests.support.event_loop import statements_on_the_loop as catching
from tests.support.rasa import ScriptedRasa
from tests.support.staff import PASSWORD, make_staff
from tests.support.webchat import WebChat

HANDOVER = [
    {"text": "Passing you to an advisor.", "buttons": [{"title": "OK", "payload": "/affirm"}]},
    {"custom": {"handover": {"reason": "asked", "urgent": False}}},
]


@pytest.fixture
def statements_on_the_loop(database_url: str) -> Iterator[list[str]]:
    with catching() as found:
        yield found


def test_a_whole_conversation_with_a_handover_runs_no_statement_on_the_loop(
    rasa: ScriptedRasa, statements_on_the_loop: list[str]
) -> None:
    rasa.replies = HANDOVER
    make_staff("ada")
    with TestClient(create_app(rasa.client()), base_url="https://testserver") as client:
        person = WebChat(client)
        person.say(text="can I talk to a person")
        person.say(text="are you there?")
        cid = person.conversation_id
        token = client.post(
            "/api/staff/login", json={"username": "ada", "password": PASSWORD}
        ).json()["csrf_token"]
        headers = {"X-CSRF-Token": token}
        staff = "/api/staff/conversations"
        assert client.get("/api/staff/queue").status_code == 200
        assert client.post(f"{staff}/{cid}/claim", headers=headers).status_code == 200
        assert client.get(f"{staff}/{cid}").status_code == 200
        said = {"text": "Hello, I'm Ada"}
        assert client.post(f"{staff}/{cid}/messages", json=said, headers=headers).status_code == 200
        note = {"text": "asked about money"}
        assert client.post(f"{staff}/{cid}/notes", json=note, headers=headers).status_code == 200
        person.say(text="thanks")
        assert client.post(f"{staff}/{cid}/handback", headers=headers).status_code == 200
        person.say(text="hello again")
        assert person.transcript()
    assert statements_on_the_loop == []
