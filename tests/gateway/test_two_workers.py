"""Two gateway processes on one database and the machine's Redis: an advisor's reply sent
through one reaches the web chat stream held by the other, within a second."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import migrated_sqlite, using_database
from tests.support.processes import free_port, start_gateway_process, stop
from tests.support.sse import read_data
from tests.support.staff import PASSWORD, make_staff


@pytest.fixture
def two_gateways(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two gateway processes sharing a SQLite file, a secret key and a Redis namespace; the
    engine is down (nothing listens on its port), so a message waits for an advisor."""
    url = migrated_sqlite(tmp_path / "welfare.db")
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "SECRET_KEY": uuid.uuid4().hex,
        "COOKIE_SECURE": "0",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}/webhook",
    }
    ports = free_port(), free_port()
    processes = [
        start_gateway_process(port, env, tmp_path / f"gateway-{n}.log")
        for n, port in enumerate(ports)
    ]
    with using_database(url):
        make_staff("two-workers", "advisor")
        try:
            yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
        finally:
            for process in processes:
                stop(process)


def test_an_advisor_reply_crosses_to_the_other_worker(two_gateways: tuple[str, str]) -> None:
    first, second = two_gateways
    for base in two_gateways:
        assert httpx.get(f"{base}/healthz").json()["push_bus"] == "ok"
    session = httpx.post(f"{first}/api/webchat/sessions").json()
    person = {"Authorization": f"Bearer {session['token']}"}
    messages = f"{first}/api/webchat/sessions/{session['session_id']}/messages"
    assert httpx.post(messages, json={"text": "can someone help me"}, headers=person).is_success
    stream = read_data(f"{first}/api/webchat/sessions/{session['session_id']}/stream", person)

    advisor = httpx.Client(base_url=second)
    login = advisor.post(
        "/api/staff/login", json={"username": "two-workers", "password": PASSWORD}
    ).json()
    csrf = {"X-CSRF-Token": login["csrf_token"]}
    (waiting,) = advisor.get("/api/staff/queue").json()
    conversation = waiting["conversation_id"]
    assert advisor.post(f"/api/staff/conversations/{conversation}/claim", headers=csrf).is_success
    sent_at = time.monotonic()
    reply = advisor.post(
        f"/api/staff/conversations/{conversation}/messages",
        json={"text": "Hello, I'm an advisor. How can I help?"},
        headers=csrf,
    )
    assert reply.is_success
    event = stream.get(timeout=1.0)
    assert time.monotonic() - sent_at < 1.0
    assert event["from"] == "advisor" and event["text"].startswith("Hello, I'm an advisor")
