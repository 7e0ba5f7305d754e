"""The dialogue policies, with the work each prediction repeats kept instead.

Named in config.yml in place of Rasa's own; each is Rasa's policy with two answers kept:

- The conversation's states. Each prediction turns the whole conversation into states three
  times over (the rule policy twice, memoization once), and Rasa replays every event of the
  conversation each time: a turn late in a long conversation cost twice one early on. Events
  are only ever added, and the state before each action depends only on the events before
  it, so the computation is kept on the tracker, per set of arguments, and resumed: only the
  events added since are replayed, and only the last state (the conversation as it is now) is
  made again. Whenever an added event could change what came before (a reverted turn, a
  restart, a new session, a form taking back its earlier turns, a new form name, a message
  marked afterwards), or the events are not the ones it saw, it starts again from the first
  event. Each caller gets its own copy, since callers edit them.
- The rules that match (RulePolicy only). Every prediction tests each of the ~350 learned
  rules against the conversation's recent states, in Python: a tenth of a turn. A rule of n
  states matches anything further back than n, so only the last (longest rule) states
  decide, and the same tail always gives the same rules; the answer is kept per tail.

With ENGINE_PATCHES=off they behave exactly as Rasa's policies. The guard checks, when a
policy is made, that the Rasa code they mirror or rely on is the version they were written
for.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any, Dict, List, Set, Tuple

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from engine import patches
from engine.patches import guard, pins
from engine.patches import trackers as tracker_patch

State = Dict[str, Dict[str, Any]]
POSSIBLE_KEYS_CACHE_SIZE = 4096

# Events after which `applied_events` drops or rewinds earlier events: never resumed over.
REWINDS = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)
# Rasa's own (or, for applied_events, the patch that gives Rasa's answer faster): a tracker
# or domain whose class has anything else is left to Rasa's code.
RASAS_TRACKER = {
    "past_states": (DialogueStateTracker.past_states,),
    "generate_all_prior_trackers": (DialogueStateTracker.generate_all_prior_trackers,),
    "applied_events": (tracker_patch._rasa_applied_events, tracker_patch.applied_events),
}
RASAS_STATES = Domain.states_for_tracker_history


def freeze(value: Any) -> Any:
    """A hashable stand-in for a state, equal exactly when the state compares equal."""
    if isinstance(value, dict):
        return ("d", frozenset((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    return value


def _message_mark(message: UserUttered) -> Tuple[Any, ...]:
    """What of a user message its state is made from and could be changed after the fact
    (`DefinePrevUserUtteredFeaturization` sets the flag, `EntitiesAdded` appends)."""
    return (
        message.use_text_for_featurization,
        len(message.entities),
        message.intent_name,
        message.text,
    )


class StatesSoFar:
    """Rasa's `Domain.states_for_tracker_history` for one tracker and one set of arguments,
    stopped after the events seen so far and resumable when more are added.

    Mirrors `DialogueStateTracker.generate_all_prior_trackers` (a replay tracker, updated
    with each applied event, read before each action) and the loop over it in
    `states_for_tracker_history` (its carried `last_ml_action_sub_state` and
    `turn_was_hidden`), with `DialogueStateTracker.applied_events`' own loop carried on
    over the added events.
    """

    __slots__ = (
        "domain",
        "events",
        "consumed",
        "first",
        "last",
        "omit_unset_slots",
        "ignore_rule_only_turns",
        "rule_only_data",
        "applied",
        "loop_names",
        "replay",
        "states",
        "last_ml_action_sub_state",
        "turn_was_hidden",
        "read",
        "answer",
        "answer_read",
    )

    def __init__(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool,
        ignore_rule_only_turns: bool,
        rule_only_data: Dict[str, Any] | None,
    ) -> None:
        """The whole computation, from the first event (Rasa's order throughout)."""
        self.domain = domain
        self.omit_unset_slots = omit_unset_slots
        self.ignore_rule_only_turns = ignore_rule_only_turns
        self.rule_only_data = copy.deepcopy(rule_only_data)
        events = tracker.events
        self.loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
        self.applied: List[Event] = tracker.applied_events()
        self.replay = tracker.init_copy()
        self.states: List[State] = []  # one for each action passed, hidden turns left out
        self.last_ml_action_sub_state: Dict[str, str] | None = None
        self.turn_was_hidden = False
        # the user messages the kept states were made from: {id: (message, mark)}
        self.read: Dict[int, Tuple[UserUttered, Tuple[Any, ...]]] = {}
        for event in self.applied:
            self._apply(event)
        self._consumed(events)
        self._finish()

    def _apply(self, event: Event) -> None:
        """One step of `generate_all_prior_trackers`: a state before an action, then update."""
        if isinstance(event, ActionExecuted):
            state, self.last_ml_action_sub_state, self.turn_was_hidden = self._turn(
                event.hide_rule_turn, self.last_ml_action_sub_state, self.turn_was_hidden
            )
            if state is not None:
                self.states.append(state)
                message = self.replay.latest_message
                if message is not None and id(message) not in self.read:
                    # as first read: a change since shows as a change
                    self.read[id(message)] = (message, _message_mark(message))
        self.replay.update(event)

    def _turn(
        self, hide_rule_turn: bool, last_ml_action_sub_state: Any, turn_was_hidden: bool
    ) -> Tuple[State | None, Any, bool]:
        """One pass of the loop in `states_for_tracker_history`, on the replay tracker as it
        is: (the state, or None for a hidden turn; the loop's two carried variables)."""
        domain, tr = self.domain, self.replay
        if self.ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
            if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
                turn_was_hidden = hide_rule_turn
            if turn_was_hidden:
                return None, last_ml_action_sub_state, turn_was_hidden
        state = domain.get_active_state(tr, omit_unset_slots=self.omit_unset_slots)
        if self.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, self.rule_only_data)
            if self.states:
                domain._substitute_rule_only_user_input(state, self.states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = last_ml_action_sub_state
        return domain._clean_state(state), last_ml_action_sub_state, turn_was_hidden

    def _finish(self) -> None:
        """The last state, of the whole conversation as it is now: made again every time."""
        state, _, _ = self._turn(False, self.last_ml_action_sub_state, self.turn_was_hidden)
        self.answer = self.states if state is None else [*self.states, state]
        message = self.replay.latest_message
        self.answer_read = None if message is None else (message, _message_mark(message))

    def _consumed(self, events: Any) -> None:
        self.events = events
        self.consumed = len(events)
        self.first = events[0] if events else None
        self.last = events[-1] if events else None

    def _unchanged(self) -> bool:
        """No message a kept state was made from has been marked since it was read."""
        return all(_message_mark(message) == mark for message, mark in self.read.values())

    def resume(self, tracker: DialogueStateTracker, domain: Domain) -> bool:
        """Bring the answer up to the tracker's events; False when only starting again can.

        The events so far must be the very ones seen (same domain, same event container,
        no fewer events, the same first and last seen event objects), and none of the added
        events may change which earlier events apply: a rewind (`REWINDS`), an `ActiveLoop`
        of a loop name not seen before (`applied_events` treats the actions of every loop
        named anywhere in the conversation specially), or an action of a loop that takes
        back the turns since its last run (`applied_events`' `_undo_till_previous_loop_execution`).
        """
        events = tracker.events
        count = len(events)
        if (
            domain is not self.domain
            or events is not self.events
            or count < self.consumed
            or (
                self.consumed
                and (events[0] is not self.first or events[self.consumed - 1] is not self.last)
            )
            or not self._unchanged()
        ):
            return False
        if count == self.consumed:
            held = self.answer_read
            if held is not None and _message_mark(held[0]) != held[1]:
                self._finish()  # the last message marked without an event: read it again
            return True
        added = [events[i] for i in range(self.consumed, count)]
        for event in added:
            if isinstance(event, REWINDS):
                return False
            if isinstance(event, ActiveLoop) and event.name and event.name not in self.loop_names:
                return False
        for event in added:
            if (
                isinstance(event, ActionExecuted)
                and event.action_name in self.loop_names
                and not tracker._first_loop_execution_or_unhappy_path(
                    event.action_name, self.applied
                )
            ):
                return False
            self.applied.append(event)
            self._apply(event)
        self._consumed(events)
        self._finish()
        return True


def _rasas_own(tracker: DialogueStateTracker, domain: Domain) -> bool:
    """A tracker and domain whose states are made by the Rasa code mirrored here."""
    kind = type(tracker)
    return (
        all(getattr(kind, name, None) in own for name, own in RASAS_TRACKER.items())
        and getattr(type(domain), "states_for_tracker_history", None) is RASAS_STATES
        and type(tracker.events) in (deque, list)
    )


def kept_past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Dict[str, Any] | None = None,
) -> List[State]:
    """`tracker.past_states(...)`, resumed from where it was for the same tracker; a copy."""
    if not _rasas_own(tracker, domain):
        return tracker.past_states(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    key = (omit_unset_slots, ignore_rule_only_turns, freeze(rule_only_data))
    kept: Dict[Any, StatesSoFar] = tracker.__dict__.setdefault("_kept_states", {})
    held = kept.get(key)
    if held is None or not held.resume(tracker, domain):
        held = kept[key] = StatesSoFar(
            tracker, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    return [{part: dict(values) for part, values in state.items()} for state in held.answer]


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
        guard.check("engine policies", pins.VERSIONS, pins.POLICIES, patches.originals())


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
