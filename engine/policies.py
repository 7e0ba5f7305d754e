"""The dialogue policies, with the work each prediction repeats kept instead.

Named in config.yml in place of Rasa's own; each is Rasa's policy with two answers kept:

- The conversation's states. Each prediction turns the whole conversation into states three
  times over (the rule policy twice, memoization once), replaying every event each time. The
  states depend only on the events, the domain and the arguments, and events are only ever
  added, so they are kept on the tracker until an event is added (the number of events and
  the first and last event tell); each caller gets its own copy, since callers edit them.
- The rules that match (RulePolicy only). Every prediction tests each of the ~350 learned
  rules against the conversation's recent states, in Python: a tenth of a turn. A rule of n
  states matches anything further back than n, so only the last (longest rule) states
  decide, and the same tail always gives the same rules; the answer is kept per tail.

With ENGINE_PATCHES=off they behave exactly as Rasa's policies. The guard checks, when a
policy is made, that the Rasa code they rely on is the version they were written for.
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from engine import patches
from engine.patches import guard, pins

State = Dict[str, Dict[str, Any]]
POSSIBLE_KEYS_CACHE_SIZE = 4096


def freeze(value: Any) -> Any:
    """A hashable stand-in for a state, equal exactly when the state compares equal."""
    if isinstance(value, dict):
        return ("d", frozenset((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    return value


def kept_past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Dict[str, Any] | None = None,
) -> List[State]:
    """`tracker.past_states(...)`, kept on the tracker until its events change; a copy."""
    events = tracker.events
    mark = (len(events), events[0] if events else None, events[-1] if events else None)
    key = (omit_unset_slots, ignore_rule_only_turns, freeze(rule_only_data))
    held = tracker.__dict__.get("_kept_states")
    if (
        held is None
        or held[0] is not domain
        or held[1][0] != mark[0]
        or held[1][1] is not mark[1]
        or held[1][2] is not mark[2]
    ):
        held = tracker.__dict__["_kept_states"] = (domain, mark, {})
    states = held[2].get(key)
    if states is None:
        states = held[2][key] = tracker.past_states(
            domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    return [{part: dict(values) for part, values in state.items()} for state in states]


class StatesKept:
    """The tracker as the featurizer sees it: its `past_states` answer kept (read-only view)."""

    __slots__ = ("_tracker",)

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self._tracker = tracker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracker, name)

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Dict[str, Any] | None = None,
    ) -> List[State]:
        return kept_past_states(
            self._tracker, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )


class KeepsStates:
    """Mixin: the policy's prediction states come from the kept states."""

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Dict[str, Any] | None = None,
    ) -> List[State]:
        if patches.enabled():
            tracker = StatesKept(tracker)
        return super()._prediction_states(  # type: ignore[misc]
            tracker, domain, use_text_for_last_user_input, rule_only_data
        )


def _check_rasa() -> None:
    if patches.enabled():
        guard.check("engine policies", pins.VERSIONS, pins.POLICIES)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class KeptMemoizationPolicy(KeepsStates, MemoizationPolicy):
    """Rasa's MemoizationPolicy with the conversation's states kept between policies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _check_rasa()
        super().__init__(*args, **kwargs)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class KeptRulePolicy(KeepsStates, RulePolicy):
    """Rasa's RulePolicy with the conversation's states and the matching rules kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _check_rasa()
        super().__init__(*args, **kwargs)

    def _get_possible_keys(self, lookup: Dict[str, str], states: List[State]) -> Set[str]:
        """Rasa's `_get_possible_keys`, kept per lookup and tail of states.

        A lookup is built whole in training and never changed after, so it is identified
        by the object itself.
        """
        if not patches.enabled():
            return super()._get_possible_keys(lookup, states)
        longest: Dict[int, Tuple[Dict[str, str], int]] = self.__dict__.setdefault(
            "_rule_lengths", {}
        )
        held = longest.get(id(lookup))
        if held is None or held[0] is not lookup:
            length = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
            held = longest[id(lookup)] = (lookup, length)
        tail = states[-held[1] :] if held[1] else []
        cache: Dict[Any, Set[str]] = self.__dict__.setdefault("_possible_keys", {})
        key = (id(lookup), freeze(tail))
        found = cache.get(key)
        if found is None:
            if len(cache) >= POSSIBLE_KEYS_CACHE_SIZE:
                cache.clear()
            found = cache[key] = super()._get_possible_keys(lookup, tail)
        return set(found)
