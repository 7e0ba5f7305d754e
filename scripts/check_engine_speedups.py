"""Run in the engine's environment: the faster answer check is installed with the model's
custom component and gives the same verdicts as Rasa's own check."""

from __future__ import annotations

import jsonschema
from rasa.core.actions.action import RemoteAction

import engine.crisis_rules  # noqa: F401 - installs engine.speedups
from engine import speedups

action = RemoteAction("action_answer", None)
assert RemoteAction._validate_action_result is speedups._validate_action_result
schema = RemoteAction.action_response_format_spec()
good = {"events": [{"event": "slot", "name": "district", "value": "Bolton"}], "responses": []}
bad = {"events": [{"event": 42}], "responses": "not a list"}
assert action._validate_action_result(good) is True
jsonschema.validate(good, schema)
for answer in (bad, {"events": "x"}):
    try:
        action._validate_action_result(answer)
    except jsonschema.ValidationError as error:
        assert "Failed to validate Action server response" in error.message
        try:
            jsonschema.validate(answer, schema)
        except jsonschema.ValidationError:
            pass
        else:
            raise AssertionError("Rasa's own check accepts what ours refuses")
    else:
        raise AssertionError("a malformed answer was accepted")
print("engine speedups: installed, same verdicts as jsonschema.validate")
