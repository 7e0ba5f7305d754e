"""Work the Rasa 3.6 engine repeats on every turn, done once instead.

Each was found with a sampling profiler on this assistant under load, and each gives exactly
the answers Rasa's own code gives (`scripts/check_engine_speedups.py` checks that):

- Rasa checks every answer from the action server with `jsonschema.validate`, which first
  checks the (constant) schema itself against the JSON Schema meta-schema: three quarters of a
  turn. The validator is built once.
- Every event read back (each action's answer, and the whole conversation on every turn from
  the tracker store) is matched to its class by walking all of `Event`'s subclasses and asking
  each whether it is abstract: about a tenth of a turn. The first match for each name is kept.
- Every graph run (each parse, each prediction) works out again which nodes its targets need,
  recursively: a few per cent. The answer is kept per graph and set of targets.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple, Type

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.engine.graph import GraphSchema
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_validator: Any | None = None


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        _validator = validator_for(schema)(schema)
    try:
        _validator.validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


_rasa_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[str, Type[Event]] = {}


def _resolve_by_type(type_name: str, default: Type[Event] | None = None) -> Type[Event] | None:
    """Rasa's `Event.resolve_by_type`, remembering each class it found.

    Event classes are defined when their modules are imported and never change, so the first
    match stays the first match. Names not yet seen (and "topic", defaults and errors) go to
    Rasa's own lookup.
    """
    found = _event_classes.get(type_name)
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _event_classes[type_name] = found
    return found


_rasa_minimal_graph_schema = GraphSchema.minimal_graph_schema


def _minimal_graph_schema(self: GraphSchema, targets: List[str] | None = None) -> GraphSchema:
    """Rasa's `GraphSchema.minimal_graph_schema`, kept per schema and targets.

    A loaded model's graph schema is not changed after loading; the runner only reads the
    result to build each run's task list.
    """
    cache: Dict[Tuple[str, ...], GraphSchema] = self.__dict__.setdefault("_minimal_cache", {})
    key = tuple(targets) if targets else ()
    if key not in cache:
        cache[key] = _rasa_minimal_graph_schema(self, targets)
    return cache[key]


def install() -> None:
    """Put the once-only versions in place of Rasa's (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
    GraphSchema.minimal_graph_schema = _minimal_graph_schema  # type: ignore[method-assign]
