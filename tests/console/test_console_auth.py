"""Staff login: wrong password 401, cookie flags, CSRF on every change, slow-down after repeated
failures, logout, reviewers read only, and no console route reachable without a session."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from bot.console import auth
from bot.store import audit, conversations
from bot.store.session import in_unit
from tests.support.staff import PASSWORD, make_staff


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def login(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/staff/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def waiting_conversation() -> str:
    cid = in_unit(conversations.create_conversation, "webchat")
    in_unit(conversations.set_state, cid, "waiting", reason="asked")
    return cid


def test_login_sets_a_secure_http_only_same_site_cookie(client: TestClient) -> None:
    user = make_staff("ada")
    response = client.post("/api/staff/login", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "advisor" and len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.COOKIE}=")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "secure", "path=/"} <= flags
    assert body["csrf_token"] not in cookie
    assert client.get("/api/staff/me").json()["csrf_token"] == body["csrf_token"]
    assert [r.action for r in audit.events(staff_user_id=user.id)] == ["login"]


def test_wrong_password_and_unknown_user_get_401(client: TestClient) -> None:
    user = make_staff("ada")
    wrong = client.post("/api/staff/login", json={"username": "ada", "password": "guess"})
    unknown = client.post("/api/staff/login", json={"username": "bob", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "set-cookie" not in wrong.headers
    assert wrong.json() == unknown.json()
    assert client.get("/api/staff/queue").status_code == 401
    failures = [e for e in audit.events() if e.action == "login_failed"]
    assert [(e.staff_user_id, e.detail) for e in failures] == [
        (user.id, "wrong_password"),
        (None, "unknown_user"),
    ]


def test_changes_need_the_csrf_token(client: TestClient) -> None:
    make_staff("ada")
    headers = login(client, "ada")
    cid = waiting_conversation()
    claim = f"/api/staff/conversations/{cid}/claim"
    assert client.post(claim).status_code == 403
    assert client.post(claim, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert client.post("/api/staff/logout").status_code == 403
    assert client.get("/api/staff/queue").status_code == 200  # reads need no token
    assert client.post(claim, headers=headers).status_code == 200


def test_csrf_token_of_one_session_does_not_fit_another(app: FastAPI) -> None:
    make_staff("ada")
    make_staff("bob")
    ada = TestClient(app, base_url="https://testserver")
    bob = TestClient(app, base_url="https://testserver")
    ada_token = login(ada, "ada")
    login(bob, "bob")
    cid = waiting_conversation()
    assert bob.post(f"/api/staff/conversations/{cid}/claim", headers=ada_token).status_code == 403


def test_repeated_failures_slow_logins_down(client: TestClient) -> None:
    make_staff("ada")
    for _ in range(auth.FREE_FAILURES):
        bad = client.post("/api/staff/login", json={"username": "ada", "password": "guess"})
        assert bad.status_code == 401
    # Now even the right password waits: guessing has slowed down.
    slowed = client.post("/api/staff/login", json={"username": "ADA", "password": PASSWORD})
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["retry-after"]) <= auth.FAILURE_BASE.total_seconds() + 1
    assert "set-cookie" not in slowed.headers
    # Another user from the same address is not locked out by ada's failures.
    make_staff("bob")
    login(client, "bob")
    details = [e.detail for e in audit.events() if e.action == "login_failed"]
    assert details == ["wrong_password"] * auth.FREE_FAILURES + ["slowed_down"]


def test_a_success_forgets_earlier_failures(client: TestClient) -> None:
    make_staff("ada")
    for _ in range(auth.FREE_FAILURES - 1):
        client.post("/api/staff/login", json={"username": "ada", "password": "guess"})
    login(client, "ada")
    for _ in range(auth.FREE_FAILURES - 1):
        client.post("/api/staff/login", json={"username": "ada", "password": "guess"})
    login(client, "ada")


def test_logout_ends_the_session_at_once(client: TestClient) -> None:
    user = make_staff("ada")
    headers = login(client, "ada")
    stolen = client.cookies.get(auth.COOKIE)
    response = client.post("/api/staff/logout", headers=headers)
    assert response.status_code == 204
    assert (
        'staff_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in (response.headers["set-cookie"])
    )
    client.cookies.set(auth.COOKIE, stolen)  # a copied cookie is useless too
    assert client.get("/api/staff/queue").status_code == 401
    assert [r.action for r in audit.events(staff_user_id=user.id)] == ["login", "logout"]


def test_reviewers_read_but_never_change(client: TestClient) -> None:
    make_staff("rita", role="reviewer")
    headers = login(client, "rita")
    cid = waiting_conversation()
    assert client.get("/api/staff/queue").status_code == 200
    assert client.get(f"/api/staff/conversations/{cid}").status_code == 200
    for action, body in [
        ("claim", None),
        ("messages", {"text": "hi"}),
        ("notes", {"text": "hi"}),
        ("handback", None),
        ("requeue", None),
        ("close", {"outcome": "answered"}),
    ]:
        url = f"/api/staff/conversations/{cid}/{action}"
        assert client.post(url, json=body, headers=headers).status_code == 403, action
    assert in_unit(conversations.get_state, cid) == "waiting"
    assert client.post("/api/staff/logout", headers=headers).status_code == 204


# Open without a session: signing in, and the sign-in page with its CSS and JavaScript.
PUBLIC = {
    ("POST", "/api/staff/login"),
    ("GET", "/console/login"),
    ("GET", "/console/static/{name}"),
}


def console_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the app under /api/staff and /console except the public ones."""
    found = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in (context.methods or {"GET"}) - {"HEAD"}
        if context.path and context.path.startswith(("/api/staff", "/console"))
    }
    for path, operations in app.openapi()["paths"].items():
        if path.startswith(("/api/staff", "/console")):
            found |= {(method.upper(), path) for method in operations}
    return sorted(found - PUBLIC)


def test_no_console_route_answers_without_a_session(client: TestClient, app: FastAPI) -> None:
    routes = console_routes(app)
    assert len(routes) >= 12, routes
    cid = waiting_conversation()
    for cookie in (None, "not-a-session"):
        if cookie:
            client.cookies.set(auth.COOKIE, cookie)
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", cid, path)
            body = {"text": "x", "outcome": "answered"}
            response = client.request(method, url, json=body, follow_redirects=False)
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, path)
            else:
                location = response.headers.get("location", "")
                assert response.status_code == 401 or (
                    response.is_redirect and "login" in location
                ), (method, path)
    assert in_unit(conversations.get_state, cid) == "waiting"
