"""The built-once validator accepts and refuses what Rasa's check does, with Rasa's error text."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from engine.patches import action_validation

GOOD = [
    {"events": [{"event": "slot", "name": "district", "value": "Bolton"}], "responses": []},
    {"events": [], "responses": [{"text": "hi", "buttons": []}]},
    {},
]
BAD = [
    {"events": [{"event": 42}], "responses": "not a list"},
    {"events": "x"},
    {"events": [{"name": "no event key"}]},
    {"responses": [{"text": 5}], "events": [{"event": "slot"}, 7]},
]


def _error(check: Any, answer: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        check(RemoteAction("action_answer", None), answer)
    return caught.value.message


@pytest.mark.parametrize("answer", GOOD)
def test_valid_answers_are_accepted(answer: dict[str, Any]) -> None:
    assert action_validation.validate_action_result(RemoteAction("a", None), answer) is True


@pytest.mark.parametrize("answer", BAD)
def test_invalid_answers_raise_rasas_exact_error(answer: dict[str, Any]) -> None:
    ours = _error(action_validation.validate_action_result, answer)
    rasas = _error(action_validation._rasa_validate_action_result, answer)
    assert ours == rasas
    assert "Failed to validate Action server response" in ours
