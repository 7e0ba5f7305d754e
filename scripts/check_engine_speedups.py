"""Run in the engine's environment: the once-only versions in engine/speedups.py are installed
with the model's custom component and give the same answers as Rasa's own code."""

from __future__ import annotations

import sys
from pathlib import Path

import jsonschema
import rasa.shared.utils.common
from rasa.core.actions.action import RemoteAction
from rasa.engine.graph import GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import Event

import engine.crisis_rules  # noqa: F401 - installs engine.speedups
from engine import speedups

action = RemoteAction("action_answer", None)
assert RemoteAction._validate_action_result is speedups._validate_action_result
assert Event.resolve_by_type is speedups._resolve_by_type
assert GraphSchema.minimal_graph_schema is speedups._minimal_graph_schema
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

# Event classes: the same class as Rasa's own lookup for every name, twice (cold and cached).
names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
for _ in range(2):
    for name in sorted(names):
        assert Event.resolve_by_type(name) is speedups._rasa_resolve_by_type(name), name
assert Event.resolve_by_type("topic") is None
assert Event.resolve_by_type("no-such-event", default=Event) is Event
try:
    Event.resolve_by_type("no-such-event")
except ValueError:
    pass
else:
    raise AssertionError("an unknown event name was accepted")

# Graph runs: the same nodes as Rasa's own pruning, for the model's graph and every target.
model = Path(sys.argv[1] if len(sys.argv) > 1 else "models/welfare.tar.gz")
schema = LocalModelStorage.metadata_from_archive(model).predict_schema
for targets in [None, *([name] for name in schema.nodes)]:
    for _ in range(2):
        ours = schema.minimal_graph_schema(targets)
        rasas = speedups._rasa_minimal_graph_schema(schema, targets)
        assert ours.as_dict() == rasas.as_dict(), targets
print(
    f"engine speedups: installed; same verdicts as jsonschema.validate, same classes for "
    f"{len(names)} event names, same pruned graph for {len(schema.nodes) + 1} target sets"
)
