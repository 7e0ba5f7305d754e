"""`/healthz` reports the database, the engine and the action server one by one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.rasa import ScriptedRasa


def test_healthz_reports_each_part(gateway_client: TestClient, rasa: ScriptedRasa) -> None:
    body = gateway_client.get("/healthz").json()
    assert body["database"] == "ok" and body["engine"] == "ok"
    assert body["action_server"] in ("ok", "down")
    rasa.mode = "down"
    assert gateway_client.get("/healthz").json()["engine"] == "down"


def test_healthz_shows_the_engine_keeping_conversations_in_memory(
    gateway_client: TestClient, rasa: ScriptedRasa
) -> None:
    body = gateway_client.get("/healthz").json()
    assert body["tracker_store"] == "ok" and body["lock_store"] == "ok"
    rasa.mode = "memory"
    body = gateway_client.get("/healthz").json()
    assert body["engine"] == "ok" and body["tracker_store"] == "down"
    rasa.mode = "down"
    assert gateway_client.get("/healthz").json()["tracker_store"] == "down"
