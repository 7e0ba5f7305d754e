"""Security headers on every response, the body limit, framing and the API docs switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.settings import get_settings
from tests.support.rasa import ScriptedRasa


@pytest.fixture
def client_for(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A gateway built with the given settings (environment variables)."""
    clients: list[TestClient] = []

    def build(**env: str) -> TestClient:
        from bot.app import create_app

        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        client = TestClient(create_app(ScriptedRasa().client()))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
    get_settings.cache_clear()


def test_every_response_has_the_headers(client_for) -> None:
    client = client_for()
    for path in ("/healthz", "/console/login", "/no-such-page"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert response.headers["strict-transport-security"].startswith("max-age="), path
        assert response.headers["x-frame-options"] == "DENY", path


def test_api_answers_are_never_cached(client_for) -> None:
    client = client_for()
    response = client.post("/api/webchat/sessions")
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"


def test_no_hsts_over_local_http(client_for) -> None:
    client = client_for(COOKIE_SECURE="0")
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_only_partner_sites_may_frame_the_chat(client_for) -> None:
    client = client_for(FRAME_ANCESTORS="https://partner.example https://other.example")
    policy = client.get("/chat").headers["content-security-policy"]
    assert "default-src 'self'" in policy  # the page's own policy is kept
    assert "frame-ancestors 'self' https://partner.example https://other.example" in policy
    assert "x-frame-options" not in client.get("/chat").headers
    console = client.get("/console/login").headers
    assert "frame-ancestors 'none'" in console["content-security-policy"]


def test_chat_is_not_framed_by_anyone_without_the_setting(client_for) -> None:
    policy = client_for().get("/chat").headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self'")


def test_a_body_over_the_limit_is_refused_before_it_is_read(client_for) -> None:
    client = client_for()
    session = client.post("/api/webchat/sessions").json()
    url = f"/api/webchat/sessions/{session['session_id']}/messages"
    headers = {"Authorization": f"Bearer {session['token']}"}
    big = '{"text": "' + "a" * 20_000 + '"}'
    response = client.post(
        url, content=big, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "too much" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts as it streams
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 1000
        yield b'"}'

    streamed = client.post(
        url, content=chunks(), headers={**headers, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    small = client.post(url, json={"text": "hello"}, headers=headers)
    assert small.status_code == 200


def test_api_docs_are_off_unless_asked_for(client_for) -> None:
    assert client_for().get("/docs").status_code == 404
    assert client_for().get("/openapi.json").status_code == 404
    assert client_for(API_DOCS="1").get("/openapi.json").status_code == 200
    assert client_for(COOKIE_SECURE="0").get("/docs").status_code == 200


def test_secure_cookies_without_a_secret_key_refuse_to_start(client_for) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        client_for(SECRET_KEY="")
    assert client_for(SECRET_KEY="", COOKIE_SECURE="0").get("/healthz").status_code == 200
