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
- Every prediction tests each of the ~350 learned rules against the conversation's recent
  states, in Python: a tenth of a turn. A rule only looks as far back as it is long, so the
  answer depends only on that many last states, and is kept for each such tail.
- Every graph run goes through dask's local scheduler, whose bookkeeping (ordering, queues,
  callbacks) costs more than running this small graph's nodes in order. The nodes run with
  dask's plain in-order `dask.core.get` instead, on the same graph.
- Each prediction turns the whole conversation into states three times over (the rule
  policy twice, memoization once), replaying every event each time. The states are kept on
  the tracker until an event is added, and each caller gets its own copy.

The calls to the action server are made quicker in engine/action_client.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple, Type

import dask.core
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

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


_rasa_run_graph = DaskGraphRunner.run


def _run_graph(
    self: DaskGraphRunner,
    inputs: Dict[str, Any] | None = None,
    targets: List[str] | None = None,
) -> Dict[str, Any]:
    """Rasa's `DaskGraphRunner.run`, with the graph run in order by `dask.core.get`.

    Same graph, same node calls and same errors; what is left out is the local scheduler's
    machinery for running nodes in parallel, which a single-threaded run never uses.
    """
    run_targets = targets if targets else self._graph_schema.target_names
    run_graph = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(dask.core.get(run_graph, run_targets))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


_rasa_past_states = DialogueStateTracker.past_states


def _past_states(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Dict[str, Any] | None = None,
) -> List[Dict[str, Dict[str, Any]]]:
    """Rasa's `DialogueStateTracker.past_states`, kept on the tracker until its events change.

    The states depend only on the events, the domain and the arguments. Events are only ever
    added, so the number of events and the first and last event tell whether they changed.
    Callers edit the states they get (the last user turn), so each gets a copy; the values
    inside are strings and tuples.
    """
    events = self.events
    mark = (len(events), events[0] if events else None, events[-1] if events else None)
    key = (omit_unset_slots, ignore_rule_only_turns, _freeze(rule_only_data))
    held = self.__dict__.get("_states_cache")
    if (
        held is None
        or held[0] is not domain
        or held[1][0] != mark[0]
        or held[1][1] is not mark[1]
        or held[1][2] is not mark[2]
    ):
        held = self.__dict__["_states_cache"] = (domain, mark, {})
    states = held[2].get(key)
    if states is None:
        states = held[2][key] = _rasa_past_states(
            self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    return [{part: dict(values) for part, values in state.items()} for state in states]


_rasa_get_possible_keys = RulePolicy._get_possible_keys
POSSIBLE_KEYS_CACHE_SIZE = 4096


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a state, equal exactly when the state compares equal."""
    if isinstance(value, dict):
        return ("d", frozenset((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    return value


def _get_possible_keys(
    self: RulePolicy, lookup: Dict[str, str], states: List[Dict[str, Any]]
) -> Set[str]:
    """Rasa's `RulePolicy._get_possible_keys`, kept per lookup and tail of states.

    Rasa walks back through every state, keeping the rules that match each one; a rule of
    n states matches anything further back than n. So only the last (longest rule) states
    decide, and the same tail always gives the same rules. A lookup is built whole in
    training and never changed after, so it is identified by the object itself.
    """
    longest: Dict[int, Tuple[Dict[str, str], int]] = self.__dict__.setdefault("_rule_lengths", {})
    held = longest.get(id(lookup))
    if held is None or held[0] is not lookup:
        length = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
        held = longest[id(lookup)] = (lookup, length)
    tail = states[-held[1] :] if held[1] else []
    cache: Dict[Any, Set[str]] = self.__dict__.setdefault("_possible_keys", {})
    key = (id(lookup), _freeze(tail))
    found = cache.get(key)
    if found is None:
        if len(cache) >= POSSIBLE_KEYS_CACHE_SIZE:
            cache.clear()
        found = cache[key] = _rasa_get_possible_keys(self, lookup, tail)
    return set(found)


def install() -> None:
    """Put the once-only versions in place of Rasa's (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
    GraphSchema.minimal_graph_schema = _minimal_graph_schema  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]
    DaskGraphRunner.run = _run_graph  # type: ignore[method-assign]
    DialogueStateTracker.past_states = _past_states  # type: ignore[method-assign]
