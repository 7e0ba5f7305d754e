"""Button payloads are left alone; every other placeholder is filled, and a typo still reported."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import structlog.testing
from rasa.shared.core.domain import Domain

from engine import patches
from engine.nlg import ButtonPayloadNLG

DOMAIN = Domain.from_dict(
    {
        "slots": {"name": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {
            "utter_time": [
                {
                    "text": "When is best, {name}?",
                    "buttons": [
                        {
                            "title": "Mornings for {name}",
                            "payload": '/inform{"best_time":"Mornings"}',
                        },
                        {"title": "Any", "payload": "any time"},
                    ],
                }
            ],
            "utter_typo": [{"text": "Hello {nmae}"}],
        },
    }
)


def _generate(nlg: Any, name: str) -> Any:
    return nlg.generate_from_slots(name, {"name": "Sam"}, "rest")


@pytest.mark.skipif(not patches.enabled(), reason="ENGINE_PATCHES=off: Rasa's own interpolation")
def test_intent_payloads_are_kept_as_written_without_an_error_log() -> None:
    with structlog.testing.capture_logs() as logged:
        out = _generate(ButtonPayloadNLG(None, DOMAIN), "utter_time")
    assert out["text"] == "When is best, Sam?"
    assert out["buttons"][0] == {
        "title": "Mornings for Sam",
        "payload": '/inform{"best_time":"Mornings"}',
    }
    assert out["buttons"][1]["payload"] == "any time"
    assert not [e for e in logged if e["log_level"] == "error"]
    again = _generate(ButtonPayloadNLG(None, DOMAIN), "utter_time")
    assert again == out  # the domain's own response was not changed


def test_a_typo_in_a_placeholder_is_still_reported() -> None:
    with structlog.testing.capture_logs() as logged:
        out = _generate(ButtonPayloadNLG(None, DOMAIN), "utter_typo")
    assert out["text"] == "Hello {nmae}"
    assert any(e.get("placeholder_key") == "nmae" for e in logged)


def test_endpoints_yml_names_this_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    from rasa.core.nlg.generator import NaturalLanguageGenerator
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    nlg = NaturalLanguageGenerator.create(endpoints.nlg, DOMAIN)
    assert isinstance(nlg, ButtonPayloadNLG)
    assert asyncio.iscoroutinefunction(nlg.generate)
