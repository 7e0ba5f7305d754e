"""The admin API: admins only; the audit trail filtered and never editable; look-up, export and
erasure (with the id typed again); content settings checked, audited and in use at once, by
this process's get_content() and by the signposting action's reply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from actions.signpost import ActionSignpost
from bot import content
from bot.admin import actor
from bot.store import audit
from bot.store.models import utcnow
from tests.store.people import marker_anywhere, rows_of, seed_person
from tests.support.actions import make_tracker, run_action
from tests.support.staff import PASSWORD, make_staff


class Staff:
    """One signed-in member of staff with their own cookies and CSRF token."""

    def __init__(self, app: FastAPI, name: str, role: str) -> None:
        self.user = make_staff(name, role)
        self.client = TestClient(app, base_url="https://testserver")
        login = {"username": name, "password": PASSWORD}
        token = self.client.post("/api/staff/login", json=login).json()["csrf_token"]
        self.headers = {"X-CSRF-Token": token}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(f"/api/staff/admin{path}", params=params)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.post(f"/api/staff/admin{path}", json=body, headers=self.headers)


@pytest.fixture
def admin(app: FastAPI) -> Iterator[Staff]:
    content.forget_cached()
    yield Staff(app, "root-ada", "admin")
    content.forget_cached()


def test_only_admins_may(app: FastAPI, admin: Staff) -> None:
    person = seed_person("Ann-Api-1")
    calls = [
        ("GET", "/audit", None),
        ("GET", "/content", None),
        ("POST", "/content", {"values": {"district.Bolton.phone": "01204 123456"}}),
        ("POST", "/privacy/lookup", {"id": person.conversation_id}),
        ("POST", "/privacy/export", {"id": person.conversation_id}),
        (
            "POST",
            "/privacy/erase",
            {"id": person.conversation_id, "confirm": person.conversation_id},
        ),
    ]
    for role in ("advisor", "reviewer"):
        other = Staff(app, f"not-admin-{role}", role)
        for method, path, body in calls:
            response = other.get(path) if method == "GET" else other.post(path, body or {})
            assert response.status_code == 403, (role, method, path)
        page = other.client.get("/console/admin/content", follow_redirects=False)
        assert page.status_code == 403 and "Admins only" in page.text
    assert rows_of(person.conversation_id) and content.get_content().districts["Bolton"].phone == ""
    assert admin.client.get("/console/admin/content").status_code == 200


def test_the_audit_trail_filters_and_pages(app: FastAPI, admin: Staff) -> None:
    Staff(app, "bob", "advisor")
    person = seed_person("Ann-Api-2")
    actor.record("retention", detail="days=365")
    audit.record("view", admin.user.id, person.conversation_id, client="testclient")
    everything = admin.get("/audit").json()
    actions = [e["action"] for e in everything["events"]]
    assert actions[0] == "view" and actions.count("login") == 2 and "retention" in actions
    assert "command line" in everything["staff"] and "bob" in everything["staff"]
    assert "erase" in everything["actions"]

    def shown(**params: Any) -> list[tuple[str, str | None]]:
        return [(e["action"], e["staff"]) for e in admin.get("/audit", **params).json()["events"]]

    assert shown(action="login") == [("login", "bob"), ("login", "root-ada")]
    assert shown(staff="bob") == [("login", "bob")]
    assert shown(staff="command line") == [("retention", None)]
    assert shown(conversation=person.conversation_id) == [("view", "root-ada")]
    today = utcnow().date()
    assert (
        len(shown(**{"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}))
        == 4
    )
    assert shown(**{"from": str(today + timedelta(days=2))}) == []
    assert shown(**{"to": str(today - timedelta(days=2))}) == []
    first = admin.get("/audit", limit=3).json()
    second = admin.get("/audit", limit=3, before=first["next_before"]).json()
    assert [e["id"] for e in first["events"]] == [4, 3, 2] and first["next_before"] == 2
    assert [e["id"] for e in second["events"]] == [1] and second["next_before"] is None


def test_no_route_changes_the_audit_trail(app: FastAPI, admin: Staff) -> None:
    audit_routes = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if context.path and "audit" in context.path
        for method in context.methods or set()
    }
    assert audit_routes and {m for m, _ in audit_routes} <= {"GET", "HEAD"}, audit_routes
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = admin.client.request(
            method, "/api/staff/admin/audit", json={}, headers=admin.headers
        )
        assert response.status_code == 405, method


def test_look_up_export_and_erase_with_the_id_typed_again(admin: Staff) -> None:
    ann = seed_person("Ann-Api-3", channel="telegram", telegram_id=8080)
    bob = seed_person("Bob-Api-4")
    found = admin.post("/privacy/lookup", {"id": "telegram:8080"}).json()
    assert found["conversation_ids"] == [ann.conversation_id]
    assert found["counts"]["messages"] == 3 and found["counts"]["tracker_events"] == 6
    exported = admin.post("/privacy/export", {"id": "telegram:8080", "format": "html"})
    assert exported.headers["content-type"].startswith("text/html")
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert "Ann-Api-3" in exported.text and "Bob-Api-4" not in exported.text
    as_json = admin.post("/privacy/export", {"id": "telegram:8080"}).json()
    assert as_json["conversations"][0]["conversation_id"] == ann.conversation_id

    refused = admin.post("/privacy/erase", {"id": "telegram:8080", "confirm": "telegram:8081"})
    assert refused.status_code == 400 and rows_of(ann.conversation_id)
    erased = admin.post("/privacy/erase", {"id": "telegram:8080", "confirm": "telegram:8080"})
    assert erased.status_code == 200 and erased.json()["counts"]["messages"] == 3
    assert marker_anywhere("Ann-Api-3") == [] and marker_anywhere("Bob-Api-4")
    assert rows_of(bob.conversation_id)
    gone = admin.post("/privacy/lookup", {"id": "telegram:8080"})
    assert gone.status_code == 404
    assert admin.post("/privacy/lookup", {"id": "two words"}).status_code == 400

    trail = [(e.action, e.staff_user_id) for e in audit.events(ann.conversation_id)]
    assert trail == [
        ("lookup", admin.user.id),
        ("export", admin.user.id),
        ("export", admin.user.id),
        ("erase", admin.user.id),
    ]


def signpost_details(district: str) -> list[str]:
    """What the signposting action says about reaching the district's service."""
    tracker = make_tracker("Bolton", "inform", slots={"district": district})
    messages, _ = run_action(ActionSignpost(), tracker, domain={})
    return [m["details"] for m in messages if m.get("response") == "utter_signpost_contact"]


