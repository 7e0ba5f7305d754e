"""The real engine reports the stores it uses: the project's SQL tracker store, answering."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_the_engine_keeps_conversations_in_the_database(engine_url: str) -> None:
    report = httpx.get(f"{engine_url}/webhooks/health/", timeout=10).json()
    assert report["status"] == "ok"
    assert report["tracker_store"] == {
        "type": "ProjectTrackerStore",
        "ok": True,
        "fell_back_to_memory": False,
    }
    assert report["lock_store"]["ok"] is True