def test_an_admin_sets_a_phone_and_the_assistant_says_it_at_once(admin: Staff) -> None:
    assert signpost_details("Bolton") == []  # unset: not said
    saved = admin.post("/content", {"values": {"district.Bolton.phone": " 01204  123456 "}})
    assert saved.status_code == 200, saved.text
    assert content.get_content().districts["Bolton"].phone == "01204 123456"
    assert signpost_details("Bolton") == ["01204 123456"]
    assert signpost_details("Bury") == []
    [row] = [e for e in audit.events(staff_user_id=admin.user.id) if e.action == "content_change"]
    assert row.detail == "district.Bolton.phone='01204 123456'"
    bolton = next(g for g in saved.json()["groups"] if g["title"] == "Bolton")
    phone = next(f for f in bolton["fields"] if f["key"] == "district.Bolton.phone")
    assert (phone["value"], phone["in_use"], phone["updated_by"]) == (
        "01204 123456",
        "01204 123456",
        "root-ada",
    )
    back = admin.post("/content", {"values": {"district.Bolton.phone": None}})
    assert back.status_code == 200 and signpost_details("Bolton") == []


def test_values_are_checked_all_or_none(admin: Staff) -> None:
    response = admin.post(
        "/content",
        {
            "values": {
                "district.Bolton.phone": "01204 123456",
                "district.Bolton.website": "http://bolton.example",
                "district.Bury.phone": "call 0161 123 4567 now",
                "service.hours": "weekdays 9 to 5",
                "district.Nowhere.phone": "01204 123456",
            }
        },
    )
    assert response.status_code == 400
    assert set(response.json()["detail"]["errors"]) == {
        "district.Bolton.website",
        "district.Bury.phone",
        "service.hours",
        "district.Nowhere.phone",
    }
    assert content.get_content().districts["Bolton"].phone == ""  # nothing was saved
    ok = admin.post(
        "/content",
        {
            "values": {
                "district.Bolton.website": "https://bolton.example/help",
                "district.Bolton.address": "1 Example Street\nBolton",
                "service.hours": "Mon-Fri 9:00-17:00",
            }
        },
    )
    assert ok.status_code == 200, ok.text
    assert content.get_content().opening_hours == "Monday to Friday, 9am to 5pm"
    assert content.line_hours() == "mon-fri 09:00-17:00"
